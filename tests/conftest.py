"""Test harness: one embedded PostgreSQL cluster per run, a fresh database, and a real Roughy
server (API + in-process worker) on loopback. Tests talk to it over HTTP like any client does."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from roughy.api import create_app
from roughy.bootstrap import build_runtime, upgrade_database
from roughy.config import Settings
from roughy.jobs import Runtime
from roughy.kit.embedded_pg import drop_database, ensure_database, start_embedded_cluster
from support import Account, create_account, free_port

TEST_DATABASE = f"roughy_test_{os.getpid()}"


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("roughy-data")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    cluster_dir = Path(os.environ.get("ROUGHY_TEST_PG_DIR", "/tmp/roughy-test-pg"))
    admin_url = start_embedded_cluster(cluster_dir, database="postgres")
    drop_database(admin_url, TEST_DATABASE)
    ensure_database(admin_url, TEST_DATABASE)
    url = admin_url.replace("/postgres?", f"/{TEST_DATABASE}?")
    upgrade_database(url)
    yield url
    drop_database(admin_url, TEST_DATABASE)


@pytest.fixture(scope="session")
def settings(database_url: str, data_dir: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=data_dir,
        database_url=database_url,
        secret_key="test-secret-key-that-is-long-enough",
        port=free_port(),
        billing_enabled=True,
        webhooks_allow_insecure_localhost=True,
        webhooks_allow_private_addresses=True,
        upload_idle_timeout_seconds=5.0,
        # A stale writer lets go within milliseconds; a loaded test machine must not turn
        # that into a 423.
        upload_lock_wait_seconds=10.0,
    )


class LiveServer:
    """uvicorn in a thread with its own event loop, serving the real application."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        config = uvicorn.Config(
            create_app(settings, with_worker=True),
            host="127.0.0.1",
            port=settings.port,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, name="roughy-test-server", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def server(settings: Settings) -> Iterator[LiveServer]:
    live = LiveServer(settings)
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="session")
def base_url(server: LiveServer) -> str:
    return server.url


@pytest.fixture(scope="session")
async def runtime(settings: Settings, database_url: str) -> AsyncIterator[Runtime]:
    """Direct access to the same database and storage, for set-up and for checking effects."""
    rt = build_runtime(settings, migrate=False)
    yield rt
    await rt.db.dispose()


@pytest.fixture
async def client(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        yield http


@pytest.fixture
async def account(runtime: Runtime) -> Account:
    return await create_account(runtime)


@pytest.fixture
async def other_account(runtime: Runtime) -> Account:
    return await create_account(runtime)
