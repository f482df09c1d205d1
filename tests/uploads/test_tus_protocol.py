"""tus 1.0.0 on /v1/uploads with a raw HTTP client: every status code and header the protocol
and the spec ask for, and proof that rejected requests never write a byte."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import update
from tuskit import (
    OFFSET_CT,
    TUS,
    new_asset,
    new_project,
    stored_sha256,
    tus_headers,
    upload_row,
    wait_state,
)

from roughy.assets.service import staging_path
from roughy.jobs import JobContext, Runtime
from roughy.jobs.registry import run_registered
from roughy.kit.clock import utcnow
from roughy.uploads.models import Upload
from support import Account, create_account, make_tone_video


def _part_size(runtime: Runtime, upload_id: str) -> int:
    path = staging_path(runtime.settings, upload_id)
    return path.stat().st_size if path.exists() else 0


async def _offset(client: httpx.AsyncClient, account: Account, url: str) -> int:
    head = await client.head(url, headers=tus_headers(account))
    assert head.status_code == 200, head.status_code
    return int(head.headers["upload-offset"])


async def _patch(
    client: httpx.AsyncClient,
    account: Account,
    url: str,
    offset: int,
    data: bytes,
    **headers: str,
) -> httpx.Response:
    return await client.patch(
        url,
        content=data,
        headers={**tus_headers(account), **OFFSET_CT, "Upload-Offset": str(offset), **headers},
    )


async def test_options_advertises_capabilities_without_auth(client: httpx.AsyncClient) -> None:
    for path in ("/v1/uploads", "/v1/uploads/019df1a4-2385-7091-9f9f-4c350b988497"):
        response = await client.options(path)
        assert response.status_code == 204
        assert response.headers["tus-version"] == "1.0.0"
        assert response.headers["tus-max-size"] == "53687091200"
        extensions = response.headers["tus-extension"].split(",")
        for name in ("creation", "termination", "expiration", "checksum", "concatenation"):
            assert name in extensions
        assert "sha1" in response.headers["tus-checksum-algorithm"].split(",")
        assert "tus-resumable" not in response.headers
    legacy = await client.options("/api/v1/assets/upload-resumable")
    assert legacy.status_code == 204 and "creation-defer-length" in legacy.headers["tus-extension"]


async def test_head_reports_offset_length_and_no_store(
    client: httpx.AsyncClient, account: Account
) -> None:
    asset = await new_asset(client, account, 1000)
    head = await client.head(asset["upload_url"], headers=tus_headers(account))
    assert head.status_code == 200
    assert head.headers["upload-offset"] == "0"
    assert head.headers["upload-length"] == "1000"
    assert head.headers["cache-control"] == "no-store"
    assert head.headers["tus-resumable"] == "1.0.0"
    assert "GMT" in head.headers["upload-expires"]


async def test_wrong_or_missing_tus_resumable_is_412_and_writes_nothing(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    media = make_tone_video(tmp_path / "a.mp4", seconds=1, size="160x120").read_bytes()
    asset = await new_asset(client, account, len(media))
    for version in (None, "0.2.2"):
        headers = {**account.headers, **OFFSET_CT, "Upload-Offset": "0"}
        if version:
            headers["Tus-Resumable"] = version
        response = await client.patch(asset["upload_url"], content=media, headers=headers)
        assert response.status_code == 412
        assert response.headers["tus-version"] == "1.0.0"
        assert response.json()["error"]["code"] == "precondition_failed"
    assert await _offset(client, account, asset["upload_url"]) == 0
    assert _part_size(runtime, asset["id"]) == 0


async def test_rejected_patches_write_nothing(
    client: httpx.AsyncClient,
    account: Account,
    other_account: Account,
    runtime: Runtime,
    tmp_path: Path,
) -> None:
    media = make_tone_video(tmp_path / "a.mp4", seconds=1, size="160x120").read_bytes()
    asset = await new_asset(client, account, len(media))
    url = asset["upload_url"]

    anonymous = await client.patch(
        url, content=media, headers={**TUS, **OFFSET_CT, "Upload-Offset": "0"}
    )
    assert anonymous.status_code == 401
    assert anonymous.headers["tus-resumable"] == "1.0.0"
    wrong_type = await _patch(client, account, url, 0, media, **{"Content-Type": "video/mp4"})
    assert wrong_type.status_code == 415
    stranger = await _patch(client, other_account, url, 0, media)
    assert stranger.status_code == 404
    wrong_offset = await _patch(client, account, url, 10, media)
    assert wrong_offset.status_code == 409
    assert wrong_offset.json()["error"]["code"] == "offset_mismatch"
    no_offset = await client.patch(
        url, content=media, headers={**tus_headers(account), **OFFSET_CT}
    )
    assert no_offset.status_code == 400 and no_offset.json()["error"]["code"] == "bad_request"
    too_big = await _patch(client, account, url, 0, media + b"x")
    assert too_big.status_code == 413
    bad_checksum = await _patch(client, account, url, 0, media, **{"Upload-Checksum": "crc32 AAAA"})
    assert bad_checksum.status_code == 400
    assert await _offset(client, account, url) == 0
    assert _part_size(runtime, asset["id"]) == 0
    assert (await client.head(url, headers=tus_headers(other_account))).status_code == 404


async def test_offset_mismatch_leaves_the_upload_unchanged(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    media = make_tone_video(tmp_path / "a.mp4", seconds=1, size="160x120").read_bytes()
    asset = await new_asset(client, account, len(media))
    url = asset["upload_url"]
    first = await _patch(client, account, url, 0, media[:1000])
    assert first.status_code == 204 and first.headers["upload-offset"] == "1000"
    assert "upload-expires" in first.headers
    before = staging_path(runtime.settings, asset["id"]).read_bytes()
    for wrong in (0, 999, 1001):
        response = await _patch(client, account, url, wrong, b"\0" * 500)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "offset_mismatch"
    assert await _offset(client, account, url) == 1000
    assert staging_path(runtime.settings, asset["id"]).read_bytes() == before == media[:1000]
    rest = await _patch(client, account, url, 1000, media[1000:])
    assert rest.status_code == 204 and rest.headers["upload-offset"] == str(len(media))
    assert await stored_sha256(runtime, asset["id"]) == hashlib.sha256(media).hexdigest()


async def test_chunked_patch_without_content_length(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    media = make_tone_video(tmp_path / "a.mp4", seconds=1, size="160x120").read_bytes()
    asset = await new_asset(client, account, len(media))

    async def body() -> AsyncIterator[bytes]:
        for start in range(0, len(media), 777):
            yield media[start : start + 777]

    response = await client.patch(
        asset["upload_url"],
        content=body(),
        headers={**tus_headers(account), **OFFSET_CT, "Upload-Offset": "0"},
    )
    assert response.status_code == 204, response.text
    assert response.headers["upload-offset"] == str(len(media))
    assert await stored_sha256(runtime, asset["id"]) == hashlib.sha256(media).hexdigest()


async def test_checksum_mismatch_is_460_and_the_chunk_is_discarded(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    media = make_tone_video(tmp_path / "a.mp4", seconds=1, size="160x120").read_bytes()
    asset = await new_asset(client, account, len(media))
    url = asset["upload_url"]
    first = media[:2000]
    good = base64.b64encode(hashlib.sha1(first).digest()).decode()
    assert (
        await _patch(client, account, url, 0, first, **{"Upload-Checksum": f"sha1 {good}"})
    ).status_code == 204
    second = media[2000:5000]
    wrong = base64.b64encode(hashlib.sha1(b"not it").digest()).decode()
    response = await _patch(
        client, account, url, 2000, second, **{"Upload-Checksum": f"sha1 {wrong}"}
    )
    assert response.status_code == 460
    assert response.json()["error"]["code"] == "checksum_mismatch"
    assert await _offset(client, account, url) == 2000
    assert _part_size(runtime, asset["id"]) == 2000
    for algorithm in ("md5", "sha256"):
        digest = base64.b64encode(hashlib.new(algorithm, second).digest()).decode()
        response = await _patch(
            client, account, url, 2000, second, **{"Upload-Checksum": f"{algorithm} {digest}"}
        )
        if response.status_code == 204:
            break
    assert response.status_code == 204 and response.headers["upload-offset"] == "5000"


async def test_non_media_first_chunk_is_409_and_cancels(
    client: httpx.AsyncClient, account: Account, runtime: Runtime
) -> None:
    text = b"%PDF-1.7\n" + b"this is a document, not media " * 200
    asset = await new_asset(client, account, len(text))
    response = await _patch(client, account, asset["upload_url"], 0, text)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_media"
    assert "not audio or video" in response.json()["error"]["message"]
    assert (
        await client.get(f"/v1/assets/{asset['id']}", headers=account.headers)
    ).status_code == 404
    head = await client.head(asset["upload_url"], headers=tus_headers(account))
    assert head.status_code == 404
    assert _part_size(runtime, asset["id"]) == 0


async def test_first_patch_under_64_bytes_is_rejected(
    client: httpx.AsyncClient, account: Account, tmp_path: Path
) -> None:
    media = make_tone_video(tmp_path / "a.mp4", seconds=1, size="160x120").read_bytes()
    asset = await new_asset(client, account, len(media))
    response = await _patch(client, account, asset["upload_url"], 0, media[:40])
    assert response.status_code == 400
    assert await _offset(client, account, asset["upload_url"]) == 0


async def test_create_asset_validation(
    client: httpx.AsyncClient, account: Account, other_account: Account, runtime: Runtime
) -> None:
    project = await new_project(client, account)
    too_big = await client.post(
        "/v1/assets",
        json={"project_id": project, "size_bytes": 50 * 1024**3 + 1},
        headers=account.headers,
    )
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "payload_too_large"
    exactly_max = await client.post(
        "/v1/assets",
        json={"project_id": project, "size_bytes": 50 * 1024**3},
        headers=account.headers,
    )
    assert exactly_max.status_code == 201
    too_small = await client.post(
        "/v1/assets", json={"project_id": project, "size_bytes": 63}, headers=account.headers
    )
    assert too_small.status_code == 422
    assert too_small.json()["error"]["fields"][0]["field"] == "body.size_bytes"
    bad_language = await client.post(
        "/v1/assets",
        json={"project_id": project, "size_bytes": 100, "language": "eng"},
        headers=account.headers,
    )
    assert bad_language.status_code == 422
    theirs = await client.post(
        "/v1/assets", json={"project_id": project, "size_bytes": 100}, headers=other_account.headers
    )
    assert theirs.status_code == 404
    garbage = await client.post(
        "/v1/assets", json={"project_id": "nope", "size_bytes": 100}, headers=account.headers
    )
    assert garbage.status_code == 404
    archived = await client.patch(
        f"/v1/projects/{project}", json={"state": "archived"}, headers=account.headers
    )
    assert archived.status_code == 200
    into_archived = await client.post(
        "/v1/assets", json={"project_id": project, "size_bytes": 100}, headers=account.headers
    )
    assert into_archived.status_code == 201

    broke = await create_account(runtime, credits_granted=0)
    broke_project = await new_project(client, broke)
    refused = await client.post(
        "/v1/assets", json={"project_id": broke_project, "size_bytes": 100}, headers=broke.headers
    )
    assert refused.status_code == 402
    assert refused.json()["error"]["code"] == "insufficient_credits"


async def test_termination_removes_the_asset(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    media = make_tone_video(tmp_path / "a.mp4", seconds=1, size="160x120").read_bytes()
    asset = await new_asset(client, account, len(media))
    assert (await _patch(client, account, asset["upload_url"], 0, media[:500])).status_code == 204
    missing_version = await client.delete(asset["upload_url"], headers=account.headers)
    assert missing_version.status_code == 412
    deleted = await client.delete(asset["upload_url"], headers=tus_headers(account))
    assert deleted.status_code == 204
    assert (
        await client.get(f"/v1/assets/{asset['id']}", headers=account.headers)
    ).status_code == 404
    assert (await client.head(asset["upload_url"], headers=tus_headers(account))).status_code == 404
    later = await _patch(client, account, asset["upload_url"], 500, media[500:])
    assert later.status_code == 404
    assert not staging_path(runtime.settings, asset["id"]).exists()


async def test_method_override_is_applied_before_routing_and_auth(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    media = make_tone_video(tmp_path / "a.mp4", seconds=1, size="160x120").read_bytes()
    asset = await new_asset(client, account, len(media))
    url = asset["upload_url"]
    anonymous = await client.post(
        url, content=media, headers={**TUS, "X-HTTP-Method-Override": "PATCH"}
    )
    assert anonymous.status_code == 401
    patched = await client.post(
        url,
        content=media,
        headers={
            **tus_headers(account),
            **OFFSET_CT,
            "Upload-Offset": "0",
            "X-HTTP-Method-Override": "PATCH",
        },
    )
    assert patched.status_code == 204 and patched.headers["upload-offset"] == str(len(media))
    head = await client.post(
        url, headers={**tus_headers(account), "X-HTTP-Method-Override": "HEAD"}
    )
    assert head.status_code == 200 and head.headers["upload-offset"] == str(len(media))
    assert await stored_sha256(runtime, asset["id"]) == hashlib.sha256(media).hexdigest()


async def test_expired_uploads_are_gone_and_swept(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    media = make_tone_video(tmp_path / "a.mp4", seconds=1, size="160x120").read_bytes()
    asset = await new_asset(client, account, len(media))
    url = asset["upload_url"]
    assert (await _patch(client, account, url, 0, media[:800])).status_code == 204
    async with runtime.db.transaction() as session:
        await session.execute(
            update(Upload)
            .where(Upload.id == asset["id"])
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    assert (await client.head(url, headers=tus_headers(account))).status_code == 410
    late = await _patch(client, account, url, 800, media[800:])
    assert late.status_code == 410 and late.json()["error"]["code"] == "upload_expired"

    ctx = JobContext(runtime=runtime, job_id=0, attempts=0)
    await run_registered(ctx, "uploads.sweep", {})
    row = await upload_row(runtime, asset["id"])
    assert row is not None and row.state == "expired"
    assert (
        await client.get(f"/v1/assets/{asset['id']}", headers=account.headers)
    ).status_code == 404
    assert not staging_path(runtime.settings, asset["id"]).exists()
    assert (await client.head(url, headers=tus_headers(account))).status_code == 410


async def test_idle_body_times_out_and_keeps_what_arrived(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    """uvicorn has no read timeout on a stalled body; the upload's own idle timeout (5 s in the
    test settings) ends the PATCH, and the bytes that did arrive are durable and committed."""
    import asyncio

    media = make_tone_video(tmp_path / "a.mp4", seconds=1, size="160x120").read_bytes()
    asset = await new_asset(client, account, len(media))
    release = asyncio.Event()

    async def stalling() -> AsyncIterator[bytes]:
        yield media[:4096]
        await release.wait()
        yield media[4096:]

    task = asyncio.create_task(
        client.patch(
            asset["upload_url"],
            content=stalling(),
            headers={**tus_headers(account), **OFFSET_CT, "Upload-Offset": "0"},
            timeout=60,
        )
    )

    async def committed() -> bool:
        return await _offset(client, account, asset["upload_url"]) == 4096

    from support import wait_until

    await wait_until(committed, timeout=30)
    release.set()
    response = await task
    assert response.status_code == 408  # the idle timeout ended the PATCH before the rest came
    assert await _offset(client, account, asset["upload_url"]) == 4096
    rest = await _patch(client, account, asset["upload_url"], 4096, media[4096:])
    assert rest.status_code == 204
    assert await stored_sha256(runtime, asset["id"]) == hashlib.sha256(media).hexdigest()
    await wait_state(client, account, asset["id"], "ready")
    assert os.path.exists(tmp_path)
