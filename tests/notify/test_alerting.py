"""叫应: an alert reaches its first tier, is answered by button, SMS reply or link, and the silent are
chased and the next tier brought in — each escalation step once, on an injected clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.config import Settings
from gridgov.db import Database
from gridgov.notify.channels import DeliveryError, FileSender, Message
from gridgov.notify.models import Alert, Delivery, InboxItem
from gridgov.notify.policy import LevelPolicy, PolicyStep, due_steps
from gridgov.notify.service import Alerting, AlertRequest, Target, link_token
from gridgov.notify.tasks import deliver_queued, escalate_alerts
from gridgov.org.enums import Role
from tests.factories import COUNTY, FUCHUN, County, build_county, create_person, user

T0 = datetime(2026, 7, 20, 2, 0, tzinfo=UTC)
SECRET = "test-secret"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    ticking = Clock()
    app.state.clock = ticking
    return ticking


def _raise(session: Session, clock: Clock, settings: Settings) -> tuple[Alert, dict[str, int], County]:
    county = build_county(session)
    grid = create_person(session, county, [(Role.grid_member, f"{FUCHUN}001001")], name="网格员甲")
    village = create_person(session, county, [(Role.village_cadre, f"{FUCHUN}001")], name="村干部乙")
    township = create_person(session, county, [(Role.township_operator, FUCHUN)], name="镇干部丙")
    alerting = Alerting(session, secret=settings.secret_key, public_url="http://gov.test", clock=clock)
    alert = alerting.raise_alert(
        AlertRequest(
            kind="warning",
            subject="warning:1",
            level="red",
            title="城西社区地质灾害红色预警",
            body="过去3小时降雨85毫米，请立即组织巡查和转移。",
            path=f"{COUNTY}/{FUCHUN}/",
            targets=[
                Target("网格员甲", "grid_member", 0, person_id=grid.id),
                Target("村干部乙", "village", 0, person_id=village.id),
                Target("受威胁户丁", "resident", 0, phone="10000000009"),
                Target("镇干部丙", "township", 1, person_id=township.id),
            ],
        )
    )
    session.commit()
    ids = {r.name: r.id for r in alerting.repo.recipients(alert.id)}
    return alert, ids, county


def test_first_tier_is_reached_on_every_channel_of_the_level(
    session: Session, clock: Clock, settings: Settings
) -> None:
    alert, ids, _ = _raise(session, clock, settings)
    deliveries = session.scalars(select(Delivery)).all()
    channels = {(d.recipient_id, d.channel) for d in deliveries}
    assert (ids["网格员甲"], "inbox") in channels and (ids["网格员甲"], "voice") in channels
    assert (ids["受威胁户丁"], "sms") in channels and (ids["受威胁户丁"], "inbox") not in channels
    assert not any(rid == ids["镇干部丙"] for rid, _ in channels), "tier 1 waits for escalation"
    item = session.scalars(select(InboxItem).where(InboxItem.title == alert.title)).first()
    assert item is not None and item.link is not None and item.link.startswith("/ack/")


def test_answers_by_button_reply_code_and_link(
    session: Session, client: TestClient, clock: Clock, settings: Settings, app: FastAPI
) -> None:
    alert, ids, county = _raise(session, clock, settings)
    gateway = user(session, county, "sms-gateway", Role.sms_gateway, COUNTY)
    session.commit()
    clock.now = T0 + timedelta(minutes=2)
    reply = client.post(
        "/api/v1/notify/sms-replies", json={"from": "10000000009", "text": f"收到 {alert.reply_code}"}, headers=gateway
    )
    assert reply.status_code == 200 and reply.json() == {"acknowledged": 1, "ignored": []}

    token = link_token(settings.secret_key, ids["村干部乙"])
    page = client.get(f"/ack/{token}")
    assert page.status_code == 200 and "收到，我已知晓" in page.text and alert.reply_code in page.text
    confirmed = client.post(f"/ack/{token}")
    assert confirmed.status_code == 200 and "已确认收到" in confirmed.text
    assert client.get(f"/ack/{ids['村干部乙']}.forged").status_code == 404

    admin = user(session, county, "boss", Role.admin, COUNTY)
    session.commit()
    status = client.get(f"/api/v1/alerts/{alert.id}", headers=admin).json()
    answered = {r["name"]: r["ack_via"] for r in status["recipients"]}
    assert answered == {"网格员甲": None, "村干部乙": "link", "受威胁户丁": "sms", "镇干部丙": None}
    assert status["tiers"][0] == {"tier": 0, "reached": 3, "answered": 2, "answered_in_time": 2, "waiting": 1}


def test_red_escalates_once_after_five_minutes_and_retrigger_restarts(
    db: Database, session: Session, clock: Clock, settings: Settings
) -> None:
    alert, ids, _ = _raise(session, clock, settings)
    assert escalate_alerts(db, T0 + timedelta(minutes=4, seconds=59), settings) == 0
    assert escalate_alerts(db, T0 + timedelta(minutes=5), settings) == 1
    assert escalate_alerts(db, T0 + timedelta(minutes=6), settings) == 0, "each step fires once"
    session.expire_all()
    township = session.scalars(select(Delivery).where(Delivery.recipient_id == ids["镇干部丙"])).all()
    assert {d.channel for d in township} >= {"inbox", "sms", "voice"}, "the next tier up is brought in"
    voice_again = session.scalars(
        select(Delivery).where(Delivery.recipient_id == ids["网格员甲"], Delivery.channel == "voice")
    ).all()
    assert len(voice_again) == 2, "the silent grid member is called again"

    Alerting(session, secret=settings.secret_key, public_url="", clock=lambda: T0 + timedelta(minutes=20)).retrigger(
        session.get_one(Alert, alert.id), title="城西社区地质灾害红色预警(更新)"
    )
    session.commit()
    assert escalate_alerts(db, T0 + timedelta(minutes=24), settings) == 0
    assert escalate_alerts(db, T0 + timedelta(minutes=25), settings) == 1, "a re-trigger restarts the policy"


def test_worker_sends_through_channels_retries_then_fails(
    db: Database, session: Session, clock: Clock, settings: Settings, tmp_path: Path
) -> None:
    _raise(session, clock, settings)

    class Down:
        outcome = "sent"

        def send(self, message: Message) -> str | None:
            raise DeliveryError("gateway down")

    outbox = tmp_path / "sms.jsonl"
    senders = {"sms": FileSender(outbox), "voice": Down(), "webhook": FileSender(tmp_path / "robot.jsonl")}
    sent = deliver_queued(db, senders, T0, settings)
    lines = [json.loads(line) for line in outbox.read_text("utf-8").splitlines()]
    assert sent == len(lines) + 2 and all("请回复" in line["text"] and "/ack/" in line["text"] for line in lines)
    session.expire_all()
    written = session.scalars(select(Delivery).where(Delivery.channel.in_(["sms", "webhook"]))).all()
    assert written and {d.status for d in written} == {"outboxed"}, "a line in a local file is not a sent SMS"
    for minute in (1, 2):
        deliver_queued(db, senders, T0 + timedelta(minutes=minute), settings)
    session.expire_all()
    voice = session.scalars(select(Delivery).where(Delivery.channel == "voice")).all()
    assert voice and all(d.status == "failed" and d.attempts == 3 and d.error == "gateway down" for d in voice)


@given(
    offsets=st.lists(st.integers(1, 120), min_size=1, max_size=5, unique=True).map(sorted),
    checks=st.lists(st.integers(0, 200), min_size=1, max_size=20).map(sorted),
)
def test_each_step_fires_once_and_in_order(offsets: list[int], checks: list[int]) -> None:
    policy = LevelPolicy(channels=["inbox"], steps=[PolicyStep(after_minutes=m) for m in offsets])
    fired: list[int] = []
    for minute in checks:
        fired += due_steps(policy, T0, T0 + timedelta(minutes=minute), fired)
    assert fired == sorted(set(fired)) == [i for i, m in enumerate(offsets) if m <= checks[-1]]
