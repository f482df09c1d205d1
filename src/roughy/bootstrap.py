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
from roughy.storage.s3 import S3Storage, StorageMisconfigured
from roughy.storage.scratch import Scratch

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


def build_storage(settings: Settings, *, check: bool = True) -> Storage:
    """The configured backend. On S3 the bucket and credentials are checked first, so a process
    that cannot reach its bytes stops at start-up with the reason (`StorageMisconfigured`)."""
    if settings.storage_backend == "local":
        return LocalStorage(settings.storage_dir)
    if not settings.s3.bucket:
        raise StorageMisconfigured("ROUGHY_STORAGE_BACKEND=s3 needs ROUGHY_S3__BUCKET.")
    storage = S3Storage(settings.s3, Scratch(settings.fetch_dir, settings.scratch_max_bytes))
    if check:
        storage.check()
    return storage


def build_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    url = database_url(settings)
    if migrate:
        upgrade_database(url)
    return Runtime(settings=settings, db=Database(url), storage=build_storage(settings))
