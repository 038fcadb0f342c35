"""The link in an earlier alert says what became of it: upgraded (a new alert was sent — answer that one),
lowered, or cleared — and leads to the alert now in force, never 「已解除」 for a warning that grew worse."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.config import Settings
from gridgov.i18n import LOCALE_COOKIE
from gridgov.notify.models import Alert
from gridgov.notify.service import Alerting, AlertRequest, Target, link_token
from gridgov.org.enums import Role
from tests.factories import COUNTY, FUCHUN, build_county, create_person

T0 = datetime(2026, 7, 20, 2, 0, tzinfo=UTC)
SUBJECT = "warning:7"


def _alert(alerting: Alerting, level: str, label: str, member_id: int) -> tuple[Alert, dict[str, int]]:
    alert = alerting.raise_alert(
        AlertRequest(
            kind="warning",
            subject=SUBJECT,
            level=level,
            title=f"城西社区地质灾害{label}预警",
            body="请组织巡查。",
            path=f"{COUNTY}/{FUCHUN}/",
            targets=[
                Target("网格员甲", "grid_member", 0, person_id=member_id),
                Target("受威胁户丁", "resident", 0, phone="10000000009"),
            ],
            link="/warnings/7",
        )
    )
    return alert, {r.name: r.id for r in alerting.repo.recipients(alert.id)}


def _link(client: TestClient, path: str) -> str:
    found = re.search(r'href="([^"]+)" data-testid="ack-current"', client.get(path).text)
    assert found, "no link to the current warning"
    return found.group(1)


def test_upgraded_lowered_and_cleared_each_say_so_and_lead_to_the_current_alert(
    client: TestClient, session: Session, settings: Settings
) -> None:
    county = build_county(session)
    member = create_person(session, county, [(Role.grid_member, f"{FUCHUN}001001")], name="网格员甲")
    alerting = Alerting(session, secret=settings.secret_key, public_url="http://gov.test", clock=lambda: T0)
    yellow, first = _alert(alerting, "yellow", "黄色", member.id)
    alerting.close(yellow)  # what the warning module does on an upgrade: close, then raise the new colour
    orange, second = _alert(alerting, "orange", "橙色", member.id)
    session.commit()

    old = f"/ack/{link_token(settings.secret_key, first['受威胁户丁'])}"
    page = client.get(old).text
    assert "该预警已升级为橙色预警（城西社区地质灾害橙色预警），新的通知已发出" in page
    assert "已解除" not in page and 'data-testid="ack-button"' not in page
    assert _link(client, old) == f"/ack/{link_token(settings.secret_key, second['受威胁户丁'])}"
    assert 'data-testid="ack-button"' in client.get(_link(client, old)).text, "the new alert can be answered"
    staff = f"/ack/{link_token(settings.secret_key, first['网格员甲'])}"
    assert _link(client, staff) == f"/ack/{link_token(settings.secret_key, second['网格员甲'])}"

    client.cookies.set(LOCALE_COOKIE, "en")
    assert "This warning was upgraded to Orange" in client.get(old).text
    client.cookies.delete(LOCALE_COOKIE)

    # the orange one is lowered back: the yellow link now says lowered, the orange link is answered as usual
    alerting.close(orange)
    _alert(alerting, "yellow", "黄色", member.id)
    session.commit()
    orange_link = f"/ack/{link_token(settings.secret_key, second['网格员甲'])}"
    assert "该预警已降为黄色预警" in client.get(orange_link).text

    # cleared: every alert about the subject closed
    current = alerting.repo.alert_for(SUBJECT)
    assert current is not None
    alerting.close(current)
    session.commit()
    for path in (old, orange_link):
        page = client.get(path).text
        assert "该预警已解除，无需再确认" in page and 'data-testid="ack-current"' not in page
