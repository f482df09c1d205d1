"""Bring a process up: database (embedded or configured), migrations, storage. Used by every
entry point (API server, worker, CLI commands, tests)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

from roughy.config import Settings
from roughy.jobs import Runtime
from roughy.kit.db import Database, sqlalchemy_url
from roughy.kit.embedded_pg import start_embedded_cluster
from roughy.storage import LocalStorage, Storage

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).parent / "migrations_alembic"


def database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    return start_embedded_cluster(settings.pg_dir)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return config


def upgrade_database(url: str) -> None:
    command.upgrade(alembic_config(url), "heads")


def build_storage(settings: Settings) -> Storage:
    if settings.storage_backend != "local":
        raise NotImplementedError(
            "Only local storage is available in this build (ROUGHY_STORAGE_BACKEND=local)."
        )
    return LocalStorage(settings.storage_dir)


def build_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    url = database_url(settings)
    if migrate:
        upgrade_database(url)
    return Runtime(settings=settings, db=Database(url), storage=build_storage(settings))
