"""The event store (ordered, replayable streams) and both buses (in-memory twin, LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio

from roughy import events
from roughy.events import InMemoryEventBus, PostgresEventBus
from roughy.jobs import Runtime
from roughy.kit.ids import new_id


async def test_in_memory_bus_rings_only_the_streams_subscribers() -> None:
    bus = InMemoryEventBus()
    async with (
        bus.subscribe("a") as first,
        bus.subscribe("a") as second,
        bus.subscribe("b") as other,
    ):
        assert bus.subscriber_count == 3
        bus.publish("a")
        assert await first.wait(1.0) and await second.wait(1.0)
        assert not await other.wait(0.05)
        # A ring is consumed by the wait that sees it.
        assert not await first.wait(0.05)
    assert bus.subscriber_count == 0


async def test_store_numbers_events_per_stream_and_replays_after_any_id(runtime: Runtime) -> None:
    stream, other = f"test:{new_id()}", f"test:{new_id()}"
    async with runtime.db.transaction() as session:
        assert await events.append(session, stream, "thing.created", {"n": 1}) == 1
        assert await events.append(session, other, "thing.created", {"n": 1}) == 1
        assert await events.append(session, stream, "thing.changed", {"n": 2}) == 2
    try:
        async with runtime.db.transaction() as session:
            await events.append(session, stream, "thing.lost", {"n": 0})
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    async with runtime.db.transaction() as session:
        assert await events.append(session, stream, "thing.done", {"n": 3}) == 3
        replay = await events.read_after(session, stream, 1)
        last = await events.last_event(session, stream)
    assert [(e.seq, e.type, e.data) for e in replay] == [
        (2, "thing.changed", {"n": 2}),
        (3, "thing.done", {"n": 3}),
    ]
    assert last is not None and last.seq == 3


async def test_concurrent_writers_get_distinct_consecutive_ids(runtime: Runtime) -> None:
    stream = f"test:{new_id()}"

    async def write(n: int) -> int:
        async with runtime.db.transaction() as session:
            return await events.append(session, stream, "thing.changed", {"n": n})

    seqs = await asyncio.gather(*(write(n) for n in range(10)))
    assert sorted(seqs) == list(range(1, 11))


async def test_postgres_bus_wakes_subscribers_on_commit_not_before(runtime: Runtime) -> None:
    bus = PostgresEventBus(runtime.db.url)
    stream = f"test:{new_id()}"
    try:
        async with bus.subscribe(stream) as subscription:
            await bus.wait_connected()
            await subscription.wait(0.05)  # consume the ring every (re)connect sends
            async with runtime.db.transaction() as session:
                await events.append(session, stream, "thing.created", {})
                assert not await subscription.wait(0.2), "nothing is announced before commit"
            assert await subscription.wait(5.0)
            async with runtime.db.transaction() as session:
                await events.append(session, f"test:{new_id()}", "elsewhere", {})
            assert not await subscription.wait(0.3)
    finally:
        await bus.aclose()
