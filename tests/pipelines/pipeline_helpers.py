"""HTTP helpers for the pipeline tests: quote + create, SSE collection, ledger checks."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_sse import aconnect_sse
from sqlalchemy import text

from roughy.jobs import Runtime

API = "/api/v1/pipelines"
CUT_RENDER = [
    {"processor_name": "cut", "config": {"mode": "unscripted", "language_code": "en"}},
    {"processor_name": "render", "config": {"preset": "web_720p", "cut_step_order": 0}},
]


async def quote(
    client: httpx.AsyncClient, headers: dict[str, str], asset_id: str | None, steps: list[Any]
) -> dict[str, Any]:
    body: dict[str, Any] = {"steps": steps}
    if asset_id is not None:
        body["input_asset_id"] = asset_id
    response = await client.post(f"{API}/estimate", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def start(
    client: httpx.AsyncClient, headers: dict[str, str], asset_id: str, steps: list[Any]
) -> dict[str, Any]:
    estimate = await quote(client, headers, asset_id, steps)
    response = await client.post(
        API,
        json={
            "input_asset_id": asset_id,
            "steps": steps,
            "pricing_token": estimate["pricing_token"],
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def get(client: httpx.AsyncClient, headers: dict[str, str], pid: str) -> dict[str, Any]:
    response = await client.get(f"{API}/{pid}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


@dataclass
class Seen:
    id: int
    event: str
    data: dict[str, Any]


@dataclass
class Collected:
    events: list[Seen] = field(default_factory=list)
    closed_by_server: bool = False


async def follow(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    pid: str,
    *,
    last_event_id: int | None = None,
    stop_when: Any = None,
    into: Collected | None = None,
    timeout: float = 240.0,
) -> Collected:
    """Read the pipeline's SSE stream until the server closes it or `stop_when(event)`."""
    out = into or Collected()
    request_headers = dict(headers)
    if last_event_id is not None:
        request_headers["Last-Event-ID"] = str(last_event_id)
    async with aconnect_sse(
        client, "GET", f"{API}/{pid}/events", headers=request_headers,
        timeout=httpx.Timeout(timeout),
    ) as source:  # fmt: skip
        assert source.response.status_code == 200
        assert source.response.headers["content-type"].startswith("text/event-stream")
        async for sse in source.aiter_sse():
            if sse.data == "" and sse.event == "message":
                # A heartbeat comment: httpx-sse reports its blank line as an empty message
                # (carrying the previous id), which the SSE spec says not to dispatch.
                continue
            assert sse.id, "every event carries an id"
            seen = Seen(int(sse.id), sse.event, json.loads(sse.data))
            out.events.append(seen)
            if stop_when is not None and stop_when(seen):
                return out
        out.closed_by_server = True
    return out


async def ledger(runtime: Runtime, pipeline_id: str) -> dict[str, int]:
    """Sum of each ledger entry type's amount for the pipeline, plus the net delta."""
    async with runtime.db.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT type, count(*), coalesce(sum(amount), 0), coalesce(sum(delta), 0) "
                "FROM ledger_entries WHERE pipeline_id = :p GROUP BY type"
            ),
            {"p": pipeline_id},
        )
        out = {"hold": 0, "commit": 0, "release": 0, "delta": 0, "commits": 0, "holds": 0}
        for kind, count, amount, delta in rows.all():
            out[kind] = int(amount)
            out[f"{kind}s"] = int(count)
            out["delta"] += int(delta)
        return out


async def balance(runtime: Runtime, user_id: str) -> int:
    async with runtime.db.transaction() as session:
        total = await session.scalar(
            text("SELECT coalesce(sum(delta), 0) FROM ledger_entries WHERE user_id = :u"),
            {"u": user_id},
        )
        return int(total or 0)


def assert_settled(pipeline: dict[str, Any], sums: dict[str, int]) -> None:
    """The pipeline's counters equal the ledger, nothing is still held, and the net effect on
    the balance is exactly what was consumed."""
    assert pipeline["total_credits_reserved"] == sums["hold"]
    assert pipeline["total_credits_consumed"] == sums["commit"]
    assert pipeline["total_credits_released"] == sums["release"]
    assert sums["hold"] == sums["commit"] + sums["release"]
    assert pipeline["credits_held"] == 0
    assert sums["delta"] == -sums["commit"]
    assert sum(s["credits_consumed"] for s in pipeline["steps"]) == sums["commit"]
