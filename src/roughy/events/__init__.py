"""Durable, ordered event streams with live fan-out.

Writers append an event to a stream inside their own transaction (`store.append`): the row gets
the stream's next sequence number and a Postgres NOTIFY goes out when the transaction commits.
Readers replay a stream from any sequence number (`store.read_after`) and wait for news on an
`EventBus` subscription: `PostgresEventBus` LISTENs on one dedicated connection per process and
fans notifications out in memory; `InMemoryEventBus` is its twin for unit tests. A subscription
wakes on a notification or after its poll interval, so a lost notification only delays a reader.
"""

from roughy.events.bus import (
    CHANNEL,
    EventBus,
    InMemoryEventBus,
    PostgresEventBus,
    Subscription,
)
from roughy.events.store import StoredEvent, append, last_event, read_after

__all__ = [
    "CHANNEL",
    "EventBus",
    "InMemoryEventBus",
    "PostgresEventBus",
    "StoredEvent",
    "Subscription",
    "append",
    "last_event",
    "read_after",
]
