from __future__ import annotations

import asyncio
import importlib
import importlib.util

import typer
import uvicorn
from rich.console import Console

from roughy.api import create_app
from roughy.api.logging import configure_logging
from roughy.bootstrap import build_runtime
from roughy.cli import admin
from roughy.config import load_settings
from roughy.worker import run_worker

app = typer.Typer(
    help="Roughy: automatic rough cuts for spoken-word recordings.", no_args_is_help=True
)
app.add_typer(admin.users, name="users")
app.add_typer(admin.keys, name="keys")
app.add_typer(admin.credit, name="credits")
app.add_typer(admin.db, name="db")
console = Console(stderr=True)

# Commands contributed by other modules: each exposes register(app).
for module_name in ("roughy.cli.cut", "roughy.cli.upload"):
    if importlib.util.find_spec(module_name) is not None:
        importlib.import_module(module_name).register(app)


@app.command()
def serve(
    host: str = typer.Option(None, help="Interface to bind (default ROUGHY_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default ROUGHY_PORT or 8000)."),
    no_worker: bool = typer.Option(False, "--no-worker", help="Serve the API only."),
) -> None:
    """Run the API and dashboard (and, unless --no-worker, an in-process job worker)."""
    settings = load_settings()
    settings = settings.model_copy(
        update={"host": host or settings.host, "port": port or settings.port}
    )
    configure_logging(settings.log_level)
    console.print(
        f"[bold]Roughy[/bold] API on {settings.base_url}"
        f"  (OpenAPI: {settings.base_url}/v1/openapi.json)"
    )
    console.print(
        "Get an API key:  roughy users create you@example.com && "
        "roughy keys create you@example.com --name laptop"
    )
    uvicorn.run(
        create_app(settings, with_worker=not no_worker),
        host=settings.host,
        port=settings.port,
        log_config=None,
        timeout_graceful_shutdown=5,
    )


@app.command()
def worker(
    queue: str = typer.Option(None, help="Only this queue: io or cpu (default both)."),
    concurrency: int = typer.Option(2, help="Jobs run at once."),
) -> None:
    """Run a job worker."""
    settings = load_settings()
    configure_logging(settings.log_level)
    runtime = build_runtime(settings)
    try:
        asyncio.run(run_worker(runtime, [queue] if queue else None, concurrency=concurrency))
    except KeyboardInterrupt:
        pass
