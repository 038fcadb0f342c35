"""Formula injection and control characters, through HTTP: refused on the way in, inert on the way out.

A person named ``=HYPERLINK(…)`` used to be exported as a live formula, and a name holding U+000B (which
the API accepted) made the XLSX org export answer 500 for everyone.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from gridgov.org.enums import Role
from gridgov.web.exports import download
from tests.factories import COUNTY, FUCHUN, build_county, create_person, user

HYPERLINK = '=HYPERLINK("http://x","y")'
SOURCE = Path(__file__).parents[2] / "src" / "gridgov"


def test_the_api_refuses_a_control_character_naming_the_field(client: TestClient, session: Session) -> None:
    admin = user(session, build_county(session), "admin", Role.admin, COUNTY)
    person = {"name": "张\x0b三", "phone": "13900000001", "roles": [{"role": "grid_member", "node_code": FUCHUN}]}
    refused = client.post("/api/v1/people", json=person, headers=admin)
    assert refused.status_code == 422
    (detail,) = refused.json()["detail"]
    assert detail["field"] == "name" and "U+000B" in detail["msg"]
    assert client.get("/api/v1/people", params={"q": "张\x0b"}, headers=admin).status_code == 422
    person["name"] = HYPERLINK  # a strange name, but text: stored as given, exported inert
    assert client.post("/api/v1/people", json=person, headers=admin).status_code == 201


def test_stored_formulas_and_control_characters_export_as_inert_text(client: TestClient, session: Session) -> None:
    county = build_county(session)
    admin = user(session, county, "admin", Role.admin, COUNTY)
    create_person(session, county, [(Role.grid_member, FUCHUN)], name=HYPERLINK)  # stored before the check
    create_person(session, county, [(Role.grid_member, FUCHUN)], name="李\x0b四")

    answer = client.get("/api/v1/org/export", headers=admin)
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content))["人员"]
    names = {row[0].value: row[0] for row in sheet.iter_rows(min_row=2)}
    assert names[HYPERLINK].data_type == "s" and names[HYPERLINK].quotePrefix
    assert "李\ufffd四" in names

    answer = client.get("/api/v1/org/export", params={"format": "csv", "sheet": "people"}, headers=admin)
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert ["'" + HYPERLINK, "李\ufffd四"] == sorted(r[0] for r in rows[1:] if r[0] != "admin")


def test_every_export_goes_through_the_one_writer() -> None:
    """Only kit/tabular.py builds workbooks or CSV writers; everything else calls it."""
    builders = re.compile(r"\bWorkbook\(|csv\.writer\(|csv\.DictWriter\(")
    offenders = [
        str(path.relative_to(SOURCE))
        for path in SOURCE.rglob("*.py")
        if path.name != "tabular.py" and builders.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_a_configured_name_cannot_break_the_download_header() -> None:
    """Export names carry administrator-configured keys (a scoring scheme's): quotes and line breaks in them stay
    out of the Content-Disposition header."""
    response = download("csv", 'ranking-2026-10-x"\r\nSet-Cookie: a=1', "排名", ["a"], [[1]])
    header = response.headers["content-disposition"]
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="ranking-2026-10-x_Set-Cookie_a_1.csv"; filename*=UTF-8')
