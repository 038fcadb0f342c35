"""Through the API: a grid member's due list, a check whose veto finding opens a case at the township emergency
centre and whose ordinary finding opens one at the village, the re-check that closes them, coverage figures."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.case.models import Case
from gridgov.evaluation.documents import Level
from gridgov.evaluation.periods import Period
from gridgov.evaluation.providers import Part
from gridgov.inspection.indicators import PROVIDER
from gridgov.kit.time import utcnow
from gridgov.org.enums import Role
from tests.factories import COUNTY, FUCHUN, WANSHI, bearer, build_county, create_account, create_person, user
from tests.inspection.factories import GRID, VILLAGE, add_place, emergency_centre

GOOD = {
    "mixed_use": "no",
    "ebike_indoor": "no",
    "second_exit": "yes",
    "extinguisher": "yes",
    "smoke_alarm": "yes",
    "wiring": "规范",
    "tenants": 3,
}


def test_due_list_check_findings_recheck_and_coverage(client: TestClient, session: Session) -> None:
    county = build_county(session)
    emergency_centre(session, county)
    member = create_person(session, county, [(Role.grid_member, GRID)], grids=[GRID], name="网格员甲")
    headers = bearer(session, create_account(session, member, "gridder"))
    a = add_place(session, "P-A", "rental_housing", 119.91, 30.01)
    b = add_place(session, "P-B", "rental_housing", 119.92, 30.02)
    add_place(session, "P-C", "small_enterprise", 119.93, 30.03)
    add_place(session, "P-N", "rental_housing", 119.91, 30.08)  # the north grid: not this member's
    add_place(session, "P-W", "rental_housing", 120.05, 30.02)  # 万市镇
    admin = user(session, county, "admin", Role.admin, COUNTY)
    fuchun = user(session, county, "fuchun", Role.township_operator, FUCHUN)
    session.commit()

    due = client.get("/api/v1/inspections/due", headers=headers)
    assert due.status_code == 200, due.text
    assert [d["code"] for d in due.json()] == ["P-A", "P-B", "P-C"]

    bad = client.post(
        "/api/v1/inspections/checks", headers=headers, json={"place_id": a.id, "answers": {**GOOD, "wiring": "坏"}}
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "answers.wiring"]

    answers = {**GOOD, "mixed_use": "yes", "extinguisher": "no"}
    made = client.post(
        "/api/v1/inspections/checks",
        headers=headers,
        json={"place_id": a.id, "answers": answers, "photos": ["p1.jpg"], "client_id": "phone-1"},
    )
    assert made.status_code == 201, made.text
    grades = {f["grade"]: f for f in made.json()["findings"]}
    assert set(grades) == {"veto", "ordinary"}
    veto = session.scalars(select(Case).where(Case.number == grades["veto"]["case_number"])).one()
    ordinary = session.scalars(select(Case).where(Case.number == grades["ordinary"]["case_number"])).one()
    assert (veto.category_code, veto.tier, veto.owner_code) == ("0302", "township", FUCHUN)
    assert veto.unit_id is not None, "the township emergency centre (YJZX) handles it"
    assert (ordinary.category_code, ordinary.tier, ordinary.owner_code) == ("0301", "village", VILLAGE)
    assert grades["ordinary"]["deadline_at"] is not None

    again = client.post(
        "/api/v1/inspections/checks",
        headers=headers,
        json={"place_id": a.id, "answers": answers, "photos": ["p1.jpg"], "client_id": "phone-1"},
    )
    assert again.json()["id"] == made.json()["id"], "a queued check sent twice is recorded once"
    detail = client.get(f"/api/v1/inspections/places/{a.id}", headers=headers).json()
    assert detail["veto_open"] is True and len(detail["checks"]) == 1
    assert [d["code"] for d in client.get("/api/v1/inspections/due", headers=headers).json()] == ["P-B", "P-C"]

    assert (
        client.post("/api/v1/inspections/checks", headers=headers, json={"place_id": b.id, "answers": GOOD}).status_code
        == 201
    )
    cover = client.get("/api/v1/inspections/coverage", params={"level": "village"}, headers=fuchun).json()
    cx = next(x for x in cover["areas"] if x["code"] == VILLAGE)
    assert (cx["checked"], cx["places"], cx["found"], cx["rectified"]) == (2, 4, 2, 0)
    assert WANSHI not in str(cover)
    grid = client.get("/api/v1/inspections/coverage", params={"level": "grid"}, headers=admin).json()
    assert {x["code"]: (x["checked"], x["places"]) for x in grid["areas"]}[GRID] == (2, 3)

    recheck = client.post("/api/v1/inspections/checks", headers=headers, json={"place_id": a.id, "answers": GOOD})
    assert recheck.status_code == 201 and recheck.json()["kind"] == "recheck"
    assert len(recheck.json()["rectified"]) == 2 and recheck.json()["findings"] == []
    session.expire_all()
    assert {session.get_one(Case, veto.id).state, session.get_one(Case, ordinary.id).state} == {"closed"}
    assert client.get(f"/api/v1/inspections/places/{a.id}", headers=headers).json()["veto_open"] is False
    cover = client.get("/api/v1/inspections/coverage", params={"level": "township"}, headers=fuchun).json()
    assert cover["areas"][0]["rectified"] == 2 and cover["areas"][0]["on_time"] == 2

    month = Period.month_of(utcnow())
    figures = PROVIDER.figures(session, month, Level.village, None)
    assert figures["inspection.coverage_rate"][VILLAGE] == Part(2, 4)
    assert figures["inspection.rectification_rate"][VILLAGE] == Part(2, 2)
    assert figures["inspection.on_time_rate"][VILLAGE] == Part(2, 2)
    records, total = PROVIDER.records(
        session, month, "inspection.coverage_rate", county[VILLAGE].path, "numerator", 10, 0
    )
    assert total == 2 and records[0].label.startswith("场所P-A")

    outside = client.get(
        f"/api/v1/inspections/places/{a.id}", headers=user(session, county, "ws", Role.township_operator, WANSHI)
    )
    assert outside.status_code == 404
