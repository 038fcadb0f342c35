"""The module's figures in the evaluation (an indicator provider): 巡查覆盖率 (places checked in the cycle that
holds the period's end, of the places due), 隐患整改率 (hazards found in the period that were put right) and
按期整改率 (put right within their limit), per township and village; the records behind a figure are the
places or the findings counted in it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.evaluation.documents import Level
from gridgov.evaluation.periods import Period
from gridgov.evaluation.providers import IndicatorDef, Part, Record
from gridgov.inspection.coverage import Tally
from gridgov.inspection.models import InspectionFinding
from gridgov.inspection.service import InspectionService
from gridgov.registry.models import Place

COVERAGE = IndicatorDef(
    key="inspection.coverage_rate",
    label="巡查覆盖率",
    label_en="Places inspected this cycle",
    numerator_label="本轮已查场所数",
    denominator_label="应查场所数",
)
RECTIFICATION = IndicatorDef(
    key="inspection.rectification_rate",
    label="隐患整改率",
    label_en="Hazards put right",
    numerator_label="已整改隐患数",
    denominator_label="发现隐患数",
)
ON_TIME = IndicatorDef(
    key="inspection.on_time_rate",
    label="按期整改率",
    label_en="Hazards put right on time",
    numerator_label="按期整改隐患数",
    denominator_label="发现隐患数",
)
PARTS: dict[str, Callable[[Tally], tuple[int, int]]] = {
    COVERAGE.key: lambda t: (t.checked, t.places),
    RECTIFICATION.key: lambda t: (t.rectified, t.found),
    ON_TIME.key: lambda t: (t.on_time, t.found),
}


class InspectionIndicators:
    source = "inspection"
    indicators = (COVERAGE, RECTIFICATION, ON_TIME)

    def figures(
        self, session: Session, period: Period, level: Level, scope: Sequence[str] | None
    ) -> Mapping[str, Mapping[str, Part]]:
        start, end = period.bounds()
        areas = InspectionService(session).coverage(level, scope, start, end)
        return {key: {code: Part(*parts(t)) for code, t in areas.items()} for key, parts in PARTS.items()}

    def records(
        self,
        session: Session,
        period: Period,
        indicator: str,
        area_path: str,
        part: Literal["numerator", "denominator"],
        limit: int,
        offset: int,
    ) -> tuple[list[Record], int]:
        start, end = period.bounds()
        service = InspectionService(session)
        if indicator == COVERAGE.key:
            starts = service.cycle_starts(end - timedelta(microseconds=1))
            places = list(session.scalars(service.repo.places(service.types(), [area_path]).order_by(Place.code)))
            last = service.repo.last_checks([p.id for p in places])
            if part == "numerator":
                places = [p for p in places if (at := last.get(p.id)) is not None and starts[p.type_code] <= at < end]
            found = [Record(f"{p.name} ({p.code})", f"/inspections/places/{p.id}") for p in places]
            return found[offset : offset + limit], len(found)
        if indicator not in PARTS:
            return [], 0
        stmt = select(InspectionFinding).where(
            InspectionFinding.path.startswith(area_path),
            InspectionFinding.found_at >= start,
            InspectionFinding.found_at < end,
        )
        rows = list(session.scalars(stmt.order_by(InspectionFinding.id)))
        if part == "numerator":
            rows = [
                f
                for f in rows
                if f.state == "rectified"
                and (
                    indicator == RECTIFICATION.key
                    or f.deadline_at is None
                    or (f.rectified_at is not None and f.rectified_at <= f.deadline_at)
                )
            ]
        records = [Record(f.description, f"/cases/{f.case_number}" if f.case_number else None) for f in rows]
        return records[offset : offset + limit], len(records)


PROVIDER = InspectionIndicators()
