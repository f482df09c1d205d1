from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from roughy.api.errors import install_error_handlers
from roughy.api.logging import RequestIdMiddleware
from roughy.api.openapi import install_openapi
from roughy.api.routers import all_routers
from roughy.bootstrap import build_runtime
from roughy.config import Settings
from roughy.jobs import Runtime
from roughy.uploads.middleware import TusMiddleware
from roughy.worker import run_worker

log = logging.getLogger(__name__)


def worker_plan(settings: Settings) -> list[tuple[str, int]]:
    """One in-process worker per queue, so a long render never delays webhook deliveries."""
    return [("io", settings.io_concurrency), ("cpu", settings.cpu_concurrency)]


def create_app(
    settings: Settings, *, runtime: Runtime | None = None, with_worker: bool = True
) -> FastAPI:
    """The whole HTTP service. With no `runtime` given, the app builds (and closes) its own."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        active = (
            runtime if runtime is not None else await asyncio.to_thread(build_runtime, settings)
        )
        app.state.runtime = active
        plan = worker_plan(settings) if with_worker else []
        workers = [
            asyncio.create_task(run_worker(active, [queue], concurrency=n), name=f"worker-{queue}")
            for queue, n in plan
        ]
        try:
            yield
        finally:
            for worker in workers:
                worker.cancel()
            for worker in workers:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await worker
            if owned:
                await active.db.dispose()

    app = FastAPI(
        title="Roughy Public API",
        version="1.0.0",
        openapi_url="/v1/openapi.json",
        docs_url=None,  # served from local assets by roughy.dashboard
        redoc_url=None,
        lifespan=lifespan,
    )
    if runtime is not None:
        app.state.runtime = runtime
    install_error_handlers(app)
    for router in all_routers():
        app.include_router(router)
    install_openapi(app)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(TusMiddleware)  # uploads: method override + Tus-Resumable
    return app
