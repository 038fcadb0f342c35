from __future__ import annotations

import io
import json
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.kit.principal import Principal
from gridgov.kit.tabular import ImportFailed
from gridgov.org.models import Person
from gridgov.warning.models import RiskZone, ZonePerson
from gridgov.warning.service import WarningService
from gridgov.warning.transfer import WarningTransfer
from tests.factories import FUCHUN, WANSHI, build_county
from tests.warning.factories import square

ZONES = [
    "防范区编号",
    "名称",
    "乡镇(街道)代码",
    "村(社区)代码",
    "经度",
    "纬度",
    "范围(GeoJSON)",
    "等级",
    "管理等级",
    "灾种",
]
HOUSEHOLDS = ["防范区编号", "户主姓名", "人数", "联系电话", "地址", "核查年度"]
PEOPLE = ["防范区编号", "姓名", "手机号", "层级"]


def workbook(zones: list[list[Any]], households: list[list[Any]], people: list[list[Any]]) -> bytes:
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, header, rows in (
        ("风险防范区", ZONES, zones),
        ("受威胁户", HOUSEHOLDS, households),
        ("责任人", PEOPLE, people),
    ):
        sheet = book.create_sheet(title)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD_ZONES = [
    [
        "FX001",
        "城西滑坡",
        FUCHUN,
        f"{FUCHUN}001",
        119.92,
        30.02,
        json.dumps(square(119.92, 30.02)),
        "重点",
        "一级",
        "滑坡",
    ],
    ["FX002", "万市崩塌", WANSHI, "", 120.05, 30.05, "", "一般", 3, ""],
]
GOOD_HOUSEHOLDS = [
    ["FX001", "张三", 4, "13800000001", "城西村1号", 2026],
    ["FX001", "李四", 2, "", "", ""],
    ["FX002", "王五", 3, "13800000003", "", 2026],
]
GOOD_PEOPLE = [
    ["FX001", "赵群防", "13900000001", "群测群防员"],
    ["FX001", "钱网格", "13900000002", "网格员"],
    ["FX001", "孙镇长", "13900000003", "乡镇"],
    ["FX002", "赵群防", "13900000001", "群测群防员"],
]


class TestImport:
    def test_zones_households_and_people(self, session: Session) -> None:
        build_county(session)
        summary = WarningTransfer(session).import_xlsx(workbook(GOOD_ZONES, GOOD_HOUSEHOLDS, GOOD_PEOPLE))
        assert (summary.zones_created, summary.households, summary.responsible, summary.people_created) == (2, 3, 4, 3)
        zones = {z.code: z for z in session.scalars(select(RiskZone))}
        one, two = zones["FX001"], zones["FX002"]
        assert (one.importance, one.management_level, one.households, one.people) == ("key", 1, 2, 6)
        assert one.path == f"330111/{FUCHUN}/{FUCHUN}001/" and one.village_code == f"{FUCHUN}001"
        assert json.loads(two.geometry) == {"type": "Point", "coordinates": [120.05, 30.05]}
        assert two.path == f"330111/{WANSHI}/"
        levels = sorted(session.scalars(select(ZonePerson.level).where(ZonePerson.zone_id == one.id)))
        assert levels == ["grid", "monitor", "township"]

    def test_reimport_replaces_households_per_zone(self, session: Session) -> None:
        build_county(session)
        transfer = WarningTransfer(session)
        transfer.import_xlsx(workbook(GOOD_ZONES, GOOD_HOUSEHOLDS, GOOD_PEOPLE))
        transfer.import_xlsx(workbook([], [["FX001", "张三", 5, "", "", 2027]], []))
        zone = session.scalars(select(RiskZone).where(RiskZone.code == "FX001")).one()
        assert (zone.households, zone.people) == (1, 5)

    def test_every_error_is_reported_by_sheet_row_and_column_and_nothing_is_written(self, session: Session) -> None:
        build_county(session)
        bad_zones = [
            GOOD_ZONES[0],
            ["FX001", "", "999999999", "", 200, "x", "{not json", "很重要", 4, ""],
            ["FX003", "跨乡镇的村", WANSHI, f"{FUCHUN}001", 120.0, 30.0, "", "一般", 2, ""],
        ]
        bad_households = [["FX404", "无名", 0, "12345", "", "去年"]]
        bad_people = [["FX001", "某人", "139", "队长"]]
        with pytest.raises(ImportFailed) as caught:
            WarningTransfer(session).import_xlsx(workbook(bad_zones, bad_households, bad_people))
        where = {(e.sheet, e.row, e.column) for e in caught.value.errors}
        assert {
            ("风险防范区", 3, "A"),  # duplicate code
            ("风险防范区", 3, "B"),  # no name
            ("风险防范区", 3, "C"),  # unknown township
            ("风险防范区", 3, "E"),  # longitude out of range
            ("风险防范区", 3, "F"),  # latitude not a number
            ("风险防范区", 3, "G"),  # bad GeoJSON
            ("风险防范区", 3, "H"),  # importance
            ("风险防范区", 3, "I"),  # management level
            ("风险防范区", 4, "D"),  # village of another township
            ("受威胁户", 2, "A"),
            ("受威胁户", 2, "C"),
            ("受威胁户", 2, "D"),
            ("受威胁户", 2, "F"),
            ("责任人", 2, "C"),
            ("责任人", 2, "D"),
        } <= where
        assert "第3行" in str(caught.value)
        assert session.scalars(select(RiskZone)).all() == []


class TestExportAndMasking:
    def test_phones_masked_without_pii_read(self, session: Session) -> None:
        build_county(session)
        WarningTransfer(session).import_xlsx(workbook(GOOD_ZONES, GOOD_HOUSEHOLDS, GOOD_PEOPLE))
        viewer = Principal(None, None, "v", "查看员", frozenset(), frozenset(), ("330111/",))
        book = load_workbook(io.BytesIO(WarningTransfer(session, viewer).export_xlsx()), read_only=True)
        households = list(book["受威胁户"].iter_rows(values_only=True))
        people = list(book["责任人"].iter_rows(values_only=True))
        book.close()
        assert households[1][3] == "138****0001" and people[1][2] == "139****0001"
        full = load_workbook(io.BytesIO(WarningTransfer(session).export_xlsx()), read_only=True)
        assert list(full["受威胁户"].iter_rows(values_only=True))[1][3] == "13800000001"
        full.close()
        zone = session.scalars(select(RiskZone).where(RiskZone.code == "FX001")).one()
        service = WarningService(session)
        assert [h.phone for h in service.households(zone, viewer)] == ["138****0001", None]
        assert service.households(zone, None)[0].phone == "13800000001"
        assert session.scalars(select(Person).where(Person.phone == "13900000001")).one().name == "赵群防"
        reach = [(level.value, person.name) for level, person in service.people_to_reach(zone)]
        assert reach == [("grid", "钱网格"), ("monitor", "赵群防"), ("township", "孙镇长")]
