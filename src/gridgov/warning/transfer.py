"""Import and export of risk zones, threatened households and responsible people as XLSX
(风险防范区、受威胁户、责任人台账).

Imports are all or nothing: every row is checked first, every error is reported with its sheet, row
and column, and only a file without errors is written. Households and responsible people are replaced
per zone (the annual pre-flood-season update, 汛前动态更新): a zone listed in the sheet gets exactly the
rows listed for it. Exported phone numbers are masked for roles without ``pii:read``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import shape
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gridgov.kit.masking import mask_phone
from gridgov.kit.principal import Principal
from gridgov.kit.tabular import CellError, Column, ImportFailed, Row, Sheet, read_xlsx, write_xlsx
from gridgov.org.enums import NodeKind
from gridgov.org.models import Person
from gridgov.org.repository import OrgRepository
from gridgov.org.schemas import PHONE_RE
from gridgov.warning.enums import Importance, ResponsibleLevel
from gridgov.warning.models import Household, RiskZone, ZonePerson

ZONE_SHEET = Sheet(
    "风险防范区",
    (
        Column("code", "防范区编号", ("编号",)),
        Column("name", "名称", ("防范区名称",)),
        Column("township", "乡镇(街道)代码", ("乡镇代码",)),
        Column("village", "村(社区)代码", ("村代码",), required=False),
        Column("lon", "经度"),
        Column("lat", "纬度"),
        Column("geometry", "范围(GeoJSON)", ("范围", "geojson"), required=False),
        Column("importance", "等级", ("防范区等级",)),
        Column("level", "管理等级", ("分级管理",)),
        Column("hazard_kind", "灾种", ("灾害类型",), required=False),
    ),
)
HOUSEHOLD_SHEET = Sheet(
    "受威胁户",
    (
        Column("zone", "防范区编号", ("编号",)),
        Column("head_name", "户主姓名", ("户主",)),
        Column("people", "人数", ("受威胁人数",)),
        Column("phone", "联系电话", ("电话", "手机号"), required=False),
        Column("address", "地址", ("住址",), required=False),
        Column("survey_year", "核查年度", ("年度",), required=False),
    ),
)
PERSON_SHEET = Sheet(
    "责任人",
    (
        Column("zone", "防范区编号", ("编号",)),
        Column("name", "姓名"),
        Column("phone", "手机号", ("电话", "联系电话")),
        Column("level", "层级", ("责任层级", "类别")),
    ),
)
SHEETS = (ZONE_SHEET, HOUSEHOLD_SHEET, PERSON_SHEET)
IMPORTANCE_ALIASES = {
    **{i.label: i for i in Importance},
    **{i.value: i for i in Importance},
    "重点防范区": Importance.key,
    "次重点防范区": Importance.secondary,
    "一般防范区": Importance.general,
}
LEVEL_ALIASES = {"1": 1, "2": 2, "3": 3, "一级": 1, "二级": 2, "三级": 3, "一级管理": 1, "二级管理": 2, "三级管理": 3}
RESPONSIBLE_ALIASES = {
    **{r.label: r for r in ResponsibleLevel},
    **{r.value: r for r in ResponsibleLevel},
    "区级": ResponsibleLevel.district,
    "区": ResponsibleLevel.district,
    "乡镇": ResponsibleLevel.township,
    "街道": ResponsibleLevel.township,
    "乡镇(街道)": ResponsibleLevel.township,
    "村": ResponsibleLevel.village,
    "社区": ResponsibleLevel.village,
    "村级": ResponsibleLevel.village,
    "村(社区)": ResponsibleLevel.village,
    "网格": ResponsibleLevel.grid,
    "群测群防": ResponsibleLevel.monitor,
    "监测员": ResponsibleLevel.monitor,
}
ZONE_CODE_RE = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")


@dataclass
class ImportSummary:
    zones_created: int = 0
    zones_updated: int = 0
    households: int = 0
    responsible: int = 0
    people_created: int = 0


@dataclass(frozen=True)
class _ZonePlan:
    code: str
    name: str
    township: str
    village: str | None
    path: str
    lon: float
    lat: float
    geometry: dict[str, Any]
    importance: Importance
    level: int
    hazard_kind: str | None


def _number(row: Row, key: str, low: float, high: float, errors: list[CellError], label: str) -> float | None:
    text = row.values.get(key, "")
    try:
        value = float(text)
    except ValueError:
        errors.append(row.error(key, f"{label}{text!r}不是数字 (not a number)"))
        return None
    if not low <= value <= high:
        errors.append(row.error(key, f"{label}{value}超出范围{low}–{high} (out of range)"))
        return None
    return value


def _count(row: Row, key: str, errors: list[CellError], *, required: bool) -> int | None:
    text = row.values.get(key, "")
    if not text and not required:
        return None
    if not text.isdigit() or (required and int(text) < 1):
        errors.append(row.error(key, f"{text!r}应为正整数 (a positive whole number)"))
        return None
    return int(text)


class WarningTransfer:
    def __init__(self, session: Session, principal: Principal | None = None) -> None:
        self.session = session
        self.principal = principal
        self.org = OrgRepository(session)

    # ---- export ---------------------------------------------------------------------------------

    def export_xlsx(self) -> bytes:
        full = self.principal is None or self.principal.can("pii:read")
        zones = list(self.session.scalars(select(RiskZone).order_by(RiskZone.code)))
        by_id = {z.id: z for z in zones}
        zone_rows = [
            [
                z.code,
                z.name,
                z.township_code,
                z.village_code or "",
                f"{z.lon:.6f}",
                f"{z.lat:.6f}",
                z.geometry,
                Importance(z.importance).label,
                str(z.management_level),
                z.hazard_kind or "",
            ]
            for z in zones
        ]
        households = self.session.scalars(select(Household).order_by(Household.zone_id, Household.id))
        household_rows = [
            [
                by_id[h.zone_id].code,
                h.head_name,
                str(h.people),
                "" if h.phone is None else (h.phone if full else mask_phone(h.phone)),
                h.address or "",
                "" if h.survey_year is None else str(h.survey_year),
            ]
            for h in households
            if h.zone_id in by_id
        ]
        people = self.session.execute(
            select(ZonePerson, Person).join(Person, Person.id == ZonePerson.person_id).order_by(ZonePerson.zone_id)
        )
        person_rows = [
            [by_id[zp.zone_id].code, p.name, p.phone if full else mask_phone(p.phone), ResponsibleLevel(zp.level).label]
            for zp, p in people
            if zp.zone_id in by_id
        ]
        return write_xlsx([(ZONE_SHEET, zone_rows), (HOUSEHOLD_SHEET, household_rows), (PERSON_SHEET, person_rows)])

    # ---- import ---------------------------------------------------------------------------------

    def import_xlsx(self, data: bytes) -> ImportSummary:
        by_sheet, errors = read_xlsx(data, SHEETS)
        if errors:
            raise ImportFailed(errors)
        return self.apply(
            by_sheet.get(ZONE_SHEET.name, []),
            by_sheet.get(HOUSEHOLD_SHEET.name, []),
            by_sheet.get(PERSON_SHEET.name, []),
        )

    def apply(
        self, zone_rows: Sequence[Row], household_rows: Sequence[Row], person_rows: Sequence[Row]
    ) -> ImportSummary:
        errors: list[CellError] = []
        zone_plan = self._plan_zones(zone_rows, errors)
        known = {z.code for z in zone_plan} | set(
            self.session.scalars(
                select(RiskZone.code).where(
                    RiskZone.code.in_({r.values["zone"] for r in [*household_rows, *person_rows]})
                )
            )
        )
        household_plan = self._plan_households(household_rows, known, errors)
        person_plan = self._plan_people(person_rows, known, errors)
        if errors:
            raise ImportFailed(errors)
        summary = ImportSummary()
        existing = {z.code: z for z in self.session.scalars(select(RiskZone).where(RiskZone.code.in_(known)))}
        for plan in zone_plan:
            zone = existing.get(plan.code)
            if zone is None:
                zone = RiskZone(code=plan.code, households=0, people=0, active=True, synthetic=False)
                self.session.add(zone)
                existing[plan.code] = zone
                summary.zones_created += 1
            else:
                summary.zones_updated += 1
            zone.name, zone.township_code, zone.village_code, zone.path = (
                plan.name,
                plan.township,
                plan.village,
                plan.path,
            )
            zone.lon, zone.lat, zone.geometry = plan.lon, plan.lat, json.dumps(plan.geometry, ensure_ascii=False)
            zone.importance, zone.management_level, zone.hazard_kind = (
                plan.importance.value,
                plan.level,
                plan.hazard_kind,
            )
        self.session.flush()
        for code, rows in household_plan.items():
            zone = existing[code]
            self.session.execute(delete(Household).where(Household.zone_id == zone.id))
            for head, people, phone, address, year in rows:
                self.session.add(
                    Household(
                        zone_id=zone.id, head_name=head, people=people, phone=phone, address=address, survey_year=year
                    )
                )
            zone.households = len(rows)
            zone.people = sum(r[1] for r in rows)
            summary.households += len(rows)
        persons = self.org.people_by_phones(sorted({p for entries in person_plan.values() for _, p, _ in entries}))
        for code, entries in person_plan.items():
            zone = existing[code]
            self.session.execute(delete(ZonePerson).where(ZonePerson.zone_id == zone.id))
            seen: set[tuple[int, str]] = set()
            for name, phone, level in entries:
                person = persons.get(phone)
                if person is None:
                    person = persons[phone] = Person(name=name, phone=phone)
                    self.session.add(person)
                    self.session.flush()
                    summary.people_created += 1
                if (person.id, level.value) not in seen:
                    seen.add((person.id, level.value))
                    self.session.add(ZonePerson(zone_id=zone.id, person_id=person.id, level=level.value))
                    summary.responsible += 1
        self.session.flush()
        return summary

    def _plan_zones(self, rows: Sequence[Row], errors: list[CellError]) -> list[_ZonePlan]:
        nodes = self.org.nodes_by_codes(
            sorted({r.values[k] for r in rows for k in ("township", "village") if r.values.get(k)})
        )
        plan: list[_ZonePlan] = []
        seen: dict[str, int] = {}
        for row in rows:
            v = row.values
            before = len(errors)
            if not ZONE_CODE_RE.match(v["code"]):
                errors.append(row.error("code", "编号应为1–40位字母、数字、-或_ (letters, digits, - or _)"))
            elif v["code"] in seen:
                errors.append(row.error("code", f"编号重复，首次出现在第{seen[v['code']]}行 (duplicate code)"))
            seen.setdefault(v["code"], row.number)
            if not v["name"]:
                errors.append(row.error("name", "名称不能为空 (name is required)"))
            township = nodes.get(v["township"])
            if township is None or township.kind != NodeKind.township.value:
                errors.append(row.error("township", f"{v['township']!r}不是已登记的乡镇(街道) (unknown township)"))
            village = nodes.get(v.get("village", "")) if v.get("village") else None
            if v.get("village") and (
                village is None
                or village.kind != NodeKind.village.value
                or township is None
                or not village.path.startswith(township.path)
            ):
                errors.append(
                    row.error("village", f"{v['village']!r}不是该乡镇下的村(社区) (not a village of the township)")
                )
            if (
                self.principal is not None
                and township is not None
                and not self.principal.covers((village or township).path)
            ):
                errors.append(row.error("township", "不在您的辖区内 (outside your area)"))
            lon = _number(row, "lon", 73, 136, errors, "经度")
            lat = _number(row, "lat", 3, 54, errors, "纬度")
            geometry: dict[str, Any] | None = None
            if v.get("geometry"):
                geometry = self._geometry(row, errors)
            elif lon is not None and lat is not None:
                geometry = {"type": "Point", "coordinates": [lon, lat]}
            importance = IMPORTANCE_ALIASES.get(v["importance"])
            if importance is None:
                errors.append(row.error("importance", "等级应为 重点/次重点/一般 (key/secondary/general)"))
            level = LEVEL_ALIASES.get(v["level"])
            if level is None:
                errors.append(row.error("level", "管理等级应为 1/2/3 (一级/二级/三级)"))
            if len(errors) > before:
                continue
            assert township is not None and lon is not None and lat is not None and geometry is not None
            assert importance is not None and level is not None
            plan.append(
                _ZonePlan(
                    v["code"],
                    v["name"],
                    township.code,
                    village.code if village else None,
                    (village or township).path,
                    lon,
                    lat,
                    geometry,
                    importance,
                    level,
                    v.get("hazard_kind") or None,
                )
            )
        return plan

    @staticmethod
    def _geometry(row: Row, errors: list[CellError]) -> dict[str, Any] | None:
        try:
            value = json.loads(row.values["geometry"])
            if not isinstance(value, dict) or value.get("type") not in ("Point", "Polygon", "MultiPolygon"):
                raise ValueError("type")
            geom = shape(value)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            errors.append(row.error("geometry", "范围应为GeoJSON的Point、Polygon或MultiPolygon (GeoJSON geometry)"))
            return None
        if not shapely.is_valid(geom):
            errors.append(row.error("geometry", "多边形无效(自相交等) (invalid polygon)"))
            return None
        return value

    @staticmethod
    def _plan_households(
        rows: Sequence[Row], known: set[str], errors: list[CellError]
    ) -> dict[str, list[tuple[str, int, str | None, str | None, int | None]]]:
        plan: dict[str, list[tuple[str, int, str | None, str | None, int | None]]] = {}
        for row in rows:
            v = row.values
            before = len(errors)
            if v["zone"] not in known:
                errors.append(row.error("zone", f"防范区{v['zone']!r}不存在 (unknown zone)"))
            if not v["head_name"]:
                errors.append(row.error("head_name", "户主姓名不能为空 (head of household is required)"))
            people = _count(row, "people", errors, required=True)
            phone = v.get("phone") or None
            if phone and not PHONE_RE.match(phone):
                errors.append(row.error("phone", f"手机号{phone!r}应为11位数字 (11-digit mobile number)"))
            year = _count(row, "survey_year", errors, required=False)
            if len(errors) == before and people is not None:
                plan.setdefault(v["zone"], []).append((v["head_name"], people, phone, v.get("address") or None, year))
        return plan

    @staticmethod
    def _plan_people(
        rows: Sequence[Row], known: set[str], errors: list[CellError]
    ) -> dict[str, list[tuple[str, str, ResponsibleLevel]]]:
        plan: dict[str, list[tuple[str, str, ResponsibleLevel]]] = {}
        names: dict[str, tuple[str, int]] = {}
        for row in rows:
            v = row.values
            before = len(errors)
            if v["zone"] not in known:
                errors.append(row.error("zone", f"防范区{v['zone']!r}不存在 (unknown zone)"))
            if not v["name"]:
                errors.append(row.error("name", "姓名不能为空 (name is required)"))
            if not PHONE_RE.match(v["phone"]):
                errors.append(row.error("phone", f"手机号{v['phone']!r}应为11位数字 (11-digit mobile number)"))
            elif v["phone"] in names and names[v["phone"]][0] != v["name"]:
                first = names[v["phone"]][1]
                errors.append(row.error("phone", f"同一手机号在第{first}行对应另一姓名 (one phone, two names)"))
            level = RESPONSIBLE_ALIASES.get(v["level"])
            if level is None:
                errors.append(row.error("level", "层级应为 区级/乡镇/村/网格员/群测群防员 (responsible level)"))
            if len(errors) == before and level is not None:
                names.setdefault(v["phone"], (v["name"], row.number))
                plan.setdefault(v["zone"], []).append((v["name"], v["phone"], level))
        return plan
