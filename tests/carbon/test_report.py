"""The monthly carbon report: PDF and XLSX of the whole county, with the API's potential, and a factor version
chosen explicitly visible in it."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from gridgov.carbon.report import collect, parse_month, render_pdf, render_xlsx
from gridgov.carbon.service import CarbonService
from gridgov.evaluation.report import FontMissing, font_path
from tests.carbon.conftest import YEAR, Park


def test_report_xlsx(park: Park) -> None:
    county = park.client.get("/api/v1/carbon/potential", params={"year": YEAR}, headers=park.admin).json()
    with park.database.sessions() as session:
        data = collect(CarbonService(session), date(YEAR, 12, 1))
        assert data.year.potential == pytest.approx(county["potential_t"]) and len(data.trend) == 12
        book = load_workbook(io.BytesIO(render_xlsx(data)))
        assert book.sheetnames == ["说明", "月度趋势", "年内排名", "容量区间对标", "减排潜力", "屋顶光伏建议"]
        basis = str(book["说明"]["B3"].value)
        assert "排放因子版本：2023" in basis and "指定版本" not in basis
        again = render_xlsx(collect(CarbonService(session), date(YEAR, 12, 1), "2021"))
        basis = str(load_workbook(io.BytesIO(again))["说明"]["B3"].value)
        assert "排放因子版本：2021（指定版本2021重新核算）" in basis


def test_month_must_be_yyyy_mm() -> None:
    assert parse_month("2025-03") == date(2025, 3, 1)
    with pytest.raises(ValueError):
        parse_month("March")


def test_report_pdf(park: Park) -> None:
    try:
        font_path()
    except FontMissing:
        pytest.skip("no Chinese TrueType font (fonts-wqy-microhei) on this machine")
    with park.database.sessions() as session:
        pdf = render_pdf(collect(CarbonService(session), date(YEAR, 6, 1)))
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
