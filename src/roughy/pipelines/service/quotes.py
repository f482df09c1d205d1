"""Quoting: validating a pipeline's shape, pricing its steps and signing the pricing token."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.assets import service as assets
from roughy.assets.errors import AssetNotReady
from roughy.assets.models import Asset, AssetOrigin, AssetState
from roughy.auth.models import User
from roughy.config import Settings
from roughy.pipelines import pricing
from roughy.pipelines.errors import (
    InputAssetNotFound,
    InvalidPipeline,
    RenderNeedsVideo,
    UsageUnitsRequired,
)
from roughy.pipelines.models import ProcessorName
from roughy.pipelines.schemas import (
    CutConfig,
    EstimateRequest,
    EstimateResponse,
    RenderConfig,
    StepEstimate,
    StepSpec,
)

INPUT_TYPES = frozenset({"audio", "video"})
Shape = list[tuple[ProcessorName, dict[str, Any]]]
"""Each step's processor and its validated config with defaults filled in."""


@dataclass(frozen=True)
class StepPlan:
    processor_name: ProcessorName
    config: dict[str, Any]
    usage_units: Decimal
    credits_per_unit: Decimal
    credits: int


def normalise_steps(specs: list[StepSpec]) -> Shape:
    """Validate every step's config and fill in its defaults (the canonical shape)."""
    out: Shape = []
    for index, spec in enumerate(specs):
        model = CutConfig if spec.processor_name == ProcessorName.CUT else RenderConfig
        try:
            config = model.model_validate(spec.config)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'config'}: {e['msg']}"
                for e in exc.errors()
            )
            raise InvalidPipeline(f"steps[{index}].config is invalid: {problems}") from exc
        if isinstance(config, RenderConfig) and config.cut_step_order is not None:
            order = config.cut_step_order
            if order >= index or specs[order].processor_name != ProcessorName.CUT:
                raise InvalidPipeline(
                    f"steps[{index}].config.cut_step_order must be the index of an earlier "
                    "cut step."
                )
        out.append((spec.processor_name, config.model_dump(mode="json")))
    return out


def _units_for(asset: Asset | None, usage_units: str | None, index: int) -> Decimal:
    if asset is not None:
        return pricing.units_from_us(asset.duration_us or 0)
    if usage_units is None:
        raise UsageUnitsRequired(
            f"steps[{index}].usage_units is required when no input_asset_id is given."
        )
    try:
        return Decimal(usage_units)
    except InvalidOperation as exc:  # pragma: no cover - the schema pattern rejects these
        raise UsageUnitsRequired(f"steps[{index}].usage_units is not a decimal.") from exc


def plan_steps(
    settings: Settings, shape: Shape, asset: Asset | None, usage: list[str | None]
) -> list[StepPlan]:
    """Price every step at current rates. With an input asset, usage comes from its duration
    (a render's output is estimated by the input's length until the cut is known); without
    one, from each step's `usage` units."""
    plans: list[StepPlan] = []
    for index, ((name, config), units_given) in enumerate(zip(shape, usage, strict=True)):
        units = _units_for(asset, units_given, index)
        per_unit = pricing.rate(settings, name)
        plans.append(StepPlan(name, config, units, per_unit, pricing.credits(units, per_unit)))
    return plans


async def input_asset(session: AsyncSession, user: User, asset_id: str) -> Asset:
    """The caller's ready, uploaded audio or video asset (404 / 409 otherwise)."""
    asset = await assets.get_owned(session, user.id, asset_id, not_found=InputAssetNotFound)
    if asset.type not in INPUT_TYPES or asset.origin != AssetOrigin.UPLOAD:
        raise AssetNotReady("Only uploaded audio or video assets can be a pipeline's input.")
    if asset.state != AssetState.READY or not asset.duration_us or not asset.storage_key:
        raise AssetNotReady(f"The input asset is {asset.state}; it must be ready.")
    return asset


def check_input_fits(shape: Shape, asset: Asset) -> None:
    """Refuse at the quote what would fail after charging: a render of an audio-only input."""
    if asset.type == "audio" and any(name == ProcessorName.RENDER for name, _ in shape):
        raise RenderNeedsVideo(
            "A render step makes an MP4 video, so the input asset must be a video; "
            "this one is audio."
        )


async def estimate(
    session: AsyncSession, settings: Settings, user: User, body: EstimateRequest
) -> EstimateResponse:
    shape = normalise_steps(body.steps)
    asset = None
    if body.input_asset_id is not None:
        asset = await input_asset(session, user, body.input_asset_id)
        check_input_fits(shape, asset)
    plans = plan_steps(settings, shape, asset, [s.usage_units for s in body.steps])
    total = sum(p.credits for p in plans)
    token, expires = pricing.issue_token(
        settings.signing_key,
        user_id=user.id,
        total_credits=total,
        shape=pricing.shape_hash(body.input_asset_id, shape),
        input_asset_id=body.input_asset_id,
    )
    return EstimateResponse(
        pricing_token=token,
        steps=[
            StepEstimate(
                processor_name=p.processor_name,
                usage_units=pricing.decimal_string(p.usage_units),
                credits_per_unit=pricing.decimal_string(p.credits_per_unit),
                credits=p.credits,
            )
            for p in plans
        ],
        total_credits=total,
        expires_at=expires,
    )
