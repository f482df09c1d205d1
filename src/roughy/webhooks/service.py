"""Webhook endpoints and events. `emit` is what other domains call when an entity reaches a
terminal state; delivery happens in the `webhooks.deliver` job (see delivery.py)."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from roughy.auth.models import User
from roughy.config import Settings
from roughy.errors import FieldError, ValidationFailed
from roughy.jobs import defer
from roughy.kit import repository as rows
from roughy.kit.clock import utcnow
from roughy.kit.ids import new_id
from roughy.kit.pagination import PageParams, Slice
from roughy.webhooks import delivery as sender
from roughy.webhooks import repository as repo
from roughy.webhooks.errors import WebhookEndpointNotFound
from roughy.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint, WebhookEvent
from roughy.webhooks.schemas import EventType, WebhookEndpointCreate
from roughy.webhooks.signing import new_secret

log = logging.getLogger(__name__)

DELIVER_JOB = "webhooks.deliver"
EVENT_TYPES = frozenset(t.value for t in EventType)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def new_event_id() -> str:
    return "msg_" + new_id().replace("-", "")


async def emit(
    session: AsyncSession, *, user_id: str, event_type: str, data: dict[str, Any]
) -> None:
    """Record one event and queue its delivery to every enabled endpoint of `user_id` subscribed
    to `event_type`, in the caller's transaction.

    `data` should carry `entity_id` and `asset_id` (plus `previous_state` for asset.ready). The
    event gets a stable id (`msg_…`, the `svix-id` of every attempt). Emitting the same
    `event_type` for the same `entity_id` twice is a no-op, so a job that runs twice never
    announces the same terminal state twice.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    entity_id = data.get("entity_id")
    dedupe_key = f"{event_type}:{entity_id}" if entity_id else None
    event_id = new_event_id()
    payload = {"type": event_type, "data": dict(data)}
    inserted = await repo.insert_event(
        session,
        event_id=event_id,
        user_id=user_id,
        event_type=event_type,
        dedupe_key=dedupe_key,
        payload=payload,
        created_at=utcnow(),
    )
    if not inserted:
        return
    for endpoint in await repo.subscribed_endpoints(session, user_id, event_type):
        delivery = await rows.add(
            session,
            WebhookDelivery(
                id=new_id(),
                endpoint_id=endpoint.id,
                event_id=event_id,
                state=DeliveryState.PENDING,
                attempts=0,
                next_attempt_at=utcnow(),
            ),
        )
        await defer(session, DELIVER_JOB, queue="io", delivery_id=delivery.id)


def validate_url(url: str, settings: Settings) -> str:
    """HTTPS only; `http://localhost` / `127.0.0.1` only when insecure localhost is allowed."""

    def invalid(message: str) -> ValidationFailed:
        return ValidationFailed(message, fields=[FieldError("body.url", message)])

    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise invalid("Not a valid URL.") from exc
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password:
        raise invalid("The URL needs a host and must not carry credentials.")
    if port == 0:
        raise invalid("Not a valid port.")
    if parts.scheme == "https":
        return url.strip()
    if (
        parts.scheme == "http"
        and settings.webhooks_allow_insecure_localhost
        and (host in LOCAL_HOSTS or _is_loopback(host))
    ):
        return url.strip()
    raise invalid("The URL must use https.")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def create_endpoint(
    session: AsyncSession, user: User, body: WebhookEndpointCreate, settings: Settings
) -> WebhookEndpoint:
    url = validate_url(body.url, settings)
    event_types = list(dict.fromkeys(t.value for t in body.event_types))
    endpoint = WebhookEndpoint(
        id=new_id(),
        user_id=user.id,
        url=url,
        description=body.description,
        event_types=event_types,
        secret=new_secret(),
        enabled=True,
    )
    result = await rows.add(session, endpoint)
    return result


get_endpoint = rows.OwnedRows(WebhookEndpoint, WebhookEndpointNotFound)


async def list_endpoints(
    session: AsyncSession, user: User, page: PageParams
) -> Slice[WebhookEndpoint]:
    return await repo.list_endpoints(session, user.id, page)


async def delete_endpoint(session: AsyncSession, user: User, endpoint_id: str) -> None:
    endpoint = await get_endpoint(session, user, endpoint_id, for_update=True)
    await repo.delete_endpoint(session, endpoint)


async def rotate_secret(session: AsyncSession, user: User, endpoint_id: str) -> WebhookEndpoint:
    """A new secret signs every attempt from now on (pending retries included)."""
    endpoint = await get_endpoint(session, user, endpoint_id, for_update=True)
    endpoint.secret = new_secret()
    endpoint.updated_at = utcnow()
    await session.flush()
    return endpoint


async def list_deliveries(
    session: AsyncSession, user: User, endpoint_id: str, page: PageParams
) -> Slice[tuple[WebhookDelivery, WebhookEvent]]:
    endpoint = await get_endpoint(session, user, endpoint_id)
    return await repo.list_deliveries(session, endpoint.id, page)


# --------------------------------------------------------------------- the webhooks.deliver job


@dataclass(frozen=True)
class Attempt:
    """What one delivery attempt sends (plain values: the transaction is closed by then)."""

    url: str
    secret: str
    event_id: str
    payload: dict[str, Any]


async def _pending(
    session: AsyncSession, delivery_id: str
) -> tuple[WebhookDelivery, WebhookEvent, WebhookEndpoint] | None:
    """The delivery, its event and endpoint under a row lock, if it is still to be attempted."""
    found = await repo.get_delivery_for_update(session, delivery_id)
    return found if found is not None and found[0].state == DeliveryState.PENDING else None


async def start_attempt(session: AsyncSession, delivery_id: str) -> Attempt | None:
    """The next attempt of a pending delivery; None when there is nothing to send (a delivery
    to a disabled endpoint is skipped)."""
    found = await _pending(session, delivery_id)
    if found is None:
        return None
    row, event, endpoint = found
    if not endpoint.enabled:
        row.state = DeliveryState.SKIPPED
        row.last_error = endpoint.disabled_reason or "endpoint disabled"
        row.next_attempt_at = None
        return None
    return Attempt(endpoint.url, endpoint.secret, event.id, event.payload)


async def record_attempt(
    session: AsyncSession, settings: Settings, delivery_id: str, result: sender.AttemptResult
) -> None:
    """Record an attempt's outcome: delivered, retried after a backoff, or failed (which
    disables an endpoint with no success since the event)."""
    found = await _pending(session, delivery_id)
    if found is None:
        return
    row, event, endpoint = found
    now = utcnow()
    row.attempts += 1
    row.last_attempt_at = now
    row.last_status_code = result.status_code
    row.last_error = result.error
    log.info(
        "webhook attempt",
        extra={
            "delivery_id": row.id,
            "event_id": event.id,
            "endpoint_id": endpoint.id,
            "attempt": row.attempts,
            "ok": result.ok,
            "status_code": result.status_code,
        },
    )
    if result.ok:
        row.state = DeliveryState.SUCCEEDED
        row.delivered_at = now
        row.next_attempt_at = None
        endpoint.last_success_at = now
    elif row.attempts >= settings.webhook_max_attempts:
        await _give_up(session, row, endpoint, result.error)
    else:
        delay = timedelta(seconds=sender.retry_delay_seconds(row.attempts, settings))
        row.next_attempt_at = now + delay
        await defer(session, DELIVER_JOB, queue="io", delay=delay, delivery_id=row.id)


async def _give_up(
    session: AsyncSession, row: WebhookDelivery, endpoint: WebhookEndpoint, error: str | None
) -> None:
    row.state = DeliveryState.FAILED
    row.next_attempt_at = None
    if endpoint.last_success_at is None or endpoint.last_success_at < row.created_at:
        endpoint.enabled = False
        endpoint.disabled_reason = (
            f"Disabled after {row.attempts} failed attempts of one event with no "
            f"success since {row.created_at.isoformat()}: {error}"
        )[:1000]
        await session.flush()
        await repo.skip_pending_deliveries(session, endpoint.id, "endpoint disabled")
