"""Test harness: one embedded PostgreSQL cluster per run, a fresh database, and a real Roughy
server (API + in-process worker) on loopback. Tests talk to it over HTTP like any client does."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from roughy.bootstrap import build_runtime
from roughy.config import Settings
from roughy.jobs import Runtime
from s3kit import MotoServer, make_bucket
from stack import LiveServer, fresh_database
from support import Account, create_account, free_port

TEST_DATABASE = f"roughy_test_{os.getpid()}"


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("roughy-data")


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    yield from fresh_database(TEST_DATABASE)


@pytest.fixture(scope="session")
def s3_database_url() -> Iterator[str]:
    """The S3 stack's own database: its worker must never take the local stack's jobs."""
    yield from fresh_database(f"{TEST_DATABASE}_s3")


@pytest.fixture(scope="session")
def local_settings(database_url: str, data_dir: Path) -> Settings:
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


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's standalone S3 server on a free loopback port (started only if a test needs S3)."""
    with MotoServer(tmp_path_factory.mktemp("moto")) as moto:
        yield moto.url


@pytest.fixture(scope="session")
def s3_settings(
    local_settings: Settings,
    s3_database_url: str,
    s3_endpoint: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Settings:
    """The same secret, but every byte in a bucket, and no shared data dir or database."""
    return local_settings.model_copy(
        update={
            "database_url": s3_database_url,
            "storage_backend": "s3",
            "s3": make_bucket(s3_endpoint, "roughy-tests"),
            "data_dir": tmp_path_factory.mktemp("roughy-s3-data"),
            "port": free_port(),
        }
    )


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """`local` unless the module sets `BACKENDS` (then its tests run once per backend)."""
    return str(getattr(request, "param", "local"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`@pytest.mark.backends("local")` narrows a test of such a module (e.g. one that looks at
    local staging files)."""
    marker = metafunc.definition.get_closest_marker("backends")
    backends = marker.args if marker else getattr(metafunc.module, "BACKENDS", None)
    if backends and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture
def settings(backend: str, request: pytest.FixtureRequest) -> Settings:
    return request.getfixturevalue(f"{backend}_settings")  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def local_server(local_settings: Settings) -> Iterator[LiveServer]:
    live = LiveServer(local_settings)
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="session")
def s3_server(s3_settings: Settings) -> Iterator[LiveServer]:
    live = LiveServer(s3_settings)
    live.start()
    yield live
    live.stop()


@pytest.fixture
def server(backend: str, request: pytest.FixtureRequest) -> LiveServer:
    return request.getfixturevalue(f"{backend}_server")  # type: ignore[no-any-return]


@pytest.fixture
def base_url(server: LiveServer) -> str:
    return server.url


@pytest.fixture(scope="session")
async def local_runtime(local_settings: Settings, database_url: str) -> AsyncIterator[Runtime]:
    """Direct access to the same database and storage, for set-up and for checking effects."""
    rt = build_runtime(local_settings, migrate=False)
    yield rt
    await rt.db.dispose()


@pytest.fixture(scope="session")
async def s3_runtime(s3_settings: Settings) -> AsyncIterator[Runtime]:
    rt = build_runtime(s3_settings, migrate=False)
    yield rt
    await rt.db.dispose()


@pytest.fixture
def runtime(backend: str, request: pytest.FixtureRequest) -> Runtime:
    return request.getfixturevalue(f"{backend}_runtime")  # type: ignore[no-any-return]


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
