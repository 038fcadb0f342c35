"""The monthly report: the PDF opens, its Chinese text extracts (pdftotext), the font is embedded, and its
figures are the API's; the XLSX holds every level; the CLI writes both."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from gridgov.evaluation.periods import Period
from gridgov.evaluation.service import EvaluationService
from gridgov.evaluation.tasks import report_bytes
from gridgov.org.enums import Role
from tests.evaluation.stories import OCTOBER, october_stories, t
from tests.factories import COUNTY, FUCHUN, build_county, create_person, user

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")


@pytest.fixture
def headers(session: Session) -> dict[str, str]:
    from tests.evaluation.stories import insert

    county = build_county(session)
    member = create_person(session, county, [(Role.grid_member, FUCHUN)], name="网格员")
    for index, story in enumerate(october_stories(county.units["WS-GDS"].id), start=1):
        insert(session, story, f"T2026{index:05d}", member.id)
    auth = user(session, county, "leader", Role.county_dispatcher, COUNTY)
    session.commit()
    return auth


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts and " yes yes " in fonts  # embedded as a subset
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_pdf_report_shows_the_api_figures_in_chinese(
    client: TestClient, headers: dict[str, str], session: Session, tmp_path: Path
) -> None:
    service = EvaluationService(session, clock=lambda: t(11, 20))
    text = _text(report_bytes(service, Period.parse(OCTOBER), "pdf"), tmp_path)
    assert "富阳区2026年10月综合评价报告" in text and "乡镇(街道)排名与红黄旗" in text
    api = client.get("/api/v1/evaluation/indicators", params={"period": OCTOBER, "level": "county"}, headers=headers)
    county = api.json()["units"][0]
    for key in ("close_rate", "on_time_close_rate", "handle_rate", "rework_rate", "overdue_rate"):
        rate = county["rates"][key]
        assert f"{rate['numerator']}/{rate['denominator']}" in text, key
        assert f"{rate['value'] * 100:.2f}%" in text, key
    assert "8/13" in text and "61.54%" in text  # 结案率 by hand (stories.py)
    for name in ("富春街道", "万市镇", "城西社区", "万市村"):
        assert name in text


def test_xlsx_report_and_cli(headers: dict[str, str], session: Session, tmp_path: Path) -> None:
    service = EvaluationService(session, clock=lambda: t(11, 20))
    book = load_workbook(io.BytesIO(report_bytes(service, Period.parse(OCTOBER), "xlsx")))
    assert {"县(区)", "乡镇(街道)", "村(社区)", "网格", "处置单位", "乡镇排名", "说明"} <= set(book.sheetnames)
    county = list(book["县(区)"].iter_rows(values_only=True))
    assert county[1][:2] == ("330111", "富阳区") and county[1][3 + 13] == 8  # 结案数
