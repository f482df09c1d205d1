"""Pipeline rules, by concern: `quotes` (shape, prices, pricing token), `lifecycle` (read,
create with a HOLD, cancel, retry), `execution` (claim, tick, COMMIT per step, finish with a
RELEASE, recovery); `core` has what they share (step transition table, locked pipeline view,
event stream, finishing). Every state change appends an event in the same transaction."""

from roughy.pipelines.service.core import stream_name
from roughy.pipelines.service.execution import (
    Claim,
    StepOutput,
    TickStatus,
    claim_step,
    complete_step,
    fail_step,
    recover_stalled_steps,
    stop_step,
    tick,
)
from roughy.pipelines.service.lifecycle import (
    cancel,
    create,
    get,
    get_owned,
    list_pipelines,
    retry,
    retry_step,
)
from roughy.pipelines.service.quotes import estimate

__all__ = [
    "Claim",
    "StepOutput",
    "TickStatus",
    "cancel",
    "claim_step",
    "complete_step",
    "create",
    "estimate",
    "fail_step",
    "get",
    "get_owned",
    "list_pipelines",
    "recover_stalled_steps",
    "retry",
    "retry_step",
    "stop_step",
    "stream_name",
    "tick",
]
