"""Background jobs on procrastinate, deferred by name inside the caller's transaction.

Domains declare handlers with `@job("domain.verb", queue=...)` in their `tasks.py` and defer
them with `await defer(session, "domain.verb", queue=..., entity_id=...)`. Deferral is one SQL
call on the caller's own session, so a rolled-back request defers nothing.
"""

from roughy.jobs.context import JobContext, Runtime
from roughy.jobs.registry import REGISTRY, JobSpec, Queue, defer, job

__all__ = ["REGISTRY", "JobContext", "JobSpec", "Queue", "Runtime", "defer", "job"]
