from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from roughy.assets.errors import AssetNotReady
from roughy.assets.models import Asset, AssetOrigin, AssetState
from roughy.auth.models import User
from roughy.config import Settings
from roughy.cuts import service as cuts
from roughy.cuts.errors import CutNotFound
from roughy.cuts.service import seconds
from roughy.engine.render import OutputSpec, RenderResult
from roughy.engine.types import CancelCheck, CutDocument, ProgressCallback
from roughy.errors import Conflict, FieldError, ValidationFailed
from roughy.jobs import JobContext, JobRefused, JobState, defer
from roughy.kit import repository as rows
from roughy.kit.clock import utcnow
from roughy.kit.pagination import PageParams, Slice
from roughy.renders import repository as repo
from roughy.renders.errors import ModifierNotReady, RenderNotFound
from roughy.renders.execution import CONTENT_TYPES, EXTENSIONS, render_asset
from roughy.renders.models import Render
from roughy.renders.schemas import RenderCreate, RenderState
from roughy.storage import keys
from roughy.storage.urls import download_url
from roughy.webhooks.service import emit

LOCK_NAMESPACE = 7307
TERMINAL = (JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED)


def output_key(project_id: str, asset_id: str, render_id: str, fmt: str) -> str:
    return keys.render_output(project_id, asset_id, render_id, EXTENSIONS[fmt])


def canonical_output(body: RenderCreate) -> dict[str, Any]:
    return body.output.model_dump(mode="json", exclude_none=True)


def request_key(body: RenderCreate) -> str:
    shape = {"cut_id": str(body.cut_id) if body.cut_id else None, "output": canonical_output(body)}
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()


async def create(session: AsyncSession, user: User, body: RenderCreate) -> tuple[Render, bool]:
    """(existing, False) for a request identical to a live render, else (new, True)."""
    asset = await cuts.get_asset(session, user, str(body.asset_id))
    cut = None
    if body.cut_id is not None:
        try:
            cut = await cuts.get(session, user, str(body.cut_id))
        except CutNotFound:
            cut = None
        if cut is None or cut.asset_id != asset.id:
            raise CutNotFound("Cut not found for this asset.")
    if body.output.is_video and asset.type == "audio":
        message = "An audio-only asset can only be rendered to m4a or mp3."
        raise ValidationFailed(message, fields=[FieldError("body.output.format", message)])
    if asset.state != AssetState.READY or asset.origin != AssetOrigin.UPLOAD:
        raise AssetNotReady(f"The asset is {asset.state}; renders need it ready.")
    if cut is not None and cut.state != JobState.COMPLETED:
        raise ModifierNotReady(f"The cut is {cut.state}; renders need it completed.")
    key = request_key(body)
    render, created = await rows.add_unless_live(
        session,
        (LOCK_NAMESPACE, f"{asset.id}:{key}"),
        lambda: repo.find_live(session, asset.id, key),
        lambda: Render(
            user_id=user.id,
            project_id=asset.project_id,
            asset_id=asset.id,
            cut_id=cut.id if cut else None,
            output=canonical_output(body),
            request_key=key,
            state=JobState.PENDING,
            cancel_requested=False,
        ),
    )
    if not created:
        return render, False
    await defer(session, "renders.run", queue="cpu", render_id=render.id)
    return render, True


get = rows.OwnedRows(Render, RenderNotFound)


async def list_renders(
    session: AsyncSession,
    user: User,
    page: PageParams,
    *,
    asset_id: UUID | None = None,
    cut_id: UUID | None = None,
    state: RenderState | None = None,
) -> Slice[Render]:
    return await rows.list_owned(
        session, Render, user.id, page, asset_id=asset_id, cut_id=cut_id, state=state
    )


async def cancel(session: AsyncSession, user: User, render_id: str) -> Render:
    """pending/processing -> cancelled at once (a running ffmpeg stops within a second or so);
    cancelling a cancelled render is a no-op; completed/failed ones are a 409 conflict."""
    render = await get(session, user, render_id, for_update=True)
    if render.state == JobState.CANCELLED:
        return render
    if render.state in TERMINAL:
        raise Conflict(f"The render is already {render.state}.")
    render.state = JobState.CANCELLED
    render.cancel_requested = True
    render.completed_at = utcnow()
    render.error_code = "cancelled"
    render.error_message = "Cancelled on request."
    await session.flush()
    await _announce(session, render)
    return render


async def _announce(session: AsyncSession, render: Render) -> None:
    """The webhook `render.<state>` for a render that reached a terminal state."""
    await emit(
        session,
        user_id=render.user_id,
        event_type=f"render.{render.state}",
        data={"entity_id": render.id, "asset_id": render.asset_id},
    )


def present(
    render: Render, settings: Settings | None = None, *, filename: str | None = None
) -> dict[str, Any]:
    """The API shape; with `settings`, a fresh signed `download_url` once completed."""
    out: dict[str, Any] = {
        "id": render.id,
        "asset_id": render.asset_id,
        "project_id": render.project_id,
        "cut_id": render.cut_id,
        "state": render.state,
        "output": render.output,
        "progress": render.progress,
        "size_bytes": render.size_bytes,
        "duration_seconds": None if render.duration_us is None else seconds(render.duration_us),
        "render_path": render.render_path,
        "fallback_reason": render.fallback_reason,
        "error_code": render.error_code,
        "error_message": render.error_message,
        "created_at": render.created_at,
        "started_at": render.started_at,
        "completed_at": render.completed_at,
    }
    if settings is not None:
        out["download_url"] = None
        if render.state == JobState.COMPLETED and render.storage_key:
            fmt = str(render.output["format"])
            url, _ = download_url(
                settings,
                key=render.storage_key,
                content_type=CONTENT_TYPES[fmt],
                filename=filename or f"render-{render.id}.{EXTENSIONS[fmt]}",
            )
            out["download_url"] = url
    return out


async def detail(
    session: AsyncSession, user: User, render_id: str, settings: Settings
) -> dict[str, Any]:
    render = await get(session, user, render_id)
    filename = None
    if render.state == JobState.COMPLETED:
        asset = await cuts.get_asset_any_state(session, render.asset_id)
        if asset is not None and asset.filename:
            stem = PurePath(asset.filename).stem
            suffix = "-cut" if render.cut_id else ""
            filename = f"{stem}{suffix}.{EXTENSIONS[str(render.output['format'])]}"
    return present(render, settings, filename=filename)


# --------------------------------------------------------------------- the renders.run job


@dataclass(frozen=True)
class RenderWork:
    asset: Asset
    document: CutDocument | None
    spec: OutputSpec
    key: str


class RenderJob:
    """`renders.run` for `roughy.jobs.run_row_job`. `cancelled` is set by the cancel endpoint;
    the progress poll sees it and ffmpeg stops. The output key is fixed per render."""

    model = Render
    name = "render"

    async def prepare(self, session: AsyncSession, row: Render) -> RenderWork | None:
        asset = await cuts.get_asset_any_state(session, row.asset_id)
        if asset is None:
            return None
        document: CutDocument | None = None
        if row.cut_id is not None:
            cut = await cuts.get_any(session, row.cut_id)
            if cut is None or cut.document is None:
                raise JobRefused("modifier_not_ready", "The cut has no plan.")
            document = CutDocument.from_dict(cut.document)
        out = row.output
        spec = OutputSpec(
            format=out["format"],
            resolution=out.get("resolution"),
            video_bitrate=out.get("video_bitrate"),
            audio_bitrate=out.get("audio_bitrate"),
        )
        key = output_key(row.project_id, row.asset_id, row.id, str(out["format"]))
        return RenderWork(asset, document, spec, key)

    async def work(
        self,
        ctx: JobContext,
        prepared: RenderWork,
        on_progress: ProgressCallback,
        should_cancel: CancelCheck,
    ) -> RenderResult:
        return await render_asset(
            ctx,
            prepared.asset,
            prepared.document,
            prepared.spec,
            prepared.key,
            on_progress=on_progress,
            should_cancel=should_cancel,
        )

    async def complete(self, session: AsyncSession, row: Render, result: RenderResult) -> None:
        row.storage_key = output_key(row.project_id, row.asset_id, row.id, row.output["format"])
        row.size_bytes = result.size_bytes
        row.duration_us = result.duration_us
        row.render_path = result.render_path
        row.fallback_reason = result.fallback_reason

    async def discard(self, ctx: JobContext, prepared: RenderWork) -> None:
        ctx.storage.delete(prepared.key)

    async def announce(self, session: AsyncSession, row: Render) -> None:
        await _announce(session, row)
