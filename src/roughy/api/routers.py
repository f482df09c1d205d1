"""Every router the application serves. A domain's router is added here and nowhere else."""

from __future__ import annotations

import importlib
import importlib.util

from fastapi import APIRouter

# (module, attribute) pairs; modules that are not built yet are skipped.
ROUTERS: tuple[tuple[str, str], ...] = (
    ("roughy.api.system", "router"),
    ("roughy.api.files", "router"),
    ("roughy.auth.routes", "public"),
    ("roughy.auth.routes", "legacy"),
    ("roughy.projects.routes", "router"),
    ("roughy.credits.routes", "public"),
    ("roughy.credits.routes", "legacy"),
    ("roughy.billing.routes", "public"),
    ("roughy.billing.routes", "legacy"),
    ("roughy.assets.routes", "public"),
    ("roughy.assets.routes", "legacy"),
    ("roughy.uploads.routes", "public"),
    ("roughy.uploads.routes", "legacy"),
    ("roughy.cuts.routes", "router"),
    ("roughy.renders.routes", "router"),
    ("roughy.webhooks.routes", "router"),
    ("roughy.pipelines.routes", "router"),
    ("roughy.dashboard.routes", "router"),
)


def all_routers() -> list[APIRouter]:
    routers: list[APIRouter] = []
    for module_name, attribute in ROUTERS:
        if importlib.util.find_spec(module_name.rsplit(".", 1)[0]) is None:
            continue
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        routers.append(getattr(module, attribute))
    return routers
