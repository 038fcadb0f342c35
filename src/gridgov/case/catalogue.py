"""The case catalogue in the database: the taxonomy (categories and their time limits), the holiday table and
the routing rules' document, loaded once per process and version. Flushes, never commits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.case.calendar import WorkCalendar
from gridgov.case.models import CaseCategory, Holiday
from gridgov.case.repository import CaseRepository
from gridgov.case.routing import RoutingRules
from gridgov.case.taxonomy import Taxonomy, default_taxonomy
from gridgov.configdata.service import DocumentKind

ROUTING = DocumentKind("case.routing", RoutingRules, "gridgov.case", "data/routing.yaml")
_taxonomies: dict[tuple[str, tuple[int, str | None]], Taxonomy] = {}
_calendars: dict[tuple[str, WorkCalendar, tuple[int, int, int]], WorkCalendar] = {}


def load_taxonomy(session: Session, version: tuple[int, str | None] | None = None) -> Taxonomy:
    """The taxonomy edited in the database, or the shipped default while none has been loaded.
    Parsed once per process and version (row count and latest change), not on every request."""
    repo = CaseRepository(session)
    key = (str(session.get_bind().engine.url), version or repo.config_versions()[0])
    cached = _taxonomies.get(key)
    if cached is not None:
        return cached
    rows = repo.categories()
    if not rows:
        taxonomy = default_taxonomy()
    else:
        majors = {r.major: r.major_name for r in rows}
        categories = [r.spec for r in rows if r.active]
        retired = [r.spec for r in rows if not r.active]
        taxonomy = Taxonomy.model_validate(
            {"version": 0, "majors": majors, "categories": categories, "retired": retired}
        )
    if len(_taxonomies) > 16:
        _taxonomies.clear()
    _taxonomies[key] = taxonomy
    return taxonomy


def load_calendar(session: Session, base: WorkCalendar, version: tuple[int, int, int] | None = None) -> WorkCalendar:
    """``base`` with the holiday tables administrators loaded; built once per process and version."""
    repo = CaseRepository(session)
    key = (str(session.get_bind().engine.url), base, version or repo.config_versions()[1])
    cached = _calendars.get(key)
    if cached is not None:
        return cached
    days = repo.holidays()
    calendar = replace(
        base,
        holidays=base.holidays | {d for d, work in days if not work},
        workdays=base.workdays | {d for d, work in days if work},
    )
    if len(_calendars) > 16:
        _calendars.clear()
    _calendars[key] = calendar
    return calendar


def save_taxonomy(session: Session, taxonomy: Taxonomy) -> int:
    """Store a taxonomy in the database (categories absent from it are deactivated, never deleted:
    old cases keep their category). Returns the number of active categories."""
    existing = {row.code: row for row in CaseRepository(session).categories()}
    for category in taxonomy.categories:
        row = existing.pop(category.code, None) or CaseCategory(code=category.code)
        row.name, row.major, row.major_name = category.name, category.major, taxonomy.majors[category.major]
        row.spec, row.active = category.model_dump(mode="json"), True
        session.add(row)
    for row in existing.values():
        row.active = False
    session.flush()
    return len(taxonomy.categories)


def load_holidays(session: Session, rows: list[tuple[date, bool, str]]) -> int:
    """Store holiday-table rows (day, is_workday, name), replacing those of the same days."""
    existing = {h.day: h for h in session.scalars(select(Holiday).where(Holiday.day.in_([r[0] for r in rows])))}
    for day, is_workday, name in rows:
        row = existing.get(day) or Holiday(day=day)
        row.is_workday, row.name = is_workday, name
        session.add(row)
    session.flush()
    return len(rows)


def taxonomy_yaml(taxonomy: Taxonomy) -> str:
    return yaml.safe_dump(taxonomy.model_dump(mode="json"), allow_unicode=True, sort_keys=False)


def clear_holidays(session: Session, year: int) -> int:
    """Remove the holiday table loaded for one year (each row deleted through the ORM, so audited);
    the year falls back to the package, or to Monday–Friday. Returns the number of rows removed."""
    rows = CaseRepository(session).holiday_rows(year)
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)
