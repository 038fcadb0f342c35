"""Typed settings, read from the environment (prefix ``GRIDGOV_``) and an optional ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDGOV_", env_file=".env", env_ignore_empty=True, extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = Field(
        default="sqlite:///./var/gridgov.db",
        description="SQLAlchemy URL; sqlite:///path (default, WAL) or postgresql+psycopg://…",
    )
    secret_key: str = Field(default=DEV_SECRET, description="Signs session cookies; required in production.")
    session_hours: int = Field(default=12, description="Browser session lifetime.")
    cookie_secure: bool = Field(default=False, description="Send cookies over HTTPS only (set behind TLS).")
    default_locale: Literal["zh-CN", "en"] = "zh-CN"
    timezone: str = Field(default="Asia/Shanghai", description="Zone for screens and reports.")
    log_json: bool = Field(default=False, description="Emit one JSON object per log line.")
    log_level: str = "INFO"
    login_max_failures: int = Field(default=5, description="Failed logins per account or address per window.")
    login_window_minutes: int = 15
    auth_cache_seconds: float = Field(
        default=10.0, description="How long a process reuses a resolved token/session (revocation delay)."
    )
    tile_url: str = Field(
        default="",
        description="Optional basemap tile URL template (e.g. a 天地图 intranet mirror); empty = polygons only.",
    )
    tile_attribution: str = ""
    case_yellow_share: float = Field(
        default=0.25, gt=0, lt=1, description="A case turns yellow when less than this share of its limit is left."
    )
    sweep_seconds: float = Field(
        default=60.0, ge=0, description="Interval of the in-process overdue sweep; 0 turns it off (run it elsewhere)."
    )
    max_upload_mb: int = Field(default=10, ge=1, le=200, description="Largest photo or document accepted.")
    data_dir: Path = Field(default=Path("./var"), description="Uploads and generated files.")

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("GRIDGOV_SECRET_KEY must be set in production")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
