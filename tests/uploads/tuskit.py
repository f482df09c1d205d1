"""Helpers for upload tests: assets over HTTP, real tus clients, and byte-for-byte checks."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from tusclient import client as tus_client

from roughy.assets.models import Asset
from roughy.jobs import Runtime
from roughy.uploads.models import Upload
from support import Account, wait_until

TUS = {"Tus-Resumable": "1.0.0"}
OFFSET_CT = {"Content-Type": "application/offset+octet-stream"}
JS_DIR = Path(__file__).resolve().parents[1] / "js"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tus_headers(account: Account, **extra: str) -> dict[str, str]:
    return {**account.headers, **TUS, **extra}


async def send_partial(
    client: httpx.AsyncClient, account: Account, endpoint: str, piece: bytes
) -> httpx.Response:
    """Create an `Upload-Concat: partial` upload at `endpoint`, send `piece` in one PATCH, and
    return the creation response (its `location` is the part's URL)."""
    part = await client.post(
        endpoint,
        headers={
            **tus_headers(account),
            "Upload-Length": str(len(piece)),
            "Upload-Concat": "partial",
        },
    )
    sent = await client.patch(
        part.headers["location"],
        content=piece,
        headers={**tus_headers(account), **OFFSET_CT, "Upload-Offset": "0"},
    )
    assert sent.status_code == 204
    return part


async def new_project(client: httpx.AsyncClient, account: Account, name: str = "p") -> str:
    response = await client.post("/v1/projects", json={"name": name}, headers=account.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def new_asset(
    client: httpx.AsyncClient,
    account: Account,
    size: int,
    *,
    project_id: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    project_id = project_id or await new_project(client, account)
    body: dict[str, Any] = {"project_id": project_id, "size_bytes": size}
    if language is not None:
        body["language"] = language
    response = await client.post("/v1/assets", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    asset: dict[str, Any] = response.json()
    assert response.headers["location"] == asset["upload_url"]
    return asset


async def asset_row(runtime: Runtime, asset_id: str) -> Asset | None:
    async with runtime.db.transaction() as session:
        return (
            await session.execute(select(Asset).where(Asset.id == asset_id))
        ).scalar_one_or_none()


async def upload_row(runtime: Runtime, upload_id: str) -> Upload | None:
    async with runtime.db.transaction() as session:
        return (
            await session.execute(select(Upload).where(Upload.id == upload_id))
        ).scalar_one_or_none()


async def stored_sha256(runtime: Runtime, asset_id: str) -> str:
    """sha256 of the asset's stored source (waits for the move into storage)."""
    row = await asset_row(runtime, asset_id)
    assert row is not None and row.storage_key is not None

    async def present() -> bool:
        return runtime.storage.exists(row.storage_key or "")

    await wait_until(present, timeout=20)
    with runtime.storage.local_path(row.storage_key) as path:
        return sha256_file(path)


async def wait_state(
    client: httpx.AsyncClient, account: Account, asset_id: str, *states: str, timeout: float = 60
) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def reached() -> bool:
        response = await client.get(f"/v1/assets/{asset_id}", headers=account.headers)
        seen.update(response.json())
        return response.status_code == 200 and seen.get("state") in states

    try:
        await wait_until(reached, timeout=timeout, interval=0.2)
    except AssertionError as exc:
        raise AssertionError(f"asset never reached {states}: {seen}") from exc
    return seen


def tuspy_upload(
    upload_url: str,
    path: Path,
    account: Account,
    *,
    chunk_size: int = 1 << 20,
    checksum: bool = False,
) -> None:
    """Resume-or-start with tuspy (it asks HEAD for the offset first)."""
    tus = tus_client.TusClient(upload_url.rsplit("/", 1)[0], headers=account.headers)
    uploader = tus.uploader(
        file_path=str(path), url=upload_url, chunk_size=chunk_size, upload_checksum=checksum
    )
    uploader.upload()


def node_available() -> bool:
    return shutil.which("node") is not None and (JS_DIR / "node_modules" / "tus-js-client").is_dir()


async def run_node(script: str, args: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
    """Run a node script from tests/js with one JSON argument; it prints one JSON line."""

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["node", str(JS_DIR / script), json.dumps(args)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=JS_DIR,
            env={**os.environ},
            check=False,
        )

    done = await asyncio.to_thread(run)
    assert done.returncode == 0, f"node failed: {done.stdout}\n{done.stderr}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
