"""The collective economy as stored: each joint project's shares, its backer's cover and its year's dividends
(computed by :mod:`gridgov.village.economy`, never stored), each collective's income by source year on year,
and the weak villages. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from gridgov.configdata.service import load_document
from gridgov.errors import InvalidInput, NotFound
from gridgov.kit.principal import Principal
from gridgov.village.documents import ECONOMY
from gridgov.village.economy import Holding, YearSplit, shortfall, year_split, yuan
from gridgov.village.models import Collective, Project, ProjectYear, Shareholding
from gridgov.village.repository import VillageRepository


@dataclass(frozen=True)
class HolderView:
    code: str
    name: str
    kind: str
    invested: Decimal
    share: Decimal
    agreed: bool
    backer: bool


@dataclass(frozen=True)
class ProjectView:
    project: Project
    holders: tuple[HolderView, ...]
    cover: Decimal
    """What the backer puts in to reach the planned investment (兜底)."""
    years: tuple[tuple[ProjectYear, YearSplit], ...]


@dataclass(frozen=True)
class IncomeRow:
    collective: Collective
    year: int
    sources: dict[str, Decimal]
    """Source code → amount; ``dividend`` is what its joint projects paid it that year."""

    @property
    def total(self) -> Decimal:
        return sum(self.sources.values(), Decimal(0))


class EconomyService:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.repo = VillageRepository(session)

    def _holdings(self, project: Project, rows: Sequence[tuple[Shareholding, Collective]]) -> list[Holding]:
        """The participants, plus the backer's cover of the shortfall as its holding (when it has no stake of its
        own recorded)."""
        held = [Holding(c.code, h.invested, h.share) for h, c in rows]
        backer = next((c for _h, c in rows if c.id == project.backer_id), None)
        if project.backer_id is not None and backer is None:
            cover = shortfall(project.planned_investment, held)
            found = self.session.get(Collective, project.backer_id)
            if found is not None and cover > 0:
                held.append(Holding(found.code, cover))
        return held

    def projects(self, scope: Sequence[str] | None, year: int | None = None) -> list[ProjectView]:
        projects = self.repo.projects(scope)
        ids = [p.id for p in projects]
        holdings, years = self.repo.holdings(ids), self.repo.years(ids, year)
        names = {c.id: c for c in self.repo.collectives()}
        views: list[ProjectView] = []
        for project in projects:
            held = self._holdings(project, holdings[project.id])
            if not held:
                views.append(ProjectView(project, (), Decimal("0.00"), ()))
                continue
            splits = tuple((y, year_split(held, y.income, y.costs, project.reserve_rate)) for y in years[project.id])
            base = year_split(held, Decimal(0), Decimal(0))
            by_code = {c.code: c for c in names.values()}
            stakes = {c.code: h for h, c in holdings[project.id]}
            holders = tuple(
                HolderView(
                    code=d.holder,
                    name=by_code[d.holder].name,
                    kind=by_code[d.holder].kind,
                    invested=next(h.invested for h in held if h.holder == d.holder),
                    share=d.share,
                    agreed=d.holder in stakes and stakes[d.holder].share is not None,
                    backer=by_code[d.holder].id == project.backer_id,
                )
                for d in base.dividends
            )
            participants = [Holding(c.code, h.invested, h.share) for h, c in holdings[project.id]]
            cover = shortfall(project.planned_investment, participants) if project.backer_id else Decimal("0.00")
            views.append(ProjectView(project, holders, cover, splits))
        return views

    def project(self, principal: Principal, code: str) -> ProjectView:
        found = self.repo.project(code)
        if found is None or not principal.covers(found.path):
            raise NotFound(f"没有该项目 (no project {code})")
        return next(v for v in self.projects([found.path]) if v.project.id == found.id)

    def incomes(self, scope: Sequence[str] | None, years: Sequence[int]) -> list[IncomeRow]:
        """Every village collective in scope, per year: its own income by source and its dividends from joint
        projects (computed from the projects' years)."""
        collectives = [c for c in self.repo.collectives(scope) if c.village_code is not None]
        rows = {(c.id, y): IncomeRow(c, y, {}) for c in collectives for y in years}
        for income in self.repo.incomes([c.id for c in collectives], years):
            row = rows[(income.collective_id, income.year)]
            row.sources[income.source] = row.sources.get(income.source, Decimal(0)) + income.amount
        by_code = {c.code: c for c in collectives}
        for view in self.projects(None):
            for project_year, result in view.years:
                if project_year.expected or project_year.year not in years:
                    continue
                for dividend in result.dividends:
                    holder = by_code.get(dividend.holder)
                    if holder is not None:
                        row = rows[(holder.id, project_year.year)]
                        row.sources["dividend"] = row.sources.get("dividend", Decimal(0)) + dividend.amount
        return sorted(rows.values(), key=lambda r: (r.collective.path, r.year))

    def weak_line(self) -> Decimal:
        return load_document(self.session, ECONOMY).weak_line

    def add_year(self, principal: Principal, code: str, year: int, income: Decimal, costs: Decimal) -> ProjectYear:
        """Record (or correct) a project's income and costs of a year."""
        found = self.repo.project(code)
        if found is None or not principal.covers(found.path):
            raise NotFound(f"没有该项目 (no project {code})")
        if income < 0 or costs < 0:
            raise InvalidInput("金额不能为负 (amounts cannot be negative)", field="income" if income < 0 else "costs")
        row = next(iter(self.repo.years([found.id], year)[found.id]), None)
        if row is None:
            row = ProjectYear(project_id=found.id, year=year, income=yuan(income), costs=yuan(costs))
            self.session.add(row)
        else:
            row.income, row.costs, row.expected = yuan(income), yuan(costs), False
        self.session.flush()
        return row
