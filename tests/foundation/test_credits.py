from __future__ import annotations

import asyncio

import httpx
import pytest

from roughy.credits import service as credits
from roughy.credits.errors import InsufficientCredits
from roughy.jobs import Runtime
from roughy.kit.ids import new_id
from support import Account, create_account


async def test_balance_and_history_both_surfaces(
    client: httpx.AsyncClient, runtime: Runtime, account: Account
) -> None:
    async with runtime.db.transaction() as session:
        await credits.grant(session, account.user_id, 5, memo="bonus")
        assert await credits.try_consume_asset(session, account.user_id, new_id(), 3)
    balance = (await client.get("/v1/credits/balance", headers=account.headers)).json()
    assert balance == {"balance": 1002}
    history = (await client.get("/v1/credits/history", headers=account.headers)).json()
    assert history["total"] == 3
    assert [e["type"] for e in history["items"]] == ["consume_asset", "topup", "topup"]
    assert [e["delta"] for e in history["items"]] == [-3, 5, 1000]
    legacy = (await client.get("/api/v1/credits/history", headers=account.headers)).json()
    assert legacy["items"][0]["type"] == "CONSUME_ASSET"


async def test_an_asset_is_charged_once(runtime: Runtime, account: Account) -> None:
    asset_id = new_id()
    async with runtime.db.transaction() as session:
        assert await credits.try_consume_asset(session, account.user_id, asset_id, 10)
        assert await credits.try_consume_asset(session, account.user_id, asset_id, 10)
        assert await credits.balance(session, account.user_id) == 990


async def test_concurrent_debits_never_overdraw(runtime: Runtime) -> None:
    account = await create_account(runtime, credits_granted=10)

    async def debit() -> bool:
        async with runtime.db.transaction() as session:
            return await credits.try_consume_asset(session, account.user_id, new_id(), 3)

    results = await asyncio.gather(*(debit() for _ in range(12)))
    assert results.count(True) == 3
    async with runtime.db.transaction() as session:
        assert await credits.balance(session, account.user_id) == 1


async def test_concurrent_holds_never_overdraw_and_release_returns_the_rest(
    runtime: Runtime,
) -> None:
    account = await create_account(runtime, credits_granted=100)
    pipelines = [new_id() for _ in range(6)]

    async def hold(pipeline_id: str) -> bool:
        try:
            async with runtime.db.transaction() as session:
                await credits.hold(session, account.user_id, pipeline_id, 30)
            return True
        except InsufficientCredits:
            return False

    results = await asyncio.gather(*(hold(p) for p in pipelines))
    assert results.count(True) == 3
    winner = pipelines[results.index(True)]
    async with runtime.db.transaction() as session:
        assert await credits.balance(session, account.user_id) == 10
        assert await credits.commit(session, account.user_id, winner, 50) == 30
        assert await credits.release(session, account.user_id, winner) == 0
    other = [p for p, ok in zip(pipelines, results, strict=True) if ok][1]
    async with runtime.db.transaction() as session:
        assert await credits.commit(session, account.user_id, other, 12) == 12
        assert await credits.release(session, account.user_id, other) == 18
        assert await credits.balance(session, account.user_id) == 28
        holds = await credits.open_holds(session, account.user_id)
        assert [h.amount for h in holds] == [30]


async def test_legacy_balance_lists_holds(
    client: httpx.AsyncClient, runtime: Runtime, account: Account
) -> None:
    pipeline_id = new_id()
    async with runtime.db.transaction() as session:
        await credits.hold(session, account.user_id, pipeline_id, 40)
    body = (await client.get("/api/v1/credits/balance", headers=account.headers)).json()
    assert body["balance"] == 960 and body["total_held"] == 40
    assert body["holds"][0]["pipeline_id"] == pipeline_id


def test_grants_must_be_positive() -> None:
    with pytest.raises(ValueError):
        asyncio.run(credits.grant(None, "u", 0))  # type: ignore[arg-type]
