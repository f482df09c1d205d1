"""`upload_throughput.py --storage s3`: Roughy's tus PATCH into S3 against a plain multipart
upload of the same file with the same client library (boto3) to the same S3 server.

The S3 server is moto's standalone server on loopback. Roughy (`roughy serve --no-worker`,
ROUGHY_STORAGE_BACKEND=s3) streams each 64 MiB PATCH into the upload's multipart upload in
8 MiB parts; the baseline uploads the file straight to the bucket as a multipart upload with the
same part size, one part after another. Prints both rates, the ratio (goal >= 0.8) and the
Roughy server's peak RSS after a small upload and after the big ones (goal < 250 MB and flat).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
import httpx

MIB = 1024 * 1024
PART = 8 * MIB
BUCKET = "roughy-bench"
KEYS = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench-secret"}


def _client(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **KEYS)


def plain_multipart(endpoint: str, path: Path) -> float:
    """The baseline: create, upload_part per 8 MiB read from the file, complete. MiB/s."""
    client = _client(endpoint)
    started = time.perf_counter()
    upload_id = client.create_multipart_upload(Bucket=BUCKET, Key="baseline")["UploadId"]
    parts = []
    with path.open("rb") as handle:
        number = 1
        while data := handle.read(PART):
            etag = client.upload_part(
                Bucket=BUCKET, Key="baseline", UploadId=upload_id, PartNumber=number, Body=data
            )["ETag"]
            parts.append({"PartNumber": number, "ETag": etag})
            number += 1
    client.complete_multipart_upload(
        Bucket=BUCKET, Key="baseline", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    elapsed = time.perf_counter() - started
    client.delete_object(Bucket=BUCKET, Key="baseline")
    return path.stat().st_size / MIB / elapsed


def _empty_bucket(endpoint: str) -> None:
    client = _client(endpoint)
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])


def run(size_mib: int, rounds: int) -> None:
    from upload_throughput import (  # the local benchmark's helpers
        _runs,
        alternate,
        free_port,
        make_account,
        make_source,
        peak_rss_mb,
        stop_all,
        upload,
        wait_http,
    )

    work = Path(tempfile.mkdtemp(prefix="roughy-bench-s3-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        moto_port = free_port()
        endpoint = f"http://127.0.0.1:{moto_port}"
        moto = subprocess.Popen(
            [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1",
             "-p", str(moto_port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        processes.append(moto)
        wait_http(f"{endpoint}/moto-api/", moto)
        _client(endpoint).create_bucket(Bucket=BUCKET)
        env = {
            **os.environ,
            "ROUGHY_DATA_DIR": str(work / "data"),
            "ROUGHY_LOG_LEVEL": "WARNING",
            "ROUGHY_STORAGE_BACKEND": "s3",
            "ROUGHY_S3__BUCKET": BUCKET,
            "ROUGHY_S3__ENDPOINT_URL": endpoint,
            "ROUGHY_S3__ACCESS_KEY_ID": KEYS["aws_access_key_id"],
            "ROUGHY_S3__SECRET_ACCESS_KEY": KEYS["aws_secret_access_key"],
            "ROUGHY_S3__ADDRESSING_STYLE": "path",
        }
        env.pop("ROUGHY_DATABASE_URL", None)
        os.environ.update({k: v for k, v in env.items() if k.startswith("ROUGHY_S")})
        key, project_id = asyncio.run(make_account(work / "data"))
        port = free_port()
        serve = subprocess.Popen(
            [str(Path(sys.executable).with_name("roughy")), "serve", "--no-worker",
             "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        processes.append(serve)
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/healthz", serve)
        auth = {"Authorization": f"Bearer {key}"}

        def through_roughy(source: Path) -> float:
            created = httpx.post(
                f"{url}/v1/assets",
                json={"project_id": project_id, "size_bytes": source.stat().st_size},
                headers=auth,
                timeout=30,
            )
            created.raise_for_status()
            rate = upload(created.json()["upload_url"], source, auth)
            _empty_bucket(endpoint)
            return rate

        small = work / "small.mp4"
        make_source(small, min(128, size_mib) * MIB)
        through_roughy(small)
        rss_small = peak_rss_mb(serve.pid)
        small.unlink()
        source = work / "source.mp4"
        make_source(source, size_mib * MIB)
        roughy_rates: list[float] = []
        plain_rates: list[float] = []
        alternate(
            rounds,
            lambda: roughy_rates.append(through_roughy(source)),
            lambda: plain_rates.append(plain_multipart(endpoint, source)),
        )
        rss = peak_rss_mb(serve.pid)
        best_roughy, best_plain = max(roughy_rates), max(plain_rates)
        ratio = best_roughy / best_plain
        print(f"size: {size_mib} MiB in 64 MiB PATCHes into S3 (moto), best of {rounds}")
        print(f"roughy tus PATCH -> S3 multipart: {best_roughy:.1f} MiB/s ({_runs(roughy_rates)})")
        print(f"plain boto3 multipart, 8 MiB parts: {best_plain:.1f} MiB/s ({_runs(plain_rates)})")
        print(
            f"roughy server peak RSS (VmHWM): {rss_small:.1f} MB after 128 MiB, "
            f"{rss:.1f} MB after {size_mib} MiB (goal < 250, flat)"
        )
        print(f"ratio (goal >= 0.8): {ratio:.3f}")
        print(f"{ratio:.3f}")
    finally:
        stop_all(list(reversed(processes)))
        shutil.rmtree(work, ignore_errors=True)
