"""Typed settings, read from the environment (prefix ``GRIDGOV_``) and an optional ``.env`` file."""

from __future__ import annotations

import ipaddress
import os
import secrets
import socket
from datetime import time
from functools import lru_cache
from ipaddress import ip_network
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me"
"""Published in the source: refused in production and on any address but loopback."""
SECRET_FILE = "secret_key"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDGOV_", env_file=".env", env_ignore_empty=True, extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = Field(
        default="sqlite:///./var/gridgov.db",
        description="SQLAlchemy URL; sqlite:///path (default, WAL) or postgresql+psycopg://…",
    )
    sqlite_synchronous: Literal["normal", "full"] = Field(
        default="normal",
        description="SQLite fsync: normal (WAL; a commit survives a process crash, the last ones may not survive a "
        "power cut) or full (fsync at every commit: survives a power cut too, slower writes).",
    )
    secret_key: str = Field(
        default="",
        description="Signs session cookies, 叫应 links and the embedded broker's internal credential; required in "
        "production; unset elsewhere = a random key kept in <data_dir>/secret_key (created on first start, mode 0600).",
    )
    session_hours: int = Field(default=12, description="Browser session lifetime.")
    modules: str | None = Field(
        default=None,
        description="Enabled modules, comma-separated (e.g. warning); unset or * = all installed; none = core only.",
    )
    cookie_secure: bool = Field(default=False, description="Send cookies over HTTPS only (set behind TLS).")
    default_locale: Literal["zh-CN", "en"] = "zh-CN"
    timezone: str = Field(default="Asia/Shanghai", description="Zone for screens and reports.")
    log_json: bool = Field(default=False, description="Emit one JSON object per log line.")
    log_level: str = "INFO"
    login_max_failures: int = Field(
        default=5,
        ge=1,
        description="Failed logins of one account from one address before back-off (1 s, 2 s, 4 s … per failure); "
        "an address failing on four times as many accounts is slowed the same way.",
    )
    login_backoff_max_minutes: float = Field(default=15, gt=0, description="The longest back-off between attempts.")
    trusted_proxies: str = Field(
        default="",
        description="Reverse proxies (addresses or CIDR networks, comma-separated) whose X-Forwarded-For/-Proto "
        "headers are believed; empty = none, the peer's own address counts.",
    )
    auth_cache_seconds: float = Field(
        default=10.0,
        description="How long a process reuses a resolved principal, so how long a change of roles or scope takes "
        "to reach it; logout, revocation and deactivation are checked on every request regardless.",
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
    work_hours: str = Field(
        default="08:30-12:00,13:30-17:30",
        pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}(,\d{2}:\d{2}-\d{2}:\d{2})*$",
        description="Working periods of a working day (工作时), comma-separated and in order.",
    )
    sms_gateway_url: str = Field(default="", description="SMS gateway (see notify/channels.py); empty = outbox file.")
    sms_gateway_token: str = ""
    voice_gateway_url: str = Field(default="", description="Voice-call gateway, same contract as SMS; empty = file.")
    smtp_url: str = Field(default="", description="smtp://user:password@host:port?from=addr; empty = outbox file.")
    webhook_url: str = Field(default="", description="DingTalk-style group robot URL; empty = outbox file.")
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="How recipients reach this server: the base of 叫应 links; unset = gridgov serve/demo use their "
        "--host/--port (a wildcard host: the machine's host name).",
    )
    warning_seconds: float = Field(
        default=1.0, ge=0, description="Interval of the warning evaluator (new rainfall → colours → people); 0 = off."
    )
    notify_seconds: float = Field(
        default=5.0, ge=0, description="Interval of the in-process delivery and escalation worker; 0 turns it off."
    )
    max_upload_mb: int = Field(default=10, ge=1, le=200, description="Largest photo or document accepted.")
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest request body (JSON, forms); larger ones get 413 unread."
    )
    max_upload_bytes: int = Field(
        default=21 * 1024 * 1024,
        ge=1024,
        description="Largest body of an upload (multipart) or bulk import (GeoJSON, sensor batches).",
    )
    metrics_allow: str = Field(
        default="127.0.0.1,::1",
        description="Addresses or networks (CIDR), comma-separated, that may read /metrics; none = the token only.",
    )
    metrics_token: str = Field(default="", description="Bearer token that also opens /metrics from anywhere.")
    open311_read_key_required: bool = Field(
        default=False,
        description="Open311 reads (GET requests) need an api_key too; otherwise anyone reads the public categories.",
    )
    data_dir: Path = Field(default=Path("./var"), description="Uploads and generated files.")
    mqtt_url: str = Field(
        default="",
        description="MQTT broker for sensor readings, mqtt://[user:password@]host:port or mqtts://…; "
        "empty = the embedded broker, started by the app (see mqtt_embedded_bind).",
    )
    mqtt_embedded_bind: str = Field(default="127.0.0.1:1883", description="Where the embedded broker listens.")
    mqtt_embedded_auth: bool = Field(
        default=True,
        description="The embedded broker requires a gateway's user name and API token (as the password) and "
        "lets it publish only to stations in its area; off only for a lab.",
    )
    mqtt_topic_prefix: str = Field(
        default="gridgov", description="Readings on <prefix>/<county>/stations/<code>/<property>."
    )
    mqtt_client_id: str = Field(
        default="gridgov-ingest",
        description="Client id of the persistent MQTT session; the processes sharing data_dir take it in turn as "
        "<id>, <id>-1, <id>-2 … (one each); give every host its own.",
    )
    mqtt_max_packet_bytes: int = Field(
        default=262_144, ge=4096, description="Embedded broker: largest MQTT packet accepted (larger: disconnected)."
    )
    mqtt_max_unauthenticated: int = Field(
        default=100, ge=1, description="Embedded broker: connections waiting for their CONNACK at once (more: closed)."
    )
    mqtt_max_sessions: int = Field(default=10_000, ge=1, description="Embedded broker: most sessions kept at once.")
    mqtt_recheck_seconds: float = Field(
        default=5.0,
        ge=0,
        description="Embedded broker: how often the tokens of connected gateways are re-checked (revoked, expired, "
        "deactivated: disconnected); 0 = only at connection.",
    )
    mqtt_shared_group: str = Field(
        default="gridgov", description="Shared-subscription group ($share/<group>/…): each reading consumed once."
    )
    mqtt_ingest: bool | None = Field(
        default=None, description="Run the MQTT consumer in this process; unset = yes, except in the test environment."
    )
    sensing_check_seconds: float | None = Field(
        default=None, ge=0, description="Interval of the sensor-offline check; unset = sweep_seconds; 0 turns it off."
    )
    sensing_offline_intervals: float = Field(
        default=3.0, gt=0, description="A station silent for more than this many reporting intervals is offline."
    )

    _secret_file: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _resolve_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key in ("", DEV_SECRET):
            raise ValueError("GRIDGOV_SECRET_KEY must be set in production (生产环境须设置密钥)")
        if not self.secret_key:
            self._secret_file = self.data_dir / SECRET_FILE
            self.secret_key = _load_or_create_secret(self._secret_file)
        if not self.mqtt_url:
            self.check_listen(self.mqtt_embedded_bind.rpartition(":")[0], "GRIDGOV_MQTT_EMBEDDED_BIND")
        return self

    @property
    def generated_secret_file(self) -> Path | None:
        """Where the secret came from when GRIDGOV_SECRET_KEY is unset (worth a warning at start-up)."""
        return self._secret_file

    def check_listen(self, host: str, what: str = "--host") -> None:
        """Refuse to serve anything but loopback with the development secret everyone can read."""
        if self.secret_key == DEV_SECRET and not is_loopback(host):
            raise ValueError(
                f"{what}={host}: 开发密钥是公开的，只能监听本机地址；请设置 GRIDGOV_SECRET_KEY "
                "(the development secret is public: set GRIDGOV_SECRET_KEY to listen beyond loopback)"
            )

    @property
    def public_url_set(self) -> bool:
        """GRIDGOV_PUBLIC_URL was given (or passed in), not the default."""
        return "public_url" in self.model_fields_set

    @field_validator("metrics_allow")
    @classmethod
    def _metrics_networks(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(",") if value.strip().lower() != "none")):
            try:
                ip_network(part, strict=False)
            except ValueError as exc:
                raise ValueError(f"{part}: 不是IP地址或网段 (not an IP address or CIDR network)") from exc
        return value

    @field_validator("work_hours")
    @classmethod
    def _periods_in_order(cls, value: str) -> str:
        bounds = [moment for span in _periods(value) for moment in span]
        if any(a >= b for a, b in zip(bounds, bounds[1:], strict=False)):
            raise ValueError(f"{value}: periods must be in order and must not overlap (时段须依次排列且不重叠)")
        return value

    @property
    def work_periods(self) -> tuple[tuple[time, time], ...]:
        return _periods(self.work_hours)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


PUBLIC_URL_ENV = "GRIDGOV_PUBLIC_URL"
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})


def adopt_listen_address(host: str, port: int) -> list[str]:
    """Make the served address the base of 叫应 links when GRIDGOV_PUBLIC_URL is unset (in the environment, so
    worker processes see it too); returns the warnings to show at start-up. A wildcard host is no address anyone
    can reach: the machine's host name stands in for it."""
    settings = get_settings()
    if settings.public_url_set:
        return []
    warnings = []
    bare = host.strip("[]")
    if bare in WILDCARD_HOSTS:
        bare = socket.gethostname()
        warnings.append(
            f"--host={host or '*'} 监听所有地址：叫应链接将使用本机主机名 {bare}，请设置 {PUBLIC_URL_ENV} "
            f"(listening on every address: links will use this machine's host name {bare}; set {PUBLIC_URL_ENV})"
        )
    url = f"http://{f'[{bare}]' if ':' in bare else bare}:{port}"
    if settings.environment == "production":
        warnings.append(
            f"生产环境未设置 {PUBLIC_URL_ENV}：短信、语音和机器人中的叫应链接将指向 {url} "
            f"({PUBLIC_URL_ENV} unset in production: 叫应 links will point at {url}; set the address recipients reach)"
        )
    os.environ[PUBLIC_URL_ENV] = url
    get_settings.cache_clear()
    return warnings


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost: it may resolve anywhere


def _load_or_create_secret(path: Path) -> str:
    """The key kept in ``path``; on first use a random one, written readable by the owner only. Several
    processes starting at once agree: the file appears complete (hard link of a finished file) or not at all."""
    try:
        existing = path.read_text("utf-8").strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process was first: use its key
    finally:
        draft.unlink(missing_ok=True)
    return path.read_text("utf-8").strip()


def _periods(value: str) -> tuple[tuple[time, time], ...]:
    spans = (part.split("-") for part in value.split(","))
    return tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in spans)


@lru_cache
def get_settings() -> Settings:
    return Settings()
