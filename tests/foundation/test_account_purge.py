from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from roughy.auth.models import User
from roughy.credits.models import LedgerEntry
from roughy.jobs import JobContext, Runtime
from roughy.kit.clock import utcnow
from roughy.projects.models import Project
from roughy.worker.maintenance import purge_deleted_accounts
from support import Account, create_account, wait_until


async def test_accounts_past_the_grace_period_are_purged_but_keep_their_ledger(
    client: httpx.AsyncClient, runtime: Runtime, account: Account
) -> None:
    recent = await create_account(runtime)
    pid = (await client.post("/v1/projects", json={"name": "x"}, headers=account.headers)).json()[
        "id"
    ]
    key = f"projects/{pid}/assets/a/source"
    runtime.storage.put_bytes(key, b"bytes")
    await client.delete("/api/v1/users/me", headers=account.headers)
    await client.delete("/api/v1/users/me", headers=recent.headers)
    async with runtime.db.transaction() as session:
        user = await session.get(User, account.user_id)
        assert user is not None
        user.deleted_at = utcnow() - timedelta(days=31)

    await purge_deleted_accounts(JobContext(runtime=runtime, job_id=0, attempts=0))

    async with runtime.db.transaction() as session:
        purged = await session.get(User, account.user_id)
        kept = await session.get(User, recent.user_id)
        assert purged is not None and purged.email == f"deleted-{account.user_id}@invalid"
        assert kept is not None and kept.email == recent.email
        assert (await session.execute(select(Project).where(Project.id == pid))).first() is None
        ledger = await session.execute(
            select(LedgerEntry).where(LedgerEntry.user_id == account.user_id)
        )
        assert len(ledger.all()) == 1
    assert (await client.get("/v1/users/me", headers=account.headers)).status_code == 401
    assert (await client.get("/v1/users/me", headers=recent.headers)).status_code == 200

    async def bytes_gone() -> bool:
        return not runtime.storage.exists(key)

    await wait_until(bytes_gone, timeout=60)
