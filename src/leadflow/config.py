"""Settings, read from the environment (LEADFLOW_*) by a function, never at import time."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from leadflow.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///./leadflow.db"
DEMO_SECRET = "leadflow-demo-secret-not-for-production"


class Settings(BaseSettings):
    """Everything LeadFlow can be configured with; each field is documented in docs/reference/settings.md."""

    model_config = SettingsConfigDict(env_prefix="LEADFLOW_", extra="ignore")

    database_url: str = Field(DEFAULT_DATABASE_URL, description="SQLAlchemy URL of the operational store.")
    playbook: Path | None = Field(None, description="Playbook YAML file; the shipped default when unset.")
    secret_key: str | None = Field(
        None, description="Signs session cookies; required by `serve` unless --demo."
    )
    smtp_host: str = Field("127.0.0.1", description="SMTP server for email notifications.")
    smtp_port: int = Field(25, description="SMTP port.")
    smtp_sender: str = Field("leadflow@localhost", description="From address of notification emails.")
    webhook_secret: str | None = Field(None, description="HMAC-SHA256 key that signs generic webhooks.")
    batch_size: int = Field(5000, description="Rows per transaction when importing.")
    notify_max_attempts: int = Field(8, ge=1, description="Delivery tries before an outbox message is dead.")
    notify_retry_base: int = Field(60, ge=1, description="Seconds before the first retry; doubles per try.")
    notify_retry_cap: int = Field(
        3600, ge=1, description="Longest wait between two delivery tries (seconds)."
    )
    notify_lease: int = Field(
        300, ge=1, description="Seconds a worker holds claimed messages before others may."
    )
    notify_timeout: float = Field(10.0, gt=0, description="Seconds to wait for an SMTP or HTTP endpoint.")
    notify_concurrency: int = Field(8, ge=1, description="Messages a worker sends at the same time.")
    nurture_webhook_url: str | None = Field(
        None, description="Marketing tool webhook receiving nurture.step."
    )
    nurture_email: str | None = Field(
        None, description="Address receiving nurture.step when no webhook is set."
    )

    def require_secret(self, demo: bool) -> str:
        """The secret key, refusing a missing or demo secret outside demo mode."""
        if demo:
            return self.secret_key or DEMO_SECRET
        if not self.secret_key or self.secret_key == DEMO_SECRET:
            raise ConfigError(
                "no secret key is set",
                where="LEADFLOW_SECRET_KEY",
                hint="set LEADFLOW_SECRET_KEY to a long random string (or run with --demo)",
            )
        return self.secret_key


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
