from __future__ import annotations

import asyncio
import importlib
import importlib.util
import os
import shlex
import shutil
import signal
import sys
from pathlib import Path

import typer
import uvicorn
from rich.console import Console

from roughy.api import create_app
from roughy.api.logging import configure_logging
from roughy.bootstrap import build_runtime, build_storage
from roughy.cli import admin
from roughy.config import Settings, load_settings
from roughy.storage.s3 import StorageMisconfigured
from roughy.worker import run_worker

app = typer.Typer(
    help="Roughy: automatic rough cuts for spoken-word recordings.", no_args_is_help=True
)
app.add_typer(admin.users, name="users")
app.add_typer(admin.keys, name="keys")
app.add_typer(admin.credit, name="credits")
app.add_typer(admin.project, name="projects")
app.add_typer(admin.db, name="db")
console = Console(stderr=True)

# Commands contributed by other modules: each exposes register(app).
for module_name in ("roughy.cli.cut", "roughy.cli.upload"):
    if importlib.util.find_spec(module_name) is not None:
        importlib.import_module(module_name).register(app)


def roughy_command() -> str:
    """How to run this very `roughy` from the user's shell: bare when it is on PATH, else the
    path of the executable next to the running interpreter (e.g. `.venv/bin/roughy`)."""
    beside = Path(sys.executable).with_name("roughy")
    found = shutil.which("roughy")
    if found is not None and Path(found).resolve() == beside.resolve():
        return "roughy"
    try:
        return str(beside.relative_to(Path.cwd()))
    except ValueError:
        return str(beside)


def command_environment() -> str:
    """The ROUGHY_ variables that choose the database, repeated so printed commands reach it."""
    names = ("ROUGHY_DATA_DIR", "ROUGHY_DATABASE_URL")
    return "".join(f"{n}={shlex.quote(os.environ[n])} " for n in names if os.environ.get(n))


def banner(base_url: str, roughy: str) -> str:
    roughy = command_environment() + roughy
    return "\n".join(
        [
            f"[bold]Roughy[/bold] is running: open {base_url}/ and sign up.",
            f"  API docs: {base_url}/v1/docs   OpenAPI: {base_url}/v1/openapi.json",
            "  Give an account credits (1 credit = 1 started minute of uploaded media):",
            f"    {roughy} credits grant you@example.com 60",
            "  Or from the command line:",
            f"    {roughy} users create you@example.com --password 'at least 8 chars'",
            f"    {roughy} keys create you@example.com --name laptop",
        ]
    )


def stop_on_sigterm_like_ctrl_c() -> None:
    """`kill`, systemd and `docker stop` send SIGTERM, whose default ends the process without
    running exit handlers, leaving the embedded cluster up. Make it a KeyboardInterrupt: uvicorn
    shuts down gracefully and re-raises it, the worker stops, and exit handlers detach."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def require_storage(settings: Settings) -> None:
    """Stop at once, with the reason, when the bucket is missing or refuses the credentials."""
    try:
        build_storage(settings)
    except StorageMisconfigured as exc:
        console.print(f"[red]Cannot start:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc


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
    require_storage(settings)
    console.print(banner(settings.base_url, roughy_command()), highlight=False, soft_wrap=True)
    stop_on_sigterm_like_ctrl_c()
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
    require_storage(settings)
    stop_on_sigterm_like_ctrl_c()
    runtime = build_runtime(settings)
    try:
        asyncio.run(run_worker(runtime, [queue] if queue else None, concurrency=concurrency))
    except KeyboardInterrupt:
        pass
