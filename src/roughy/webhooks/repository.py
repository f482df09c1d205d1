from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.kit.pagination import PageParams, Slice, fetch_newest_first
from roughy.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint, WebhookEvent

"""Offsets beyond any table size (and below bigint overflow) all return an empty page."""


async def insert_event(
    session: AsyncSession,
    *,
    event_id: str,
    user_id: str,
    event_type: str,
    dedupe_key: str | None,
    payload: dict[str, Any],
    created_at: datetime,
) -> bool:
    """Insert the event; False if an event with the same dedupe key already exists."""
    statement = (
        insert(WebhookEvent)
        .values(
            id=event_id,
            user_id=user_id,
            type=event_type,
            dedupe_key=dedupe_key,
            payload=payload,
            created_at=created_at,
        )
        .on_conflict_do_nothing(index_elements=[WebhookEvent.dedupe_key])
        .returning(WebhookEvent.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def subscribed_endpoints(
    session: AsyncSession, user_id: str, event_type: str
) -> list[WebhookEndpoint]:
    rows = await session.execute(
        select(WebhookEndpoint)
        .where(
            WebhookEndpoint.user_id == user_id,
            WebhookEndpoint.enabled.is_(True),
            WebhookEndpoint.event_types.contains([event_type]),
        )
        .order_by(WebhookEndpoint.created_at)
    )
    return list(rows.scalars())


async def get_endpoint(
    session: AsyncSession, endpoint_id: str, *, for_update: bool = False
) -> WebhookEndpoint | None:
    query = select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def list_endpoints(
    session: AsyncSession, user_id: str, page: PageParams
) -> Slice[WebhookEndpoint]:
    where = (WebhookEndpoint.user_id == user_id,)
    return await fetch_newest_first(session, WebhookEndpoint, where, page)


async def delete_endpoint(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    await session.delete(endpoint)
    await session.flush()


async def list_deliveries(
    session: AsyncSession, endpoint_id: str, page: PageParams
) -> Slice[tuple[WebhookDelivery, WebhookEvent]]:
    where = (WebhookDelivery.endpoint_id == endpoint_id,)
    total = await session.scalar(select(func.count()).select_from(WebhookDelivery).where(*where))
    rows = await session.execute(
        select(WebhookDelivery, WebhookEvent)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(*where)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    return Slice(rows=[(d, e) for d, e in rows.all()], total=int(total or 0))


async def get_delivery_for_update(
    session: AsyncSession, delivery_id: str
) -> tuple[WebhookDelivery, WebhookEvent, WebhookEndpoint] | None:
    row = (
        await session.execute(
            select(WebhookDelivery, WebhookEvent, WebhookEndpoint)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.id == delivery_id)
            .with_for_update(of=WebhookDelivery)
        )
    ).one_or_none()
    if row is None:
        return None
    return row[0], row[1], row[2]


async def skip_pending_deliveries(session: AsyncSession, endpoint_id: str, reason: str) -> None:
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.state == DeliveryState.PENDING,
        )
        .values(state=DeliveryState.SKIPPED, last_error=reason, next_attempt_at=None)
    )
