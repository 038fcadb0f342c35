"""The carbon module's figures in the evaluation (an indicator provider), per township and village: the
compared industry's emissions per 万元 of output value (单位产值碳排放) and the share of enterprise-months
reported (月度能耗数据报送率). Computed by :class:`gridgov.carbon.service.CarbonService` over the period; the
records behind a figure are the enterprises counted in it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from sqlalchemy.orm import Session

from gridgov.carbon.service import CarbonService, Result, Row, month_start
from gridgov.evaluation.documents import Level
from gridgov.evaluation.periods import Period
from gridgov.evaluation.providers import IndicatorDef, Part, Record, area_of

INTENSITY = IndicatorDef(
    key="carbon.output_intensity",
    label="单位产值碳排放",
    label_en="CO₂ per output value",
    numerator_label="碳排放(t)",
    denominator_label="工业总产值(万元)",
    unit="t/万元",
    direction="lower",
)
REPORTING = IndicatorDef(
    key="carbon.reporting_rate",
    label="月度能耗数据报送率",
    label_en="Monthly energy data reported",
    numerator_label="已报企业月数",
    denominator_label="应报企业月数",
)
PARTS: dict[str, Callable[[Row, int], tuple[float, float]]] = {
    INTENSITY.key: lambda r, _months: (r.emissions["total"], r.output_value),
    REPORTING.key: lambda r, months: (float(r.months), float(months)),
}


def _result(session: Session, period: Period, scope: Sequence[str] | None) -> Result:
    first = period.first_day
    end = month_start(first.year, first.month + period.months)
    return CarbonService(session).compute(period.key, first, end, scope, None)


class CarbonIndicators:
    source = "carbon"
    indicators = (INTENSITY, REPORTING)

    def figures(
        self, session: Session, period: Period, level: Level, scope: Sequence[str] | None
    ) -> Mapping[str, Mapping[str, Part]]:
        result = _result(session, period, scope)
        found: dict[str, dict[str, Part]] = {key: {} for key in PARTS}
        for row in result.rows:
            area = area_of(row.enterprise.path, level)
            if area is None:
                continue
            for key, parts in PARTS.items():
                numerator, denominator = parts(row, period.months)
                old = found[key].get(area, Part(0.0, 0.0))
                found[key][area] = Part(old.numerator + numerator, old.denominator + denominator)
        return found

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
        parts = PARTS.get(indicator)
        if parts is None:
            return [], 0
        found: list[Record] = []
        for row in _result(session, period, [area_path]).rows:
            numerator, denominator = parts(row, period.months)
            if (numerator if part == "numerator" else denominator) > 0:
                label = f"{row.enterprise.name} {numerator:.4g}/{denominator:.4g}"
                found.append(Record(label, f"/carbon/enterprises/{row.enterprise.id}?year={period.year}"))
        return found[offset : offset + limit], len(found)


PROVIDER = CarbonIndicators()
