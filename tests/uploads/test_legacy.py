"""/api/v1 uploads: classic tus creation with Upload-Metadata (tuspy and raw HTTP), the 64 MiB
per-PATCH cap, idempotent termination, soft delete, and the presigned PUT + confirm flow."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from tusclient import client as tus_client
from tuskit import (
    OFFSET_CT,
    TUS,
    asset_row,
    send_partial,
    sha256_file,
    stored_sha256,
    tus_headers,
)

from roughy.jobs import Runtime
from support import Account, make_tone_audio, make_tone_video, wait_until

BACKENDS = ("local", "s3")

ENDPOINT = "/api/v1/assets/upload-resumable"


def _meta(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


async def _legacy_ready(
    client: httpx.AsyncClient, account: Account, asset_id: str
) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def prepared() -> bool:
        seen.update(
            (await client.get(f"/api/v1/assets/{asset_id}", headers=account.headers)).json()
        )
        return seen.get("duration_seconds") is not None or seen.get("state") == "failed"

    await wait_until(prepared, timeout=60, interval=0.2)
    return seen


async def test_tuspy_classic_creation_and_upload(
    client: httpx.AsyncClient, base_url: str, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    source = make_tone_video(tmp_path / "talk.mp4", seconds=1.5, size="160x120")
    tus = tus_client.TusClient(base_url + ENDPOINT, headers=account.headers)
    uploader = tus.uploader(
        file_path=str(source),
        chunk_size=64 * 1024,
        metadata={"type": "video", "content_type": "video/mp4", "filename": "../../etc/passwd.mp4"},
    )
    await anyio.to_thread.run_sync(uploader.upload)
    session_id = str(uploader.url).rsplit("/", 1)[1]
    assert await stored_sha256(runtime, session_id) == sha256_file(source)
    row = await asset_row(runtime, session_id)
    assert row is not None and row.filename == "passwd.mp4" and row.surface == "legacy"
    detail = await _legacy_ready(client, account, session_id)
    assert detail["state"] == "ready" and detail["type"] == "video"
    assert set(detail) == {
        "id",
        "type",
        "state",
        "size_bytes",
        "content_type",
        "duration_seconds",
        "created_at",
        "download_url",
        "error_code",
        "error_message",
    }
    assert detail["download_url"] and detail["size_bytes"] == source.stat().st_size
    # /api/v1 assets are billed by their pipelines, never on upload.
    history = (await client.get("/v1/credits/history", headers=account.headers)).json()
    assert not [e for e in history["items"] if e["type"] == "consume_asset"]
    # ...and live in the per-user default project.
    projects = (await client.get("/v1/projects", headers=account.headers)).json()["items"]
    assert [p["name"] for p in projects if p["id"] == row.project_id] == ["Pipeline uploads"]


async def test_creation_response_and_metadata_validation(
    client: httpx.AsyncClient, account: Account
) -> None:
    headers = {**tus_headers(account), "Upload-Length": "5000"}
    created = await client.post(
        ENDPOINT, headers={**headers, "Upload-Metadata": _meta(type="audio", filename="a b.wav")}
    )
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"asset", "session_id", "expires_at"}
    assert body["asset"]["state"] == "pending_upload" and body["asset"]["type"] == "audio"
    assert created.headers["location"].endswith(f"{ENDPOINT}/{body['session_id']}")
    assert (
        created.headers["tus-resumable"] == "1.0.0" and "GMT" in created.headers["upload-expires"]
    )
    head = await client.head(created.headers["location"], headers=tus_headers(account))
    assert head.headers["upload-metadata"] == _meta(type="audio", filename="a b.wav")
    assert head.headers["upload-offset"] == "0" and head.headers["upload-length"] == "5000"

    for bad in (
        _meta(filename="x.mp4"),  # type missing
        _meta(type="cut_file"),
        "type !!notbase64!!",
        "type dmlkZW8=,type dmlkZW8=",
        "a b c",
    ):
        response = await client.post(ENDPOINT, headers={**headers, "Upload-Metadata": bad})
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["code"] == "bad_request" and "detail" in response.json()
    huge = await client.post(
        ENDPOINT,
        headers={
            **tus_headers(account),
            "Upload-Length": str(50 * 1024**3 + 1),
            "Upload-Metadata": _meta(type="video"),
        },
    )
    assert huge.status_code == 413
    neither = await client.post(
        ENDPOINT, headers={**tus_headers(account), "Upload-Metadata": _meta(type="video")}
    )
    assert neither.status_code == 400
    no_version = await client.post(ENDPOINT, headers={**account.headers, "Upload-Length": "100"})
    assert no_version.status_code == 412


async def test_creation_with_upload_and_deferred_length(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    data = make_tone_audio(tmp_path / "t.wav", seconds=1.0).read_bytes()
    created = await client.post(
        ENDPOINT,
        content=data[:3000],
        headers={
            **tus_headers(account),
            **OFFSET_CT,
            "Upload-Defer-Length": "1",
            "Upload-Metadata": _meta(type="audio"),
        },
    )
    assert created.status_code == 201, created.text
    assert created.headers["upload-offset"] == "3000"
    url = created.headers["location"]
    head = await client.head(url, headers=tus_headers(account))
    assert head.headers["upload-defer-length"] == "1" and "upload-length" not in head.headers
    done = await client.patch(
        url,
        content=data[3000:],
        headers={
            **tus_headers(account),
            **OFFSET_CT,
            "Upload-Offset": "3000",
            "Upload-Length": str(len(data)),
        },
    )
    assert done.status_code == 204 and done.headers["upload-offset"] == str(len(data))
    session_id = url.rsplit("/", 1)[1]
    assert await stored_sha256(runtime, session_id) == hashlib.sha256(data).hexdigest()


async def test_patch_over_64_mib_is_413_and_writes_nothing(
    client: httpx.AsyncClient, account: Account
) -> None:
    size = 100 * 1024 * 1024
    created = await client.post(
        ENDPOINT,
        headers={
            **tus_headers(account),
            "Upload-Length": str(size),
            "Upload-Metadata": _meta(type="video"),
        },
    )
    url = created.headers["location"]

    async def body() -> AsyncIterator[bytes]:
        block = b"\0" * (1024 * 1024)
        yield b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2" + block[24:]  # sniffs as MP4
        for _ in range(64):
            yield block

    try:
        response = await client.patch(
            url,
            content=body(),
            headers={**tus_headers(account), **OFFSET_CT, "Upload-Offset": "0"},
            timeout=120,
        )
        assert response.status_code == 413
    except httpx.HTTPError:
        pass  # the server may answer 413 and close while the client is still sending
    head = await client.head(url, headers=tus_headers(account))
    assert head.headers["upload-offset"] == "0"


async def test_delete_is_idempotent_and_soft_deletes(
    client: httpx.AsyncClient, account: Account, other_account: Account
) -> None:
    created = await client.post(
        ENDPOINT,
        headers={
            **tus_headers(account),
            "Upload-Length": "500",
            "Upload-Metadata": _meta(type="video"),
        },
    )
    url = created.headers["location"]
    asset_id = created.json()["asset"]["id"]
    assert (await client.delete(url, headers=tus_headers(other_account))).status_code == 404
    for _ in range(2):
        assert (await client.delete(url, headers=tus_headers(account))).status_code == 204
    assert (await client.head(url, headers=tus_headers(account))).status_code == 404
    detail = (await client.get(f"/api/v1/assets/{asset_id}", headers=account.headers)).json()
    assert detail["state"] == "deleted" and detail["download_url"] is None
    default = (await client.get("/api/v1/assets", headers=account.headers)).json()
    assert asset_id not in [a["id"] for a in default["items"]]
    deleted = (await client.get("/api/v1/assets?state=deleted", headers=account.headers)).json()
    assert asset_id in [a["id"] for a in deleted["items"]]
    assert (await client.get(f"/v1/assets/{asset_id}", headers=account.headers)).status_code == 404


async def test_legacy_concatenation(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    data = make_tone_audio(tmp_path / "t.wav", seconds=1.0).read_bytes()
    half = len(data) // 2
    urls = []
    for piece in (data[:half], data[half:]):
        part = await send_partial(client, account, ENDPOINT, piece)
        assert part.status_code == 201 and part.json()["asset"] is None
        urls.append(part.headers["location"])
    final = await client.post(
        ENDPOINT,
        headers={
            **tus_headers(account),
            "Upload-Concat": "final;" + " ".join(urls),
            "Upload-Metadata": _meta(type="audio", filename="joined.wav"),
        },
    )
    assert final.status_code == 201, final.text
    asset_id = final.json()["session_id"]
    assert await stored_sha256(runtime, asset_id) == hashlib.sha256(data).hexdigest()
    reused = await client.post(
        ENDPOINT,
        headers={
            **tus_headers(account),
            "Upload-Concat": "final;" + " ".join(urls),
            "Upload-Metadata": _meta(type="audio"),
        },
    )
    # The parts are spent: naming them again is a conflict, not a new asset.
    assert reused.status_code == 409, reused.text
    assert reused.json()["code"] == "conflict"


@pytest.mark.backends("local")  # on S3 the URL is the bucket's: test_s3_uploads
async def test_presigned_put_and_confirm(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    source = make_tone_audio(tmp_path / "t.wav", seconds=1.0)
    refused = await client.post(
        "/api/v1/assets/upload-url", json={"type": "rendered_video"}, headers=account.headers
    )
    assert refused.status_code == 409
    made = await client.post(
        "/api/v1/assets/upload-url",
        json={"type": "audio", "content_type": "audio/wav"},
        headers=account.headers,
    )
    assert made.status_code == 200, made.text
    body = made.json()
    asset_id = body["asset"]["id"]
    assert body["asset"]["state"] == "pending_upload"
    assert body["upload"]["method"] == "PUT" and body["upload"]["headers"] == {
        "Content-Type": "audio/wav"
    }
    early = await client.post(f"/api/v1/assets/{asset_id}/confirm", headers=account.headers)
    assert early.status_code == 409
    wrong_type = await client.put(
        body["upload"]["url"], content=source.read_bytes(), headers={"Content-Type": "video/mp4"}
    )
    assert wrong_type.status_code == 415
    forged = await client.put(
        body["upload"]["url"] + "x",
        content=source.read_bytes(),
        headers={"Content-Type": "audio/wav"},
    )
    assert forged.status_code == 401
    put = await client.put(
        body["upload"]["url"], content=source.read_bytes(), headers=body["upload"]["headers"]
    )
    assert put.status_code == 200, put.text
    confirmed = await client.post(f"/api/v1/assets/{asset_id}/confirm", headers=account.headers)
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "ready"
    assert await stored_sha256(runtime, asset_id) == sha256_file(source)
    detail = await _legacy_ready(client, account, asset_id)
    assert detail["state"] == "ready" and float(detail["duration_seconds"]) > 0.9
    again = await client.post(f"/api/v1/assets/{asset_id}/confirm", headers=account.headers)
    assert again.status_code == 200


async def test_legacy_list_defaults_to_pending_and_ready(
    client: httpx.AsyncClient, account: Account
) -> None:
    created = await client.post(
        ENDPOINT,
        headers={
            **tus_headers(account),
            "Upload-Length": "500",
            "Upload-Metadata": _meta(type="video"),
        },
    )
    asset_id = created.json()["asset"]["id"]
    listed = (await client.get("/api/v1/assets", headers=account.headers)).json()
    assert asset_id in [a["id"] for a in listed["items"]]
    assert set(listed) == {"items", "total", "limit", "offset"}
    bad = await client.get("/api/v1/assets?state=nope", headers=account.headers)
    assert bad.status_code == 422 and "detail" in bad.json()
    assert TUS


async def test_documented_type_spellings_are_accepted(
    client: httpx.AsyncClient, account: Account
) -> None:
    """The old docs' examples send `"type": "audio_input"`; the concept page writes AUDIO."""
    made = await client.post(
        "/api/v1/assets/upload-url",
        json={"type": "audio_input", "content_type": "audio/mpeg"},
        headers=account.headers,
    )
    assert made.status_code == 200, made.text
    assert made.json()["asset"]["type"] == "audio"
    created = await client.post(
        ENDPOINT,
        headers={
            **tus_headers(account),
            "Upload-Length": "1000",
            "Upload-Metadata": _meta(type="VIDEO"),
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["asset"]["type"] == "video"
