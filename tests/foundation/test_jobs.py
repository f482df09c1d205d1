"""Jobs are deferred inside the caller's transaction: a rollback defers nothing."""

from __future__ import annotations

from sqlalchemy import text

from roughy.jobs import JobContext, Runtime, defer, job
from roughy.kit.ids import new_id
from support import wait_until


@job("tests.write_marker", queue="io")
async def write_marker(ctx: JobContext, marker: str) -> None:
    ctx.storage.put_bytes(f"test-markers/{marker}", b"ran")


async def _job_rows(runtime: Runtime, marker: str) -> int:
    async with runtime.db.transaction() as session:
        result = await session.execute(
            text("SELECT count(*) FROM procrastinate_jobs WHERE args->>'marker' = :m"),
            {"m": marker},
        )
        return int(result.scalar_one())


class Rollback(Exception):
    pass


async def test_committed_job_runs_and_rolled_back_job_never_does(
    runtime: Runtime, server: object
) -> None:
    kept, dropped = new_id(), new_id()
    try:
        async with runtime.db.transaction() as session:
            await defer(session, "tests.write_marker", queue="io", marker=dropped)
            raise Rollback
    except Rollback:
        pass
    async with runtime.db.transaction() as session:
        await defer(session, "tests.write_marker", queue="io", marker=kept)

    async def kept_ran() -> bool:
        return runtime.storage.exists(f"test-markers/{kept}")

    await wait_until(kept_ran, timeout=60)
    assert await _job_rows(runtime, dropped) == 0
    assert not runtime.storage.exists(f"test-markers/{dropped}")
