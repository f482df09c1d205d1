"""`roughy upload FILE --project ID`: create the asset over the API and send the bytes with tus,
resumable across runs (the upload URL is remembered per path+size+mtime in the data dir)."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from roughy.config import load_settings
from roughy.kit.files import read_range

console = Console(stderr=True)
TUS = {"Tus-Resumable": "1.0.0"}
CHUNK_BYTES = 32 * 1024 * 1024
READ_BYTES = 1024 * 1024
RETRIES = 8


class UploadError(Exception):
    pass


def _state_file() -> Path:
    return load_settings().data_dir.resolve() / "cli-uploads.json"


def _fingerprint(path: Path, url: str) -> str:
    stat = path.stat()
    raw = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{url}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _load_state() -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = json.loads(_state_file().read_text())
        return loaded
    except (FileNotFoundError, ValueError):
        return {}


def _save_state(state: dict[str, Any]) -> None:
    target = _state_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=1))
    os.replace(tmp, target)


def _head_offset(http: httpx.Client, upload_url: str) -> int | None:
    response = http.head(upload_url, headers=TUS)
    if response.status_code in (404, 410):
        return None
    response.raise_for_status()
    return int(response.headers["upload-offset"])


def _send_chunk(http: httpx.Client, upload_url: str, path: Path, offset: int, size: int) -> int:
    end = min(size, offset + CHUNK_BYTES)

    def body() -> Any:
        with path.open("rb") as handle:
            yield from read_range(handle, offset, end, READ_BYTES)

    response = http.patch(
        upload_url,
        content=body(),
        headers={
            **TUS,
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": str(offset),
            "Content-Length": str(end - offset),
        },
    )
    if response.status_code == 204:
        return int(response.headers["upload-offset"])
    if response.status_code in (409, 423) or response.status_code >= 500:
        raise httpx.TransportError(f"retryable status {response.status_code}")
    raise UploadError(f"upload failed: HTTP {response.status_code} {response.text[:300]}")


def _create_asset(http: httpx.Client, project: str, path: Path, language: str | None) -> Any:
    body: dict[str, Any] = {
        "project_id": project,
        "size_bytes": path.stat().st_size,
        "filename": path.name,
    }
    if language:
        body["language"] = language
    response = http.post("/v1/assets", json=body)
    if response.status_code != 201:
        raise UploadError(
            f"could not create the asset: HTTP {response.status_code} {response.text}"
        )
    return response.json()


def upload_file(
    path: Path, project: str, url: str, key: str, language: str | None = None
) -> dict[str, Any]:
    size = path.stat().st_size
    fingerprint = _fingerprint(path, url)
    state = _load_state()
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=httpx.Timeout(60, read=300)) as http:
        known = state.get(fingerprint)
        offset = _head_offset(http, known["upload_url"]) if known else None
        if known is None or offset is None:
            asset = _create_asset(http, project, path, language)
            known = {"asset_id": asset["id"], "upload_url": asset["upload_url"]}
            state[fingerprint] = known
            _save_state(state)
            offset = 0
        else:
            console.print(f"Resuming {path.name} at byte {offset}")
        upload_url = known["upload_url"]
        failures = 0
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as progress:
            task = progress.add_task(path.name, total=size, completed=offset)
            while offset < size:
                try:
                    offset = _send_chunk(http, upload_url, path, offset, size)
                    failures = 0
                except httpx.TransportError as exc:
                    failures += 1
                    if failures > RETRIES:
                        raise UploadError(f"giving up after {RETRIES} retries: {exc}") from exc
                    time.sleep(min(30.0, 0.5 * 2**failures))
                    fresh = _head_offset(http, upload_url)
                    if fresh is None:
                        raise UploadError("the upload expired or was cancelled") from exc
                    offset = fresh
                progress.update(task, completed=offset)
        state.pop(fingerprint, None)
        _save_state(state)
        asset_response = http.get(f"/v1/assets/{known['asset_id']}")
        result: dict[str, Any] = asset_response.json()
        return result


def register(app: typer.Typer) -> None:
    @app.command()
    def upload(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
        project: str = typer.Option(..., "--project", help="Project id to upload into."),
        url: str = typer.Option(
            None,
            "--url",
            help="Roughy API base URL (default ROUGHY_PUBLIC_BASE_URL, else "
            "http://ROUGHY_HOST:ROUGHY_PORT, as `roughy serve` uses).",
        ),
        key: str = typer.Option(
            None, "--key", envvar="ROUGHY_API_KEY", help="API key (or ROUGHY_API_KEY)."
        ),
        language: str = typer.Option(None, "--language", help="ISO 639-1 language hint."),
    ) -> None:
        """Upload FILE as a new asset (resumable: run the same command again to continue)."""
        if not key:
            console.print("[red]An API key is required: --key or ROUGHY_API_KEY.[/red]")
            raise typer.Exit(2)
        base = (url or load_settings().base_url).rstrip("/")
        try:
            asset = upload_file(file, project, base, key, language)
        except httpx.ConnectError as exc:
            console.print(
                f"[red]No Roughy server answers at {base}: is `roughy serve` running? "
                "Point at it with --url, ROUGHY_PUBLIC_BASE_URL or ROUGHY_PORT.[/red]"
            )
            raise typer.Exit(1) from exc
        except (UploadError, httpx.HTTPError) as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc
        typer.echo(json.dumps(asset))
