from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from roughy.config import Settings, StripeProduct, StripeSettings

sys.path.insert(0, str(Path(__file__).resolve().parent))

from billing_helpers import PACK, PLAN, Billing
from stripe_fake import start_fake_stripe


@pytest.fixture
def billing(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[Billing]:
    """Billing switched on against a fake Stripe (the live server shares this settings object)."""
    fake = start_fake_stripe()
    secret_key = "sk_test_51RoughyNeverShowThisKey0123456789"
    webhook_secret = "whsec_RoughyNeverShowThisSecret0123456789"
    config = StripeSettings(
        secret_key=SecretStr(secret_key),
        webhook_secret=SecretStr(webhook_secret),
        api_base=fake.url,
        prices={
            PACK: StripeProduct(kind="pack", credits=100),
            PLAN: StripeProduct(kind="plan", credits=500),
        },
    )
    monkeypatch.setattr(settings, "stripe", config)
    monkeypatch.setattr(settings, "billing_enabled", True)
    yield Billing(stripe=fake, secret_key=secret_key, webhook_secret=webhook_secret)
    fake.close()
