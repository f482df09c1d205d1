"""The README's onboarding path: create a user, grant credits, mint a key, use it."""

from __future__ import annotations

import os
import shlex
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


async def test_onboarding_from_the_command_line_signs_in_to_the_web_app(
    settings: Settings, client: httpx.AsyncClient
) -> None:
    email = f"onboard-{os.getpid()}@example.com"
    created = roughy(settings, "users", "create", email, "--password", "first password")
    assert created.returncode == 0, created.stderr
    login = {"email": email, "password": "first password"}
    assert (await client.post("/api/v1/auth/login", json=login)).status_code == 200
    session = (await client.post("/api/v1/auth/login", json=login)).json()["api_key"]

    short = roughy(settings, "users", "set-password", email, "--password", "short")
    assert short.returncode == 1 and "8 characters" in short.stdout
    no_terminal = roughy(settings, "users", "set-password", email)
    assert no_terminal.returncode == 1 and "--password" in no_terminal.stdout
    changed = roughy(settings, "users", "set-password", email, "--password", "second password")
    assert changed.returncode == 0, changed.stderr
    assert (await client.post("/api/v1/auth/login", json=login)).status_code == 401
    relogin = await client.post("/api/v1/auth/login", json={**login, "password": "second password"})
    assert relogin.status_code == 200
    old_session = {"Authorization": f"Bearer {session}"}
    assert (await client.get("/v1/users/me", headers=old_session)).status_code == 401

    made = roughy(settings, "projects", "create", email, "Episode 12")
    assert made.returncode == 0, made.stderr
    project_id = made.stdout.strip()
    listed = roughy(settings, "projects", "list", email)
    assert listed.returncode == 0 and listed.stdout.splitlines() == [f"{project_id}  Episode 12"]
    headers = {"Authorization": f"Bearer {relogin.json()['api_key']}"}
    project = await client.get(f"/v1/projects/{project_id}", headers=headers)
    assert project.status_code == 200 and project.json()["name"] == "Episode 12"


def test_the_banner_prints_commands_that_run_as_printed(settings: Settings) -> None:
    from roughy.cli.main import banner, roughy_command

    command = roughy_command()
    text = banner("http://127.0.0.1:8000", command)
    grant = next(line.strip() for line in text.splitlines() if " credits grant " in line)
    email = f"banner-{os.getpid()}@example.com"
    assert roughy(settings, "users", "create", email).returncode == 0
    env = {
        **os.environ,
        "ROUGHY_DATABASE_URL": str(settings.database_url),
        "ROUGHY_DATA_DIR": str(settings.data_dir),
    }
    argv = shlex.split(grant.replace("you@example.com", email))
    while "=" in argv[0]:  # leading VAR=value assignments, as a shell would take them
        name, value = argv.pop(0).split("=", 1)
        env[name] = value
    assert argv[0] == command and Path(command).name == "roughy"
    ran = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0 and "60" in ran.stdout, ran.stderr


def test_admin_from_another_directory_says_where_it_looked(tmp_path: Path) -> None:
    """No data dir here: the command names the directory it looked in and creates nothing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROUGHY_", "XDG_RUNTIME"))}
    done = subprocess.run(
        [ROUGHY, "users", "create", "lost@example.com"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert str(tmp_path / "data") in done.stderr.replace("\n", "")
    assert "ROUGHY_DATA_DIR" in done.stderr
    assert not (tmp_path / "data" / "pg").exists()
    assert "RuntimeDirWarning" not in done.stderr
