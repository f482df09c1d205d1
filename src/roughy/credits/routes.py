from __future__ import annotations

from fastapi import APIRouter

from roughy.auth.dependencies import CurrentUser
from roughy.credits import service
from roughy.credits.schemas import (
    Balance,
    Hold,
    LedgerEntryOut,
    LegacyBalance,
    LegacyLedgerEntry,
)
from roughy.deps import SessionDep
from roughy.kit.openapi import error_responses
from roughy.kit.pagination import Page, PageDep

public = APIRouter(prefix="/v1/credits", tags=["Credits"], responses=error_responses())
legacy = APIRouter(prefix="/api/v1/credits", tags=["credits"])


@public.get("/balance", response_model=Balance)
async def get_balance(user: CurrentUser, session: SessionDep) -> object:
    return Balance(balance=await service.balance(session, user.id))


@public.get("/history", response_model=Page[LedgerEntryOut])
async def get_history(user: CurrentUser, session: SessionDep, page: PageDep) -> object:
    found = await service.history(session, user.id, page)
    return Page.of(found, page)


@legacy.get("/balance", response_model=LegacyBalance)
async def get_legacy_balance(user: CurrentUser, session: SessionDep) -> object:
    holds = await service.open_holds(session, user.id)
    return LegacyBalance(
        balance=await service.balance(session, user.id),
        holds=[
            Hold(amount=h.amount, created_at=h.created_at, pipeline_id=h.pipeline_id) for h in holds
        ],
        total_held=sum(h.amount for h in holds),
    )


@legacy.get("/history", response_model=Page[LegacyLedgerEntry])
async def get_legacy_history(user: CurrentUser, session: SessionDep, page: PageDep) -> object:
    found = await service.history(session, user.id, page)
    items = [
        LegacyLedgerEntry.model_validate(e).model_copy(update={"type": e.type.upper()})
        for e in found.rows
    ]
    return Page(items=items, total=found.total, limit=page.limit, offset=page.offset)
