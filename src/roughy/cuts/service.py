from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import PurePath
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from roughy.assets import service as assets
from roughy.assets.errors import AssetNotFound
from roughy.assets.models import Asset, AssetOrigin, AssetState
from roughy.auth.models import User
from roughy.cuts import repository as repo
from roughy.cuts.analysis import analyse_asset, media_facts
from roughy.cuts.edits import Edit, EditProblem, apply_edits, check_edits
from roughy.cuts.errors import (
    AssetFailed,
    AssetPaymentRequired,
    AssetProcessing,
    BaseCutNotReady,
    CutNotFound,
    UnsupportedFormat,
)
from roughy.cuts.models import Cut
from roughy.cuts.schemas import CutCreate, CutEditIn, CutState, ExportFormat, SubtitleFormat
from roughy.engine.export import ExportSource, export_cut
from roughy.engine.types import CancelCheck, CutDocument, EngineError, ProgressCallback, RemovedSpan
from roughy.errors import Conflict, FieldError, ValidationFailed
from roughy.jobs import JobContext, JobRefused, JobState, defer
from roughy.kit import repository as rows
from roughy.kit.clock import utcnow
from roughy.kit.pagination import PageParams, Slice
from roughy.webhooks.service import emit

LOCK_NAMESPACE = 7306
RETRY_AFTER_SECONDS = 10


def script_key(script: str | None) -> str:
    return "" if script is None else hashlib.sha256(script.encode()).hexdigest()


def seconds(us: int) -> str:
    """Microseconds as a decimal string of seconds with six places (`"12.340000"`)."""
    return str(Decimal(int(us)).scaleb(-6).quantize(Decimal("0.000001")))


async def get_asset(session: AsyncSession, user: User, asset_id: str) -> Asset:
    asset = await assets.get_owned(session, user.id, asset_id, for_share=True)
    if asset.state == AssetState.DELETED:
        raise AssetNotFound()
    return asset


async def get_asset_any_state(session: AsyncSession, asset_id: str) -> Asset | None:
    """The asset by id, whoever owns it (for rows already known to belong to the caller)."""
    return await assets.load(session, asset_id)


def require_cuttable(asset: Asset) -> None:
    """Cuttable = prepared and paid (`ready`), or being prepared (`processing`: the cut waits
    for the preparation, see `create`)."""
    if asset.state == AssetState.PENDING_UPLOAD:
        raise AssetProcessing(headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    if asset.state == AssetState.PROCESSING:
        return
    if asset.state == AssetState.PENDING_PAYMENT:
        raise AssetPaymentRequired()
    if asset.state == AssetState.FAILED:
        raise AssetFailed()
    if asset.state != AssetState.READY:
        raise Conflict(f"The asset is {asset.state}.")
    if asset.origin != AssetOrigin.UPLOAD:
        raise Conflict("Only uploaded source media can be cut.")


async def create(session: AsyncSession, user: User, body: CutCreate) -> tuple[Cut, bool]:
    """The cut of (asset, script): (existing, False) or (new, True). A failed cut does not
    count, so asking again after a failure starts a fresh one."""
    asset = await get_asset(session, user, str(body.asset_id))
    require_cuttable(asset)
    if body.base_cut_id is not None or body.edits is not None:
        return await _create_edited(session, user, asset, body)
    script = body.script if body.script else None
    key = script_key(script)
    cut, created = await _add_once(session, user, asset, key, script=script, state=JobState.PENDING)
    if not created:
        return cut, False
    await _defer_compute(session, asset, cut.id)
    return cut, True


async def _defer_compute(session: AsyncSession, asset: Asset, cut_id: str) -> None:
    """`cuts.compute` now, or, while the asset is prepared, right after its preparation job
    (same job lock): the cut stays `pending` until then and reads the analysis audio the
    preparation extracted."""
    waits = asset.state == AssetState.PROCESSING
    lock = assets.preparation_lock(asset.id) if waits else None
    await defer(session, "cuts.compute", queue="cpu", lock=lock, cut_id=cut_id)


async def _add_once(
    session: AsyncSession, user: User, asset: Asset, key: str, **fields: Any
) -> tuple[Cut, bool]:
    """The live cut of `asset` with this `script_key`, or a new one (True) with `fields`."""
    return await rows.add_unless_live(
        session,
        (LOCK_NAMESPACE, f"{asset.id}:{key}"),
        lambda: repo.find_live(session, asset.id, key),
        lambda: Cut(
            user_id=user.id,
            project_id=asset.project_id,
            asset_id=asset.id,
            script_key=key,
            **fields,
        ),
    )


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields=[FieldError(field, message)])


def _edit_from(index: int, edit: CutEditIn) -> Edit:
    start = int(edit.start.scaleb(6).to_integral_value())
    end = int(edit.end.scaleb(6).to_integral_value())
    if end <= start:
        raise _invalid(f"body.edits.{index}", f"Edit {index} must end after it starts.")
    return Edit(start, end, edit.action)


def edited_key(base_cut_id: str, edits: list[Edit]) -> str:
    """Idempotency key of an edited cut: its base and its edits in source order."""
    shape = ";".join(f"{e.start_us}-{e.end_us}-{e.action.value}" for e in edits)
    return hashlib.sha256(f"edit:{base_cut_id}:{shape}".encode()).hexdigest()


async def _create_edited(
    session: AsyncSession, user: User, asset: Asset, body: CutCreate
) -> tuple[Cut, bool]:
    """An edited cut: the base's document with the reviewer's edits, completed at once."""
    if body.base_cut_id is None or body.edits is None:
        field = "body.base_cut_id" if body.base_cut_id is None else "body.edits"
        raise _invalid(field, "An edited cut needs both base_cut_id and edits.")
    if body.script:
        raise _invalid("body.script", "An edited cut keeps its base cut's script.")
    base = await get(session, user, str(body.base_cut_id))
    if base.asset_id != asset.id:
        raise CutNotFound("Cut not found for this asset.")
    if base.base_cut_id is not None:
        raise _invalid("body.base_cut_id", "The base must be an engine cut, not an edited one.")
    if base.state != JobState.COMPLETED or not base.document:
        raise BaseCutNotReady(f"The base cut is {base.state}; edits need it completed.")
    edits = sorted((_edit_from(i, e) for i, e in enumerate(body.edits)), key=lambda e: e.start_us)
    document = CutDocument.from_dict(base.document)
    try:
        check_edits(edits, document.source_duration_us)
    except EditProblem as problem:
        raise _invalid("body.edits", str(problem)) from problem
    edited = apply_edits(document, edits, document.frame_rate or media_facts(asset)["frame_rate"])
    if not edited.kept:
        raise _invalid("body.edits", "The edits leave nothing of the media kept.")
    key = edited_key(base.id, edits)
    now = utcnow()
    cut, created = await _add_once(
        session,
        user,
        asset,
        key,
        script=base.script,
        base_cut_id=base.id,
        edits=[e.to_dict() for e in edits],
        state=JobState.COMPLETED,
        progress=1.0,
        document=edited.to_dict(),
        started_at=now,
        completed_at=now,
    )
    if not created:
        return cut, False
    await emit(
        session,
        user_id=user.id,
        event_type="cut.completed",
        data={"entity_id": cut.id, "asset_id": cut.asset_id},
    )
    return cut, True


async def get_any(session: AsyncSession, cut_id: str) -> Cut | None:
    """The cut by id, whoever owns it (for rows already known to belong to the caller)."""
    return await rows.get_row(session, Cut, cut_id)


get = rows.OwnedRows(Cut, CutNotFound)


async def list_cuts(
    session: AsyncSession,
    user: User,
    page: PageParams,
    *,
    asset_id: UUID | None = None,
    project_id: UUID | None = None,
    state: CutState | None = None,
) -> Slice[Cut]:
    return await rows.list_owned(
        session, Cut, user.id, page, asset_id=asset_id, project_id=project_id, state=state
    )


def present(cut: Cut, *, detail: bool = True) -> dict[str, Any]:
    """The API shape of a cut (detail adds the plan once completed)."""
    out: dict[str, Any] = {
        "id": cut.id,
        "asset_id": cut.asset_id,
        "project_id": cut.project_id,
        "state": cut.state,
        "script": cut.script,
        "base_cut_id": cut.base_cut_id,
        "edits": None if cut.edits is None else [_edit_view(Edit.from_dict(e)) for e in cut.edits],
        "progress": cut.progress,
        "error_code": cut.error_code,
        "error_message": cut.error_message,
        "created_at": cut.created_at,
        "started_at": cut.started_at,
        "completed_at": cut.completed_at,
    }
    if detail and cut.state == JobState.COMPLETED and cut.document:
        doc = CutDocument.from_dict(cut.document)
        out["source_duration_seconds"] = seconds(doc.source_duration_us)
        out["kept_duration_seconds"] = seconds(doc.kept_duration_us)
        out["language"] = doc.language or None
        out["kept_segments"] = [
            {"start": seconds(s.start_us), "end": seconds(s.end_us)} for s in doc.kept
        ]
        out["removed_spans"] = [_span_view(r) for r in doc.removed]
        out["suggested_spans"] = [_span_view(r) for r in doc.suggested]
        out["words"] = [
            {
                "text": w.text,
                "start": seconds(w.start_us),
                "end": seconds(w.end_us),
                "probability": min(1.0, max(0.0, w.probability)),
            }
            for w in doc.words
        ]
    return out


def _edit_view(edit: Edit) -> dict[str, Any]:
    return {"start": seconds(edit.start_us), "end": seconds(edit.end_us), "action": edit.action}


def _span_view(span: RemovedSpan) -> dict[str, Any]:
    return {
        "start": seconds(span.start_us),
        "end": seconds(span.end_us),
        "kind": span.kind.value,
        "reason": span.reason,
        "confidence": min(1.0, max(0.0, span.confidence)),
        "pass": span.pass_name,
    }


@dataclass(frozen=True)
class ExportedDownload:
    content: bytes
    media_type: str
    filename: str


async def export(
    session: AsyncSession, user: User, cut_id: str, fmt: str, *, subtitle: bool
) -> ExportedDownload:
    """A timeline (fcpxml, xmeml, edl, otio, json) or, with `subtitle`, captions retimed to the
    cut (srt, vtt). Unknown formats and cuts that are not completed are `unsupported_format`."""
    cut = await get(session, user, cut_id)
    allowed = [f.value for f in (SubtitleFormat if subtitle else ExportFormat)]
    name = (fmt or "").strip().lower()
    if name not in allowed:
        raise UnsupportedFormat(f"Unknown format {fmt!r}; use one of: {', '.join(allowed)}.")
    if cut.state != JobState.COMPLETED or not cut.document:
        raise UnsupportedFormat(
            f"The cut is {cut.state}; exports are available once it is completed."
        )
    asset = await assets.load(session, cut.asset_id)
    if asset is None:
        raise CutNotFound()
    doc = CutDocument.from_dict(cut.document)
    facts = media_facts(asset)
    stem = PurePath(asset.filename).stem if asset.filename else f"asset-{asset.id}"
    source = ExportSource(
        name=asset.filename or f"{stem}.{asset.extension or 'mp4'}",
        frame_rate=doc.frame_rate or facts["frame_rate"],
        has_video=bool(facts["has_video"]),
        width=facts["width"],
        height=facts["height"],
        has_audio=bool(facts["has_audio"]),
        audio_channels=facts["audio_channels"] or ExportSource.audio_channels,
        audio_sample_rate=facts["audio_sample_rate"] or ExportSource.audio_sample_rate,
    )
    try:
        exported = export_cut(doc, name, source)
    except EngineError as exc:
        raise UnsupportedFormat(exc.message) from exc
    extension = {"xmeml": "xml"}.get(name, exported.extension)
    suffix = ".cut" if name == "json" else ""
    return ExportedDownload(
        content=exported.content,
        media_type=exported.media_type,
        filename=f"{stem}{suffix}.{extension}",
    )


# --------------------------------------------------------------------- the cuts.compute job


def _not_cuttable(asset: Asset) -> tuple[str, str]:
    """Why a cut asked for during preparation cannot run now that the preparation is over."""
    if asset.state == AssetState.PENDING_PAYMENT:
        return (
            "asset_payment_required",
            "The asset is waiting for payment: top up your credits, then ask for the cut again.",
        )
    if asset.state == AssetState.FAILED:
        problem = asset.error_message or "it could not be prepared"
        return "asset_failed", f"The asset failed to prepare ({problem}); upload it again."
    return "asset_not_ready", f"The asset is {asset.state}."


@dataclass(frozen=True)
class CutWork:
    asset: Asset
    script: str | None


class CutJob:
    """`cuts.compute` for `roughy.jobs.run_row_job`: transcribe and decide one asset's cut."""

    model = Cut
    name = "cut"

    async def prepare(self, session: AsyncSession, row: Cut) -> CutWork | None:
        asset = await assets.load(session, row.asset_id)
        if asset is None:
            return None
        if (
            asset.state == AssetState.PROCESSING
        ):  # deferred without the preparation's lock: look again
            await defer(
                session,
                "cuts.compute",
                queue="cpu",
                delay=timedelta(seconds=RETRY_AFTER_SECONDS),
                lock=assets.preparation_lock(asset.id),
                cut_id=row.id,
            )
            return None
        if asset.state != AssetState.READY:
            raise JobRefused(*_not_cuttable(asset))
        return CutWork(asset, row.script)

    async def work(
        self,
        ctx: JobContext,
        prepared: CutWork,
        on_progress: ProgressCallback,
        should_cancel: CancelCheck,
    ) -> CutDocument:
        return await analyse_asset(
            ctx,
            prepared.asset,
            script=prepared.script,
            on_progress=on_progress,
            should_cancel=should_cancel,
        )

    async def complete(self, session: AsyncSession, row: Cut, result: CutDocument) -> None:
        row.document = result.to_dict()

    async def discard(self, ctx: JobContext, prepared: CutWork) -> None:
        return None

    async def announce(self, session: AsyncSession, row: Cut) -> None:
        await emit(
            session,
            user_id=row.user_id,
            event_type=f"cut.{row.state}",
            data={"entity_id": row.id, "asset_id": row.asset_id},
        )
