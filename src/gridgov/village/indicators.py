"""The village module's figure in the evaluation (an indicator provider): the assessment score rate (考核得分率)
per township and village — the points the villages scored in the period over the points they could score (a
month: the 晒 values; a quarter: the 月晒季考 scores; a year: the annual and individual ones). The records behind
a figure are the scores counted in it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.evaluation.documents import Level
from gridgov.evaluation.periods import Period
from gridgov.evaluation.providers import IndicatorDef, Part, Record, area_of
from gridgov.org.repository import under
from gridgov.village.models import Indicator, Score

SCORE_RATE = IndicatorDef(
    key="village.assessment_score_rate",
    label="村级班子考核得分率",
    label_en="Village-team assessment score rate",
    numerator_label="得分",
    denominator_label="应得分",
)


def _scored(session: Session, period: Period, scope: Sequence[str] | None) -> list[tuple[Score, Indicator]]:
    statement = (
        select(Score, Indicator)
        .join(Indicator, Indicator.id == Score.indicator_id)
        .where(Score.period == period.key)
        .order_by(Score.path, Score.id)
    )
    if scope is not None:
        statement = statement.where(under(scope, Score.path))
    return [(s, i) for s, i in session.execute(statement)]


class VillageIndicators:
    source = "village"
    indicators = (SCORE_RATE,)

    def figures(
        self, session: Session, period: Period, level: Level, scope: Sequence[str] | None
    ) -> Mapping[str, Mapping[str, Part]]:
        sums: dict[str, tuple[float, float]] = {}
        for score, indicator in _scored(session, period, scope):
            area = area_of(score.path, level)
            if area is not None:
                got, could = sums.get(area, (0.0, 0.0))
                sums[area] = (got + min(score.points, indicator.max_points), could + indicator.max_points)
        return {SCORE_RATE.key: {code: Part(n, d) for code, (n, d) in sums.items()}}

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
        if indicator != SCORE_RATE.key:
            return [], 0
        found = [
            Record(f"{s.village_code} {i.code} {i.name} {s.points:g}/{i.max_points:g}", f"/village?period={period.key}")
            for s, i in _scored(session, period, [area_path])
        ]
        return found[offset : offset + limit], len(found)


PROVIDER = VillageIndicators()
