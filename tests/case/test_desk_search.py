"""Finding a case on the desk (issue 17 item 7): by number, by words of the description or address, by reporting
day and by 超期; the page says how many pages there are, and what the filter finds exports as XLSX/CSV."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gridgov.case.models import Case
from gridgov.kit.time import to_local, utcnow
from gridgov.org.enums import Role
from tests.factories import COUNTY, build_county, user

POINT = {"lon": 119.92, "lat": 30.02}


def _report(client: TestClient, headers: dict[str, str], description: str, address: str) -> str:
    body = {"category": "0401", "description": description, "address": address, **POINT}
    response = client.post("/api/v1/cases", json=body, headers=headers)
    assert response.status_code == 201, response.text
    number: str = response.json()["number"]
    return number


def _numbers(client: TestClient, headers: dict[str, str], **params: str) -> set[str]:
    page = client.get("/cases", params=params, headers=headers)
    assert page.status_code == 200, page.text
    listed = client.get("/api/v1/cases", params=params, headers=headers)
    assert listed.status_code == 200, listed.text
    api = {c["number"] for c in listed.json()["items"]}
    shown = {n for n in api if f'data-number="{n}"' in page.text}
    assert shown == api, "the desk and the API disagree"
    return api


def test_the_desk_finds_a_case_by_number_words_address_day_and_overdue(client: TestClient, session: Session) -> None:
    county = build_county(session)
    admin = user(session, county, "admin", Role.admin, COUNTY)
    session.commit()
    bins = _report(client, admin, "垃圾桶满溢，气味很大", "城西路12号")
    lamp = _report(client, admin, "路边堆放建筑垃圾", "春晖街88号")
    old = _report(client, admin, "去年的旧案_100%", "江滨西大道1号")
    past = utcnow() - timedelta(days=40)
    session.execute(update(Case).where(Case.number == old).values(created_at=past, deadline_at=past))
    session.commit()

    assert _numbers(client, admin, q=bins) == {bins}  # the whole number
    assert _numbers(client, admin, q=bins[:8]) >= {bins, lamp}  # a prefix: the day's cases
    assert _numbers(client, admin, q="满溢") == {bins}
    assert _numbers(client, admin, q="春晖街") == {lamp}
    assert _numbers(client, admin, q="_100%") == {old}  # LIKE wildcards are literal
    today = to_local(utcnow()).date().isoformat()
    assert _numbers(client, admin, since=today) == {bins, lamp}
    assert _numbers(client, admin, until=(to_local(past).date()).isoformat()) == {old}
    assert _numbers(client, admin, overdue="true") == {old}

    page = client.get("/cases", params={"q": "垃圾"}, headers=admin).text
    assert "第 1/1 页" in page and "共 2 件" in page
    export = client.get("/cases", params={"q": "垃圾", "format": "xlsx"}, headers=admin)
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "编号" and {r[0] for r in rows[1:]} == {bins, lamp}
    assert any("城西路12号" in str(cell) for r in rows for cell in r)
    csv = client.get("/cases", params={"overdue": "true", "format": "csv"}, headers=admin)
    assert csv.status_code == 200 and old in csv.text and bins not in csv.text


def test_a_search_stays_inside_the_users_area(client: TestClient, session: Session) -> None:
    county = build_county(session)
    admin = user(session, county, "admin", Role.admin, COUNTY)
    wanshi = user(session, county, "wanshi", Role.township_operator, "330111100")
    session.commit()
    number = _report(client, admin, "富春的垃圾", "城西路1号")
    assert _numbers(client, wanshi, q=number) == set()
    export = client.get("/cases", params={"q": number, "format": "csv"}, headers=wanshi)
    assert number not in export.text
    assert session.scalars(select(Case.number)).all() == [number]


def test_a_long_list_counts_up_to_the_cap_and_pages_on(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a million cases the list does not read every row to print the total: it counts to COUNT_CAP."""
    from gridgov.case import pages, service

    monkeypatch.setattr(service, "COUNT_CAP", 2)
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    county = build_county(session)
    admin = user(session, county, "admin", Role.admin, COUNTY)
    session.commit()
    numbers = [_report(client, admin, f"第{n}件", "城西路") for n in range(3)]
    body = client.get("/api/v1/cases", headers=admin).json()
    assert (body["total"], body["total_capped"]) == (2, True)
    exact = client.get("/api/v1/cases", params={"q": numbers[0]}, headers=admin).json()
    assert (exact["total"], exact["total_capped"]) == (1, False)
    page = client.get("/cases", headers=admin).text
    assert "共 2+ 件" in page and "第 1 页" in page and "offset=2" in page  # a next page, its count unknown
    last = client.get("/cases", params={"offset": 2}, headers=admin).text
    assert last.count('data-number="') == 1 and "offset=4" not in last
