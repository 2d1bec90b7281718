"""One Settings object for the whole platform (environment prefix ZHONGTAI_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-change-me-not-for-production-use"


class Settings(BaseSettings):
    """Runtime configuration, read from the environment or a `.env` file."""

    model_config = SettingsConfigDict(env_prefix="ZHONGTAI_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///var/zhongtai.db"
    secret_key: str = DEV_SECRET
    nats_url: str | None = None
    nats_stream: str = "ZHONGTAI"
    nats_subject_prefix: str = "zhongtai"  # events go to <prefix>.<domain>.<event>
    token_ttl_minutes: int = 8 * 60
    login_rate_limit: str = "10/minute"
    rate_limit_storage: str = "memory://"
    # The cyclic GC's young-generation threshold while serving (0: Python's default); see app._tune_gc.
    gc_gen0_threshold: int = 20_000
    outbox_poll_seconds: float = 1.0
    outbox_batch_size: int = 200
    # After a batch that was not full, the relay waits this long so that events committed meanwhile by
    # concurrent requests go out together: one batch's fixed cost (claim, subscriptions, commit) is shared.
    outbox_linger_seconds: float = 0.05
    outbox_max_attempts: int = 12
    idempotency_ttl_hours: int = 24
    default_locale: Literal["zh", "en"] = "zh"
    # Orders and fulfilment
    routing_radius_km: float = 20.0
    payment_window_minutes: int = 15
    fulfilment_hold_hours: int = 48
    pickup_window_hours: int = 24
    picking_cost_fen_per_minute: int = 50
    delivery_base_fee_fen: int = 400
    delivery_fee_per_km_fen: int = 100
    # Webhook URLs whose host is loopback, private or link-local: unset means allowed in development and
    # test, refused in production (a webhook must not become a way into the internal network).
    webhooks_allow_private_urls: bool | None = None
    # Inbound data (integration): payloads above the inline limit are landed as gzip files under the dir
    ingest_landing_dir: str = "var/landing"
    ingest_inline_max_bytes: int = 256 * 1024
    ingest_chunk_size: int = 50_000
    log_level: str = "INFO"
    log_json: bool = False
    sql_echo: bool = False
    # Test each pooled connection with a round trip before use. Off by default: a dropped connection is
    # detected on use instead, and the pool is then refreshed (one failed request per worker after a
    # database restart), which saves a round trip on every request.
    database_pool_pre_ping: bool = False

    @model_validator(mode="after")
    def _refuse_insecure_defaults(self) -> Settings:
        if self.environment == "production" and (self.secret_key == DEV_SECRET or len(self.secret_key) < 32):
            raise ValueError("ZHONGTAI_SECRET_KEY must be set to a random value of 32+ characters in production")
        return self

    @model_validator(mode="after")
    def _default_private_webhook_urls(self) -> Settings:
        if self.webhooks_allow_private_urls is None:
            self.webhooks_allow_private_urls = self.environment != "production"
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite or ":memory:" in self.database_url:
            return None
        return Path(self.database_url.split("///", 1)[1])


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests clear the cache to reconfigure)."""
    return Settings()
