"""tus on S3: PATCHes stream into a multipart upload (8 MiB parts, the unfinished tail its own
object between requests), the offset in PostgreSQL never ahead of what the bucket holds, an S3
failure mid-PATCH keeps what is durable, termination aborts the multipart upload, and the
presigned PUT goes straight to the bucket."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tuskit import OFFSET_CT, asset_row, new_asset, sha256_file, tus_headers, upload_row, wait_state

from roughy.config import Settings
from roughy.jobs import Runtime
from roughy.storage import keys
from roughy.storage.s3 import PART_SIZE, S3Storage
from s3kit import CuttableProxy
from stack import LiveServer
from support import Account, create_account, free_port, make_media

MIB = 1024 * 1024
BACKENDS = ("s3",)


@pytest.fixture(scope="module")
def long_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 20 MiB of real audio: two full parts and a tail."""
    return make_media(
        tmp_path_factory.mktemp("s3-media") / "long.wav",
        "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000:duration=110",
        "-ac", "2", "-c:a", "pcm_s16le",
    )  # fmt: skip


def _s3(runtime: Runtime) -> S3Storage:
    assert isinstance(runtime.storage, S3Storage)
    return runtime.storage


def _open_multiparts(storage: S3Storage, prefix: str) -> list[dict[str, Any]]:
    listed = storage.client.list_multipart_uploads(Bucket=storage.bucket, Prefix=prefix)
    return list(listed.get("Uploads", []))


def _tails(storage: S3Storage, upload_id: str) -> list[str]:
    listed = storage.client.list_objects_v2(
        Bucket=storage.bucket, Prefix=keys.upload_tails(upload_id)
    )
    return [item["Key"] for item in listed.get("Contents", [])]


async def _patch(
    client: httpx.AsyncClient, account: Account, url: str, offset: int, body: Any
) -> httpx.Response:
    headers = tus_headers(account, **OFFSET_CT, **{"Upload-Offset": str(offset)})
    return await client.patch(url, content=body, headers=headers, timeout=120)


async def test_patches_stream_into_a_multipart_upload(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, long_wav: Path
) -> None:
    data = long_wav.read_bytes()
    assert 2 * PART_SIZE < len(data) < 3 * PART_SIZE
    asset = await new_asset(client, account, len(data))
    url = asset["upload_url"]
    storage = _s3(runtime)
    offset = 0
    for size in (3 * MIB, 7 * MIB):  # a tail alone, then one full part and a new tail
        response = await _patch(client, account, url, offset, data[offset : offset + size])
        assert response.status_code == 204, response.text
        offset += size
        assert response.headers["Upload-Offset"] == str(offset)
    row = await upload_row(runtime, asset["id"])
    assert row is not None and row.offset == 10 * MIB and len(row.part_etags or []) == 1
    assert _tails(storage, asset["id"]) == [keys.upload_tail(asset["id"], 2)]
    assert len(_open_multiparts(storage, keys.asset_prefix(asset["project_id"], asset["id"]))) == 1
    head = await client.head(url, headers=tus_headers(account))
    assert head.headers["Upload-Offset"] == str(10 * MIB)
    last = await _patch(client, account, url, offset, data[offset:])
    assert last.status_code == 204 and last.headers["Upload-Offset"] == str(len(data))
    ready = await wait_state(client, account, asset["id"], "ready", "failed")
    assert ready["state"] == "ready"
    stored = await asset_row(runtime, asset["id"])
    assert stored is not None and stored.storage_key == keys.source(
        stored.project_id, stored.id, "wav"
    )
    assert hashlib.sha256(storage.get_bytes(stored.storage_key)).hexdigest() == sha256_file(
        long_wav
    )
    assert _tails(storage, asset["id"]) == []
    assert _open_multiparts(storage, keys.asset_prefix(stored.project_id, stored.id)) == []
    download = await client.get(ready["download_url"])
    assert download.status_code == 200 and len(download.content) == len(data)
    assert ready["download_url"].startswith(runtime.settings.s3.endpoint_url or "")


async def test_termination_aborts_the_multipart_upload(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, long_wav: Path
) -> None:
    data = long_wav.read_bytes()
    asset = await new_asset(client, account, len(data))
    first = await _patch(client, account, asset["upload_url"], 0, data[: 9 * MIB])
    assert first.status_code == 204
    storage = _s3(runtime)
    prefix = keys.asset_prefix(asset["project_id"], asset["id"])
    assert len(_open_multiparts(storage, prefix)) == 1
    gone = await client.delete(asset["upload_url"], headers=tus_headers(account))
    assert gone.status_code == 204
    assert _open_multiparts(storage, prefix) == []
    assert _tails(storage, asset["id"]) == []


@pytest.fixture(scope="module")
def proxy(s3_endpoint: str) -> Iterator[CuttableProxy]:
    with CuttableProxy(int(s3_endpoint.rsplit(":", 1)[1])) as cuttable:
        yield cuttable


@pytest.fixture(scope="module")
def faulty_server(s3_settings: Settings, proxy: CuttableProxy) -> Iterator[LiveServer]:
    """An API replica (no worker) that reaches the same bucket through the cuttable proxy."""
    settings = s3_settings.model_copy(
        update={
            "s3": s3_settings.s3.model_copy(update={"endpoint_url": proxy.url}),
            "port": free_port(),
        }
    )
    live = LiveServer(settings, with_worker=False)
    live.start()
    yield live
    live.stop()


async def test_an_s3_failure_mid_patch_keeps_the_durable_offset(
    faulty_server: LiveServer, proxy: CuttableProxy, runtime: Runtime, long_wav: Path
) -> None:
    data = long_wav.read_bytes()
    account = await create_account(runtime, credits_granted=50)
    storage = _s3(runtime)
    async with httpx.AsyncClient(base_url=faulty_server.url, timeout=120) as client:
        asset = await new_asset(client, account, len(data))
        url = asset["upload_url"]
        assert (await _patch(client, account, url, 0, data[: 10 * MIB])).status_code == 204
        prefix = keys.asset_prefix(asset["project_id"], asset["id"])

        async def body() -> AsyncIterator[bytes]:
            yield data[10 * MIB : 16 * MIB]  # completes part 2 (bytes 8-16 MiB)
            while not _parts_in_bucket(storage, prefix) >= 2:
                await asyncio.sleep(0.05)
            proxy.cut()  # the bucket is unreachable before this request's tail is stored
            yield data[16 * MIB : 19 * MIB]

        try:
            failed = await _patch(client, account, url, 10 * MIB, body())
        finally:
            proxy.restore()
        assert failed.status_code == 503, failed.text
        assert failed.json()["error"]["code"] == "storage_unavailable"
        assert failed.headers["Upload-Offset"] == str(2 * PART_SIZE)
        head = await client.head(url, headers=tus_headers(account))
        assert head.headers["Upload-Offset"] == str(2 * PART_SIZE)
        balance = await client.get("/v1/credits/balance", headers=account.headers)
        assert balance.json()["balance"] == 50  # nothing charged for an unfinished upload
        rest = await _patch(client, account, url, 2 * PART_SIZE, data[2 * PART_SIZE :])
        assert rest.status_code == 204, rest.text
    row = await asset_row(runtime, asset["id"])
    assert row is not None and row.storage_key is not None
    assert hashlib.sha256(storage.get_bytes(row.storage_key)).hexdigest() == sha256_file(long_wav)


def _parts_in_bucket(storage: S3Storage, prefix: str) -> int:
    uploads = _open_multiparts(storage, prefix)
    if not uploads:
        return 0
    listed = storage.client.list_parts(
        Bucket=storage.bucket, Key=uploads[0]["Key"], UploadId=uploads[0]["UploadId"]
    )
    return len(listed.get("Parts", []))


async def test_presigned_put_goes_straight_to_the_bucket(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    source = make_media(
        tmp_path / "t.wav", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=1"
    )
    made = await client.post(
        "/api/v1/assets/upload-url",
        json={"type": "audio", "content_type": "audio/wav"},
        headers=account.headers,
    )
    assert made.status_code == 200, made.text
    upload = made.json()["upload"]
    asset_id = made.json()["asset"]["id"]
    assert upload["url"].startswith(runtime.settings.s3.endpoint_url or "")
    assert upload["headers"] == {"Content-Type": "audio/wav"}
    put = await client.put(upload["url"], content=source.read_bytes(), headers=upload["headers"])
    assert put.status_code == 200, put.text
    confirmed = await client.post(f"/api/v1/assets/{asset_id}/confirm", headers=account.headers)
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "ready"
    row = await asset_row(runtime, asset_id)
    assert row is not None and row.storage_key == keys.presigned_upload(row.project_id, asset_id)
    assert row.extension == "wav"
    digest = hashlib.sha256(_s3(runtime).get_bytes(row.storage_key)).hexdigest()
    assert digest == sha256_file(source)
