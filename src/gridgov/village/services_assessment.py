"""The village-team assessment as stored (村级班子考核): the monthly 晒 table, the quarter's ranking, the year's
results of villages and cadres (1:1:1) and the bonuses, computed by :mod:`gridgov.village.assessment` from the
scores entered; scores and appeals. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

import yaml
from sqlalchemy.orm import Session

from gridgov.configdata.service import load_document
from gridgov.errors import Forbidden, InvalidInput, NotFound
from gridgov.evaluation.periods import Period, PeriodKind
from gridgov.kit.principal import Principal
from gridgov.org.models import OrgNode
from gridgov.village import assessment as rules
from gridgov.village.documents import ASSESSMENT
from gridgov.village.models import Cadre, Indicator, Score
from gridgov.village.repository import VillageRepository


@dataclass(frozen=True)
class Board:
    """A township's table of one period: villages × indicators, with each village's total and rank."""

    period: str
    township: OrgNode
    indicators: list[Indicator]
    villages: list[OrgNode]
    cells: dict[tuple[str, str], float]
    """(village code, indicator code) → points."""
    ranking: list[rules.Ranked]


@dataclass(frozen=True)
class CadreResult:
    cadre: Cadre
    name: str
    village_percent: float
    total: float
    grade: str
    bonus: Decimal


@dataclass(frozen=True)
class YearResult:
    year: int
    township: OrgNode
    villages: list[tuple[OrgNode, float, float, int]]
    """(village, points, percent of its full marks, rank)."""
    cadres: list[CadreResult]
    pool: Decimal


def _as_rule(i: Indicator) -> rules.Indicator:
    return rules.Indicator(i.code, i.kind, i.cadence, i.max_points)


class AssessmentService:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.repo = VillageRepository(session)

    def township(self, principal: Principal, code: str) -> OrgNode:
        """A township the reader covers, or holds a village of (a township's villages are ranked together: the
        晒 is public within the township, never outside it)."""
        node = self.repo.node(code)
        if node is None or node.kind != "township":
            raise NotFound(f"没有该乡镇 (no township {code})")
        if not principal.covers(node.path) and not any(p.startswith(node.path) for p in principal.scope_paths):
            raise NotFound(f"没有该乡镇 (no township {code})")
        return node

    def board(self, principal: Principal, township: str, period: Period) -> Board:
        """Monthly (shown values of the 月晒季考 indicators) or quarterly (their scores, ranked)."""
        if period.kind not in (PeriodKind.month, PeriodKind.quarter):
            raise InvalidInput("期间应为月或季度 (period must be a month or a quarter)", field="period")
        node = self.township(principal, township)
        indicators = [i for i in self.repo.indicators(period.year, node.path) if i.cadence == rules.MONTHLY]
        villages = self.repo.villages(node.path)
        cells = {(s.village_code, i.code): s.points for i, s in self._scores(indicators, [period.key])}
        codes = [v.code for v in villages]
        totals = rules.quarter_totals([_as_rule(i) for i in indicators], cells, codes)
        return Board(period.key, node, indicators, villages, cells, rules.rank(totals))

    def _scores(self, indicators: Sequence[Indicator], periods: Sequence[str]) -> list[tuple[Indicator, Score]]:
        by_id = {i.id: i for i in indicators}
        return [(by_id[s.indicator_id], s) for s in self.repo.scores(list(by_id), periods)]

    def year(self, principal: Principal, township: str, year: int, pool_per_village: Decimal) -> YearResult:
        """The year's results: each village's quarters, annual indicators and individual tasks; each cadre's 1:1:1
        result, grade and share of the bonus pool (``pool_per_village`` for each village of the township)."""
        node = self.township(principal, township)
        settings = load_document(self.session, ASSESSMENT)
        indicators = self.repo.indicators(year, node.path)
        villages = self.repo.villages(node.path)
        codes = [v.code for v in villages]
        as_rules = [_as_rule(i) for i in indicators]
        quarterly = [r for r in as_rules if r.cadence == rules.MONTHLY]
        quarter_keys = [f"{year}-Q{q}" for q in range(1, 5)]
        scored = self._scores(indicators, [*quarter_keys, str(year)])
        quarters = []
        for key in quarter_keys:
            cells = {(s.village_code, i.code): s.points for i, s in scored if s.period == key}
            quarters.append(rules.quarter_totals(quarterly, cells, codes))
        own: dict[str, list[str]] = {}
        for i in indicators:
            if i.village_code:
                own.setdefault(i.village_code, []).append(i.code)
        annual = {
            (s.village_code, i.code): s.points
            for i, s in scored
            if s.period == str(year) and (i.village_code is None or i.village_code == s.village_code)
        }
        totals = rules.year_totals(as_rules, quarters, annual, codes)
        percent = {v: 100 * totals[v] / (rules.full_marks(as_rules, own, v) or 1) for v in codes}
        ranked = {r.village: r.rank for r in rules.rank(percent)}
        by_code = {v.code: v for v in villages}
        table = [(by_code[v], round(totals[v], 2), round(percent[v], 2), ranked[v]) for v in codes]
        table.sort(key=lambda row: (row[3], row[0].code))
        cadres = self.repo.cadres(year, [node.path])
        names = self.repo.people([c.person_id for c in cadres])
        grades = settings.grade_rules()
        found: list[tuple[Cadre, float, rules.Grade]] = []
        for cadre in cadres:
            total = rules.cadre_total(
                percent.get(cadre.village_code, 0.0), cadre.duty or 0.0, cadre.appraisal or 0.0, settings.weights
            )
            found.append((cadre, total, rules.grade_of(total, grades)))
        pool = (pool_per_village * len(villages)).quantize(Decimal("0.01"))
        weights = {str(c.id): g.coefficient * settings.factor(c.post) for c, _t, g in found}
        paid = rules.bonuses(pool, weights)
        results = [
            CadreResult(
                c, names[c.person_id].name, round(percent.get(c.village_code, 0.0), 2), t, g.name, paid[str(c.id)]
            )
            for c, t, g in found
        ]
        return YearResult(year, node, table, results, pool)

    def set_score(
        self, principal: Principal, indicator_id: int, village: str, period: Period, points: float, note: str | None
    ) -> Score:
        """Enter (or correct) a village's score; the period must suit the indicator (a month or quarter for 月晒季考,
        the year for an annual one)."""
        indicator = self.session.get(Indicator, indicator_id)
        node = self.repo.node(village)
        if indicator is None or node is None or not principal.covers(node.path) or not principal.covers(indicator.path):
            raise NotFound("没有该指标或村社 (no such indicator or village)")
        if not node.path.startswith(indicator.path):
            raise InvalidInput("该指标不适用于该村社 (the indicator is not this village's)", field="village")
        allowed = (PeriodKind.month, PeriodKind.quarter) if indicator.cadence == rules.MONTHLY else (PeriodKind.year,)
        if period.kind not in allowed or period.year != indicator.year:
            raise InvalidInput("期间与指标的考核周期不符 (the period does not suit the indicator)", field="period")
        if not 0 <= points <= indicator.max_points:
            raise InvalidInput(f"得分应在0–{indicator.max_points}之间 (points out of range)", field="points")
        score = self.repo.score(indicator.id, village, period.key)
        if score is None:
            score = Score(indicator_id=indicator.id, village_code=village, path=node.path, period=period.key)
            self.session.add(score)
        score.points, score.note = points, note
        if score.status == "appealed":
            score.status = "revised"
        self.session.flush()
        return score

    def appeal(self, principal: Principal, score_id: int, reason: str) -> Score:
        """A village appeals its score with a reason (申诉); the score shows as appealed until corrected."""
        score = self.session.get(Score, score_id)
        if score is None or not principal.covers(score.path):
            raise NotFound("没有该得分 (no such score)")
        if "village_cadre" not in principal.roles and not principal.can("village:assess"):
            raise Forbidden("只有村社干部可以申诉 (only the village's cadres appeal)")
        score.status, score.appeal = "appealed", reason
        self.session.flush()
        return score


def indicator_set(year: int) -> dict[str, Any]:
    """The shipped indicator set of a year (``data/indicators_<year>.yaml``)."""
    try:
        text = resources.files("gridgov.village").joinpath(f"data/indicators_{year}.yaml").read_text("utf-8")
    except FileNotFoundError as exc:
        raise NotFound(f"没有{year}年的指标体系 (no indicator set for {year})") from exc
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def install_set(session: Session, township: OrgNode, villages: Sequence[OrgNode], spec: dict[str, Any]) -> int:
    """Write a year's indicator set for a township: the common ones, and the individual tasks dealt round the
    villages in turn (each village's tasks share ``individual_points``). Returns the number written."""
    year = int(spec["year"])
    rows = [
        Indicator(
            year=year,
            code=item["code"],
            name=item["name"],
            kind=rules.COMMON,
            cadence=cadence,
            max_points=float(item["points"]),
            township_code=township.code,
            village_code=None,
            path=township.path,
            source=item.get("source"),
        )
        for cadence, key in ((rules.MONTHLY, "monthly"), (rules.ANNUAL, "annual"))
        for item in spec[key]
    ]
    tasks = int(spec.get("individual_tasks", 0))
    names = spec.get("individual_names") or ["个性任务"]
    per_village = {v.code: sum(1 for t in range(tasks) if t % len(villages) == i) for i, v in enumerate(villages)}
    for t in range(tasks if villages else 0):
        village = villages[t % len(villages)]
        rows.append(
            Indicator(
                year=year,
                code=f"P{t + 1:03d}",
                name=f"{village.name}:{names[t % len(names)]}",
                kind=rules.INDIVIDUAL,
                cadence=rules.ANNUAL,
                max_points=round(float(spec["individual_points"]) / per_village[village.code], 4),
                township_code=township.code,
                village_code=village.code,
                path=village.path,
                source=None,
            )
        )
    session.add_all(rows)
    session.flush()
    return len(rows)
