from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from roughy.config import Settings


def test_production_refuses_placeholder_secrets(tmp_path: Path) -> None:
    for placeholder in ("", "change-me", "secret"):
        with pytest.raises(ValidationError):
            Settings(environment="production", secret_key=placeholder, data_dir=tmp_path)
    assert (
        Settings(environment="production", secret_key="x" * 40, data_dir=tmp_path).signing_key
        == b"x" * 40
    )


def test_local_secret_is_generated_once_and_persisted(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path).signing_key
    second = Settings(data_dir=tmp_path).signing_key
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_prefix_and_nesting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ROUGHY_BILLING_ENABLED", "false")
    monkeypatch.setenv("ROUGHY_PRICING__CUT_PER_SECOND", "2.5")
    settings = Settings(data_dir=tmp_path)
    assert settings.billing_enabled is False
    assert settings.pricing.cut_per_second == "2.5"
