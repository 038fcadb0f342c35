"""Every delivery says what really happened: written to the local outbox is ``outboxed`` (never ``sent``),
production has no outbox (it does not start without the SMS and voice gateways; a channel left unconfigured
fails at once, naming its setting), and a drill's (演练) messages are marked and stay inside the platform
unless the drill asks for them to go out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.config import Settings
from gridgov.db import Database
from gridgov.main import create_app
from gridgov.notify.channels import ChannelsNotConfigured, FileSender, GatewaySender, senders_from_settings
from gridgov.notify.models import Alert, Delivery, InboxItem
from gridgov.notify.service import Alerting, AlertRequest, Target
from gridgov.notify.tasks import deliver_queued
from gridgov.org.enums import Role
from tests.factories import COUNTY, FUCHUN, County, build_county, create_person, user

T0 = datetime(2026, 7, 20, 2, 0, tzinfo=UTC)


def _red(
    session: Session, settings: Settings, *, exercise: bool = False, external: bool = False
) -> tuple[Alert, County]:
    county = build_county(session)
    cadre = create_person(session, county, [(Role.village_cadre, f"{FUCHUN}001")], name="村干部乙")
    alert = Alerting(session, secret=settings.secret_key, public_url="http://gov.test", clock=lambda: T0).raise_alert(
        AlertRequest(
            kind="warning",
            subject="warning:1",
            level="red",
            title="城西社区地质灾害红色预警",
            body="请立即转移。",
            path=f"{COUNTY}/{FUCHUN}/",
            targets=[
                Target("村干部乙", "village", 0, person_id=cadre.id),
                Target("住户丁", "residents", 0, phone="13900000009"),
            ],
            exercise=exercise,
            exercise_external=external,
        )
    )
    session.commit()
    return alert, county


def _statuses(session: Session) -> dict[str, set[str]]:
    session.expire_all()
    found: dict[str, set[str]] = {}
    for delivery in session.scalars(select(Delivery)):
        found.setdefault(delivery.channel, set()).add(delivery.status)
    return found


def test_production_refuses_the_outbox_and_names_the_settings(tmp_path: Path) -> None:
    production = {"environment": "production", "secret_key": "from-the-vault", "data_dir": tmp_path}
    with pytest.raises(ChannelsNotConfigured, match="GRIDGOV_SMS_GATEWAY_URL.*GRIDGOV_VOICE_GATEWAY_URL"):
        senders_from_settings(Settings(**production))  # type: ignore[arg-type]
    with pytest.raises(ChannelsNotConfigured, match="GRIDGOV_VOICE_GATEWAY_URL"):
        create_app(Settings(**production, sms_gateway_url="https://sms.example/send"), Database.from_url("sqlite://"))  # type: ignore[arg-type]
    senders = senders_from_settings(
        Settings(
            **production, sms_gateway_url="https://sms.example/send", voice_gateway_url="https://voice.example/call"
        )  # type: ignore[arg-type]
    )
    assert set(senders) == {"sms", "voice"} and all(isinstance(s, GatewaySender) for s in senders.values())
    outside = senders_from_settings(Settings(environment="development", data_dir=tmp_path))
    assert all(isinstance(s, FileSender) and s.outcome == "outboxed" for s in outside.values())


def test_a_channel_without_a_sender_fails_at_once_saying_which_setting(
    db: Database, session: Session, settings: Settings
) -> None:
    _red(session, settings)

    class Gateway:
        outcome = "sent"

        def send(self, _message: object) -> str | None:
            return "gw-1"

    sent = deliver_queued(db, {"sms": Gateway(), "voice": Gateway()}, T0, settings)
    assert sent == 4  # the SMS and voice call of each
    statuses = _statuses(session)
    assert statuses == {"inbox": {"sent"}, "sms": {"sent"}, "voice": {"sent"}, "webhook": {"failed"}}
    (robot,) = session.scalars(select(Delivery).where(Delivery.channel == "webhook"))
    assert robot.attempts == 1 and robot.error is not None and "GRIDGOV_WEBHOOK_URL" in robot.error


def test_a_drill_stays_inside_unless_asked(db: Database, session: Session, settings: Settings, tmp_path: Path) -> None:
    alert, _ = _red(session, settings, exercise=True)
    assert alert.title == "【演练】城西社区地质灾害红色预警" and alert.kind == "warning:exercise"
    outbox = {name: FileSender(tmp_path / f"{name}.jsonl") for name in ("sms", "voice", "webhook")}
    assert deliver_queued(db, outbox, T0, settings) == 0
    assert _statuses(session) == {
        "inbox": {"sent"},
        "sms": {"withheld"},
        "voice": {"withheld"},
        "webhook": {"withheld"},
    }
    assert not any(p.exists() for p in tmp_path.glob("*.jsonl")), "nothing written, nothing sent"
    item = session.scalars(select(InboxItem)).one()
    assert item.title.startswith("【演练】")


def test_a_drill_that_asks_goes_out_marked(db: Database, session: Session, settings: Settings, tmp_path: Path) -> None:
    _red(session, settings, exercise=True, external=True)
    sms = tmp_path / "sms.jsonl"
    deliver_queued(db, {"sms": FileSender(sms), "voice": FileSender(tmp_path / "voice.jsonl")}, T0, settings)
    texts = [json.loads(line)["text"] for line in sms.read_text("utf-8").splitlines()]
    assert len(texts) == 2 and all(t.startswith("【演练】【城西社区地质灾害红色预警】") for t in texts)
    assert _statuses(session)["sms"] == {"outboxed"}


def test_the_alert_api_shows_outboxed_and_withheld(
    db: Database, session: Session, settings: Settings, client: TestClient, tmp_path: Path
) -> None:
    alert, county = _red(session, settings, exercise=True)
    county_admin = user(session, county, "boss", Role.admin, COUNTY)
    session.commit()
    shown = client.get(f"/api/v1/alerts/{alert.id}", headers=county_admin).json()
    statuses = {d["channel"]: d["status"] for r in shown["recipients"] for d in r["deliveries"]}
    assert statuses == {"inbox": "sent", "sms": "withheld", "voice": "withheld", "webhook": "withheld"}
    assert shown["title"].startswith("【演练】")
