from __future__ import annotations

import httpx

from support import Account


async def test_dashboard_page_signs_in_with_the_session_cookie(
    client: httpx.AsyncClient, account: Account
) -> None:
    page = await client.get("/dashboard")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/api/v1/auth/login" in page.text and "/v1/credits/balance" in page.text
    assert (await client.get("/", follow_redirects=False)).headers["location"] == "/dashboard"

    browser = httpx.AsyncClient(base_url=str(client.base_url))
    async with browser:
        assert (await browser.get("/v1/users/me")).status_code == 401
        login = await browser.post(
            "/api/v1/auth/login", json={"email": account.email, "password": "correct horse battery"}
        )
        assert login.status_code == 200
        assert (await browser.get("/v1/credits/balance")).json() == {"balance": 1000}
        await browser.post("/api/v1/auth/logout")
        assert (await browser.get("/v1/users/me")).status_code == 401
