"""The water module's figures in the evaluation (an indicator provider): the three rates of online metering
data (及时率、完整率、准确率) per township and village, from :class:`gridgov.water.service.WaterRates`; the records
behind a figure are the intake users counted in it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from sqlalchemy.orm import Session

from gridgov.evaluation.documents import Level
from gridgov.evaluation.periods import Period
from gridgov.evaluation.providers import IndicatorDef, Part, Record
from gridgov.water.rates import Rates
from gridgov.water.service import WaterRates

TIMELINESS = IndicatorDef(
    key="water.timeliness_rate",
    label="计量数据及时率",
    label_en="Metering data on time",
    numerator_label="及时到报数",
    denominator_label="应报数",
)
COMPLETENESS = IndicatorDef(
    key="water.completeness_rate",
    label="计量数据完整率",
    label_en="Metering data complete",
    numerator_label="有数据时段数",
    denominator_label="应报时段数",
)
ACCURACY = IndicatorDef(
    key="water.accuracy_rate",
    label="计量数据准确率",
    label_en="Metering data valid",
    numerator_label="有效数据数",
    denominator_label="实报数",
)
PARTS: dict[str, Callable[[Rates], tuple[int, int]]] = {
    TIMELINESS.key: lambda r: (r.timely, r.expected),
    COMPLETENESS.key: lambda r: (r.complete, r.expected),
    ACCURACY.key: lambda r: (r.valid, r.received),
}


class WaterIndicators:
    source = "water"
    indicators = (TIMELINESS, COMPLETENESS, ACCURACY)

    def figures(
        self, session: Session, period: Period, level: Level, scope: Sequence[str] | None
    ) -> Mapping[str, Mapping[str, Part]]:
        areas = WaterRates(session).by_area(period, level, scope)
        return {key: {code: Part(*parts(rates)) for code, rates in areas.items()} for key, parts in PARTS.items()}

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
        for entry in WaterRates(session).by_user(period, under_path=area_path):
            numerator, denominator = parts(entry.rates)
            if (numerator if part == "numerator" else denominator) > 0:
                found.append(Record(f"{entry.user.name} {numerator}/{denominator}", f"/water?user={entry.user.id}"))
        return found[offset : offset + limit], len(found)


PROVIDER = WaterIndicators()
