"""`roughy upload` against the live server: a fresh upload, and resuming a half-sent one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import anyio
import httpx
from tuskit import (
    OFFSET_CT,
    new_asset,
    new_project,
    sha256_file,
    stored_sha256,
    tus_headers,
    wait_state,
)

from roughy.cli.upload import _fingerprint
from roughy.jobs import Runtime
from support import Account, free_port, make_tone_audio


def _run_cli(args: list[str], data_dir: Path, key: str) -> subprocess.CompletedProcess[str]:
    roughy = Path(sys.executable).with_name("roughy")
    env = {**os.environ, "ROUGHY_DATA_DIR": str(data_dir), "ROUGHY_API_KEY": key}
    env.pop("ROUGHY_DATABASE_URL", None)
    return subprocess.run(
        [str(roughy), "upload", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_cli_uploads_and_resumes(
    client: httpx.AsyncClient, base_url: str, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    source = make_tone_audio(tmp_path / "tone.wav", seconds=1.0)
    project = await new_project(client, account)
    cli_dir = tmp_path / "cli"
    done = await anyio.to_thread.run_sync(
        lambda: _run_cli(
            [str(source), "--project", project, "--url", base_url], cli_dir, account.key
        )
    )
    assert done.returncode == 0, done.stderr
    asset = json.loads(done.stdout.strip().splitlines()[-1])
    assert asset["project_id"] == project
    assert (await wait_state(client, account, asset["id"], "ready"))["state"] == "ready"
    assert await stored_sha256(runtime, asset["id"]) == sha256_file(source)

    # Resume: a half-sent upload recorded for this file is continued, not restarted.
    other = tmp_path / "other.wav"
    other.write_bytes(make_tone_audio(tmp_path / "o.wav", seconds=1.5).read_bytes())
    data = other.read_bytes()
    pending = await new_asset(client, account, len(data), project_id=project)
    sent = await client.patch(
        pending["upload_url"],
        content=data[:5000],
        headers={**tus_headers(account), **OFFSET_CT, "Upload-Offset": "0"},
    )
    assert sent.status_code == 204
    cli_dir.mkdir(exist_ok=True)
    state = {
        _fingerprint(other, base_url): {
            "asset_id": pending["id"],
            "upload_url": pending["upload_url"],
        }
    }
    (cli_dir / "cli-uploads.json").write_text(json.dumps(state))
    resumed = await anyio.to_thread.run_sync(
        lambda: _run_cli(
            [str(other), "--project", project, "--url", base_url], cli_dir, account.key
        )
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "Resuming" in resumed.stderr
    assert json.loads(resumed.stdout.strip().splitlines()[-1])["id"] == pending["id"]
    assert await stored_sha256(runtime, pending["id"]) == sha256_file(other)
    assert json.loads((cli_dir / "cli-uploads.json").read_text()) == {}


async def test_cli_finds_the_server_like_serve_does_and_says_when_it_is_down(
    client: httpx.AsyncClient, base_url: str, account: Account, tmp_path: Path
) -> None:
    source = make_tone_audio(tmp_path / "tone.wav", seconds=1.0)
    project = await new_project(client, account)
    port = base_url.rsplit(":", 1)[1]

    def run(extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        roughy = Path(sys.executable).with_name("roughy")
        env = {k: v for k, v in os.environ.items() if not k.startswith("ROUGHY_")}
        env.update({"ROUGHY_DATA_DIR": str(tmp_path / "cli"), "ROUGHY_API_KEY": account.key})
        env.update(extra_env)
        return subprocess.run(
            [str(roughy), "upload", str(source), "--project", project],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    by_port = await anyio.to_thread.run_sync(lambda: run({"ROUGHY_PORT": port}))
    assert by_port.returncode == 0, by_port.stderr
    uploaded = json.loads(by_port.stdout.strip().splitlines()[-1])
    assert uploaded["project_id"] == project
    assert uploaded["filename"] == "tone.wav"

    down_url = f"http://127.0.0.1:{free_port()}"
    down = await anyio.to_thread.run_sync(lambda: run({"ROUGHY_PUBLIC_BASE_URL": down_url}))
    assert down.returncode == 1
    message = " ".join(down.stderr.split())
    assert f"No Roughy server answers at {down_url}" in message
    assert "roughy serve" in message
