"""Authentication on every route, accounts, sessions and API keys."""

from __future__ import annotations

import uuid

import httpx
import pytest

from roughy.api.routers import all_routers
from support import Account

# Routes a stranger may call: health, signed downloads, account creation and sign-in, tus
# capability discovery, and the docs.
PUBLIC = {
    "/healthz",
    "/readyz",
    "/files/{token}",
    "/v1/openapi.json",
    "/v1/docs",
    "/v1/docs/oauth2-redirect",
    "/api/v1/auth/signup",
    "/api/v1/auth/verify-email",
    "/api/v1/auth/resend-verification",
    # Authorised by the signed token in its URL, like /files/{token}.
    "/api/v1/uploads/presigned/{token}",
    # Authorised by Stripe's signature over the body (tests/billing).
    "/v1/billing/webhook",
    "/api/v1/billing/webhook",
    "/api/v1/auth/login",
    "/api/v1/auth/logout",
}
PUBLIC_PREFIXES = ("/dashboard", "/app/", "/v1/docs/assets/")  # the web app, Swagger UI files


def _protected_routes() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for route in (r for router in all_routers() for r in router.routes):
        path = getattr(route, "path", "")
        if path in PUBLIC or path.startswith(PUBLIC_PREFIXES) or path == "/":
            continue
        for method in sorted(getattr(route, "methods", None) or []):
            if method == "OPTIONS":
                continue
            found.append((method, path))
    return found


def _concrete(path: str) -> str:
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + str(uuid.uuid4()) + path[end + 1 :]
    return path


@pytest.mark.parametrize("credential", ["missing", "invalid", "revoked", "malformed"])
async def test_every_protected_route_refuses_bad_credentials(
    credential: str, client: httpx.AsyncClient, account: Account
) -> None:
    headers: dict[str, str] = {}
    if credential == "invalid":
        headers["Authorization"] = "Bearer sk_not_a_real_key"
    elif credential == "malformed":
        headers["Authorization"] = "Basic dXNlcjpwYXNz"
    elif credential == "revoked":
        login = await client.post(
            "/api/v1/auth/login", json={"email": account.email, "password": "correct horse battery"}
        )
        session_key = login.json()["api_key"]
        created = await client.post(
            "/api/v1/api-keys",
            json={"name": "doomed"},
            headers={"Authorization": f"Bearer {session_key}"},
        )
        revoke = await client.delete(
            f"/api/v1/api-keys/{created.json()['id']}", headers=account.headers
        )
        assert revoke.status_code == 204
        headers["Authorization"] = f"Bearer {created.json()['plaintext']}"
    routes = _protected_routes()
    assert len(routes) >= 15
    for method, path in routes:
        response = await client.request(
            method, _concrete(path), headers={**headers, "Tus-Resumable": "1.0.0"}
        )
        assert response.status_code == 401, (method, path, response.status_code, response.text)
        if path.startswith("/v1") and method != "HEAD":
            assert response.json()["error"]["code"] == "unauthenticated", (method, path)


async def test_signup_verify_login_logout_flow(client: httpx.AsyncClient) -> None:
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    signup = await client.post(
        "/api/v1/auth/signup", json={"email": email, "password": "long enough pw"}
    )
    assert signup.status_code == 201
    assert signup.json()["email_verified_at"] is None
    again = await client.post(
        "/api/v1/auth/signup", json={"email": email, "password": "long enough pw"}
    )
    assert again.status_code == 409
    short = await client.post(
        "/api/v1/auth/signup", json={"email": "x@example.com", "password": "short"}
    )
    assert short.status_code == 422 and "detail" in short.json()

    assert (
        await client.post("/api/v1/auth/resend-verification", json={"email": email})
    ).status_code == 202
    assert (
        await client.post("/api/v1/auth/resend-verification", json={"email": "nobody@example.com"})
    ).status_code == 202
    bad = await client.post("/api/v1/auth/verify-email", json={"token": "x" * 32})
    assert bad.status_code == 400

    wrong = await client.post("/api/v1/auth/login", json={"email": email, "password": "nope nope"})
    assert wrong.status_code == 401
    login = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": "long enough pw"}
    )
    assert login.status_code == 200
    body = login.json()
    assert body["api_key"].startswith("rk_")
    assert "roughy_session" in login.headers["set-cookie"]
    me = await client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {body['api_key']}"}
    )
    assert me.status_code == 200 and me.json()["email"] == email

    cookie_only = httpx.AsyncClient(
        base_url=str(client.base_url), cookies={"roughy_session": body["api_key"]}
    )
    async with cookie_only:
        assert (await cookie_only.get("/v1/users/me")).status_code == 200

    out = await client.post(
        "/api/v1/auth/logout", headers={"Authorization": f"Bearer {body['api_key']}"}
    )
    assert out.status_code == 204
    assert (await client.post("/api/v1/auth/logout")).status_code == 204
    after = await client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {body['api_key']}"}
    )
    assert after.status_code == 401


async def test_api_keys_are_shown_once_listed_oldest_first_and_revoked_at_once(
    client: httpx.AsyncClient, account: Account
) -> None:
    first = await client.post("/api/v1/api-keys", json={"name": "one"}, headers=account.headers)
    second = await client.post("/api/v1/api-keys", json={"name": "two"}, headers=account.headers)
    assert first.status_code == 201
    plaintext = first.json()["plaintext"]
    assert plaintext.startswith("rk_live_") and first.json()["prefix"] == plaintext[:16]
    listed = (await client.get("/api/v1/api-keys", headers=account.headers)).json()["items"]
    assert [k["name"] for k in listed][-2:] == ["one", "two"]
    assert all("plaintext" not in k for k in listed)

    use = await client.get("/v1/credits/balance", headers={"Authorization": f"Bearer {plaintext}"})
    assert use.status_code == 200
    listed = (await client.get("/api/v1/api-keys", headers=account.headers)).json()["items"]
    assert next(k for k in listed if k["name"] == "one")["last_used_at"] is not None

    await client.delete(f"/api/v1/api-keys/{first.json()['id']}", headers=account.headers)
    refused = await client.get(
        "/v1/credits/balance", headers={"Authorization": f"Bearer {plaintext}"}
    )
    assert refused.status_code == 401
    assert second.status_code == 201


async def test_other_users_keys_cannot_be_revoked(
    client: httpx.AsyncClient, account: Account, other_account: Account
) -> None:
    created = await client.post("/api/v1/api-keys", json={"name": "mine"}, headers=account.headers)
    response = await client.delete(
        f"/api/v1/api-keys/{created.json()['id']}", headers=other_account.headers
    )
    assert response.status_code == 404


async def test_profile_both_surfaces_and_soft_delete(
    client: httpx.AsyncClient, account: Account
) -> None:
    me = (await client.get("/v1/users/me", headers=account.headers)).json()
    assert me["email"] == account.email and me["deleted_at"] is None and "email_verified_at" in me
    patch_with_key = await client.patch(
        "/api/v1/users/me", json={"first_name": "Ada"}, headers=account.headers
    )
    assert patch_with_key.status_code == 403

    login = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": "correct horse battery"}
    )
    session = {"Authorization": f"Bearer {login.json()['api_key']}"}
    patched = await client.patch("/api/v1/users/me", json={"first_name": "Ada"}, headers=session)
    assert patched.status_code == 200 and patched.json()["first_name"] == "Ada"

    assert (await client.delete("/api/v1/users/me", headers=account.headers)).status_code == 204
    assert (await client.delete("/api/v1/users/me", headers=account.headers)).status_code == 204
    blocked = await client.post("/v1/projects", json={"name": "x"}, headers=account.headers)
    assert blocked.status_code == 423
    assert (await client.get("/v1/projects", headers=account.headers)).status_code == 200
    restored = await client.post("/api/v1/users/me/restore", headers=account.headers)
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None
    assert (
        await client.post("/v1/projects", json={"name": "x"}, headers=account.headers)
    ).status_code == 201
