"""A scaled-out topology: an API process without a worker, and `roughy worker` subprocesses on
the same database. Events cross processes through Postgres; a worker killed mid-step is
recovered without a double charge."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from pipeline_helpers import API, CUT_RENDER, assert_settled, follow, get, ledger, start
from pipeline_media import seed_input, talking_head
from sqlalchemy import text

from roughy.api import create_app
from roughy.bootstrap import build_runtime
from roughy.config import Settings
from roughy.jobs import Runtime
from stack import fresh_database
from support import create_account, free_port

DATABASE = f"roughy_pipelines_{os.getpid()}"
STALLED_JOB_SECONDS = 10


@dataclass
class Stack:
    settings: Settings
    runtime: Runtime
    url: str
    log_dir: Path

    def worker(self, name: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "ROUGHY_DATABASE_URL": self.settings.database_url or "",
            "ROUGHY_DATA_DIR": str(self.settings.data_dir),
            "ROUGHY_SECRET_KEY": self.settings.secret_key,
            "ROUGHY_ENVIRONMENT": "test",
            "ROUGHY_STALLED_JOB_SECONDS": str(STALLED_JOB_SECONDS),
        }
        roughy = Path(sys.executable).with_name("roughy")
        log = open(self.log_dir / f"{name}.log", "wb")
        return subprocess.Popen(
            [str(roughy), "worker", "--concurrency", "2"], env=env, stdout=log, stderr=log
        )


@pytest.fixture(scope="module")
def stack_settings(
    tmp_path_factory: pytest.TempPathFactory, local_settings: Settings
) -> Iterator[Settings]:
    for url in fresh_database(DATABASE):
        yield local_settings.model_copy(
            update={
                "database_url": url,
                "data_dir": tmp_path_factory.mktemp("stack-data"),
                "port": free_port(),
            }
        )


@pytest.fixture(scope="module")
def api_only(stack_settings: Settings) -> Iterator[str]:
    """The API without any in-process worker, on loopback."""
    config = uvicorn.Config(
        create_app(stack_settings, with_worker=False),
        host="127.0.0.1", port=stack_settings.port, log_level="warning", lifespan="on",
        timeout_graceful_shutdown=2,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline
        time.sleep(0.05)
    yield f"http://127.0.0.1:{stack_settings.port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
async def stack(stack_settings: Settings, api_only: str, tmp_path: Path) -> AsyncIterator[Stack]:
    runtime = build_runtime(stack_settings, migrate=False)
    yield Stack(stack_settings, runtime, api_only, tmp_path)
    await runtime.db.dispose()


async def test_pending_pipeline_is_cancelled_at_once_with_a_full_release(
    stack: Stack, speech_clip: Path
) -> None:
    account = await create_account(stack.runtime)
    seeded = await seed_input(stack.runtime, account.user_id, speech_clip)
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as client:
        created = await start(client, account.headers, seeded.id, CUT_RENDER)
        assert created["state"] == "pending"  # no worker runs on this database yet
        response = await client.post(f"{API}/{created['id']}/cancel", headers=account.headers)
        assert response.status_code == 200
        body = response.json()
        assert body["state"] == "cancelled" and body["cancel_requested"] is True
        assert [s["state"] for s in body["steps"]] == ["cancelled", "cancelled"]
        seen = await follow(client, account.headers, created["id"])
        assert [e.event for e in seen.events] == ["pipeline.created", "pipeline.cancelled"]
        sums = await ledger(stack.runtime, created["id"])
        assert sums["release"] == sums["hold"] == created["total_credits_reserved"] > 0
        assert_settled(body, sums)


async def test_heartbeats_keep_an_idle_stream_alive(
    stack: Stack, speech_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stack.runtime.settings, "sse_heartbeat_seconds", 0.3)
    account = await create_account(stack.runtime)
    seeded = await seed_input(stack.runtime, account.user_id, speech_clip)
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as client:
        created = await start(client, account.headers, seeded.id, CUT_RENDER)
        lines: list[str] = []
        async with client.stream(
            "GET", f"{API}/{created['id']}/events", headers=account.headers
        ) as response:
            async for line in response.aiter_lines():
                lines.append(line)
                if sum(1 for x in lines if x.startswith(":")) >= 2:
                    break
        assert "id: 1" in lines and "event: pipeline.created" in lines
        assert sum(1 for x in lines if x.startswith(":")) >= 2
        await client.post(f"{API}/{created['id']}/cancel", headers=account.headers)


async def _worker_pid_of(runtime: Runtime, step_id: str) -> str | None:
    async with runtime.db.transaction() as session:
        worker = await session.scalar(
            text("SELECT worker FROM pipeline_steps WHERE id = :id AND state = 'running'"),
            {"id": step_id},
        )
        return None if worker is None else str(worker)


async def test_killed_worker_is_recovered_without_a_double_charge(
    stack: Stack, media_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # heartbeats interleave with events
    monkeypatch.setattr(stack.runtime.settings, "sse_heartbeat_seconds", 1.0)
    clip = talking_head(media_dir, loops=3)
    account = await create_account(stack.runtime)
    seeded = await seed_input(stack.runtime, account.user_id, clip)
    first = stack.worker("first")
    second: subprocess.Popen[bytes] | None = None
    try:
        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as client:
            created = await start(client, account.headers, seeded.id, CUT_RENDER)
            pid = created["id"]
            cut_id = created["steps"][0]["id"]
            # The API process has no worker: these events come from another process.
            seen = await follow(
                client, account.headers, pid, stop_when=lambda e: e.event == "step.running"
            )
            worker = await _worker_pid_of(stack.runtime, cut_id)
            assert worker is not None and worker.endswith(f":{first.pid}")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)

            # The second worker's periodic recovery finds the step (no heartbeat for
            # ROUGHY_STALLED_JOB_SECONDS) by itself, well before the old fixed minute.
            second = stack.worker("second")
            async with asyncio.timeout(STALLED_JOB_SECONDS * 4):
                recovery = await follow(
                    client,
                    account.headers,
                    pid,
                    last_event_id=seen.events[-1].id,
                    stop_when=lambda e: e.event == "step.recovered",
                )
            rest = await follow(client, account.headers, pid, last_event_id=recovery.events[-1].id)
            rest.events[:0] = recovery.events
            names = [e.event for e in rest.events]
            assert "step.recovered" in names and names[-1] == "pipeline.completed"
            ids = [e.id for e in seen.events + rest.events]
            assert ids == list(range(1, len(ids) + 1))
            done = await get(client, account.headers, pid)
        assert [s["state"] for s in done["steps"]] == ["completed", "completed"]
        assert done["steps"][0]["attempt"] == 2 and done["steps"][1]["attempt"] == 1
        sums = await ledger(stack.runtime, pid)
        assert sums["holds"] == 1 and sums["commits"] == 2
        assert_settled(done, sums)
        async with stack.runtime.db.transaction() as session:
            charges = (
                await session.execute(
                    text(
                        "SELECT step_id, attempt FROM pipeline_step_charges "
                        "WHERE pipeline_id = :p ORDER BY created_at"
                    ),
                    {"p": pid},
                )
            ).all()
        assert [(str(s), a) for s, a in charges] == [(cut_id, 2), (done["steps"][1]["id"], 1)]
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        await asyncio.sleep(0)
