"""The zero-set-up default: no ROUGHY_DATABASE_URL, an embedded cluster under the data dir, shared
by every Roughy process that uses that data dir."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from support import free_port

ROUGHY = str(Path(sys.executable).with_name("roughy"))


@pytest.fixture
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Short path: the cluster's Unix socket lives under it.
    return Path(tmp_path_factory.mktemp("emb"))


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROUGHY_", "XDG_RUNTIME"))}
    env["ROUGHY_DATA_DIR"] = str(data_dir)
    return env


@pytest.fixture
def embedded_server(data_dir: Path) -> Iterator[str]:
    process, url = _serve(data_dir)
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
    assert "RuntimeDirWarning" not in created.stderr
    key = subprocess.run(
        [ROUGHY, "keys", "create", "shared@example.com", "--name", "k"],
        env=_env(data_dir), capture_output=True, text=True, timeout=120,
    ).stdout.strip()  # fmt: skip

    # The CLI attached to the server's cluster and left it running when it exited.
    me = httpx.get(f"{embedded_server}/v1/users/me", headers={"Authorization": f"Bearer {key}"})
    assert me.status_code == 200 and me.json()["email"] == "shared@example.com"
    assert httpx.get(f"{embedded_server}/readyz").status_code == 200


def _serve(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`roughy serve --no-worker` on the data dir, once it answers /readyz."""
    port = free_port()
    process = subprocess.Popen(
        [ROUGHY, "serve", "--no-worker", "--port", str(port)],
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        assert process.poll() is None, "roughy serve exited early"
        assert time.monotonic() < deadline, "embedded server did not become ready"
        time.sleep(0.2)


def _postgres_processes(pg_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if "postgres" in (process.info["name"] or "") and str(pg_dir) in cmdline:
            found.append(process)
    return found


def test_sigterm_stops_the_cluster_even_after_a_killed_process(data_dir: Path) -> None:
    """A SIGKILLed server leaves its pid in the attach list; the next server forgets it, and
    SIGTERM (kill, systemd, docker stop) stops it like Ctrl-C: no postgres is left running."""
    pg_dir = data_dir.resolve() / "pg"
    killed, _ = _serve(data_dir)
    killed.kill()
    killed.wait(timeout=10)
    assert _postgres_processes(pg_dir), "the cluster outlives a SIGKILLed server"
    assert json.loads((pg_dir / ".handle_pids.json").read_text()) == [killed.pid]

    server, _ = _serve(data_dir)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)
    assert not _postgres_processes(pg_dir)
    assert json.loads((pg_dir / ".handle_pids.json").read_text()) == []


def test_development_accepts_a_webhook_receiver_on_this_machine(
    embedded_server: str, data_dir: Path
) -> None:
    """`roughy serve` with no settings is development: a loopback http receiver is accepted."""
    subprocess.run(
        [ROUGHY, "users", "create", "hooks@example.com"],
        env=_env(data_dir), capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    key = subprocess.run(
        [ROUGHY, "keys", "create", "hooks@example.com", "--name", "k"],
        env=_env(data_dir), capture_output=True, text=True, timeout=120, check=True,
    ).stdout.strip()  # fmt: skip
    created = httpx.post(
        f"{embedded_server}/v1/webhook-endpoints",
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["cut.completed"]},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert created.status_code == 201, created.text
