"""Scope of every village route: a township operator of 富春 reaches nothing of 万市, and a resident reaches
nothing of another resident's (nor another village's). ``CHECKS`` counts in the route-enumeration test
(tests/auth/test_scope.py)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.kit.time import utcnow
from gridgov.org.enums import Role
from gridgov.village.models import Collective, Indicator, Project, ProjectYear, Score, Shareholding
from gridgov.village.services_assessment import install_set
from gridgov.village.services_residents import ResidentServices
from tests.factories import COUNTY, FUCHUN, WANSHI, build_county, user
from tests.village.factories import CHENGXI, WANSHI_PATH, WANSHI_VILLAGE, place, resident, staff
from tests.village.test_assessment import SPEC

V = "/api/v1/village"


@dataclass
class World:
    client: TestClient
    ops: dict[str, str]
    me: dict[str, str]
    ids: dict[str, int] = field(default_factory=dict)

    def call(self, method: str, url: str, headers: dict[str, str] | None = None, **kwargs: object) -> Response:
        return self.client.request(method, url, headers=headers or self.ops, **kwargs)  # type: ignore[arg-type]


def _denied(response: Response) -> None:
    assert response.status_code in (403, 404), f"{response.status_code}: {response.text[:300]}"


def _no_wanshi(response: Response) -> None:
    assert response.status_code in (200, 201), response.text[:300]
    assert WANSHI not in response.text and "万市" not in response.text, response.text[:500]


def _rejected(response: Response) -> None:
    assert response.status_code == 422 and WANSHI not in response.text.replace("万市", ""), response.text[:300]


def _xlsx(sheet: str, rows: list[list[object]]) -> dict[str, Any]:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return {"files": {"file": ("x.xlsx", buffer.getvalue())}}


def _short(response: Response) -> None:
    """The other resident's 1,000 points are not mine: my balance is short."""
    assert response.status_code == 409, response.text[:300]


def _mine_only(path: str) -> Callable[[World], None]:
    """A resident's own records: the other resident's never show up."""

    def check(w: World) -> None:
        response = w.call("GET", path, headers=w.me)
        assert response.status_code == 200 and "万市" not in response.text and "WS-" not in response.text, response.text

    return check


def _activity_body(w: World, venue: str) -> dict[str, object]:
    start = utcnow() + timedelta(days=9)
    return {
        "place_id": w.ids[venue],
        "kind": "activity",
        "title": "越界",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "capacity": 5,
    }


CHECKS: dict[tuple[str, str], list[Callable[[World], None]]] = {
    ("GET", f"{V}/projects"): [lambda w: _no_wanshi(w.call("GET", f"{V}/projects"))],
    ("GET", f"{V}/projects/{{code}}"): [lambda w: _denied(w.call("GET", f"{V}/projects/WS-P"))],
    ("PUT", f"{V}/projects/{{code}}/years/{{year}}"): [
        lambda w: _denied(w.call("PUT", f"{V}/projects/WS-P/years/2022", json={"income": "1"}))
    ],
    ("GET", f"{V}/incomes"): [lambda w: _no_wanshi(w.call("GET", f"{V}/incomes", params={"years": [2022]}))],
    ("GET", f"{V}/shareholdings/export"): [
        lambda w: _no_wanshi(w.call("GET", f"{V}/shareholdings/export", params={"format": "csv"}))
    ],
    ("POST", f"{V}/shareholdings/import"): [
        lambda w: _rejected(
            w.call(
                "POST",
                f"{V}/shareholdings/import",
                **_xlsx("入股", [["项目编码", "参与方编码", "出资(元)"], ["WS-P", "WS-C", 1]]),
            )
        )
    ],
    ("GET", f"{V}/assessment/{{township}}/board"): [
        lambda w: _denied(w.call("GET", f"{V}/assessment/{WANSHI}/board", params={"period": "2022-Q1"}))
    ],
    ("GET", f"{V}/assessment/{{township}}/years/{{year}}"): [
        lambda w: _denied(w.call("GET", f"{V}/assessment/{WANSHI}/years/2022"))
    ],
    ("GET", f"{V}/assessment/{{township}}/years/{{year}}/report"): [
        lambda w: _denied(w.call("GET", f"{V}/assessment/{WANSHI}/years/2022/report", params={"format": "xlsx"}))
    ],
    ("PUT", f"{V}/assessment/scores"): [
        lambda w: _denied(
            w.call(
                "PUT",
                f"{V}/assessment/scores",
                json={"indicator_id": w.ids["indicator"], "village": WANSHI_VILLAGE, "period": "2022-Q1", "points": 1},
            )
        )
    ],
    ("POST", f"{V}/assessment/scores/{{score_id}}/appeal"): [
        lambda w: _denied(w.call("POST", f"{V}/assessment/scores/{w.ids['score']}/appeal", json={"reason": "不服"}))
    ],
    ("GET", f"{V}/assessment/{{township}}/scores/export"): [
        lambda w: _denied(w.call("GET", f"{V}/assessment/{WANSHI}/scores/export", params={"year": 2022}))
    ],
    ("POST", f"{V}/assessment/scores/import"): [
        lambda w: _rejected(
            w.call(
                "POST",
                f"{V}/assessment/scores/import",
                **_xlsx("考核得分", [["指标编码", "村社代码", "期间", "得分"], ["M01", WANSHI_VILLAGE, "2022-Q1", 1]]),
            )
        )
    ],
    ("GET", f"{V}/activities"): [
        lambda w: _no_wanshi(w.call("GET", f"{V}/activities")),
        lambda w: _no_wanshi(w.call("GET", f"{V}/activities", headers=w.me)),
    ],
    ("POST", f"{V}/activities"): [
        lambda w: _denied(
            w.call(
                "POST",
                f"{V}/activities",
                json=_activity_body(w, "ws_venue"),
            )
        ),
        lambda w: _denied(w.call("POST", f"{V}/activities", headers=w.me, json=_activity_body(w, "fc_venue"))),
    ],
    ("POST", f"{V}/activities/{{activity_id}}/booking"): [
        lambda w: _denied(w.call("POST", f"{V}/activities/{w.ids['ws_activity']}/booking", headers=w.me))
    ],
    ("DELETE", f"{V}/activities/{{activity_id}}/booking"): [
        lambda w: _denied(w.call("DELETE", f"{V}/activities/{w.ids['activity']}/booking", headers=w.me))
    ],
    ("POST", f"{V}/activities/{{activity_id}}/check-in"): [
        lambda w: _denied(
            w.call(
                "POST",
                f"{V}/activities/{w.ids['ws_activity']}/check-in",
                json={"person_id": w.ids["other"], "attended": True},
            )
        )
    ],
    ("GET", f"{V}/me/bookings"): [_mine_only(f"{V}/me/bookings")],
    ("GET", f"{V}/me/points"): [
        lambda w: _mine_only(f"{V}/me/points")(w),
        lambda w: _denied(w.call("GET", f"{V}/me/points")),  # staff have no resident records
    ],
    ("POST", f"{V}/me/points/redeem"): [
        lambda w: _short(w.call("POST", f"{V}/me/points/redeem", headers=w.me, json={"reward": "rice-5kg"}))
    ],
    ("GET", f"{V}/me/repairs"): [_mine_only(f"{V}/me/repairs")],
    ("POST", f"{V}/me/repairs"): [
        lambda w: _denied(
            w.call(
                "POST",
                f"{V}/me/repairs",
                headers=w.me,
                json={"category": "lighting", "description": "万市路灯", "lon": 120.05, "lat": 30.02},
            )
        )
    ],
    ("GET", f"{V}/meal-points"): [
        lambda w: _no_wanshi(w.call("GET", f"{V}/meal-points")),
        lambda w: _no_wanshi(w.call("GET", f"{V}/meal-points", headers=w.me)),
    ],
    ("POST", f"{V}/meal-points/{{place_id}}/shifts"): [
        lambda w: _denied(
            w.call(
                "POST",
                f"{V}/meal-points/{w.ids['ws_meal']}/shifts",
                headers=w.me,
                json={"day": (date.today() + timedelta(days=2)).isoformat(), "slot": "lunch"},
            )
        )
    ],
}


@pytest.fixture
def world(vclient: TestClient, vsession: Session) -> World:
    county = build_county(vsession)
    ops = user(vsession, county, "fuchun", Role.township_operator, FUCHUN)
    me = user(vsession, county, "jumin", Role.resident, CHENGXI)
    other = resident(vsession, county, "万市居民", WANSHI_VILLAGE)
    coop = Collective(
        code="WS-C", name="万市村股份经济合作社", kind="cooperative", village_code=WANSHI_VILLAGE,
        township_code=WANSHI, path=WANSHI_PATH,
    )  # fmt: skip
    project = Project(
        code="WS-P", name="万市抱团项目", township_code=WANSHI, path=f"{COUNTY}/{WANSHI}/",
        planned_investment=Decimal(100), reserve_rate=Decimal(0),
    )  # fmt: skip
    vsession.add_all([coop, project])
    vsession.flush()
    vsession.add(Shareholding(project_id=project.id, collective_id=coop.id, invested=Decimal(100)))
    vsession.add(ProjectYear(project_id=project.id, year=2022, income=Decimal(10), costs=Decimal(0)))
    install_set(vsession, county[WANSHI], [county[WANSHI_VILLAGE]], SPEC)
    indicator = vsession.scalars(select(Indicator).where(Indicator.code == "M01")).one()
    score = Score(indicator_id=indicator.id, village_code=WANSHI_VILLAGE, path=WANSHI_PATH, period="2022-Q1", points=2)
    vsession.add(score)
    services = ResidentServices(vsession)
    ws_venue = place(vsession, "WS-V", "venue", WANSHI_PATH)
    ws_meal = place(vsession, "WS-M", "canteen", WANSHI_PATH)
    start = utcnow() + timedelta(days=2)
    ws_staff = staff(f"{COUNTY}/{WANSHI}/")
    ws_activity = services.add_activity(
        ws_staff, ws_venue.id, "activity", "万市活动", start, start + timedelta(hours=1), 5
    )
    services.book(other, ws_activity.id)
    services.earn(other.person, WANSHI_PATH, 1000, "万市志愿")
    services.report_repair(other, "lighting", "万市路灯坏了", 120.05, 30.02, None)
    fc_venue = place(vsession, "FC-V", "venue")
    activity = services.add_activity(staff(), fc_venue.id, "activity", "富春活动", start, start + timedelta(hours=1), 5)
    vsession.commit()
    ids = {
        "indicator": indicator.id,
        "score": score.id,
        "ws_venue": ws_venue.id,
        "ws_meal": ws_meal.id,
        "ws_activity": ws_activity.id,
        "activity": activity.id,
        "fc_venue": fc_venue.id,
        "other": other.person,
    }
    return World(vclient, ops, me, ids)


def test_no_route_reaches_out_of_scope(world: World) -> None:
    """One world for every route (building it is most of the cost); each route's checks run in turn."""
    failed: list[str] = []
    for route in sorted(CHECKS):
        for check in CHECKS[route]:
            try:
                check(world)
            except AssertionError as exc:
                failed.append(f"{route}: {str(exc)[:300]}")
    assert failed == []


def test_the_table_names_every_village_route(vclient: TestClient) -> None:
    paths = vclient.app.openapi()["paths"]  # type: ignore[attr-defined]
    routes = {(m.upper(), p) for p, ops in paths.items() if p.startswith(V) for m in ops}
    assert routes == set(CHECKS)
