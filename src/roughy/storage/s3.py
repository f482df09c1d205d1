"""Objects in one S3 bucket (AWS, MinIO, Cloudflare R2 or any S3-compatible endpoint).

The client is boto3: the Storage protocol is synchronous (callers run it in a worker thread, as
they do for the local disk), boto3 streams bodies in chunks, its transfer manager uploads large
files as parallel multipart uploads and fetches them with ranged GETs, and it presigns URLs
without a network round trip. One client is shared by every thread (boto3 clients are
thread-safe)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, cast

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from roughy.config import S3Settings
from roughy.storage.base import StorageKeyError, StorageUnavailable
from roughy.storage.scratch import Scratch
from roughy.storage.signing import attachment

MIB = 1024 * 1024
PART_SIZE = 8 * MIB
"""Every multipart part but the last (S3's floor is 5 MiB; 8 MiB parts reach 78 GiB)."""
DELETE_BATCH = 1000
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
TRANSFER = TransferConfig(
    multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=4
)


class StorageMisconfigured(RuntimeError):
    """The bucket is missing or refuses the credentials: the process must not start."""


@lru_cache(maxsize=8)
def s3_client(config: S3Settings) -> Any:
    return boto3.session.Session().client(
        "s3",
        endpoint_url=config.endpoint_url,
        region_name=config.region or "us-east-1",
        aws_access_key_id=config.access_key_id,
        aws_secret_access_key=(
            config.secret_access_key.get_secret_value() if config.secret_access_key else None
        ),
        config=Config(
            s3={"addressing_style": config.addressing_style},
            signature_version="s3v4",
            retries={"max_attempts": 3, "mode": "standard"},
            max_pool_connections=32,
        ),
    )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


@contextmanager
def _translated(key: str) -> Iterator[None]:
    """A missing object is StorageKeyError; any other S3 failure is StorageUnavailable."""
    try:
        yield
    except ClientError as exc:
        if _code(exc) in _MISSING:
            raise StorageKeyError(key) from exc
        raise StorageUnavailable(f"Object storage failed: {_code(exc) or exc}") from exc
    except BotoCoreError as exc:
        raise StorageUnavailable(f"Object storage is unreachable: {exc}") from exc


class S3Storage:
    def __init__(self, config: S3Settings, scratch: Scratch) -> None:
        self.config = config
        self.bucket = config.bucket
        self.client = s3_client(config)
        self.scratch = scratch

    def check(self) -> None:
        """Start-up check: the bucket exists and the credentials may use it."""
        where = self.config.endpoint_url or "AWS"
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            code = _code(exc)
            if code in ("404", "NoSuchBucket"):
                raise StorageMisconfigured(
                    f"S3 bucket {self.bucket!r} does not exist at {where} "
                    "(ROUGHY_S3__BUCKET / ROUGHY_S3__ENDPOINT_URL)."
                ) from exc
            if code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                raise StorageMisconfigured(
                    f"S3 at {where} refused the credentials for bucket {self.bucket!r} "
                    "(ROUGHY_S3__ACCESS_KEY_ID / ROUGHY_S3__SECRET_ACCESS_KEY)."
                ) from exc
            raise StorageMisconfigured(f"S3 bucket {self.bucket!r} at {where}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageMisconfigured(f"S3 at {where} is unreachable: {exc}") from exc

    # -- objects ---------------------------------------------------------------------------

    def put_file(self, key: str, source: Path, *, move: bool = False) -> int:
        size = source.stat().st_size
        with _translated(key):
            self.client.upload_file(str(source), self.bucket, key, Config=TRANSFER)
        if move:
            source.unlink(missing_ok=True)
        return size

    def put_bytes(self, key: str, data: bytes) -> int:
        with _translated(key):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data)
        return len(data)

    def get_bytes(self, key: str) -> bytes:
        with _translated(key):
            return cast(bytes, self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def open(self, key: str) -> BinaryIO:
        with _translated(key):
            return cast(BinaryIO, self.client.get_object(Bucket=self.bucket, Key=key)["Body"])

    def iter_range(self, key: str, start: int, end: int, chunk: int = 1 << 20) -> Iterator[bytes]:
        with _translated(key):
            body = self.client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes={start}-{end}")
            yield from body["Body"].iter_chunks(chunk)

    def size(self, key: str) -> int:
        with _translated(key):
            return int(self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except StorageKeyError:
            return False
        return True

    def delete(self, key: str) -> None:
        with _translated(key):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def list_keys(self, prefix: str) -> list[str]:
        with _translated(prefix):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def delete_prefix(self, prefix: str) -> int:
        """Every object under `prefix`, 1000 per request, and any multipart upload left open."""
        deleted = 0
        with _translated(prefix):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": DELETE_BATCH}
            )
            for page in pages:
                batch = [{"Key": item["Key"]} for item in page.get("Contents", [])]
                if batch:
                    self.client.delete_objects(
                        Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                    )
                    deleted += len(batch)
            uploads = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in uploads:
                for item in page.get("Uploads", []):
                    self.abort_multipart(item["Key"], item["UploadId"])
        return deleted

    @contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        """The object fetched (ranged GETs, streamed to disk) into this process's scratch
        directory for as long as the context is open."""
        size = self.size(key)
        with self.scratch.reserve(size, Path(key).name) as path:
            with _translated(key):
                self.client.download_file(self.bucket, key, str(path), Config=TRANSFER)
            yield path

    # -- presigned URLs --------------------------------------------------------------------

    def presigned_get(self, key: str, *, content_type: str, filename: str, ttl: int) -> str:
        return presign_get(self.config, key, content_type=content_type, filename=filename, ttl=ttl)

    # -- multipart uploads (tus on S3) -----------------------------------------------------

    def create_multipart(self, key: str) -> str:
        with _translated(key):
            return cast(
                str,
                self.client.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"],
            )

    def upload_part(self, key: str, upload_id: str, number: int, data: bytes) -> str:
        with _translated(key):
            response = self.client.upload_part(
                Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data
            )
        return cast(str, response["ETag"])

    def copy_part(self, key: str, upload_id: str, number: int, source_key: str) -> str:
        """A part copied inside the store from another object (no bytes through Roughy)."""
        with _translated(source_key):
            response = self.client.upload_part_copy(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                PartNumber=number,
                CopySource={"Bucket": self.bucket, "Key": source_key},
            )
        return cast(str, response["CopyPartResult"]["ETag"])

    def complete_multipart(self, key: str, upload_id: str, etags: list[str]) -> None:
        parts = [{"PartNumber": n, "ETag": etag} for n, etag in enumerate(etags, start=1)]
        with _translated(key):
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )

    def abort_multipart(self, key: str, upload_id: str) -> None:
        with contextlib.suppress(StorageKeyError), _translated(key):
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            except ClientError as exc:
                if _code(exc) != "NoSuchUpload":
                    raise


def presign_get(config: S3Settings, key: str, *, content_type: str, filename: str, ttl: int) -> str:
    """A GET URL for `key`, served straight by the store, that names the download."""
    params = {
        "Bucket": config.bucket,
        "Key": key,
        "ResponseContentType": content_type,
        "ResponseContentDisposition": attachment(filename),
    }
    return cast(
        str, s3_client(config).generate_presigned_url("get_object", Params=params, ExpiresIn=ttl)
    )


def presign_put(config: S3Settings, key: str, *, content_type: str, ttl: int) -> str:
    """A PUT URL for `key` that only accepts a body sent with this Content-Type."""
    params = {"Bucket": config.bucket, "Key": key, "ContentType": content_type}
    return cast(
        str, s3_client(config).generate_presigned_url("put_object", Params=params, ExpiresIn=ttl)
    )
