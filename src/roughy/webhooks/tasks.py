from __future__ import annotations

from roughy.jobs import JobContext, job
from roughy.webhooks import delivery as sender
from roughy.webhooks import service


@job(service.DELIVER_JOB, queue="io")
async def deliver(ctx: JobContext, delivery_id: str) -> None:
    """One attempt of one delivery; a failed attempt defers the next one with a backoff delay.

    Safe to run twice: only a `pending` delivery is attempted, and the outcome is recorded under
    a row lock."""
    async with ctx.transaction() as session:
        attempt = await service.start_attempt(session, delivery_id)
    if attempt is None:
        return
    result = await sender.send(
        url=attempt.url,
        secret=attempt.secret,
        message_id=attempt.event_id,
        payload=attempt.payload,
        timeout_seconds=ctx.settings.webhook_timeout_seconds,
        allow_private=ctx.settings.webhooks_allow_private_addresses,
    )
    async with ctx.transaction() as session:
        await service.record_attempt(session, ctx.settings, delivery_id, result)
