"""Sending one delivery attempt: resolve and vet the receiver's addresses, sign, POST.

Outbound requests never follow redirects and never go to private, loopback, link-local or other
non-public addresses unless `webhooks_allow_private_addresses` is set. The connection is pinned
to the address that was vetted (SNI and Host stay the receiver's name), so DNS cannot swap in a
private address between the check and the request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from roughy.config import Settings
from roughy.webhooks.signing import headers as signed_headers

ERROR_TEXT_LIMIT = 500


def retry_delay_seconds(attempts_made: int, settings: Settings) -> float:
    """Seconds to wait after the `attempts_made`-th failed attempt (exponential, capped)."""
    delay = settings.webhook_retry_base_seconds * settings.webhook_retry_factor ** max(
        0, attempts_made - 1
    )
    return float(min(delay, settings.webhook_retry_cap_seconds))


@dataclass(frozen=True)
class AttemptResult:
    ok: bool
    status_code: int | None
    error: str | None


class AddressNotAllowed(Exception):
    pass


def encode_body(payload: dict[str, Any]) -> bytes:
    """`{"type", "data": {"entity_id", "asset_id", ...}}` in that order (JSONB doesn't keep it)."""
    data = dict(payload.get("data") or {})
    leading = {k: data.pop(k) for k in ("entity_id", "asset_id") if k in data}
    body = {"type": payload["type"], "data": {**leading, **dict(sorted(data.items()))}}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def _address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


async def resolve(host: str, port: int, *, allow_private: bool) -> str:
    """Every address of `host`; refuse if any is non-public (unless allowed). Returns one."""
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
        addresses = [literal]
    except ValueError:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise AddressNotAllowed(f"cannot resolve {host}: {exc}") from exc
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise AddressNotAllowed(f"{host} has no addresses")
    if not allow_private:
        refused = [str(a) for a in addresses if not _address_allowed(a)]
        if refused:
            raise AddressNotAllowed(
                f"{host} resolves to a non-public address ({', '.join(sorted(set(refused)))})"
            )
    return str(addresses[0])


async def send(
    *,
    url: str,
    secret: str,
    message_id: str,
    payload: dict[str, Any],
    timeout_seconds: float,
    allow_private: bool,
) -> AttemptResult:
    body = encode_body(payload)
    headers = signed_headers(secret, message_id, int(time.time()), body)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = await resolve(host, port, allow_private=allow_private)
    except AddressNotAllowed as exc:
        return AttemptResult(False, None, str(exc))
    pinned_host = f"[{address}]" if ":" in address else address
    netloc = f"{pinned_host}:{parts.port}" if parts.port else pinned_host
    pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    headers["host"] = parts.netloc.rsplit("@", 1)[-1]
    try:
        async with httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_seconds), follow_redirects=False, trust_env=False
        ) as client:
            response = await client.post(
                pinned, content=body, headers=headers, extensions={"sni_hostname": host}
            )
    except httpx.HTTPError as exc:
        return AttemptResult(False, None, f"{type(exc).__name__}: {exc}"[:ERROR_TEXT_LIMIT])
    if 200 <= response.status_code < 300:
        return AttemptResult(True, response.status_code, None)
    snippet = response.text[:200] if response.content else ""
    return AttemptResult(
        False, response.status_code, f"HTTP {response.status_code} {snippet}".strip()
    )
