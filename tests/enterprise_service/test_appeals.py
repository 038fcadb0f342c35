"""Appeals through the API: colour on intake by the rules, level and time limit by colour, recolouring with a
reason, escalation by the core sweep, return visits that close or reopen, and the enterprise account's view."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.case.models import Case
from gridgov.case.schemas import CaseAction
from gridgov.case.service import CaseService
from gridgov.case.tasks import sweep
from gridgov.case.workflow import Action
from gridgov.db import Database
from gridgov.kit.principal import system_principal
from gridgov.kit.time import utcnow
from tests.enterprise_service.conftest import World

URL = "/api/v1/enterprises/appeals"


def _new(client: TestClient, headers: dict[str, str], enterprise_id: int, **fields: object) -> dict[str, object]:
    body = {"enterprise_id": enterprise_id, "category": "power", "title": "供电诉求", "description": "需要协调"}
    response = client.post(URL, json=body | fields, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _handle(session: Session, number: str) -> None:
    """Dispatcher files and dispatches, the unit accepts and reports back (the system acts for both)."""
    county = system_principal("调度", "330111/", frozenset({"county_dispatcher", "department_handler"}))
    cases = CaseService(session)
    case = session.query(Case).filter_by(number=number).one()
    for action in (Action.file, Action.dispatch, Action.accept, Action.feedback):
        who = county
        if action in (Action.accept, Action.feedback) and case.unit_id:
            who = system_principal("单位", "330111/", frozenset({"department_handler"}))
            who = type(who)(**{**who.__dict__, "unit_ids": frozenset({case.unit_id})})
        cases.act(who, number, CaseAction(action=action, comment="ok"))
    session.commit()


def test_colour_level_and_limit_follow_the_rules(es_client: TestClient, world: World) -> None:
    red = _new(es_client, world.grid, world.fuchun_co.id, impact=3)
    assert (red["colour"], red["tier"], red["channel"]) == ("red", "county", "visit")
    assert str(red["level"]).startswith("县领导") and red["time_limit"] == "4工作时"
    yellow = _new(es_client, world.grid, world.fuchun_co.id, impact=1, shared=3)
    assert (yellow["colour"], yellow["tier"]) == ("yellow", "county")
    green = _new(es_client, world.grid, world.fuchun_co.id)
    assert (green["colour"], green["tier"], green["time_limit"]) == ("green", "township", "1工作日")
    bad = es_client.post(URL, json={"enterprise_id": world.fuchun_co.id, "category": "nope", "title": "xx",
                                    "description": "xx"}, headers=world.grid)  # fmt: skip
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "category"]


def test_recolour_needs_a_reason_and_moves_the_case(es_client: TestClient, world: World) -> None:
    green = _new(es_client, world.grid, world.fuchun_co.id)
    url = f"{URL}/{green['id']}/colour"
    assert es_client.post(url, json={"colour": "red", "reason": ""}, headers=world.fuchun).status_code == 422
    assert es_client.post(url, json={"colour": "red", "reason": "停产"}, headers=world.grid).status_code == 403
    moved = es_client.post(url, json={"colour": "red", "reason": "企业已停产"}, headers=world.fuchun)
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert (body["colour"], body["tier"], body["state"]) == ("red", "county", "reported")
    assert [(c["from_colour"], c["to_colour"]) for c in body["colour_changes"]] == [(None, "green"), ("green", "red")]
    assert any("企业已停产" in e["comment"] for e in body["events"])


def test_overdue_red_appeal_is_escalated_once_by_the_core_sweep(
    es_client: TestClient, world: World, db: Database
) -> None:
    red = _new(es_client, world.grid, world.fuchun_co.id, impact=3)
    later = utcnow() + timedelta(days=10)
    assert sweep(db, later) >= 1
    assert sweep(db, later + timedelta(hours=1)) == 0  # each deadline fires once
    body = es_client.get(f"{URL}/{red['id']}", headers=world.admin).json()
    assert body["escalations"] == 1 and any(e["action"] == "escalate" for e in body["events"])


def test_return_visit_closes_or_reopens(es_client: TestClient, world: World, session: Session) -> None:
    happy = _new(es_client, world.grid, world.fuchun_co.id)
    unhappy = _new(es_client, world.grid, world.fuchun_co.id, impact=2)
    early = es_client.post(f"{URL}/{happy['id']}/return-visit", json={"satisfaction": 5}, headers=world.grid)
    assert early.status_code == 409
    _handle(session, str(happy["case_number"]))
    _handle(session, str(unhappy["case_number"]))
    closed = es_client.post(f"{URL}/{happy['id']}/return-visit", json={"satisfaction": 5, "notes": "满意"},
                            headers=world.grid).json()  # fmt: skip
    assert (closed["state"], closed["satisfied"]) == ("closed", True)
    assert closed["visits"][0]["satisfaction"] == 5
    back = es_client.post(f"{URL}/{unhappy['id']}/return-visit", json={"satisfaction": 2}, headers=world.grid).json()
    assert (back["state"], back["satisfied"]) == ("handling", False)
    again = es_client.post(f"{URL}/{happy['id']}/return-visit", json={"satisfaction": 1}, headers=world.grid).json()
    assert (again["state"], again["satisfied"]) == ("filed", False)  # closed, then reopened


def test_enterprise_account_sees_and_submits_only_its_own(es_client: TestClient, world: World) -> None:
    mine = _new(es_client, world.company, world.fuchun_co.id, category="finance", title="贷款贴息")
    assert mine["channel"] == "enterprise"
    theirs = _new(es_client, world.grid, world.other_co.id)
    listed = es_client.get(URL, headers=world.company).json()
    assert [a["id"] for a in listed["items"]] == [mine["id"]]
    assert es_client.get(f"{URL}/{theirs['id']}", headers=world.company).status_code == 404
    refused = es_client.post(URL, json={"enterprise_id": world.other_co.id, "category": "power", "title": "xx",
                                        "description": "xx"}, headers=world.company)  # fmt: skip
    assert refused.status_code == 404
    assert es_client.get(f"{URL}/{theirs['id']}", headers=world.wanshi).status_code == 404
    assert es_client.get("/api/v1/enterprises/per-mu", headers=world.company).status_code == 403
