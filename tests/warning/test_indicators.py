"""The warning module's indicators in the evaluation: 叫应及时率 and 巡查完成率 per township and village, ranked
and drilled like the case indicators, and usable in a scoring scheme."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.case.models import Case
from gridgov.evaluation.documents import Level
from gridgov.evaluation.periods import Period
from gridgov.evaluation.providers import Indicators
from gridgov.evaluation.scoring import Scheme, score
from gridgov.evaluation.service import EvaluationService
from gridgov.notify.models import Alert
from gridgov.org.enums import Role
from gridgov.org.models import OrgNode
from gridgov.warning.indicators import ACK, PATROL, PROVIDER
from gridgov.warning.service import WarningService
from tests.factories import COUNTY, FUCHUN, WANSHI, County, user
from tests.warning.test_response import NOW, VILLAGE, _response, _zone_with_people


def _red_warning_answered_by_two(session: Session) -> int:
    """A red warning reaching six people; the grid member answers at once, the village cadre after ten minutes."""
    zone = _zone_with_people(session)
    changes = WarningService(session).apply(zone, 4, None, NOW)
    response = _response(session)
    response.handle(changes)
    alert = session.scalars(select(Alert)).one()
    recipients = {r.name: r for r in response.alerting.repo.recipients(alert.id)}
    response.alerting.acknowledge(recipients["网格员"], "app")
    late = _response(session, NOW + timedelta(minutes=10))
    late.alerting.acknowledge(recipients["村书记"], "app")
    session.flush()
    return len([r for r in recipients.values() if r.notified_at is not None])


def test_answered_in_time_and_patrols_per_area(session: Session) -> None:
    reached = _red_warning_answered_by_two(session)
    assert reached >= 5
    service = EvaluationService(session, clock=lambda: NOW, indicators=Indicators([PROVIDER]))
    month = Period.month_of(NOW)

    definition, rows = service.indicator_ranking(ACK.key, month, Level.township, None)
    assert definition.label == "叫应及时率"
    (fuchun,) = rows
    assert fuchun.key == FUCHUN and fuchun.name == "富春街道"
    assert (fuchun.part.numerator, fuchun.part.denominator) == (1, reached)  # the late answer does not count

    _d, villages = service.indicator_ranking(ACK.key, month, Level.village, None)
    assert [v.key for v in villages] == [VILLAGE]

    _d, patrols = service.indicator_ranking(PATROL.key, month, Level.township, None)
    assert (patrols[0].part.numerator, patrols[0].part.denominator) == (0, 1)  # opened, not yet closed

    _d, records, total = service.indicator_records(
        PATROL.key, month, Level.township, FUCHUN, "denominator", None, 10, 0
    )
    number = session.scalars(select(Case.number)).one()
    assert total == 1 and records[0].label == number and records[0].href == f"/cases/{number}"


def test_out_of_scope_and_other_months_see_nothing(session: Session) -> None:
    _red_warning_answered_by_two(session)
    service = EvaluationService(session, clock=lambda: NOW, indicators=Indicators([PROVIDER]))
    _d, rows = service.indicator_ranking(ACK.key, Period.month_of(NOW), Level.township, ("330111/330111100/",))
    assert rows == []
    _d, rows = service.indicator_ranking(ACK.key, Period.month_of(NOW).previous(), Level.township, None)
    assert rows == []


def test_a_scheme_can_weigh_a_module_indicator(session: Session) -> None:
    reached = _red_warning_answered_by_two(session)
    scheme = Scheme.model_validate(
        {"name": "叫应", "max_points": 100, "items": [{"kind": "rate", "rate": ACK.key, "weight": 100}]}
    )
    service = EvaluationService(session, clock=lambda: NOW, indicators=Indicators([PROVIDER]))
    provided = service.provided_rates(scheme, Period.month_of(NOW), Level.township)
    result = score(scheme, provided[FUCHUN], counts=None)  # type: ignore[arg-type]  # rate items need no counts
    assert round(result.total, 4) == round(100 / reached, 4)
    # no figure: as for an empty denominator, the item's when_empty decides (full by default)
    assert score(scheme, {}, counts=None).total == 100  # type: ignore[arg-type]
    strict = scheme.model_copy(update={"items": [scheme.items[0].model_copy(update={"when_empty": "zero"})]})
    assert score(strict, {}, counts=None).total == 0  # type: ignore[arg-type]


def _warning_tile(client: TestClient, headers: dict[str, str]) -> dict[str, object]:
    """The warning module's tile among every enabled module's (carbon adds its own)."""
    tiles = client.get("/api/v1/evaluation/cockpit", headers=headers).json()["tiles"]
    return next(t for t in tiles if t["key"] == "warning.cockpit.active")


def test_the_cockpit_shows_active_warnings_as_the_module_counts_them(client: TestClient, session: Session) -> None:
    zone = _zone_with_people(session)
    WarningService(session).apply(zone, 4, None, NOW)
    county = County(nodes={n.code: n for n in session.scalars(select(OrgNode))}, units={})
    admin = user(session, county, "admin", Role.admin, COUNTY)
    operator = user(session, county, "wanshi", Role.township_operator, WANSHI)
    session.commit()
    tile = _warning_tile(client, admin)
    assert tile == {"key": "warning.cockpit.active", "label": "生效预警", "total": 1, "parts": [["红色", 1]]}
    client.cookies.set("gridgov_lang", "en")
    english = _warning_tile(client, admin)
    client.cookies.delete("gridgov_lang")
    assert english["label"] == "Active warnings" and english["parts"] == [["Red", 1]]
    other = _warning_tile(client, operator)
    assert other["total"] == 0 and other["parts"] == []  # 万市镇 sees its own area only
    page = client.get("/cockpit", headers=admin)
    assert 'data-tile="warning.cockpit.active"' in page.text and "红色 1" in page.text
