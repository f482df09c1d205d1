"""Estimates, pricing tokens and the checks on create: tampering, expiry, mismatch, balance."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import jwt
from pipeline_helpers import API, CUT_RENDER, balance, ledger, quote
from pipeline_media import seed_input

from roughy.config import Settings
from roughy.jobs import Runtime
from roughy.kit.clock import utcnow
from roughy.pipelines import pricing
from support import Account, create_account, make_tone_audio


async def test_estimate_from_client_units_matches_the_documented_example(
    client: httpx.AsyncClient, account: Account
) -> None:
    steps = [
        {"processor_name": "cut", "config": {"mode": "unscripted"}, "usage_units": "324.412"},
        {"processor_name": "render", "config": {"preset": "web_1080p", "cut_step_order": 0},
         "usage_units": "180"},
    ]  # fmt: skip
    body = await quote(client, account.headers, None, steps)
    assert body["total_credits"] == 415
    assert [(s["usage_units"], s["credits_per_unit"], s["credits"]) for s in body["steps"]] == [
        ("324.412", "1.0", 325),
        ("180.0", "0.5", 90),
    ]
    claims = jwt.decode(body["pricing_token"], options={"verify_signature": False})
    assert claims["sub"] == account.user_id and claims["total"] == 415
    assert claims["exp"] - claims["iat"] == 300


async def test_estimate_validation(client: httpx.AsyncClient, account: Account) -> None:
    async def post(body: object) -> httpx.Response:
        return await client.post(f"{API}/estimate", json=body, headers=account.headers)

    missing_units = await post({"steps": [{"processor_name": "cut", "config": {}}]})
    assert missing_units.status_code == 422
    assert missing_units.json()["code"] == "usage_units_required"
    bad_config = await post(
        {"steps": [{"processor_name": "render", "config": {"preset": "h264_4k"},
                    "usage_units": "1"}]}
    )  # fmt: skip
    assert bad_config.status_code == 422 and bad_config.json()["code"] == "invalid_pipeline"
    bad_reference = await post(
        {"steps": [{"processor_name": "render", "config": {"cut_step_order": 0},
                    "usage_units": "1"}]}
    )  # fmt: skip
    assert bad_reference.status_code == 422 and "cut_step_order" in bad_reference.json()["detail"]
    scripted_without_script = await post(
        {"steps": [{"processor_name": "cut", "config": {"mode": "scripted"}, "usage_units": "1"}]}
    )
    assert scripted_without_script.status_code == 422
    assert (await post({"steps": []})).status_code == 422
    unknown_asset = await post({"steps": CUT_RENDER, "input_asset_id": "not-a-uuid"})
    assert unknown_asset.status_code == 404
    anonymous = await client.post(f"{API}/estimate", json={"steps": CUT_RENDER})
    assert anonymous.status_code == 401


async def test_tampered_expired_and_mismatched_tokens_are_refused(
    client: httpx.AsyncClient,
    runtime: Runtime,
    settings: Settings,
    account: Account,
    other_account: Account,
    speech_clip: Path,
) -> None:
    seeded = await seed_input(runtime, account.user_id, speech_clip)
    body = await quote(client, account.headers, seeded.id, CUT_RENDER)
    seconds = seeded.duration_us / 1e6
    assert body["steps"][0]["credits"] == -(-int(seconds * 1000) // 1000)  # ceil(seconds × 1.0)
    token = body["pricing_token"]
    before = await balance(runtime, account.user_id)

    async def create(
        token: str, steps: object = CUT_RENDER, headers: object = None
    ) -> httpx.Response:
        return await client.post(
            API,
            json={"input_asset_id": seeded.id, "steps": steps, "pricing_token": token},
            headers=headers or account.headers,
        )

    # Tampered: a lower total re-signed with another key; a flipped signature byte.
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode(
        {**claims, "total": 1}, "not-the-signing-key-but-long-enough-for-hs256", algorithm="HS256"
    )
    for bad in (forged, token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB"), "garbage"):
        response = await create(bad)
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "invalid_pricing_token"

    expired, _ = pricing.issue_token(
        settings.signing_key, user_id=account.user_id, total_credits=claims["total"],
        shape=claims["shape"], input_asset_id=seeded.id, now=utcnow() - timedelta(minutes=6),
    )  # fmt: skip
    response = await create(expired)
    assert response.status_code == 400 and response.json()["code"] == "pricing_token_expired"

    other_preset = [
        CUT_RENDER[0],
        {**CUT_RENDER[1], "config": {"preset": "web_1080p", "cut_step_order": 0}},
    ]
    response = await create(token, other_preset)
    assert response.status_code == 422 and response.json()["code"] == "pricing_token_mismatch"
    response = await create(token, CUT_RENDER[:1])
    assert response.status_code == 422 and response.json()["code"] == "pricing_token_mismatch"
    # Another account cannot spend this quote (nor see the asset).
    response = await create(token, headers=other_account.headers)
    assert response.status_code == 422 and response.json()["code"] == "pricing_token_mismatch"

    # Defaults spelled out are the same shape: the genuine token still works.
    explicit = [
        {"processor_name": "cut", "config": {"mode": "unscripted", "language_code": "en",
                                             "script": None, "model": None}},
        {"processor_name": "render", "config": {"preset": "web_720p", "cut_step_order": 0}},
    ]  # fmt: skip
    response = await create(token, explicit)
    assert response.status_code == 201, response.text
    pid = response.json()["id"]
    assert response.json()["total_credits_reserved"] == claims["total"]
    assert (
        await balance(runtime, account.user_id)
        <= before - claims["total"] + ((await ledger(runtime, pid))["release"])
    )
    # Nothing was held for the refused attempts: exactly one hold.
    assert (await ledger(runtime, pid))["holds"] == 1
    # Someone else's pipeline is a 404.
    assert (await client.get(f"{API}/{pid}", headers=other_account.headers)).status_code == 404
    assert (
        await client.get(f"{API}/{pid}/events", headers=other_account.headers)
    ).status_code == 404
    assert (
        await client.post(f"{API}/{pid}/cancel", headers=other_account.headers)
    ).status_code == 404
    assert (await client.get(f"{API}/nope", headers=account.headers)).status_code == 404


async def test_insufficient_balance_is_402_and_holds_nothing(
    client: httpx.AsyncClient, runtime: Runtime, speech_clip: Path
) -> None:
    poor = await create_account(runtime, credits_granted=2)
    seeded = await seed_input(runtime, poor.user_id, speech_clip)
    body = await quote(client, poor.headers, seeded.id, CUT_RENDER)
    assert body["total_credits"] > 2
    response = await client.post(
        API,
        json={"input_asset_id": seeded.id, "steps": CUT_RENDER,
              "pricing_token": body["pricing_token"]},
        headers=poor.headers,
    )  # fmt: skip
    assert response.status_code == 402 and response.json()["code"] == "insufficient_credits"
    assert await balance(runtime, poor.user_id) == 2
    listed = (await client.get(API, headers=poor.headers)).json()
    assert listed == {"items": [], "total": 0, "limit": 20, "offset": 0}


async def test_input_must_be_a_ready_upload(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, speech_clip: Path
) -> None:
    from sqlalchemy import text

    seeded = await seed_input(runtime, account.user_id, speech_clip)
    async with runtime.db.transaction() as session:
        await session.execute(
            text("UPDATE assets SET state = 'processing' WHERE id = :id"), {"id": seeded.id}
        )
    response = await client.post(
        f"{API}/estimate",
        json={"steps": CUT_RENDER, "input_asset_id": seeded.id},
        headers=account.headers,
    )
    assert response.status_code == 409 and response.json()["code"] == "asset_not_ready"


async def test_an_audio_input_with_a_render_step_is_refused_at_the_quote(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, tmp_path: Path
) -> None:
    """Refused before anything is held, rather than charging the cut and failing the render."""
    seeded = await seed_input(runtime, account.user_id, make_tone_audio(tmp_path / "a.wav"))
    response = await client.post(
        f"{API}/estimate",
        json={"steps": CUT_RENDER, "input_asset_id": seeded.id},
        headers=account.headers,
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "video_output_from_audio"
    assert (await quote(client, account.headers, seeded.id, CUT_RENDER[:1]))["total_credits"] > 0


async def test_a_pricing_token_creates_one_pipeline(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, speech_clip: Path
) -> None:
    seeded = await seed_input(runtime, account.user_id, speech_clip)
    steps = CUT_RENDER[:1]
    body = await quote(client, account.headers, seeded.id, steps)
    create = {"input_asset_id": seeded.id, "steps": steps, "pricing_token": body["pricing_token"]}
    first = await client.post(API, json=create, headers=account.headers)
    assert first.status_code == 201, first.text
    cancelled = await client.post(f"{API}/{first.json()['id']}/cancel", headers=account.headers)
    assert cancelled.status_code == 200
    again = await client.post(API, json=create, headers=account.headers)
    assert again.status_code == 409 and again.json()["code"] == "pricing_token_used"
    assert (await client.get(API, headers=account.headers)).json()["total"] == 1
