"""XLSX/CSV import and export of shareholdings (入股) and assessment scores (考核得分). An import checks every row
first and writes nothing when any cell is wrong (the error names sheet, row and column); only rows within the
importer's scope are accepted."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.errors import AppError
from gridgov.evaluation.periods import Period
from gridgov.kit.principal import Principal
from gridgov.kit.tabular import Cell, CellError, Column, ImportFailed, Row, Sheet, read_csv, read_xlsx
from gridgov.village.models import Indicator, Shareholding
from gridgov.village.repository import VillageRepository
from gridgov.village.services_assessment import AssessmentService

SHARES = Sheet(
    "入股",
    (
        Column("project", "项目编码"),
        Column("collective", "参与方编码"),
        Column("invested", "出资(元)"),
        Column("share", "约定比例(0-1)", required=False),
    ),
)
SCORES = Sheet(
    "考核得分",
    (
        Column("indicator", "指标编码"),
        Column("village", "村社代码"),
        Column("period", "期间"),
        Column("points", "得分"),
        Column("note", "说明", required=False),
    ),
)


def read(data: bytes, filename: str, sheet: Sheet) -> list[Row]:
    rows, errors = read_csv(data, sheet) if filename.lower().endswith(".csv") else read_xlsx(data, [sheet])
    if isinstance(rows, dict):
        rows = rows.get(sheet.name, [])
    if errors:
        raise ImportFailed(errors)
    return rows


def _decimal(row: Row, key: str, errors: list[CellError], high: Decimal) -> Decimal | None:
    text = row.values.get(key, "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors.append(row.error(key, f"应为数字 (not a number: {text!r})"))
        return None
    if not Decimal(0) <= value <= high:
        errors.append(row.error(key, f"应在0–{high}之间 (must be between 0 and {high})"))
        return None
    return value


class VillageTransfer:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.repo = VillageRepository(session)

    def share_rows(self, principal: Principal) -> list[list[Cell]]:
        projects = self.repo.projects(principal.scope_paths)
        holdings = self.repo.holdings([p.id for p in projects])
        return [
            [p.code, c.code, float(h.invested), None if h.share is None else float(h.share)]
            for p in projects
            for h, c in holdings[p.id]
        ]

    def import_shares(self, principal: Principal, rows: list[Row]) -> int:
        errors: list[CellError] = []
        planned: list[tuple[int, int, Decimal, Decimal | None]] = []
        for row in rows:
            project = self.repo.project(row.values.get("project", ""))
            collective = self.repo.collective(row.values.get("collective", ""))
            if project is None or not principal.covers(project.path):
                errors.append(row.error("project", "没有该项目或不在管辖范围 (unknown project or out of scope)"))
            if collective is None:
                errors.append(row.error("collective", "没有该参与方 (unknown participant)"))
            invested = _decimal(row, "invested", errors, Decimal("1e13"))
            share = _decimal(row, "share", errors, Decimal(1)) if row.values.get("share") else None
            if project and collective and invested is not None:
                planned.append((project.id, collective.id, invested, share))
        if errors:
            raise ImportFailed(errors)
        for project_id, collective_id, invested, share in planned:
            found = self.session.scalars(
                select(Shareholding).where(
                    Shareholding.project_id == project_id, Shareholding.collective_id == collective_id
                )
            ).first()
            if found is None:
                found = Shareholding(project_id=project_id, collective_id=collective_id, invested=invested)
                self.session.add(found)
            found.invested, found.share = invested, share
        self.session.flush()
        return len(planned)

    def score_rows(self, township_path: str, year: int) -> list[list[Cell]]:
        indicators = self.repo.indicators(year, township_path)
        by_id = {i.id: i for i in indicators}
        periods = [str(year), *(f"{year}-Q{q}" for q in range(1, 5)), *(f"{year}-{m:02d}" for m in range(1, 13))]
        scores = sorted(self.repo.scores(list(by_id), periods), key=lambda s: (s.village_code, s.period, s.id))
        return [[by_id[s.indicator_id].code, s.village_code, s.period, s.points, s.note] for s in scores]

    def import_scores(self, principal: Principal, rows: list[Row]) -> int:
        """Every row is checked as :meth:`AssessmentService.set_score` would, inside a savepoint; any error rolls
        all of them back."""
        errors: list[CellError] = []
        service = AssessmentService(self.session)
        written = 0
        nested = self.session.begin_nested()
        for row in rows:
            try:
                period = Period.parse(row.values.get("period", ""))
            except ValueError as exc:
                errors.append(row.error("period", str(exc)))
                continue
            indicator = self.session.scalars(
                select(Indicator).where(Indicator.year == period.year, Indicator.code == row.values.get("indicator"))
            ).first()
            if indicator is None:
                errors.append(row.error("indicator", "没有该指标 (unknown indicator)"))
                continue
            try:
                points = float(row.values.get("points", ""))
            except ValueError:
                errors.append(row.error("points", "应为数字 (not a number)"))
                continue
            try:
                service.set_score(
                    principal, indicator.id, row.values.get("village", ""), period, points, row.values.get("note")
                )
                written += 1
            except AppError as exc:
                column = exc.field if exc.field in ("village", "period", "points") else "village"
                errors.append(row.error(column, exc.message))
        if errors:
            nested.rollback()
            raise ImportFailed(errors)
        nested.commit()
        return written
