"""Settings, read once from the environment (prefix `ROUGHY_`, nested with `__`)."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev", "development"})
SECRET_FILE_NAME = "secret_key"


class S3Settings(BaseModel):
    """`ROUGHY_S3__*`: any S3-compatible endpoint (AWS, MinIO, Cloudflare R2, ...). Credentials
    left unset come from the usual AWS chain (environment, profile, instance role)."""

    model_config = ConfigDict(frozen=True)

    bucket: str = ""
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: SecretStr | None = None
    addressing_style: Literal["auto", "path", "virtual"] = "auto"


class PricingSettings(BaseModel):
    """Credits per unit for the /api/v1 pipeline processors (decimal strings on the wire)."""

    cut_per_second: str = "1.0"
    render_per_second: str = "0.5"


class StripeProduct(BaseModel):
    """What a Stripe price buys: a one-off credit `pack`, or a monthly `plan` (a subscription
    whose every paid invoice adds `credits`)."""

    kind: Literal["pack", "plan"]
    credits: int = Field(gt=0)


class StripeSettings(BaseModel):
    """Stripe Checkout, customer portal and webhooks. Billing is off while `secret_key` is unset.

    `prices` maps a Stripe price id to what it buys, e.g.
    `ROUGHY_STRIPE__PRICES='{"price_123": {"kind": "pack", "credits": 500}}'`. The paths are
    appended to the public base URL (`{CHECKOUT_SESSION_ID}` is filled in by Stripe).
    """

    secret_key: SecretStr | None = None
    webhook_secret: SecretStr | None = None
    webhook_tolerance_seconds: int = 300
    api_base: str | None = None
    timeout_seconds: float = 20.0
    prices: dict[str, StripeProduct] = Field(default_factory=dict)
    success_path: str = "/?checkout=success&session_id={CHECKOUT_SESSION_ID}#/account"
    cancel_path: str = "/?checkout=cancelled#/account"
    portal_return_path: str = "/#/account"


_DEVELOPMENT_WEBHOOK_SETTINGS = (
    "webhooks_allow_insecure_localhost",
    "webhooks_allow_private_addresses",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ROUGHY_", env_nested_delimiter="__", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("./data")
    database_url: str | None = None
    secret_key: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    public_base_url: str | None = None
    log_level: str = "INFO"

    storage_backend: Literal["local", "s3"] = "local"
    s3: S3Settings = Field(default_factory=S3Settings)
    download_url_ttl_seconds: int = 900
    scratch_max_bytes: int = 64 * 1024**3

    billing_enabled: bool = True
    signup_credits: int = 0
    stripe: StripeSettings = Field(default_factory=StripeSettings)
    pricing: PricingSettings = Field(default_factory=PricingSettings)

    ffmpeg: str | None = None
    whisper_model: str | None = None
    whisper_compute_type: str = "int8"
    asr_threads: int = 2
    elevenlabs_api_key: str | None = None
    anthropic_api_key: str | None = None
    anthropic_model: str = "claude-opus-4-7"

    webhooks_allow_insecure_localhost: bool = False
    """Accept http:// webhook URLs on loopback. Defaults to true in development."""
    webhooks_allow_private_addresses: bool = False
    """Deliver webhooks to non-public addresses (loopback, private networks). Defaults to true in
    development, so a receiver on this machine works without set-up."""
    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 8
    webhook_retry_base_seconds: float = 30.0
    """Delay before the 2nd attempt; each later one is `webhook_retry_factor` times longer, capped
    at `webhook_retry_cap_seconds`: 30 s, 2 m, 8 m, 32 m, ~2 h, 6 h, 6 h (last one ~15 h later)."""
    webhook_retry_factor: float = 4.0
    webhook_retry_cap_seconds: float = 6 * 3600.0
    sse_heartbeat_seconds: float = 15.0

    io_concurrency: int = 4
    cpu_concurrency: int = 1
    stalled_job_seconds: float = Field(default=60.0, ge=10.0)
    """A job or pipeline step whose worker sent no heartbeat (every 5 s) for this long is taken
    as crashed and re-queued; checked every 10 s."""

    upload_expiry_hours: int = 24
    upload_idle_timeout_seconds: float = 30.0
    upload_lock_wait_seconds: float = 2.0

    @model_validator(mode="before")
    @classmethod
    def _local_webhooks_in_development(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("environment", "development") == "development":
            for name in _DEVELOPMENT_WEBHOOK_SETTINGS:
                data.setdefault(name, True)
        return data

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key.strip() in PLACEHOLDER_SECRETS:
            raise ValueError(
                "ROUGHY_SECRET_KEY must be set to a real secret when ROUGHY_ENVIRONMENT=production"
            )
        return self

    @property
    def pg_dir(self) -> Path:
        return self.data_dir.resolve() / "pg"

    @property
    def fetch_dir(self) -> Path:
        """Where processes on S3 fetch the objects they work on (bounded by scratch_max_bytes;
        one directory per process, removed at the next start after a crash, not by the hourly
        scratch sweep, which could take a source a long render still reads)."""
        return self.data_dir.resolve() / "fetched"

    @property
    def storage_dir(self) -> Path:
        return self.data_dir.resolve() / "storage"

    @property
    def scratch_dir(self) -> Path:
        """Work files of running jobs (renders, analysis audio), on the data dir's filesystem so
        a finished file moves into local storage by rename; crash leftovers are swept."""
        return self.data_dir.resolve() / "tmp"

    @cached_property
    def signing_key(self) -> bytes:
        """The secret behind signed URLs, pricing tokens and session cookies.

        Outside production an unset secret is generated once and persisted in the data dir, so
        the embedded default needs no set-up and survives restarts.
        """
        if self.secret_key.strip() not in PLACEHOLDER_SECRETS:
            return self.secret_key.encode()
        return _persisted_local_secret(self.data_dir.resolve()).encode()

    @property
    def base_url(self) -> str:
        return (self.public_base_url or f"http://{self.host}:{self.port}").rstrip("/")


def _persisted_local_secret(data_dir: Path) -> str:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SECRET_FILE_NAME
    if not path.exists():
        candidate = secrets.token_urlsafe(48)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(candidate)
        tmp.chmod(0o600)
        try:
            # link() fails if another process won the race; its secret is the one to use.
            path.hardlink_to(tmp)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()


def load_settings() -> Settings:
    return Settings()
