"""Administration commands: users, API keys, credits, projects, migrations."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.auth import service as auth
from roughy.bootstrap import database_url, upgrade_database
from roughy.cli.runtime import in_transaction
from roughy.config import Settings, load_settings
from roughy.credits import service as credits
from roughy.errors import RoughyError
from roughy.kit.pagination import PageParams
from roughy.projects import service as projects
from roughy.projects.models import ProjectState
from roughy.projects.schemas import ProjectCreate

console = Console()
users = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
keys = typer.Typer(help="Manage API keys.", no_args_is_help=True)
credit = typer.Typer(help="Manage credits.", no_args_is_help=True)
db = typer.Typer(help="Database maintenance.", no_args_is_help=True)
project = typer.Typer(help="Manage a user's projects.", no_args_is_help=True)
MIN_PASSWORD = 8
T = TypeVar("T")


def _fail(error: RoughyError) -> NoReturn:
    console.print(f"[red]error:[/red] {error.message}")
    raise typer.Exit(1)


def _run(work: Callable[[AsyncSession, Settings], Awaitable[T]]) -> T:
    """`work` in one transaction; a refusal (`RoughyError`) exits 1 with its message."""
    try:
        return in_transaction(work)
    except RoughyError as error:
        _fail(error)


def _interactive() -> bool:
    return sys.stdin.isatty()


def _ask_password(required: bool) -> str | None:
    """Prompt twice, hidden. Optional prompts accept an empty answer (no password)."""
    hint = "" if required else " (empty: none, sign in with API keys only)"
    while True:
        answer: str = typer.prompt(
            f"Password{hint}",
            hide_input=True,
            confirmation_prompt=True,
            default="" if not required else None,
            show_default=False,
        )
        if not answer and not required:
            return None
        if len(answer) >= MIN_PASSWORD:
            return answer
        console.print(f"[red]at least {MIN_PASSWORD} characters, please[/red]")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        console.print(f"[red]error:[/red] the password needs at least {MIN_PASSWORD} characters")
        raise typer.Exit(1)


@users.command("create")
def create_user(
    email: str,
    password: str = typer.Option(
        None,
        help="Password for signing in to the web app. Asked for when omitted and the terminal "
        "is interactive; without one the account uses API keys only.",
    ),
    name: str = typer.Option(None, help="Display name."),
) -> None:
    """Create a verified user."""
    if password is None and _interactive():
        password = _ask_password(required=False)
    elif password is not None:
        _check_password(password)

    async def work(session: AsyncSession, settings: Settings) -> str:
        user = await auth.create_user(session, email, password, verified=True, name=name)
        if settings.signup_credits:
            await credits.grant(session, user.id, settings.signup_credits, memo="signup")
        return user.id

    console.print(f"created user {email} ({_run(work)})")


@users.command("set-password")
def set_password(
    email: str,
    password: str = typer.Option(None, help="The new password (asked for, hidden, when omitted)."),
) -> None:
    """Set or replace a user's password (signs out their web sessions)."""
    if password is None:
        if not _interactive():
            console.print("[red]error:[/red] pass --password (no terminal to ask on)")
            raise typer.Exit(1)
        password = _ask_password(required=True)
    assert password is not None
    _check_password(password)
    new_password = password

    async def work(session: AsyncSession, settings: Settings) -> None:
        await auth.set_password(session, email, new_password)

    _run(work)
    console.print(f"password set for {email}")


@users.command("verify")
def verify_user(email: str) -> None:
    """Mark a user's email as verified (when no mail transport is configured)."""

    async def work(session: AsyncSession, settings: Settings) -> None:
        await auth.mark_verified(session, email)

    _run(work)
    console.print(f"verified {email}")


@keys.command("create")
def create_key(email: str, name: str = typer.Option(..., help="A label for the key.")) -> None:
    """Mint an API key and print it (it is shown only once)."""

    async def work(session: AsyncSession, settings: Settings) -> str:
        user = await auth.require_user_by_email(session, email)
        return (await auth.issue_key(session, user, name=name, kind=auth.KIND_API)).plaintext

    typer.echo(_run(work))


@credit.command("grant")
def grant_credits(email: str, amount: int, memo: str = typer.Option(None)) -> None:
    """Add credits to a user's balance (a `topup` ledger entry)."""

    async def work(session: AsyncSession, settings: Settings) -> int:
        user = await auth.require_user_by_email(session, email)
        await credits.grant(session, user.id, amount, memo=memo or "granted from the CLI")
        return await credits.balance(session, user.id)

    console.print(f"balance of {email}: {_run(work)}")


@project.command("create")
def create_project(email: str, name: str) -> None:
    """Create a project for a user and print its id."""

    async def work(session: AsyncSession, settings: Settings) -> str:
        user = await auth.require_user_by_email(session, email)
        return (await projects.create(session, user, ProjectCreate(name=name))).id

    typer.echo(_run(work))


@project.command("list")
def list_projects(email: str) -> None:
    """A user's active projects, newest first: id and name, one a line."""

    async def work(session: AsyncSession, settings: Settings) -> list[tuple[str, str]]:
        user = await auth.require_user_by_email(session, email)
        found = await projects.list_projects(
            session, user, ProjectState.ACTIVE, PageParams(limit=100, offset=0)
        )
        return [(p.id, p.name) for p in found.rows]

    rows = _run(work)
    for project_id, project_name in rows:
        typer.echo(f"{project_id}  {project_name}")


@db.command("upgrade")
def upgrade() -> None:
    """Apply all migrations (also done automatically when Roughy starts)."""
    upgrade_database(database_url(load_settings()))
    console.print("database is up to date")
