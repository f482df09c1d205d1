"""Administration commands: users, API keys, credits, migrations."""

from __future__ import annotations

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.auth import service as auth
from roughy.bootstrap import database_url, upgrade_database
from roughy.cli.runtime import in_transaction
from roughy.config import Settings, load_settings
from roughy.credits import service as credits
from roughy.errors import RoughyError

console = Console()
users = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
keys = typer.Typer(help="Manage API keys.", no_args_is_help=True)
credit = typer.Typer(help="Manage credits.", no_args_is_help=True)
db = typer.Typer(help="Database maintenance.", no_args_is_help=True)


def _fail(error: RoughyError) -> None:
    console.print(f"[red]error:[/red] {error.message}")
    raise typer.Exit(1)


@users.command("create")
def create_user(
    email: str,
    password: str = typer.Option(None, help="Password for login (optional; API keys need none)."),
    name: str = typer.Option(None, help="Display name."),
) -> None:
    """Create a verified user."""

    async def work(session: AsyncSession, settings: Settings) -> str:
        user = await auth.create_user(session, email, password, verified=True, name=name)
        if settings.signup_credits:
            await credits.grant(session, user.id, settings.signup_credits, memo="signup")
        return user.id

    try:
        console.print(f"created user {email} ({in_transaction(work)})")
    except RoughyError as error:
        _fail(error)


@users.command("verify")
def verify_user(email: str) -> None:
    """Mark a user's email as verified (when no mail transport is configured)."""

    async def work(session: AsyncSession, settings: Settings) -> None:
        await auth.mark_verified(session, email)

    try:
        in_transaction(work)
    except RoughyError as error:
        _fail(error)
    console.print(f"verified {email}")


@keys.command("create")
def create_key(email: str, name: str = typer.Option(..., help="A label for the key.")) -> None:
    """Mint an API key and print it (it is shown only once)."""

    async def work(session: AsyncSession, settings: Settings) -> str:
        user = await auth.require_user_by_email(session, email)
        return (await auth.issue_key(session, user, name=name, kind=auth.KIND_API)).plaintext

    try:
        typer.echo(in_transaction(work))
    except RoughyError as error:
        _fail(error)


@credit.command("grant")
def grant_credits(email: str, amount: int, memo: str = typer.Option(None)) -> None:
    """Add credits to a user's balance (a `topup` ledger entry)."""

    async def work(session: AsyncSession, settings: Settings) -> int:
        user = await auth.require_user_by_email(session, email)
        await credits.grant(session, user.id, amount, memo=memo or "granted from the CLI")
        return await credits.balance(session, user.id)

    try:
        console.print(f"balance of {email}: {in_transaction(work)}")
    except RoughyError as error:
        _fail(error)


@db.command("upgrade")
def upgrade() -> None:
    """Apply all migrations (also done automatically when Roughy starts)."""
    upgrade_database(database_url(load_settings()))
    console.print("database is up to date")
