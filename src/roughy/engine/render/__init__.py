"""Rendering a cut: plan (pure, builds ffmpeg argv) and run."""

from roughy.engine.render.plan import RenderPlan, plan_render
from roughy.engine.render.run import RenderResult, render
from roughy.engine.render.spec import PRESETS, OutputSpec, PresetSpec

__all__ = [
    "PRESETS",
    "OutputSpec",
    "PresetSpec",
    "RenderPlan",
    "RenderResult",
    "plan_render",
    "render",
]
