from __future__ import annotations

import time

import httpx
import pytest

from roughy.config import Settings
from roughy.jobs import Runtime
from roughy.storage.signing import SignedFile, sign_file, signed_download_url


@pytest.fixture
def stored(runtime: Runtime) -> str:
    key = "tests/files/report.mp4"
    runtime.storage.put_bytes(key, bytes(range(256)) * 4)
    return key


async def test_signed_download_with_ranges(
    client: httpx.AsyncClient, settings: Settings, stored: str
) -> None:
    url, expires_at = signed_download_url(
        settings.base_url,
        settings.signing_key,
        key=stored,
        content_type="video/mp4",
        filename="Mon rapport.mp4",
        ttl_seconds=900,
    )
    assert expires_at > time.time() + 800
    full = await client.get(url)
    assert full.status_code == 200 and len(full.content) == 1024
    assert full.headers["content-type"] == "video/mp4"
    assert "attachment" in full.headers["content-disposition"]
    assert "Mon%20rapport.mp4" in full.headers["content-disposition"]
    part = await client.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == bytes(range(10, 20))
    assert part.headers["content-range"] == "bytes 10-19/1024"
    suffix = await client.get(url, headers={"Range": "bytes=-4"})
    assert suffix.content == bytes(range(252, 256))
    beyond = await client.get(url, headers={"Range": "bytes=5000-"})
    assert beyond.status_code == 416


async def test_expired_or_tampered_links_are_refused(
    client: httpx.AsyncClient, settings: Settings, stored: str
) -> None:
    expired = sign_file(
        settings.signing_key, SignedFile(stored, int(time.time()) - 1, "video/mp4", "x.mp4")
    )
    assert (await client.get(f"/files/{expired}")).status_code == 404
    good = sign_file(
        settings.signing_key, SignedFile(stored, int(time.time()) + 60, "video/mp4", "x.mp4")
    )
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    assert (await client.get(f"/files/{tampered}")).status_code == 404
    foreign = sign_file(
        b"another secret", SignedFile(stored, int(time.time()) + 60, "video/mp4", "x.mp4")
    )
    assert (await client.get(f"/files/{foreign}")).status_code == 404


async def test_health_readiness_openapi_and_request_ids(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.headers["x-request-id"]
    echoed = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    spec = (await client.get("/v1/openapi.json")).json()
    assert spec["info"]["title"] == "Roughy Public API"
    assert "/v1/projects" in spec["paths"]
    missing = await client.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
