from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from roughy.jobs import JobContext, defer, job
from roughy.kit.clock import utcnow
from roughy.webhooks import delivery as sender
from roughy.webhooks import repository as repo
from roughy.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

log = logging.getLogger(__name__)


Locked = tuple[WebhookDelivery, WebhookEvent, WebhookEndpoint]


async def _pending(session: AsyncSession, delivery_id: str) -> Locked | None:
    """The delivery, its event and endpoint under a row lock, if it is still to be attempted."""
    found = await repo.get_delivery_for_update(session, delivery_id)
    return found if found is not None and found[0].state == "pending" else None


@job("webhooks.deliver", queue="io")
async def deliver(ctx: JobContext, delivery_id: str) -> None:
    """One attempt of one delivery; a failed attempt defers the next one with a backoff delay.

    Safe to run twice: only a `pending` delivery is attempted, and the outcome is recorded under
    a row lock."""
    async with ctx.transaction() as session:
        found = await _pending(session, delivery_id)
        if found is None:
            return
        row, event, endpoint = found
        if not endpoint.enabled:
            row.state = "skipped"
            row.last_error = endpoint.disabled_reason or "endpoint disabled"
            row.next_attempt_at = None
            return
        url, secret, event_id, payload = endpoint.url, endpoint.secret, event.id, event.payload

    result = await sender.send(
        url=url,
        secret=secret,
        message_id=event_id,
        payload=payload,
        timeout_seconds=ctx.settings.webhook_timeout_seconds,
        allow_private=ctx.settings.webhooks_allow_private_addresses,
    )

    async with ctx.transaction() as session:
        found = await _pending(session, delivery_id)
        if found is None:
            return
        row, event, endpoint = found
        now = utcnow()
        row.attempts += 1
        row.last_attempt_at = now
        row.last_status_code = result.status_code
        row.last_error = result.error
        log.info(
            "webhook attempt",
            extra={
                "delivery_id": row.id,
                "event_id": event.id,
                "endpoint_id": endpoint.id,
                "attempt": row.attempts,
                "ok": result.ok,
                "status_code": result.status_code,
            },
        )
        if result.ok:
            row.state = "succeeded"
            row.delivered_at = now
            row.next_attempt_at = None
            endpoint.last_success_at = now
            return
        if row.attempts >= ctx.settings.webhook_max_attempts:
            row.state = "failed"
            row.next_attempt_at = None
            if endpoint.last_success_at is None or endpoint.last_success_at < row.created_at:
                endpoint.enabled = False
                endpoint.disabled_reason = (
                    f"Disabled after {row.attempts} failed attempts of one event with no "
                    f"success since {row.created_at.isoformat()}: {result.error}"
                )[:1000]
                await session.flush()
                await repo.skip_pending_deliveries(session, endpoint.id, "endpoint disabled")
            return
        delay = timedelta(seconds=sender.retry_delay_seconds(row.attempts, ctx.settings))
        row.next_attempt_at = now + delay
        await defer(session, "webhooks.deliver", queue="io", delay=delay, delivery_id=row.id)
