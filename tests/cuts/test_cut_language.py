"""The language of a cut: the asset's hint is used; without one the language is detected, stored
with the cut and shown in its JSON; a language the model cannot transcribe fails the cut."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update
from test_cuts import wait_cut
from v1_seed import seed_asset

from engine.analysis_fixtures import spoken, write_wav
from roughy.assets.models import Asset
from roughy.cuts.models import Cut
from roughy.jobs import Runtime
from support import Account, make_media

GERMAN = (
    "Guten Morgen und herzlich willkommen.",
    "Heute sprechen wir über das Wetter, über den Garten und über das Kochen.",
)


@pytest.fixture(scope="module")
def german_m4a(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("german")
    speech, rate = spoken([0.3, GERMAN[0], 0.5, GERMAN[1], 0.3], voice="de")
    wav = write_wav(folder / "de.wav", speech, rate)
    return make_media(folder / "de.m4a", "-i", str(wav), "-c:a", "aac", "-ar", "48000")


async def _cut(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, source: Path, hint: str | None
) -> dict[str, object]:
    asset = await seed_asset(runtime, account.user_id, source)
    async with runtime.db.transaction() as session:
        await session.execute(update(Asset).where(Asset.id == asset.id).values(language=hint))
    created = await client.post("/v1/cuts", json={"asset_id": asset.id}, headers=account.headers)
    assert created.status_code == 201, created.text
    return await wait_cut(client, account, created.json()["id"])


async def test_a_cut_without_a_hint_detects_the_language_and_keeps_it(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, german_m4a: Path
) -> None:
    done = await _cut(client, runtime, account, german_m4a, None)
    assert done["state"] == "completed", done
    assert done["language"] == "de"
    async with runtime.db.transaction() as session:
        stored = await session.scalar(select(Cut.document).where(Cut.id == done["id"]))
    assert stored is not None and stored["language"] == "de"


async def test_a_language_the_model_cannot_transcribe_fails_the_cut(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, german_m4a: Path
) -> None:
    done = await _cut(client, runtime, account, german_m4a, "zu")
    assert done["state"] == "failed"
    assert done["error_code"] == "unsupported_language"
    assert "'zu'" in str(done["error_message"])
