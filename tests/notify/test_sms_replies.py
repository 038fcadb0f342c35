"""SMS replies (短信回复叫应): only the SMS gateway's own account may post them, and a reply answers only an alert
that reached the phone it came from, within the gateway's area. Everything a reply did not answer is said in
the answer and kept in the audit log with its reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.audit.models import AuditLog
from gridgov.config import Settings
from gridgov.notify.models import Alert, AlertRecipient, Delivery
from gridgov.notify.service import Alerting, AlertRequest, Target, normalise_phone
from gridgov.org.enums import Role
from tests.factories import COUNTY, FUCHUN, WANSHI, County, build_county, user

T0 = datetime(2026, 7, 20, 2, 0, tzinfo=UTC)
REPLIES = "/api/v1/notify/sms-replies"


def _orange(session: Session, settings: Settings, county: County, code: str, phone: str, path: str) -> Alert:
    alerting = Alerting(session, secret=settings.secret_key, public_url="http://gov.test", clock=lambda: T0)
    alert = alerting.raise_alert(
        AlertRequest(
            kind="warning",
            subject=f"warning:{code}",
            level="orange",
            title=f"{code}地质灾害橙色预警",
            body="请做好转移准备。",
            path=path,
            targets=[Target(f"干部{code}", "village", 0, phone=phone)],
        )
    )
    session.flush()
    return alert


@pytest.fixture
def county(session: Session) -> County:
    return build_county(session)


def _recipient(session: Session, alert: Alert) -> AlertRecipient:
    return session.scalars(select(AlertRecipient).where(AlertRecipient.alert_id == alert.id)).one()


def _ignored_audit(session: Session) -> list[tuple[str | None, str]]:
    rows = session.scalars(select(AuditLog).where(AuditLog.action == "sms_reply_ignored").order_by(AuditLog.id))
    return [(row.entity_id, (row.after or {})["reason"]) for row in rows]


def test_only_the_sms_gateway_may_post_replies(
    session: Session, client: TestClient, settings: Settings, county: County
) -> None:
    """The hole: a 万市镇 sensor gateway (api_client) answered a 富春街道 cadre's orange warning."""
    fuchun = _orange(session, settings, county, "城西", "13900000001", f"{COUNTY}/{FUCHUN}/")
    sensor_gateway = user(session, county, "wanshi-gauges", Role.api_client, WANSHI)
    admin = user(session, county, "boss", Role.admin, COUNTY)
    sms_gateway = user(session, county, "sms-gateway", Role.sms_gateway, COUNTY)
    session.commit()
    reply = {"from": "13900000001", "text": f"收到 {fuchun.reply_code}"}
    for headers in (sensor_gateway, admin):
        refused = client.post(REPLIES, json=reply, headers=headers)
        assert refused.status_code == 403 and "notify:sms_reply" in refused.json()["detail"][0]["msg"]
    session.expire_all()
    assert _recipient(session, fuchun).acked_at is None, "the voice call-back still comes"

    answered = client.post(REPLIES, json=reply, headers=sms_gateway)
    assert answered.json() == {"acknowledged": 1, "ignored": []}
    session.expire_all()
    assert _recipient(session, fuchun).ack_via == "sms"


def test_a_township_sms_gateway_answers_only_its_townships_alerts(
    session: Session, client: TestClient, settings: Settings, county: County
) -> None:
    fuchun = _orange(session, settings, county, "城西", "13900000001", f"{COUNTY}/{FUCHUN}/")
    wanshi = _orange(session, settings, county, "万市", "13900000002", f"{COUNTY}/{WANSHI}/")
    wanshi_sms = user(session, county, "wanshi-sms", Role.sms_gateway, WANSHI)
    session.commit()
    out = client.post(REPLIES, json={"from": "13900000001", "text": "收到"}, headers=wanshi_sms).json()
    assert out == {"acknowledged": 0, "ignored": [{"alert_id": fuchun.id, "reason": "out_of_scope"}]}
    own = client.post(REPLIES, json={"from": "13900000002", "text": "收到"}, headers=wanshi_sms).json()
    assert own["acknowledged"] == 1
    session.expire_all()
    assert _recipient(session, fuchun).acked_at is None and _recipient(session, wanshi).acked_at is not None
    assert (str(fuchun.id), "out_of_scope") in _ignored_audit(session)


def test_a_reply_answers_only_what_reached_its_phone(
    session: Session, client: TestClient, settings: Settings, county: County
) -> None:
    mine = _orange(session, settings, county, "城西", "13900000001", f"{COUNTY}/{FUCHUN}/")
    theirs = _orange(session, settings, county, "春晖", "13900000002", f"{COUNTY}/{FUCHUN}/")
    gateway = user(session, county, "sms-gateway", Role.sms_gateway, COUNTY)
    session.commit()
    if mine.reply_code == theirs.reply_code:  # 1 in 9,000: keep the codes apart
        theirs.reply_code = f"{(int(mine.reply_code) - 999) % 9000 + 1000}"
        session.commit()

    # someone else's code from my phone answers neither alert (not even my own: a wrong code is no answer)
    other_code = client.post(REPLIES, json={"from": "13900000001", "text": f"收到{theirs.reply_code}"}, headers=gateway)
    not_mine = [{"alert_id": theirs.id, "reason": "not_for_this_phone"}]
    assert other_code.json() == {"acknowledged": 0, "ignored": not_mine}
    # the gateway's reference of someone else's SMS, likewise
    their_sms = session.scalars(
        select(Delivery).where(Delivery.recipient_id == _recipient(session, theirs).id, Delivery.channel == "sms")
    ).one()
    other_reference = client.post(
        REPLIES, json={"from": "13900000001", "text": "收到", "reference": f"d-{their_sms.id}"}, headers=gateway
    )
    assert other_reference.json()["ignored"] == not_mine
    session.expire_all()
    assert _recipient(session, mine).acked_at is None and _recipient(session, theirs).acked_at is None

    # my own code, from my phone written the international way: answered once
    own = client.post(REPLIES, json={"from": "+86 139-0000-0001", "text": f"{mine.reply_code} 收到"}, headers=gateway)
    assert own.json() == {"acknowledged": 1, "ignored": []}
    again = client.post(REPLIES, json={"from": "13900000001", "text": f"收到{mine.reply_code}"}, headers=gateway)
    assert again.json() == {"acknowledged": 0, "ignored": [{"alert_id": mine.id, "reason": "already_answered"}]}
    nothing = client.post(REPLIES, json={"from": "13900000009", "text": "收到"}, headers=gateway)
    assert nothing.json() == {"acknowledged": 0, "ignored": [{"alert_id": None, "reason": "nothing_open"}]}

    session.expire_all()
    assert _recipient(session, mine).ack_via == "sms" and _recipient(session, theirs).acked_at is None
    assert _ignored_audit(session) == [
        (str(theirs.id), "not_for_this_phone"),
        (str(theirs.id), "not_for_this_phone"),
        (str(mine.id), "already_answered"),
        (None, "nothing_open"),
    ]
    logged = session.scalars(select(AuditLog).where(AuditLog.action == "sms_reply_ignored")).first()
    assert logged is not None and logged.after is not None and "13900000001" not in str(logged.after), "phone masked"


def test_phone_numbers_compare_as_stored() -> None:
    assert {normalise_phone(p) for p in ("13900000001", "+86 139 0000 0001", "0086-139-0000-0001")} == {"13900000001"}
    assert normalise_phone("8613900000001") == "13900000001" and normalise_phone("571-8888") == "5718888"
