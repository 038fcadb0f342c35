from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.case.catalogue import ROUTING
from gridgov.configdata.service import save_document
from gridgov.errors import InvalidInput
from gridgov.org.enums import Role, UnitKind
from gridgov.org.models import OrgNode, Unit
from tests.factories import COUNTY, FUCHUN, County, bearer, build_county, create_account, create_person, user

CST = ZoneInfo("Asia/Shanghai")
POINT = {"lon": 119.92, "lat": 30.02}  # 城西社区第1网格, 富春街道
GRID = "330111001001001"


@dataclass
class Desk:
    client: TestClient
    app: FastAPI
    grid: dict[str, str]
    operator: dict[str, str]
    handler: dict[str, str]
    now: list[datetime]

    def at(self, when: datetime) -> None:
        self.now[0] = when

    def act(self, number: str, who: dict[str, str], action: str, **extra: object) -> dict[str, object]:
        response = self.client.post(f"/api/v1/cases/{number}/actions", json={"action": action, **extra}, headers=who)
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body


@pytest.fixture
def desk(client: TestClient, app: FastAPI, session: Session) -> Desk:
    county: County = build_county(session)
    for code, name, at in (
        (f"{FUCHUN}-ZHXX", "富春街道综合信息指挥室", FUCHUN),
        (f"{COUNTY}-ZHZF", "区综合行政执法局", COUNTY),
        (f"{COUNTY}-SZZX", "区社会治理中心", COUNTY),
    ):
        county.units[code] = Unit(code=code, name=name, kind=UnitKind.department.value, node_id=county[at].id)
        session.add(county.units[code])
    session.flush()
    grid = user(session, county, "gm", Role.grid_member, GRID, grids=[GRID])
    operator = user(session, county, "op", Role.township_operator, FUCHUN, units=[f"{FUCHUN}-ZHXX"])
    handler_person = create_person(
        session, county, [(Role.department_handler, COUNTY)], units=[f"{COUNTY}-ZHZF"], name="执法队员"
    )
    handler = bearer(session, create_account(session, handler_person, "zf"))
    session.commit()
    now = [datetime(2026, 9, 30, 15, 0, tzinfo=CST)]
    app.state.clock = lambda: now[0]
    return Desk(client, app, grid, operator, handler, now)


def report(desk: Desk, category: str = "0201") -> dict[str, object]:
    response = desk.client.post(
        "/api/v1/cases", json={"category": category, "description": "院内新搭彩钢棚", **POINT}, headers=desk.grid
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_full_loop_with_rework(desk: Desk) -> None:
    case = report(desk)
    number = str(case["number"])
    assert case["state"] == "reported" and case["grid_code"] == GRID and case["unit_code"] == f"{FUCHUN}-ZHXX"
    inbox = desk.client.get("/api/v1/inbox", headers=desk.operator).json()
    assert inbox["unread"] == 1 and number in inbox["items"][0]["title"]

    desk.act(number, desk.operator, "file")
    dispatched = desk.act(number, desk.operator, "dispatch", unit_code=f"{COUNTY}-ZHZF")
    # 15 working days from 2026-09-30 15:00 across 国庆 (10-01..07 off, 10-10 Saturday worked)
    assert dispatched["time_limit"] == "15工作日"
    assert datetime.fromisoformat(str(dispatched["deadline_at"])).astimezone(CST) == datetime(
        2026, 10, 27, 15, 0, tzinfo=CST
    )
    assert desk.client.get("/api/v1/inbox", headers=desk.handler).json()["unread"] == 1

    desk.act(number, desk.handler, "accept")
    desk.act(number, desk.handler, "feedback", comment="已拆除")
    desk.act(number, desk.grid, "verify_fail", comment="仍有残留")
    desk.act(number, desk.handler, "feedback", comment="残留已清")
    desk.act(number, desk.grid, "verify_pass", **POINT)
    closed = desk.act(number, desk.operator, "close")
    assert closed["state"] == "closed" and closed["rework_count"] == 1 and closed["urgency"] is None
    steps = [e["action"] for e in closed["events"]]  # type: ignore[union-attr]
    assert steps == [
        "report",
        "file",
        "dispatch",
        "accept",
        "feedback",
        "verify_fail",
        "feedback",
        "verify_pass",
        "close",
    ]


def test_return_and_redispatch(desk: Desk) -> None:
    number = str(report(desk)["number"])
    desk.act(number, desk.operator, "file")
    desk.act(number, desk.operator, "dispatch", unit_code=f"{COUNTY}-ZHZF")
    refused = desk.client.post(f"/api/v1/cases/{number}/actions", json={"action": "give_back"}, headers=desk.handler)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "comment"]
    back = desk.act(number, desk.handler, "give_back", comment="不属于本单位职责")
    assert back["state"] == "filed" and back["unit_code"] is None
    assert "被退回" in desk.client.get("/api/v1/inbox", headers=desk.operator).json()["items"][0]["title"]
    again = desk.act(number, desk.operator, "dispatch", unit_code=f"{COUNTY}-ZHZF")
    assert again["state"] == "dispatched"


def test_extension_defer_and_hang(desk: Desk) -> None:
    number = str(report(desk)["number"])
    desk.act(number, desk.operator, "file")
    before = desk.act(number, desk.operator, "dispatch", unit_code=f"{COUNTY}-ZHZF")["deadline_at"]
    desk.act(number, desk.handler, "accept")
    desk.act(number, desk.handler, "request_extension", days=5, comment="需走法定程序")
    extended = desk.act(number, desk.operator, "approve_extension")
    assert datetime.fromisoformat(str(extended["deadline_at"])) > datetime.fromisoformat(str(before))
    assert desk.act(number, desk.operator, "defer")["deadline_at"] is None
    assert desk.act(number, desk.operator, "resume")["state"] == "handling"
    assert desk.act(number, desk.operator, "hang")["state"] == "hung"


def test_wrong_state_409_wrong_role_403_wrong_unit_403(desk: Desk) -> None:
    number = str(report(desk)["number"])
    conflict = desk.client.post(f"/api/v1/cases/{number}/actions", json={"action": "close"}, headers=desk.operator)
    assert conflict.status_code == 409 and "不能结案" in conflict.json()["detail"][0]["msg"]
    forbidden = desk.client.post(f"/api/v1/cases/{number}/actions", json={"action": "file"}, headers=desk.grid)
    assert forbidden.status_code == 403


def test_colours_follow_injected_time(desk: Desk) -> None:
    number = str(report(desk, "0401")["number"])  # 暴露垃圾: village handles, 1 working day
    desk.at(datetime(2026, 11, 23, 8, 30, tzinfo=CST))
    # filing limit is 1 working hour from 2026-09-30 15:00: long overdue
    assert desk.client.get(f"/api/v1/cases/{number}", headers=desk.grid).json()["urgency"] == "red"


def test_point_outside_the_county_is_refused(desk: Desk) -> None:
    response = desk.client.post(
        "/api/v1/cases", json={"category": "0201", "description": "xx", "lon": 121.0, "lat": 31.0}, headers=desk.grid
    )
    assert response.status_code == 422 and "不在本县" in response.text


def test_possible_duplicate_is_flagged(desk: Desk) -> None:
    first = report(desk)
    second = report(desk)
    assert second["possible_duplicate_of"] == first["number"] and first["possible_duplicate_of"] is None


def test_calendar_gaps_until_the_holiday_table_is_loaded(desk: Desk, session: Session) -> None:
    from datetime import date

    from gridgov.case.catalogue import load_holidays

    assert desk.client.get("/api/v1/cases/calendar", headers=desk.operator).json() == {"missing_years": [2027]}
    load_holidays(session, [(date(2027, 1, 1), False, "元旦"), (date(2027, 1, 4), False, "元旦调休")])
    session.commit()
    assert desk.client.get("/api/v1/cases/calendar", headers=desk.operator).json() == {"missing_years": []}


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 128


def test_photo_upload_is_sniffed_limited_and_scope_checked(desk: Desk, settings: object) -> None:
    number = str(report(desk)["number"])
    url = f"/api/v1/cases/{number}/attachments"
    created = desk.client.post(url, files={"file": ("现场.png", PNG, "image/jpeg")}, headers=desk.grid)
    assert created.status_code == 201, created.text
    assert created.json()["content_type"] == "image/png"  # sniffed from the bytes, not the claim
    fake = desk.client.post(
        url, files={"file": ("x.jpg", b"<script>alert(1)</script>", "image/jpeg")}, headers=desk.grid
    )
    assert fake.status_code == 422 and fake.json()["detail"][0]["loc"] == ["body", "file"]
    download = desk.client.get(f"{url}/{created.json()['id']}", headers=desk.operator)
    assert download.status_code == 200 and download.content == PNG
    assert desk.client.get(f"{url}/{created.json()['id']}").status_code == 401
    timeline = desk.client.get(f"/api/v1/cases/{number}", headers=desk.grid).json()["events"]
    assert "上传附件 现场.png" in [e["comment"] for e in timeline]


def test_hotline_import_all_or_nothing(desk: Desk) -> None:
    good = "类别代码,问题描述,经度,纬度,地址,工单编号\n0401,路边垃圾,119.92,30.02,城西路,12345-001\n"
    bad_row = "0401,越界,121.5,31.2,,12345-002\n"
    rejected = desk.client.post(
        "/api/v1/cases/import", files={"file": ("orders.csv", (good + bad_row).encode())}, headers=desk.operator
    )
    assert rejected.status_code == 422
    assert [(e["row"], e["column"]) for e in rejected.json()["detail"][0]["errors"]] == [(3, "C")]
    assert desk.client.get("/api/v1/cases", headers=desk.operator).json()["total"] == 0
    accepted = desk.client.post(
        "/api/v1/cases/import", files={"file": ("orders.csv", good.encode())}, headers=desk.operator
    )
    assert accepted.status_code == 200, accepted.text
    number = accepted.json()["created"][0]
    case = desk.client.get(f"/api/v1/cases/{number}", headers=desk.operator).json()
    assert case["source"] == "import" and "12345-001" in case["description"]


def test_dispatch_only_to_units_serving_the_place(desk: Desk, session: Session) -> None:
    session.add(
        Unit(
            code="330111100-ZHXX",
            name="万市镇综合信息指挥室",
            kind="platform",
            node_id=session.scalar(select(OrgNode.id).where(OrgNode.code == "330111100")),
        )
    )
    session.commit()
    number = str(report(desk)["number"])
    desk.act(number, desk.operator, "file")
    other = desk.client.post(
        f"/api/v1/cases/{number}/actions",
        json={"action": "dispatch", "unit_code": "330111100-ZHXX"},
        headers=desk.operator,
    )
    assert other.status_code == 403
    case = desk.act(number, desk.operator, "dispatch", unit_code=f"{COUNTY}-ZHZF")
    grid_view = desk.client.get(f"/api/v1/cases/{number}", headers=desk.grid).json()
    assert "accept" in desk.client.get(f"/api/v1/cases/{number}", headers=desk.handler).json()["allowed_actions"]
    assert "accept" not in grid_view["allowed_actions"] and case["state"] == "dispatched"


def test_routing_rules_are_data(desk: Desk, session: Session) -> None:
    """A rule edited in the database sends 违建 in 富春街道 straight to the county's enforcement bureau;
    a rule naming a tier that does not exist is refused with the field that is wrong."""
    assert report(desk)["unit_code"] == f"{FUCHUN}-ZHXX"  # the category's own default
    rule = {"name": "城区违建直派执法局", "category_prefix": "02", "township": FUCHUN, "tier": "county", "unit": "ZHZF"}
    save_document(session, ROUTING, {"version": 2, "rules": [rule]})
    session.commit()
    routed = report(desk)
    assert routed["unit_code"] == f"{COUNTY}-ZHZF" and routed["tier"] == "county"
    with pytest.raises(InvalidInput) as refused:
        save_document(session, ROUTING, {"rules": [{**rule, "tier": "province"}]})
    assert refused.value.field == "rules.0.tier"
