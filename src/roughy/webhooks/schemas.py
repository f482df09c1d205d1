from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from roughy.kit.schemas import Schema


class EventType(StrEnum):
    ASSET_READY = "asset.ready"
    ASSET_PENDING_PAYMENT = "asset.pending_payment"
    ASSET_FAILED = "asset.failed"
    CUT_COMPLETED = "cut.completed"
    CUT_FAILED = "cut.failed"
    RENDER_COMPLETED = "render.completed"
    RENDER_FAILED = "render.failed"
    RENDER_CANCELLED = "render.cancelled"


class WebhookEndpointCreate(Schema):
    url: str = Field(min_length=1, max_length=2048, description="HTTPS URL of the receiver.")
    event_types: list[EventType] = Field(min_length=1, max_length=len(EventType))
    description: str | None = Field(default=None, max_length=1024)


class WebhookEndpoint(Schema):
    id: str
    url: str
    event_types: list[str]
    description: str | None
    enabled: bool = Field(
        description="False once the endpoint was disabled after persistent failure."
    )
    disabled_reason: str | None
    created_at: datetime


class WebhookEndpointWithSecret(WebhookEndpoint):
    secret: str = Field(
        description="The `whsec_…` signing secret. Returned only at creation and on rotation."
    )


class WebhookDelivery(Schema):
    id: str
    event_id: str = Field(description="The `svix-id` of every attempt of this delivery.")
    event_type: str
    state: str = Field(description="pending | succeeded | failed | skipped")
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
