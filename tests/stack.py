"""A Roughy server under test: uvicorn in a thread, and fresh databases on the run's cluster."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import uvicorn

from roughy.api import create_app
from roughy.bootstrap import upgrade_database
from roughy.config import Settings
from roughy.kit.embedded_pg import drop_database, ensure_database, start_embedded_cluster


def fresh_database(name: str) -> Iterator[str]:
    """A new, migrated database on the run's embedded cluster (dropped afterwards)."""
    cluster_dir = Path(os.environ.get("ROUGHY_TEST_PG_DIR", "/tmp/roughy-test-pg"))
    admin_url = start_embedded_cluster(cluster_dir, database="postgres")
    drop_database(admin_url, name)
    ensure_database(admin_url, name)
    url = admin_url.replace("/postgres?", f"/{name}?")
    upgrade_database(url)
    yield url
    drop_database(admin_url, name)


class LiveServer:
    """uvicorn in a thread with its own event loop, serving the real application."""

    def __init__(self, settings: Settings, *, with_worker: bool = True) -> None:
        self.settings = settings
        config = uvicorn.Config(
            create_app(settings, with_worker=with_worker),
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
