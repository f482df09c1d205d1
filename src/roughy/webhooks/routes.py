from __future__ import annotations

from fastapi import APIRouter, Response

from roughy.auth.dependencies import CurrentUser
from roughy.deps import SessionDep, SettingsDep
from roughy.kit.openapi import error_responses
from roughy.kit.pagination import Page, PageDep
from roughy.webhooks import service
from roughy.webhooks.schemas import (
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointCreate,
    WebhookEndpointWithSecret,
)

router = APIRouter(prefix="/v1/webhook-endpoints", tags=["Webhooks"])


@router.post(
    "",
    status_code=201,
    response_model=WebhookEndpointWithSecret,
    responses=error_responses(),
    summary="Create a webhook endpoint",
    description="Register an HTTPS receiver for the given event types. The signing secret "
    "(`whsec_…`) is in this response only; rotate it to get a new one.",
)
async def create_endpoint(
    body: WebhookEndpointCreate, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> object:
    return await service.create_endpoint(session, user, body, settings)


@router.get(
    "",
    response_model=Page[WebhookEndpoint],
    responses=error_responses(),
    summary="List webhook endpoints",
)
async def list_endpoints(user: CurrentUser, session: SessionDep, page: PageDep) -> object:
    found = await service.list_endpoints(session, user, page)
    return Page.of(found, page)


@router.get(
    "/{endpoint_id}",
    response_model=WebhookEndpoint,
    responses=error_responses(404),
    summary="Get a webhook endpoint",
)
async def get_endpoint(endpoint_id: str, user: CurrentUser, session: SessionDep) -> object:
    return await service.get_endpoint(session, user, endpoint_id)


@router.delete(
    "/{endpoint_id}",
    status_code=204,
    responses=error_responses(404),
    summary="Delete a webhook endpoint",
)
async def delete_endpoint(endpoint_id: str, user: CurrentUser, session: SessionDep) -> Response:
    await service.delete_endpoint(session, user, endpoint_id)
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/rotate-secret",
    response_model=WebhookEndpointWithSecret,
    responses=error_responses(404),
    summary="Rotate the signing secret",
    description="Replace the signing secret; every attempt from now on, pending retries "
    "included, is signed with the new one.",
)
async def rotate_secret(endpoint_id: str, user: CurrentUser, session: SessionDep) -> object:
    return await service.rotate_secret(session, user, endpoint_id)


@router.get(
    "/{endpoint_id}/deliveries",
    response_model=Page[WebhookDelivery],
    responses=error_responses(404),
    summary="List deliveries to an endpoint",
    description="The delivery log, newest first: one row per event sent to this endpoint.",
)
async def list_deliveries(
    endpoint_id: str, user: CurrentUser, session: SessionDep, page: PageDep
) -> object:
    found = await service.list_deliveries(session, user, endpoint_id, page)
    items = [
        WebhookDelivery(
            id=d.id,
            event_id=e.id,
            event_type=e.type,
            state=d.state,
            attempts=d.attempts,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
            last_attempt_at=d.last_attempt_at,
            next_attempt_at=d.next_attempt_at,
            delivered_at=d.delivered_at,
            created_at=d.created_at,
        )
        for d, e in found.rows
    ]
    return Page(items=items, total=found.total, limit=page.limit, offset=page.offset)
