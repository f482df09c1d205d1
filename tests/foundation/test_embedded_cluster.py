"""The zero-set-up default: no ROUGHY_DATABASE_URL, an embedded cluster under the data dir, shared
by every Roughy process that uses that data dir."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import free_port

ROUGHY = str(Path(sys.executable).with_name("roughy"))


@pytest.fixture
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Short path: the cluster's Unix socket lives under it.
    return Path(tmp_path_factory.mktemp("emb"))


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROUGHY_")}
    env["ROUGHY_DATA_DIR"] = str(data_dir)
    return env


@pytest.fixture
def embedded_server(data_dir: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [ROUGHY, "serve", "--no-worker", "--port", str(port)],
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "embedded server did not become ready"
        time.sleep(0.2)
    yield url
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)


def test_processes_on_one_data_dir_share_one_cluster(embedded_server: str, data_dir: Path) -> None:
    assert (data_dir / "pg" / "PG_VERSION").exists()
    created = subprocess.run(
        [ROUGHY, "users", "create", "shared@example.com"],
        env=_env(data_dir), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    key = subprocess.run(
        [ROUGHY, "keys", "create", "shared@example.com", "--name", "k"],
        env=_env(data_dir), capture_output=True, text=True, timeout=120,
    ).stdout.strip()  # fmt: skip

    # The CLI attached to the server's cluster and left it running when it exited.
    me = httpx.get(f"{embedded_server}/v1/users/me", headers={"Authorization": f"Bearer {key}"})
    assert me.status_code == 200 and me.json()["email"] == "shared@example.com"
    assert httpx.get(f"{embedded_server}/readyz").status_code == 200
