"""The README's onboarding path: create a user, grant credits, mint a key, use it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from roughy.config import Settings

ROUGHY = str(Path(sys.executable).with_name("roughy"))


def roughy(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ROUGHY_DATABASE_URL": str(settings.database_url),
        "ROUGHY_DATA_DIR": str(settings.data_dir),
        "ROUGHY_SECRET_KEY": settings.secret_key,
    }
    return subprocess.run([ROUGHY, *args], env=env, capture_output=True, text=True, timeout=120)


async def test_users_credits_and_keys_from_the_command_line(
    settings: Settings, client: httpx.AsyncClient
) -> None:
    email = f"cli-{os.getpid()}@example.com"
    created = roughy(settings, "users", "create", email)
    assert created.returncode == 0, created.stderr
    duplicate = roughy(settings, "users", "create", email)
    assert duplicate.returncode == 1 and "already exists" in duplicate.stdout

    granted = roughy(settings, "credits", "grant", email, "42")
    assert granted.returncode == 0 and "42" in granted.stdout
    minted = roughy(settings, "keys", "create", email, "--name", "laptop")
    assert minted.returncode == 0, minted.stderr
    key = minted.stdout.strip()
    assert key.startswith("sk_")

    headers = {"Authorization": f"Bearer {key}"}
    assert (await client.get("/v1/credits/balance", headers=headers)).json() == {"balance": 42}
    assert roughy(settings, "users", "verify", email).returncode == 0
    assert roughy(settings, "keys", "create", "nobody@example.com", "--name", "x").returncode == 1
    assert roughy(settings, "db", "upgrade").returncode == 0
