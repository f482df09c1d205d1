from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Iterable
from typing import Any

import procrastinate

from roughy.jobs import REGISTRY, JobContext, JobSpec, Runtime

log = logging.getLogger(__name__)

DOMAINS_WITH_TASKS = (
    "projects",
    "credits",
    "assets",
    "uploads",
    "cuts",
    "renders",
    "webhooks",
    "pipelines",
    "worker.maintenance",
)


def import_task_modules() -> None:
    for domain in DOMAINS_WITH_TASKS:
        module = f"roughy.{domain}" if "." in domain else f"roughy.{domain}.tasks"
        if importlib.util.find_spec(module.rsplit(".", 1)[0]) and importlib.util.find_spec(module):
            importlib.import_module(module)


def _wrap(runtime: Runtime, spec: JobSpec) -> Any:
    async def run(context: procrastinate.JobContext, **kwargs: Any) -> None:
        job = context.job
        kwargs.pop("timestamp", None)
        ctx = JobContext(
            runtime=runtime, job_id=job.id or 0, attempts=job.attempts, queue=context.app
        )
        log.info("job start", extra={"job": spec.name, "job_id": job.id, "job_args": kwargs})
        await spec.handler(ctx, **kwargs)
        log.info("job done", extra={"job": spec.name, "job_id": job.id})

    run.__name__ = spec.name.replace(".", "_")
    return run


def build_job_app(runtime: Runtime) -> procrastinate.App:
    import_task_modules()
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=runtime.db.url))
    for spec in REGISTRY.values():
        task = app.task(name=spec.name, queue=spec.queue, pass_context=True, retry=spec.retries)(
            _wrap(runtime, spec)
        )
        if spec.periodic_cron:
            app.periodic(cron=spec.periodic_cron, periodic_id=spec.name)(task)
    return app


async def run_worker(
    runtime: Runtime, queues: Iterable[str] | None = None, *, concurrency: int = 2
) -> None:
    """Run until cancelled. Jobs left `doing` by a killed worker are retried by maintenance."""
    app = build_job_app(runtime)
    options: dict[str, Any] = {"queues": list(queues)} if queues else {}
    async with app.open_async():
        await app.run_worker_async(
            **options,
            concurrency=concurrency,
            install_signal_handlers=False,
            fetch_job_polling_interval=1.0,
            update_heartbeat_interval=5.0,
            stalled_worker_timeout=runtime.settings.stalled_job_seconds / 2,
            delete_jobs="successful",
        )
