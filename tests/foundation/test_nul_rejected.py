"""A NUL character (U+0000) in any text a client sends is a field error (422; 400 in tus
metadata), never a server error: PostgreSQL cannot store it in text."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from support import Account

NUL_TEXT = "bad\x00name"


def _legacy_fields(body: dict[str, Any]) -> list[str]:
    return [".".join(str(p) for p in item["loc"]) for item in body["detail"]]


async def test_nul_in_v1_text_fields_is_a_field_error(
    client: httpx.AsyncClient, account: Account
) -> None:
    project = await client.post("/v1/projects", json={"name": "p"}, headers=account.headers)
    project_id = project.json()["id"]
    cases: list[tuple[str, str, dict[str, Any], str]] = [
        ("POST", "/v1/projects", {"name": NUL_TEXT}, "body.name"),
        ("PATCH", f"/v1/projects/{project_id}", {"name": NUL_TEXT}, "body.name"),
        (
            "POST",
            "/v1/webhook-endpoints",
            {"url": "https://hooks.example.com/\x00", "event_types": ["cut.completed"]},
            "body.url",
        ),
        (
            "POST",
            "/v1/webhook-endpoints",
            {
                "url": "https://hooks.example.com/x",
                "event_types": ["cut.completed"],
                "description": NUL_TEXT,
            },
            "body.description",
        ),
        ("POST", "/v1/cuts", {"asset_id": project_id, "script": NUL_TEXT}, "body.script"),
    ]
    for method, path, body, field in cases:
        response = await client.request(method, path, json=body, headers=account.headers)
        assert response.status_code == 422, (path, response.status_code, response.text)
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert field in [f["field"] for f in error["fields"]], (path, error)


async def test_nul_in_api_v1_text_fields_is_a_field_error(
    client: httpx.AsyncClient, account: Account
) -> None:
    login = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": "correct horse battery"}
    )
    session = {"Authorization": f"Bearer {login.json()['api_key']}"}
    cases: list[tuple[str, str, dict[str, Any], dict[str, str], str]] = [
        ("POST", "/api/v1/api-keys", {"name": NUL_TEXT}, account.headers, "body.name"),
        ("PATCH", "/api/v1/users/me", {"first_name": NUL_TEXT}, session, "body.first_name"),
        (
            "POST",
            "/api/v1/assets/upload-url",
            {"type": "audio", "content_type": "audio/\x00"},
            account.headers,
            "body.content_type",
        ),
        (
            "POST",
            "/api/v1/pipelines/estimate",
            {
                "steps": [
                    {"processor_name": "cut", "config": {"mode": "scripted", "script": NUL_TEXT}}
                ]
            },
            account.headers,
            "body.steps.0.config",
        ),
    ]
    for method, path, body, headers, field in cases:
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 422, (path, response.status_code, response.text)
        assert field in _legacy_fields(response.json()), (path, response.json())


async def test_nul_in_tus_metadata_is_400(client: httpx.AsyncClient, account: Account) -> None:
    value = base64.b64encode(b"video/\x00mp4").decode()
    kind = base64.b64encode(b"video").decode()
    response = await client.post(
        "/api/v1/assets/upload-resumable",
        headers={
            **account.headers,
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "1000",
            "Upload-Metadata": f"type {kind},content_type {value}",
        },
    )
    assert response.status_code == 400, response.text
    assert "content_type" in response.json()["detail"]
