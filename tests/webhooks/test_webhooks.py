"""Webhook endpoints and signed deliveries to a real receiver on loopback."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from svix.webhooks import Webhook, WebhookVerificationError
from webhook_receiver import Receiver

from roughy.config import Settings
from roughy.jobs import Runtime
from roughy.kit.ids import new_id
from roughy.webhooks import delivery
from roughy.webhooks.models import WebhookDelivery, WebhookEvent
from roughy.webhooks.service import emit
from support import Account, wait_until


async def create_endpoint(
    client: httpx.AsyncClient, account: Account, url: str, events: list[str] | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/v1/webhook-endpoints",
        json={"url": url, "event_types": events or ["cut.completed", "render.failed"]},
        headers=account.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def emit_event(runtime: Runtime, user_id: str, event_type: str, **data: str) -> None:
    async with runtime.db.transaction() as session:
        await emit(session, user_id=user_id, event_type=event_type, data=data)


async def deliveries(
    client: httpx.AsyncClient, account: Account, endpoint_id: str
) -> list[dict[str, Any]]:
    response = await client.get(
        f"/v1/webhook-endpoints/{endpoint_id}/deliveries", headers=account.headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_endpoint_management(
    client: httpx.AsyncClient, account: Account, other_account: Account, settings: Settings
) -> None:
    created = await create_endpoint(client, account, "https://hooks.example.com/roughy")
    assert created["secret"].startswith("whsec_")
    assert created["url"] == "https://hooks.example.com/roughy"
    assert created["event_types"] == ["cut.completed", "render.failed"]
    assert created["description"] is None and created["enabled"] is True

    listed = await client.get("/v1/webhook-endpoints", headers=account.headers)
    assert listed.status_code == 200
    assert [e["id"] for e in listed.json()["items"]] == [created["id"]]
    assert "secret" not in listed.json()["items"][0]
    one = await client.get(f"/v1/webhook-endpoints/{created['id']}", headers=account.headers)
    assert one.status_code == 200 and "secret" not in one.json()

    rotated = await client.post(
        f"/v1/webhook-endpoints/{created['id']}/rotate-secret", headers=account.headers
    )
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]

    for bad in (
        {"url": "http://hooks.example.com/x", "event_types": ["cut.completed"]},
        {"url": "ftp://hooks.example.com/x", "event_types": ["cut.completed"]},
        {"url": "not a url", "event_types": ["cut.completed"]},
        {"url": "https://hooks.example.com", "event_types": ["cut.exploded"]},
        {"url": "https://hooks.example.com", "event_types": []},
        {"url": "https://user:pw@hooks.example.com", "event_types": ["cut.completed"]},
    ):
        response = await client.post("/v1/webhook-endpoints", json=bad, headers=account.headers)
        assert response.status_code == 422, bad
        assert response.json()["error"]["code"] == "validation_error"

    assert settings.webhooks_allow_insecure_localhost
    local = await create_endpoint(client, account, "http://127.0.0.1:9/hook")
    assert local["url"] == "http://127.0.0.1:9/hook"

    for method, path in (
        ("GET", f"/v1/webhook-endpoints/{created['id']}"),
        ("DELETE", f"/v1/webhook-endpoints/{created['id']}"),
        ("POST", f"/v1/webhook-endpoints/{created['id']}/rotate-secret"),
        ("GET", f"/v1/webhook-endpoints/{created['id']}/deliveries"),
    ):
        response = await client.request(method, path, headers=other_account.headers)
        assert response.status_code == 404, (method, path)
    assert (await client.get("/v1/webhook-endpoints", headers=other_account.headers)).json()[
        "total"
    ] == 0

    deleted = await client.delete(f"/v1/webhook-endpoints/{created['id']}", headers=account.headers)
    assert deleted.status_code == 204
    gone = await client.get(f"/v1/webhook-endpoints/{created['id']}", headers=account.headers)
    assert gone.status_code == 404


async def test_insecure_localhost_needs_the_setting(
    client: httpx.AsyncClient, account: Account, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "webhooks_allow_insecure_localhost", False)
    response = await client.post(
        "/v1/webhook-endpoints",
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["cut.completed"]},
        headers=account.headers,
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "body.url"


async def test_signed_delivery_retried_after_500(
    client: httpx.AsyncClient,
    runtime: Runtime,
    account: Account,
    receiver: Receiver,
    fast_retries: None,
) -> None:
    endpoint = await create_endpoint(client, account, f"{receiver.url}/hook")
    unsubscribed = await create_endpoint(client, account, f"{receiver.url}/other", ["asset.ready"])
    receiver.script = [500, 307]
    cut_id, asset_id = new_id(), new_id()
    await emit_event(runtime, account.user_id, "cut.completed", entity_id=cut_id, asset_id=asset_id)
    # the same terminal event again is a no-op (stable per entity)
    await emit_event(runtime, account.user_id, "cut.completed", entity_id=cut_id, asset_id=asset_id)

    async def delivered() -> bool:
        return len(receiver.requests_to("/hook")) >= 3

    await wait_until(delivered, timeout=60)
    attempts = receiver.requests_to("/hook")
    assert len(attempts) == 3
    assert receiver.requests_to("/redirected") == []  # redirects are not followed
    assert receiver.requests_to("/other") == []
    ids = {a.headers["svix-id"] for a in attempts}
    assert len(ids) == 1 and next(iter(ids)).startswith("msg_")
    verifier = Webhook(endpoint["secret"])
    for attempt in attempts:
        verifier.verify(attempt.body, attempt.headers)  # raises unless the signature matches
        assert json.loads(attempt.body) == {
            "type": "cut.completed",
            "data": {"entity_id": cut_id, "asset_id": asset_id},
        }
        assert list(json.loads(attempt.body)) == ["type", "data"]

    tampered = attempts[-1].body.replace(cut_id.encode(), new_id().encode())
    with pytest.raises(WebhookVerificationError):
        verifier.verify(tampered, attempts[-1].headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(unsubscribed["secret"]).verify(attempts[-1].body, attempts[-1].headers)

    async def logged() -> bool:
        items = await deliveries(client, account, endpoint["id"])
        return bool(items) and items[0]["state"] == "succeeded"

    await wait_until(logged, timeout=10)
    (log,) = await deliveries(client, account, endpoint["id"])
    assert log["attempts"] == 3 and log["last_status_code"] == 200
    assert log["event_type"] == "cut.completed" and log["event_id"] in ids
    assert log["delivered_at"] is not None and log["last_error"] is None
    assert await deliveries(client, account, unsubscribed["id"]) == []
    async with runtime.db.transaction() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(WebhookEvent)
            .where(WebhookEvent.user_id == account.user_id)
        )
    assert count == 1


async def test_rotated_secret_signs_retries(
    client: httpx.AsyncClient,
    runtime: Runtime,
    account: Account,
    receiver: Receiver,
    fast_retries: None,
) -> None:
    endpoint = await create_endpoint(client, account, f"{receiver.url}/hook", ["render.failed"])
    receiver.script = [500]
    await emit_event(
        runtime, account.user_id, "render.failed", entity_id=new_id(), asset_id=new_id()
    )
    await wait_until(lambda: _count(receiver, 1), timeout=30)
    rotated = (
        await client.post(
            f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret", headers=account.headers
        )
    ).json()["secret"]
    await wait_until(lambda: _count(receiver, 2), timeout=30)
    first, second = receiver.requests_to("/hook")
    Webhook(endpoint["secret"]).verify(first.body, first.headers)
    Webhook(rotated).verify(second.body, second.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint["secret"]).verify(second.body, second.headers)


async def _count(receiver: Receiver, n: int) -> bool:
    return len(receiver.requests_to("/hook")) >= n


async def test_persistent_failure_disables_the_endpoint(
    client: httpx.AsyncClient,
    runtime: Runtime,
    account: Account,
    receiver: Receiver,
    fast_retries: None,
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
) -> None:
    monkeypatch.setattr(settings, "webhook_max_attempts", 3)
    endpoint = await create_endpoint(client, account, f"{receiver.url}/hook", ["render.failed"])
    receiver.always = 503
    await emit_event(
        runtime, account.user_id, "render.failed", entity_id=new_id(), asset_id=new_id()
    )

    async def disabled() -> bool:
        body = (
            await client.get(f"/v1/webhook-endpoints/{endpoint['id']}", headers=account.headers)
        ).json()
        return body["enabled"] is False

    await wait_until(disabled, timeout=60)
    body = (
        await client.get(f"/v1/webhook-endpoints/{endpoint['id']}", headers=account.headers)
    ).json()
    assert "3 failed attempts" in body["disabled_reason"]
    (log,) = await deliveries(client, account, endpoint["id"])
    assert log["state"] == "failed" and log["attempts"] == 3 and log["last_status_code"] == 503
    assert len(receiver.requests_to("/hook")) == 3

    await emit_event(
        runtime, account.user_id, "render.failed", entity_id=new_id(), asset_id=new_id()
    )
    async with runtime.db.transaction() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint["id"])
        )
    assert count == 1  # a disabled endpoint gets no new deliveries


async def test_private_addresses_are_refused(
    client: httpx.AsyncClient,
    runtime: Runtime,
    account: Account,
    receiver: Receiver,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for host in (
        "127.0.0.1",
        "10.1.2.3",
        "169.254.169.254",
        "::1",
        "::ffff:127.0.0.1",
        "localhost",
        "192.168.0.1",
        "0.0.0.0",
    ):
        with pytest.raises(delivery.AddressNotAllowed):
            await delivery.resolve(host, 443, allow_private=False)
    assert await delivery.resolve("127.0.0.1", 443, allow_private=True) == "127.0.0.1"
    assert await delivery.resolve("8.8.8.8", 443, allow_private=False) == "8.8.8.8"

    monkeypatch.setattr(settings, "webhooks_allow_private_addresses", False)
    endpoint = await create_endpoint(client, account, f"{receiver.url}/hook", ["asset.failed"])
    await emit_event(
        runtime, account.user_id, "asset.failed", entity_id=new_id(), asset_id=new_id()
    )

    async def attempted() -> bool:
        items = await deliveries(client, account, endpoint["id"])
        return bool(items) and items[0]["attempts"] >= 1

    await wait_until(attempted, timeout=30)
    (log,) = await deliveries(client, account, endpoint["id"])
    assert "non-public" in log["last_error"] and log["state"] == "pending"
    assert log["next_attempt_at"] is not None
    assert receiver.received == []
