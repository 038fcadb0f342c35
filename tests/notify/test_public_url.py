"""叫应 links lead where recipients can go: GRIDGOV_PUBLIC_URL when set, otherwise the address that
``gridgov serve/demo`` listen on (a wildcard host: the machine's name, said at start-up)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from gridgov.config import PUBLIC_URL_ENV, Settings, adopt_listen_address, get_settings
from gridgov.db import Database
from gridgov.notify.channels import FileSender
from gridgov.notify.service import AlertRequest, Target
from gridgov.notify.tasks import alerting_for, deliver_queued
from gridgov.org.enums import Role
from tests.factories import COUNTY, FUCHUN, build_county, create_person

T0 = datetime(2026, 7, 20, 2, 0, tzinfo=UTC)
PUBLIC = "https://gridgov.example.gov.cn"


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The process environment as ``gridgov serve`` reads it, restored afterwards (settings cache included)."""
    for name in (PUBLIC_URL_ENV, "GRIDGOV_ENVIRONMENT", "GRIDGOV_MQTT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GRIDGOV_SECRET_KEY", "a-secret-for-this-test-only")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_outboxed_sms_link_uses_the_configured_public_url(
    db: Database, session: Session, tmp_path: Path, environment: pytest.MonkeyPatch
) -> None:
    environment.setenv(PUBLIC_URL_ENV, PUBLIC + "/")
    settings = Settings(environment="test", database_url="sqlite://")
    county = build_county(session)
    member = create_person(session, county, [(Role.grid_member, f"{FUCHUN}001001")], name="网格员甲")
    alerting_for(session, settings, T0).raise_alert(
        AlertRequest(
            kind="warning",
            subject="warning:1",
            level="red",
            title="城西社区地质灾害红色预警",
            body="请立即组织巡查和转移。",
            path=f"{COUNTY}/{FUCHUN}/",
            targets=[
                Target("网格员甲", "grid_member", 0, person_id=member.id),
                Target("受威胁户丁", "resident", 0, phone="10000000009"),
            ],
        )
    )
    session.commit()
    outbox = tmp_path / "sms.jsonl"
    senders = {name: FileSender(tmp_path / f"{name}.jsonl") for name in ("voice", "webhook")}
    deliver_queued(db, {"sms": FileSender(outbox), **senders}, T0, settings)
    texts = [json.loads(line)["text"] for line in outbox.read_text("utf-8").splitlines()]
    assert len(texts) == 2 and all(f"{PUBLIC}/ack/" in text for text in texts), texts
    assert not any("127.0.0.1" in text for text in texts)


def test_serve_uses_its_own_address_when_the_public_url_is_unset(environment: pytest.MonkeyPatch) -> None:
    assert adopt_listen_address("10.1.2.3", 8080) == []
    assert get_settings().public_url == "http://10.1.2.3:8080"


def test_a_wildcard_host_becomes_the_machine_name_and_says_so(environment: pytest.MonkeyPatch) -> None:
    warnings = adopt_listen_address("0.0.0.0", 8000)
    name = socket.gethostname()
    assert get_settings().public_url == f"http://{name}:8000"
    assert len(warnings) == 1 and name in warnings[0] and PUBLIC_URL_ENV in warnings[0]


def test_a_configured_public_url_is_kept(environment: pytest.MonkeyPatch) -> None:
    environment.setenv(PUBLIC_URL_ENV, PUBLIC)
    get_settings.cache_clear()
    assert adopt_listen_address("0.0.0.0", 8000) == []
    assert get_settings().public_url == PUBLIC


def test_production_without_a_public_url_warns(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("GRIDGOV_ENVIRONMENT", "production")
    get_settings.cache_clear()
    warnings = adopt_listen_address("127.0.0.1", 8000)
    assert len(warnings) == 1 and PUBLIC_URL_ENV in warnings[0] and "http://127.0.0.1:8000" in warnings[0]
