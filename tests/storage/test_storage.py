"""The Storage protocol on both backends (local disk, and a real S3-compatible server), plus what
only S3 has: presigned URLs, multipart uploads, batched prefix deletes and start-up checks."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from roughy.bootstrap import build_storage
from roughy.config import Settings
from roughy.storage import Storage, StorageKeyError, keys
from roughy.storage import s3 as s3_module
from roughy.storage.s3 import PART_SIZE, S3Storage, StorageMisconfigured
from roughy.storage.scratch import Scratch
from roughy.storage.urls import download_url
from s3kit import MotoServer, s3_config

BACKENDS = ("local", "s3")


@pytest.fixture
def storage(backend: str, settings: Settings) -> Storage:
    return build_storage(settings)


def test_objects_round_trip(storage: Storage, tmp_path: Path) -> None:
    key = keys.source("p1", "a1", "mp4")
    assert storage.put_bytes(key, b"0123456789") == 10
    assert storage.get_bytes(key) == b"0123456789"
    assert storage.size(key) == 10 and storage.exists(key)
    assert b"".join(storage.iter_range(key, 2, 5)) == b"2345"
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(PART_SIZE + 12345))  # above the multipart threshold on S3
    big_key = keys.analysis_audio("p1", "a1")
    assert storage.put_file(big_key, big, move=True) == PART_SIZE + 12345
    assert not big.exists()
    with storage.local_path(big_key) as path:
        assert path.stat().st_size == PART_SIZE + 12345
        fetched = path
    assert storage.size(big_key) == PART_SIZE + 12345
    if isinstance(storage, S3Storage):
        assert not fetched.exists()  # the scratch copy goes when the context closes
    storage.delete(key)
    assert not storage.exists(key)
    with pytest.raises(StorageKeyError):
        storage.get_bytes(key)
    with pytest.raises(StorageKeyError):
        storage.size(key)


def test_prefix_delete_removes_only_that_prefix(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(s3_module, "DELETE_BATCH", 3)  # several batches on S3
    doomed = [keys.render_output("p2", "a2", f"r{i}", "mp4") for i in range(7)]
    kept = keys.source("p2", "a3", "wav")
    for key in [*doomed, kept]:
        storage.put_bytes(key, b"x")
    assert storage.delete_prefix(keys.asset_prefix("p2", "a2")) == 7
    assert not any(storage.exists(key) for key in doomed)
    assert storage.exists(kept)
    assert storage.delete_prefix(keys.project_prefix("p2")) == 1


async def test_download_urls_serve_the_bytes(
    storage: Storage, settings: Settings, client: httpx.AsyncClient
) -> None:
    key = keys.source("p3", "a4", "mp4")
    storage.put_bytes(key, bytes(range(256)))
    url, _ = download_url(settings, key=key, content_type="video/mp4", filename="Mon clip.mp4")
    if settings.storage_backend == "s3":
        assert url.startswith(settings.s3.endpoint_url or "") and "X-Amz-Expires=900" in url
    else:
        assert url.startswith(f"{settings.base_url}/files/")
    response = await client.get(url)
    assert response.status_code == 200 and response.content == bytes(range(256))
    assert response.headers["content-type"] == "video/mp4"
    assert "Mon%20clip.mp4" in response.headers["content-disposition"]


def test_multipart_assembles_inside_the_store(s3_settings: Settings) -> None:
    storage = build_storage(s3_settings)
    assert isinstance(storage, S3Storage)
    first, second = os.urandom(PART_SIZE), os.urandom(1000)
    storage.put_bytes("tests/copy-source", second)
    key = keys.source("p4", "a5", "bin")
    upload_id = storage.create_multipart(key)
    etags = [
        storage.upload_part(key, upload_id, 1, first),
        storage.copy_part(key, upload_id, 2, "tests/copy-source"),
    ]
    storage.complete_multipart(key, upload_id, etags)
    assert (
        hashlib.sha256(storage.get_bytes(key)).digest() == hashlib.sha256(first + second).digest()
    )
    aborted = storage.create_multipart(keys.source("p4", "a6", "bin"))
    storage.upload_part(keys.source("p4", "a6", "bin"), aborted, 1, b"abc")
    storage.delete_prefix(keys.project_prefix("p4"))  # aborts the open multipart upload too
    listed = storage.client.list_multipart_uploads(Bucket=storage.bucket, Prefix="projects/p4/")
    assert listed.get("Uploads", []) == []


def test_missing_bucket_stops_start_up(s3_settings: Settings) -> None:
    broken = s3_settings.model_copy(
        update={"s3": s3_settings.s3.model_copy(update={"bucket": "no-such-bucket"})}
    )
    with pytest.raises(StorageMisconfigured, match="'no-such-bucket' does not exist"):
        build_storage(broken)


@pytest.fixture(scope="module")
def strict_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second moto server that authenticates every request (any key here is unknown)."""
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"
    try:
        with MotoServer(tmp_path_factory.mktemp("moto-strict")) as moto:
            yield moto.url
    finally:
        del os.environ["INITIAL_NO_AUTH_ACTION_COUNT"]


def test_refused_credentials_stop_start_up(s3_settings: Settings, strict_s3: str) -> None:
    refused = s3_settings.model_copy(update={"s3": s3_config(strict_s3, "roughy-tests")})
    with pytest.raises(StorageMisconfigured, match="refused the credentials"):
        build_storage(refused)


def test_scratch_is_bounded_and_cleaned_after_a_crash(tmp_path: Path) -> None:
    root = tmp_path / "scratch"
    (root / "999999999").mkdir(parents=True)  # a process that is gone
    (root / "999999999" / "left-over.mp4").write_bytes(b"x")
    scratch = Scratch(root, max_bytes=100)
    assert not (root / "999999999").exists()
    with scratch.reserve(60, "a.mp4") as path:
        path.write_bytes(b"y" * 60)
        with pytest.raises(Exception, match="cannot hold 60 more bytes"):
            with scratch.reserve(60, "b.mp4"):
                pass
    assert not path.exists()
    with scratch.reserve(100, "c.mp4"):
        pass
