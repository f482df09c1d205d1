from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, FastAPI, Header, Query, Request
from sse_starlette import EventSourceResponse

from roughy.auth.dependencies import CurrentUser
from roughy.deps import RuntimeDep, SessionDep, SettingsDep
from roughy.events import EventBus, PostgresEventBus
from roughy.kit.pagination import Page, PageDep
from roughy.pipelines import service, stream
from roughy.pipelines.schemas import (
    EstimateRequest,
    EstimateResponse,
    PipelineCreate,
    PipelineOut,
)

"""Comment lines sent on an idle event stream so proxies keep it open (tests lower it)."""


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    bus: EventBus | None = getattr(app.state, "pipeline_event_bus", None)
    if bus is not None:
        await bus.aclose()


router = APIRouter(prefix="/api/v1/pipelines", tags=["pipelines"], lifespan=_lifespan)


def _event_bus(request: Request, runtime: RuntimeDep) -> EventBus:
    """One LISTEN connection per process, opened on the first stream served."""
    state = request.app.state
    bus: EventBus | None = getattr(state, "pipeline_event_bus", None)
    if bus is None:
        bus = PostgresEventBus(runtime.db.url)
        state.pipeline_event_bus = bus
    return bus


@router.post("/estimate", response_model=EstimateResponse)
async def estimate(
    body: EstimateRequest, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> object:
    return await service.estimate(session, settings, user, body)


@router.post("", status_code=201, response_model=PipelineOut)
async def create_pipeline(
    body: PipelineCreate, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> object:
    return await service.create(session, settings, user, body)


@router.get("", response_model=Page[PipelineOut])
async def list_pipelines(user: CurrentUser, session: SessionDep, page: PageDep) -> object:
    found = await service.list_pipelines(session, user, page)
    return Page.of(found, page)


@router.get("/{pipeline_id}", response_model=PipelineOut)
async def get_pipeline(pipeline_id: str, user: CurrentUser, session: SessionDep) -> object:
    return await service.get(session, user, pipeline_id)


@router.get("/{pipeline_id}/events", response_class=EventSourceResponse)
async def pipeline_events(
    pipeline_id: str,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
    last_event_id: Annotated[str | None, Header()] = None,
    after: Annotated[int | None, Query(ge=0, description="Replay after this event id.")] = None,
) -> EventSourceResponse:
    """Server-Sent Events: every state change and progress of the pipeline and its steps, each
    with an `id:`; reconnect with `Last-Event-ID` to resume. Ends after the final event."""
    pipeline = await service.get_owned(session, user, pipeline_id)
    after_seq = after if after is not None else stream.parse_last_event_id(last_event_id)
    bus = _event_bus(request, runtime)
    return EventSourceResponse(
        stream.pipeline_events(runtime.db, bus, pipeline.id, after_seq),
        ping=runtime.settings.sse_heartbeat_seconds,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post("/{pipeline_id}/cancel", response_model=PipelineOut)
async def cancel_pipeline(pipeline_id: str, user: CurrentUser, session: SessionDep) -> object:
    return await service.cancel(session, user, pipeline_id)


@router.post("/{pipeline_id}/retry", response_model=PipelineOut)
async def retry_pipeline(
    pipeline_id: str, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> object:
    return await service.retry(session, settings, user, pipeline_id)


@router.post("/{pipeline_id}/steps/{step_id}/retry", response_model=PipelineOut)
async def retry_step(
    pipeline_id: str,
    step_id: str,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
) -> object:
    return await service.retry_step(session, settings, user, pipeline_id, step_id)
