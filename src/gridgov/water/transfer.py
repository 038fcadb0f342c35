"""The intake registry as a workbook: sheets 取水户, 取水点, 取水许可 and 用水计划 (XLSX through
``gridgov.kit.tabular``); the monthly plans alone also as CSV (the 用水计划 columns).

Import is all or nothing: every cell error (sheet, row, column) is collected and nothing is written if there
is one. Users are matched by 统一社会信用代码, points by user and name, permits by number, plans by user, year and
month; matched rows are updated, others added, nothing is deleted. A plan names a user already registered, or
one of the same workbook; an import with a scope (the API's caller) only reaches the users in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.kit.tabular import (
    Cell,
    CellError,
    Column,
    ImportFailed,
    Row,
    Sheet,
    read_csv,
    read_xlsx,
    write_csv,
    write_xlsx,
)
from gridgov.org.models import OrgNode
from gridgov.org.repository import under
from gridgov.registry.credit_code import problem
from gridgov.registry.industry import problem as industry_problem
from gridgov.registry.schemas import EnterpriseCreate, Phone
from gridgov.registry.service import RegistryService
from gridgov.water.models import IntakePoint, IntakeUser, Permit, Plan
from gridgov.water.progress import M3

USERS = Sheet(
    "取水户",
    (
        Column("credit_code", "统一社会信用代码"),
        Column("name", "取水户名称"),
        Column("township_code", "乡镇(街道)代码"),
        Column("village_code", "村(社区)代码", required=False),
        Column("industry_code", "行业代码(GB/T 4754)"),
        Column("contact_name", "联系人", required=False),
        Column("contact_phone", "联系电话", required=False),
        Column("annual_volume_m3", "年计划取水量(m³)"),
    ),
)
POINTS = Sheet(
    "取水点",
    (
        Column("credit_code", "统一社会信用代码"),
        Column("name", "取水点名称"),
        Column("lon", "经度"),
        Column("lat", "纬度"),
        Column("source", "水源类型"),
        Column("station_code", "计量站点编码", required=False),
    ),
)
PERMITS = Sheet(
    "取水许可",
    (
        Column("number", "许可证编号"),
        Column("credit_code", "统一社会信用代码"),
        Column("point", "取水点名称", required=False),
        Column("annual_volume_m3", "年许可取水量(m³)"),
        Column("purpose", "取水用途"),
        Column("valid_from", "有效期起"),
        Column("valid_to", "有效期止"),
        Column("status", "状态", required=False),
    ),
)
PLANS = Sheet(
    "用水计划",
    (
        Column("credit_code", "统一社会信用代码"),
        Column("year", "年"),
        Column("month", "月"),
        Column("planned_m3", "计划水量(m³)"),
    ),
)
PHONE: TypeAdapter[str | None] = TypeAdapter(Phone)
SOURCES = {"surface": "surface", "地表水": "surface", "ground": "ground", "地下水": "ground", "public": "public"}
SOURCES["公共供水"] = "public"
STATUSES = {"valid", "suspended", "revoked", "expired"}


@dataclass(frozen=True)
class ImportSummary:
    users: int
    points: int
    permits: int
    plans: int = 0

    def __str__(self) -> str:
        return f"{self.users} 取水户, {self.points} 取水点, {self.permits} 取水许可, {self.plans} 用水计划"


def _number(row: Row, key: str, errors: list[CellError], low: float, high: float) -> float:
    text = row.values.get(key, "")
    try:
        value = float(text)
    except ValueError:
        errors.append(row.error(key, f"应为数字 (not a number: {text!r})"))
        return 0.0
    if not low <= value <= high:
        errors.append(row.error(key, f"应在{low:g}–{high:g}之间 (must be between {low:g} and {high:g})"))
    return value


def _date(row: Row, key: str, errors: list[CellError]) -> date:
    text = row.values.get(key, "")[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(row.error(key, f"日期应为YYYY-MM-DD (date must be YYYY-MM-DD: {text!r})"))
        return date(1970, 1, 1)


def _integer(row: Row, key: str, errors: list[CellError], low: int, high: int) -> int:
    text = row.values.get(key, "")
    if not text.isdigit() or not low <= int(text) <= high:
        errors.append(row.error(key, f"应为{low}–{high}之间的整数 (must be a whole number {low}–{high}: {text!r})"))
        return 0
    return int(text)


def _volume(row: Row, key: str, errors: list[CellError]) -> Decimal:
    text = row.values.get(key, "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not 0 <= value <= Decimal("1e10"):
        errors.append(row.error(key, f"应为0–1e10之间的数 (must be a number 0–1e10: {text!r})"))
        return Decimal(0)
    return value.quantize(M3)


def _required(row: Row, key: str, errors: list[CellError]) -> str:
    value = row.values.get(key, "")
    if not value:
        errors.append(row.error(key, "不能为空 (required)"))
    return value


def _registration(user: IntakeUser) -> EnterpriseCreate:
    """The enterprise to register for a user the core registry does not know yet."""
    return EnterpriseCreate(
        credit_code=user.credit_code,
        name=user.name,
        industry_code=user.industry_code,
        area_code=user.village_code or user.township_code,
        contact_name=user.contact_name,
        contact_phone=user.contact_phone,
    )


class WaterTransfer:
    def __init__(self, session: Session) -> None:
        self.session = session

    def export_xlsx(self) -> bytes:
        users = {u.id: u for u in self.session.scalars(select(IntakeUser).order_by(IntakeUser.id))}
        points = {p.id: p for p in self.session.scalars(select(IntakePoint).order_by(IntakePoint.id))}
        permits = list(self.session.scalars(select(Permit).order_by(Permit.id)))
        plans = self.plan_rows(None)
        return write_xlsx(
            [
                (
                    USERS,
                    [
                        [
                            u.credit_code,
                            u.name,
                            u.township_code,
                            u.village_code,
                            u.industry_code,
                            u.contact_name,
                            u.contact_phone,
                            u.annual_volume_m3,
                        ]
                        for u in users.values()
                    ],
                ),
                (
                    POINTS,
                    [
                        [users[p.user_id].credit_code, p.name, p.lon, p.lat, p.source, p.station_code]
                        for p in points.values()
                    ],
                ),
                (
                    PERMITS,
                    [
                        [
                            p.number,
                            users[p.user_id].credit_code,
                            points[p.point_id].name if p.point_id in points else None,
                            p.annual_volume_m3,
                            p.purpose,
                            p.valid_from.isoformat(),
                            p.valid_to.isoformat(),
                            p.status,
                        ]
                        for p in permits
                    ],
                ),
                (PLANS, plans),
            ]
        )

    def plan_rows(self, scope: Sequence[str] | None, year: int | None = None) -> list[list[Cell]]:
        """The 用水计划 rows of the users in ``scope`` (None: all), of ``year`` when given."""
        statement = select(IntakeUser.credit_code, Plan.year, Plan.month, Plan.planned_m3).join(
            IntakeUser, IntakeUser.id == Plan.user_id
        )
        if scope is not None:
            statement = statement.where(under(scope, IntakeUser.path))
        if year is not None:
            statement = statement.where(Plan.year == year)
        statement = statement.order_by(IntakeUser.credit_code, Plan.year, Plan.month)
        return [[code, y, m, float(planned)] for code, y, m, planned in self.session.execute(statement)]

    def export_plans_csv(self, scope: Sequence[str] | None, year: int | None = None) -> bytes:
        return write_csv(PLANS, self.plan_rows(scope, year))

    def import_plans(self, data: bytes, filename: str, scope: Sequence[str] | None) -> int:
        """Plans from a .csv (the 用水计划 columns) or the sheet 用水计划 of an .xlsx, for users in ``scope``
        (None: all); all or nothing. The plans written."""
        if filename.lower().endswith(".csv"):
            rows, errors = read_csv(data, PLANS)
        else:
            sheets, errors = read_xlsx(data, (PLANS,))
            rows = sheets[PLANS.name]
        statement = select(IntakeUser)
        if scope is not None:
            statement = statement.where(under(scope, IntakeUser.path))
        users = {u.credit_code: u for u in self.session.scalars(statement)}
        checked = self._plans(rows, errors, set(users))
        if errors:
            raise ImportFailed(errors)
        return self._write_plans(checked, users)

    def _plans(self, rows: list[Row], errors: list[CellError], known: set[str]) -> list[tuple[str, int, int, Decimal]]:
        """The checked (code, year, month, m³) of the 用水计划 rows; errors appended to ``errors``."""
        found: list[tuple[str, int, int, Decimal]] = []
        seen: set[tuple[str, int, int]] = set()
        for row in rows:
            code = _required(row, "credit_code", errors).upper()
            if code and code not in known:
                errors.append(row.error("credit_code", f"取水户不存在 (no intake user {code})"))
            year = _integer(row, "year", errors, 1900, 2200)
            month = _integer(row, "month", errors, 1, 12)
            planned = _volume(row, "planned_m3", errors)
            if (code, year, month) in seen and year and month:
                errors.append(row.error("month", f"重复的计划 (duplicate plan of {code} {year}-{month:02d})"))
            seen.add((code, year, month))
            found.append((code, year, month, planned))
        return found

    def _write_plans(self, checked: list[tuple[str, int, int, Decimal]], users: dict[str, IntakeUser]) -> int:
        ids = [users[code].id for code, *_rest in checked]
        existing = {
            (p.user_id, p.year, p.month): p for p in self.session.scalars(select(Plan).where(Plan.user_id.in_(ids)))
        }
        for code, year, month, planned in checked:
            key = (users[code].id, year, month)
            plan = existing.get(key)
            if plan is None:
                plan = existing[key] = Plan(user_id=key[0], year=year, month=month)
                self.session.add(plan)
            plan.planned_m3 = planned
        self.session.flush()
        return len(checked)

    def import_xlsx(self, data: bytes) -> ImportSummary:
        sheets, errors = read_xlsx(data, (USERS, POINTS, PERMITS, PLANS))
        nodes = {
            code: (kind, path)
            for code, kind, path in self.session.execute(select(OrgNode.code, OrgNode.kind, OrgNode.path))
        }
        users = {u.credit_code: u for u in self.session.scalars(select(IntakeUser))}
        seen: set[str] = set()
        user_rows: list[tuple[IntakeUser | None, dict[str, object]]] = []
        for row in sheets.get(USERS.name, []):
            code = _required(row, "credit_code", errors).upper()
            if code:
                reason = problem(code)
                if reason:
                    errors.append(row.error("credit_code", reason))
                elif code in seen:
                    errors.append(row.error("credit_code", f"重复的统一社会信用代码 (duplicate code {code})"))
                seen.add(code)
            township = _required(row, "township_code", errors)
            village = row.values.get("village_code") or None
            path = ""
            if township and nodes.get(township, ("", ""))[0] != "township":
                errors.append(row.error("township_code", f"未知的乡镇(街道) (unknown township {township})"))
            elif township:
                path = nodes[township][1]
            if village:
                kind, village_path = nodes.get(village, ("", ""))
                if kind != "village" or not village_path.startswith(path):
                    errors.append(row.error("village_code", f"不是该乡镇的村(社区) (not a village of {township})"))
                path = village_path
            industry = _required(row, "industry_code", errors).upper()
            reason = industry_problem(industry) if industry else None
            if reason:
                errors.append(row.error("industry_code", reason))
            try:
                PHONE.validate_python(row.values.get("contact_phone") or None)
            except ValidationError as exc:
                errors.append(row.error("contact_phone", str(exc.errors()[0]["msg"]).removeprefix("Value error, ")))
            values: dict[str, object] = {
                "credit_code": code,
                "name": _required(row, "name", errors),
                "township_code": township,
                "village_code": village,
                "path": path,
                "industry_code": industry,
                "contact_name": row.values.get("contact_name") or None,
                "contact_phone": row.values.get("contact_phone") or None,
                "annual_volume_m3": _number(row, "annual_volume_m3", errors, 0, 1e10),
            }
            user_rows.append((users.get(code), values))
        known = set(users) | seen
        point_rows: list[tuple[Row, dict[str, object]]] = []
        point_names: set[tuple[str, str]] = {
            (u.credit_code, p.name) for p, u in self.session.execute(select(IntakePoint, IntakeUser).join(IntakeUser))
        }
        for row in sheets.get(POINTS.name, []):
            code = _required(row, "credit_code", errors).upper()
            if code and code not in known:
                errors.append(row.error("credit_code", f"取水户不存在 (no intake user {code})"))
            source = SOURCES.get(row.values.get("source", ""))
            if source is None:
                errors.append(row.error("source", "水源类型应为地表水/地下水/公共供水 (surface, ground or public)"))
            name = _required(row, "name", errors)
            point_names.add((code, name))
            point_rows.append(
                (
                    row,
                    {
                        "name": name,
                        "lon": _number(row, "lon", errors, 73, 136),
                        "lat": _number(row, "lat", errors, 3, 54),
                        "source": source or "",
                        "station_code": row.values.get("station_code") or None,
                    },
                )
            )
        permit_rows: list[tuple[Row, dict[str, object]]] = []
        numbers: set[str] = set()
        for row in sheets.get(PERMITS.name, []):
            number = _required(row, "number", errors)
            if number in numbers:
                errors.append(row.error("number", f"重复的许可证编号 (duplicate permit {number})"))
            numbers.add(number)
            code = _required(row, "credit_code", errors).upper()
            if code and code not in known:
                errors.append(row.error("credit_code", f"取水户不存在 (no intake user {code})"))
            point = row.values.get("point") or None
            if point and (code, point) not in point_names:
                errors.append(row.error("point", f"该取水户没有此取水点 (no point {point!r} of {code})"))
            status = row.values.get("status") or "valid"
            if status not in STATUSES:
                errors.append(row.error("status", "状态应为valid/suspended/revoked/expired"))
            valid_from, valid_to = _date(row, "valid_from", errors), _date(row, "valid_to", errors)
            if valid_to < valid_from:
                errors.append(row.error("valid_to", "有效期止早于有效期起 (ends before it starts)"))
            permit_rows.append(
                (
                    row,
                    {
                        "number": number,
                        "credit_code": code,
                        "point": point,
                        "annual_volume_m3": _number(row, "annual_volume_m3", errors, 0, 1e10),
                        "purpose": _required(row, "purpose", errors),
                        "valid_from": valid_from,
                        "valid_to": valid_to,
                        "status": status,
                    },
                )
            )
        plan_rows = self._plans(sheets.get(PLANS.name, []), errors, known)
        if errors:
            raise ImportFailed(errors)
        summary = self._write(user_rows, point_rows, permit_rows, users)
        return ImportSummary(summary.users, summary.points, summary.permits, self._write_plans(plan_rows, users))

    def _write(
        self,
        user_rows: list[tuple[IntakeUser | None, dict[str, object]]],
        point_rows: list[tuple[Row, dict[str, object]]],
        permit_rows: list[tuple[Row, dict[str, object]]],
        users: dict[str, IntakeUser],
    ) -> ImportSummary:
        registry = RegistryService(self.session)
        for existing, values in user_rows:
            user = existing or IntakeUser(synthetic=False)
            for key, value in values.items():
                setattr(user, key, value)
            if existing is None:
                self.session.add(user)
                users[user.credit_code] = user
            if user.enterprise_id is None:
                user.enterprise_id = registry.ensure_enterprise(None, _registration(user)).id
        self.session.flush()
        points = {(p.user_id, p.name): p for p in self.session.scalars(select(IntakePoint))}
        for row, values in point_rows:
            owner = users[row.values["credit_code"].upper()]
            point = points.get((owner.id, str(values["name"])))
            if point is None:
                point = points[(owner.id, str(values["name"]))] = IntakePoint(user_id=owner.id)
                self.session.add(point)
            for key, value in values.items():
                setattr(point, key, value)
        self.session.flush()
        permits = {p.number: p for p in self.session.scalars(select(Permit))}
        for _row, values in permit_rows:
            owner = users[str(values.pop("credit_code"))]
            point_name = values.pop("point")
            permit = permits.get(str(values["number"]))
            if permit is None:
                permit = Permit(user_id=owner.id)
                self.session.add(permit)
            permit.user_id = owner.id
            permit.point_id = points[(owner.id, str(point_name))].id if point_name else None
            for key, value in values.items():
                setattr(permit, key, value)
        self.session.flush()
        return ImportSummary(len(user_rows), len(point_rows), len(permit_rows))
