"""Credit rules. Every debit takes the account's ledger lock first, so concurrent debits are
serialised and a balance check can never be raced into an overdraft."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from roughy.credits import repository as repo
from roughy.credits.errors import InsufficientCredits
from roughy.credits.models import LedgerEntry
from roughy.credits.repository import OpenHold
from roughy.credits.schemas import EntrySource, EntryType
from roughy.jobs import defer
from roughy.kit.pagination import PageParams, Slice

CREDIT_TYPES = frozenset({EntryType.TOPUP, EntryType.REFUND, EntryType.ADJUSTMENT})


async def balance(session: AsyncSession, user_id: str) -> int:
    return await repo.balance(session, user_id)


async def history(session: AsyncSession, user_id: str, page: PageParams) -> Slice[LedgerEntry]:
    return await repo.history(session, user_id, page)


async def grant(
    session: AsyncSession,
    user_id: str,
    amount: int,
    *,
    entry_type: EntryType = EntryType.TOPUP,
    memo: str | None = None,
    grant_id: str | None = None,
    stripe_invoice_id: str | None = None,
    source: EntrySource = EntrySource.OPERATOR,
    reference: str | None = None,
) -> LedgerEntry:
    """Add (or, for a negative adjustment, remove) credits; then wake assets awaiting payment."""
    if entry_type not in CREDIT_TYPES:
        raise ValueError(f"{entry_type} is not a grant type")
    if amount <= 0 and entry_type is not EntryType.ADJUSTMENT:
        raise ValueError("a grant must be positive")
    await repo.lock_account(session, user_id)
    entry = await _append(
        session,
        user_id,
        entry_type,
        amount,
        memo=memo,
        grant_id=grant_id,
        stripe_invoice_id=stripe_invoice_id,
        source=source.value,
        reference=reference,
    )
    if amount > 0:
        await defer(session, "assets.activate_pending_payment", queue="io", user_id=user_id)
    return entry


async def take_back_refunded(
    session: AsyncSession, user_id: str, amount: int, *, source: EntrySource, reference: str
) -> LedgerEntry:
    """A negative `refund`: the money that bought these credits went back, so do they. The
    balance may fall below zero (the credits were already spent); uploads then wait for a
    top-up like any other empty balance."""
    if amount <= 0:
        raise ValueError("a refund takes back a positive number of credits")
    await repo.lock_account(session, user_id)
    return await _append(
        session, user_id, EntryType.REFUND, -amount, source=source.value, reference=reference
    )


async def _append(
    session: AsyncSession, user_id: str, type: EntryType, delta: int, **fields: Any
) -> LedgerEntry:
    """One ledger row moving `delta`; `amount` is the size of the movement (|delta| unless
    given, as for a COMMIT, which moves nothing but records what was charged)."""
    amount = fields.pop("amount", abs(delta))
    entry = LedgerEntry(user_id=user_id, type=type.value, delta=delta, amount=amount, **fields)
    return await repo.append(session, entry)


async def try_consume_asset(
    session: AsyncSession, user_id: str, asset_id: str, amount: int
) -> bool:
    """Charge an asset once. False (and nothing written) when the balance cannot cover it."""
    await repo.lock_account(session, user_id)
    if await repo.has_consumed(session, asset_id):
        return True
    if await repo.balance(session, user_id) < amount:
        return False
    await _append(session, user_id, EntryType.CONSUME_ASSET, -amount, asset_id=asset_id)
    return True


async def hold(session: AsyncSession, user_id: str, pipeline_id: str, amount: int) -> None:
    await repo.lock_account(session, user_id)
    available = await repo.balance(session, user_id)
    if available < amount:
        raise InsufficientCredits(
            f"This pipeline needs {amount} credits; {available} are available."
        )
    await _append(session, user_id, EntryType.HOLD, -amount, pipeline_id=pipeline_id)


async def held(session: AsyncSession, user_id: str, pipeline_id: str) -> int:
    holds = await repo.open_holds(session, user_id, pipeline_id)
    return sum(h.amount for h in holds)


async def commit(session: AsyncSession, user_id: str, pipeline_id: str, amount: int) -> int:
    """Turn up to `amount` of the pipeline's hold into a charge; returns what was committed."""
    await repo.lock_account(session, user_id)
    committed = min(amount, await held(session, user_id, pipeline_id))
    if committed > 0:
        await _append(
            session, user_id, EntryType.COMMIT, 0, amount=committed, pipeline_id=pipeline_id
        )
    return committed


async def release(session: AsyncSession, user_id: str, pipeline_id: str) -> int:
    """Give back whatever of the pipeline's hold was not committed."""
    await repo.lock_account(session, user_id)
    remaining = await held(session, user_id, pipeline_id)
    if remaining > 0:
        await _append(session, user_id, EntryType.RELEASE, remaining, pipeline_id=pipeline_id)
    return remaining


async def open_holds(session: AsyncSession, user_id: str) -> list[OpenHold]:
    return await repo.open_holds(session, user_id)
