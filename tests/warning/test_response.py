"""A warning reaches the right people at the right tier, opens patrol cases from orange up, and the
completion view adds up what happened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.case.models import Case
from gridgov.case.schemas import CaseAction
from gridgov.case.service import CaseService
from gridgov.case.workflow import Action
from gridgov.configdata.service import load_document
from gridgov.kit.principal import system_principal
from gridgov.notify.models import Alert
from gridgov.notify.service import Alerting
from gridgov.org.enums import Role
from gridgov.warning.enums import Colour, ResponsibleLevel
from gridgov.warning.models import Household, RiskZone, ZonePerson
from gridgov.warning.response import REACH, WarningResponse, tiers_for
from gridgov.warning.service import WarningService
from tests.factories import COUNTY, FUCHUN, build_county, create_person
from tests.warning.factories import create_zone

NOW = datetime(2026, 7, 20, 6, 0, tzinfo=UTC)
VILLAGE = f"{FUCHUN}001"


def _zone_with_people(session: Session) -> RiskZone:
    county = build_county(session)
    zone = create_zone(session, lon=119.92, lat=30.02)
    people = {
        ResponsibleLevel.monitor: create_person(session, county, [(Role.grid_member, f"{VILLAGE}001")], name="群测员"),
        ResponsibleLevel.grid: create_person(session, county, [(Role.grid_member, f"{VILLAGE}001")], name="网格员"),
        ResponsibleLevel.village: create_person(session, county, [(Role.village_cadre, VILLAGE)], name="村书记"),
        ResponsibleLevel.township: create_person(session, county, [(Role.leader, FUCHUN)], name="镇长"),
        ResponsibleLevel.district: create_person(session, county, [(Role.leader, COUNTY)], name="区长"),
    }
    for level, person in people.items():
        session.add(ZonePerson(zone_id=zone.id, person_id=person.id, level=level.value))
    session.add(Household(zone_id=zone.id, head_name="住户甲", people=3, phone="10000000101", synthetic=True))
    session.add(Household(zone_id=zone.id, head_name="住户乙", people=2, phone=None, synthetic=True))
    session.flush()
    return zone


def _response(session: Session, now: datetime = NOW) -> WarningResponse:
    alerting = Alerting(session, secret="s", public_url="http://gov.test", clock=lambda: now)
    return WarningResponse(session, alerting, CaseService(session, clock=lambda: now), f"{COUNTY}/")


def _tiers(session: Session, alert: Alert) -> dict[str, tuple[str, int]]:
    return {r.name: (r.role, r.tier) for r in Alerting(session, secret="s", public_url="").repo.recipients(alert.id)}


def test_levels_above_the_colour_come_in_one_tier_at_a_time(session: Session) -> None:
    policy = load_document(session, REACH)
    assert tiers_for(Colour.yellow, policy) == {"monitor": 0, "grid": 0, "village": 0, "township": 1, "district": 2}
    red = tiers_for(Colour.red, policy)
    assert set(red.values()) == {0} and "residents" in red


def test_red_reaches_everyone_at_once_and_opens_a_patrol_case(session: Session) -> None:
    zone = _zone_with_people(session)
    changes = WarningService(session).apply(zone, 4, None, NOW)
    response = _response(session)
    response.handle(changes)
    alert = session.scalars(select(Alert).where(Alert.subject == f"warning:{changes[0].warning_id}")).one()
    assert alert.level == "red" and "红色预警" in alert.title
    tiers = _tiers(session, alert)
    assert tiers["住户甲"] == ("residents", 0) and "住户乙" not in tiers, "residents are reached by phone"
    assert {tier for _role, tier in tiers.values()} == {0}
    patrol = session.scalars(select(Case).where(Case.source == f"warning:{changes[0].warning_id}")).one()
    assert patrol.category_code == "0801" and patrol.severity == 3 and zone.code in patrol.description
    response.handle(changes)  # the same change again opens nothing new
    assert len(session.scalars(select(Case).where(Case.source == patrol.source)).all()) == 1


def test_yellow_keeps_township_and_district_for_escalation_and_opens_no_patrol(session: Session) -> None:
    zone = _zone_with_people(session)
    changes = WarningService(session).apply(zone, 2, None, NOW)
    _response(session).handle(changes)
    alert = session.scalars(select(Alert)).one()
    tiers = _tiers(session, alert)
    assert tiers == {
        "群测员": ("monitor", 0),
        "网格员": ("grid", 0),
        "村书记": ("village", 0),
        "镇长": ("township", 1),
        "区长": ("district", 2),
    }
    assert session.scalars(select(Case)).first() is None


def test_upgrade_replaces_the_alert_cancel_closes_it_and_completion_adds_up(session: Session) -> None:
    zone = _zone_with_people(session)
    service = WarningService(session)
    first = service.apply(zone, 2, None, NOW)
    _response(session).handle(first)
    later = NOW + timedelta(minutes=30)
    upgrade = service.apply(zone, 4, None, later)
    response = _response(session, later)
    response.handle(upgrade)
    alerts = session.scalars(select(Alert).order_by(Alert.id)).all()
    assert [a.level for a in alerts] == ["yellow", "red"] and alerts[0].closed_at is not None

    grid = next(r for r in response.alerting.repo.recipients(alerts[1].id) if r.name == "网格员")
    response.alerting.acknowledge(grid, "app")
    case = session.scalars(select(Case).where(Case.source == f"warning:{upgrade[0].warning_id}")).one()
    village = system_principal("村巡查员", f"{COUNTY}/", frozenset(r.value for r in Role))
    cases = CaseService(session, clock=lambda: later)
    for action in (Action.file, Action.dispatch, Action.accept):
        cases.act(village, case.number, CaseAction(action=action))
    checked_in = CaseAction(action=Action.feedback, comment="已巡查，未见异常", lon=119.92, lat=30.02)
    cases.act(village, case.number, checked_in)

    (view,) = response.completion([upgrade[0].warning_id], timedelta(minutes=5))
    assert view.patrolled and view.patrol_case == case.number and view.colour == "red"
    assert view.residents_notified == 1 and view.answered == 1 and view.answered_in_time == 1
    assert "网格员" not in view.waiting and "村书记" in view.waiting

    for quiet in (timedelta(hours=3), timedelta(hours=5, minutes=1)):  # all clear after two quiet hours
        response.handle(service.apply(zone, 0, None, later + quiet))
    assert all(a.closed_at is not None for a in session.scalars(select(Alert)))
