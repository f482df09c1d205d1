from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select

from roughy.assets.models import Asset
from roughy.jobs import Runtime
from roughy.projects.models import Project
from support import Account, wait_until


async def test_create_get_rename_archive_unarchive(
    client: httpx.AsyncClient, account: Account
) -> None:
    created = await client.post("/v1/projects", json={"name": "Episode 1"}, headers=account.headers)
    assert created.status_code == 201
    project = created.json()
    assert project["state"] == "active" and project["archived_at"] is None
    pid = project["id"]
    assert uuid.UUID(pid).version == 7

    renamed = await client.patch(
        f"/v1/projects/{pid}", json={"name": "Ep. 1"}, headers=account.headers
    )
    assert renamed.json()["name"] == "Ep. 1"
    assert renamed.json()["updated_at"] > project["updated_at"]

    archived = await client.patch(
        f"/v1/projects/{pid}", json={"state": "archived"}, headers=account.headers
    )
    assert archived.json()["state"] == "archived" and archived.json()["archived_at"]
    active = (await client.get("/v1/projects", headers=account.headers)).json()
    assert pid not in [p["id"] for p in active["items"]]
    listed = (await client.get("/v1/projects?state=archived", headers=account.headers)).json()
    assert [p["id"] for p in listed["items"]] == [pid]

    back = await client.patch(
        f"/v1/projects/{pid}", json={"state": "active"}, headers=account.headers
    )
    assert back.json()["archived_at"] is None
    assert (await client.get(f"/v1/projects/{pid}", headers=account.headers)).json()[
        "name"
    ] == "Ep. 1"


async def test_validation_errors_use_the_envelope(
    client: httpx.AsyncClient, account: Account
) -> None:
    response = await client.post("/v1/projects", json={"name": ""}, headers=account.headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"][0]["field"] == "body.name"
    bad_state = await client.get("/v1/projects?state=gone", headers=account.headers)
    assert bad_state.json()["error"]["fields"][0]["field"] == "query.state"
    too_many = await client.get("/v1/projects?limit=101", headers=account.headers)
    assert too_many.status_code == 422


async def test_pagination_newest_first_with_total(
    client: httpx.AsyncClient, account: Account
) -> None:
    for index in range(23):
        await client.post("/v1/projects", json={"name": f"p{index}"}, headers=account.headers)
    first = (await client.get("/v1/projects", headers=account.headers)).json()
    assert first["total"] == 23 and first["limit"] == 20 and first["offset"] == 0
    assert len(first["items"]) == 20
    assert first["items"][0]["name"] == "p22"
    rest = (await client.get("/v1/projects?limit=5&offset=20", headers=account.headers)).json()
    assert [p["name"] for p in rest["items"]] == ["p2", "p1", "p0"]
    assert rest["limit"] == 5 and rest["offset"] == 20 and rest["total"] == 23


async def test_other_users_projects_are_not_found(
    client: httpx.AsyncClient, account: Account, other_account: Account
) -> None:
    pid = (
        await client.post("/v1/projects", json={"name": "mine"}, headers=account.headers)
    ).json()["id"]
    for method, body in (("GET", None), ("PATCH", {"name": "stolen"}), ("DELETE", None)):
        response = await client.request(
            method, f"/v1/projects/{pid}", json=body, headers=other_account.headers
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert (await client.get("/v1/projects/not-a-uuid", headers=account.headers)).status_code == 404
    assert (await client.get("/v1/projects", headers=other_account.headers)).json()["total"] == 0


async def test_delete_cascades_to_assets_and_stored_bytes(
    client: httpx.AsyncClient, account: Account, runtime: Runtime
) -> None:
    pid = (
        await client.post("/v1/projects", json={"name": "doomed"}, headers=account.headers)
    ).json()["id"]
    key = f"projects/{pid}/assets/a1/source"
    runtime.storage.put_bytes(key, b"media bytes")
    async with runtime.db.transaction() as session:
        session.add(Asset(user_id=account.user_id, project_id=pid, storage_key=key, state="ready"))

    deleted = await client.delete(f"/v1/projects/{pid}", headers=account.headers)
    assert deleted.status_code == 204
    assert (await client.get(f"/v1/projects/{pid}", headers=account.headers)).status_code == 404
    async with runtime.db.transaction() as session:
        assert (await session.execute(select(Asset).where(Asset.project_id == pid))).first() is None
        assert await session.get(Project, pid) is None

    async def bytes_gone() -> bool:
        return not runtime.storage.exists(key)

    await wait_until(bytes_gone, timeout=60)
