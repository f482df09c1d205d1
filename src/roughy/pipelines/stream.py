"""The live event stream of one pipeline: replay after a sequence number, then follow.

Events come from the durable stream (so any API process can serve any pipeline, and a client that
reconnects with Last-Event-ID loses and repeats nothing); the bus only says when to look again,
and a poll interval covers a lost notification. The stream ends after a terminal pipeline event
that is the latest one (a retried pipeline continues past its earlier terminal events).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from roughy import events
from roughy.events import EventBus
from roughy.kit.db import Database
from roughy.pipelines.service import stream_name

TERMINAL_EVENTS = frozenset({"pipeline.completed", "pipeline.failed", "pipeline.cancelled"})
POLL_SECONDS = 5.0
BATCH = 500


def parse_last_event_id(value: str | None) -> int:
    if value is None:
        return 0
    try:
        return max(0, int(value.strip()))
    except ValueError:
        return 0


async def pipeline_events(
    db: Database, bus: EventBus, pipeline_id: str, after_seq: int = 0
) -> AsyncIterator[dict[str, Any]]:
    """SSE messages (`id`, `event`, `data`) of the pipeline's stream after `after_seq`."""
    stream = stream_name(pipeline_id)
    seq = after_seq
    async with bus.subscribe(stream) as subscription:
        async with db.transaction() as session:
            latest = await events.last_event(session, stream)
        if latest is not None and latest.seq <= seq and latest.type in TERMINAL_EVENTS:
            return
        while True:
            async with db.transaction() as session:
                batch = await events.read_after(session, stream, seq, limit=BATCH)
            for event in batch:
                seq = event.seq
                yield {"id": str(event.seq), "event": event.type, "data": event.to_json()}
            if len(batch) == BATCH:
                continue
            if batch and batch[-1].type in TERMINAL_EVENTS:
                return
            await subscription.wait(POLL_SECONDS)
