"""Evaluation logic: indicators per unit and period, scores, rankings, flags, drill-down. Flushes, never commits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from gridgov.configdata.service import load_document
from gridgov.errors import InvalidInput, NotFound
from gridgov.evaluation.documents import FLAGS, RULES, SCORING, Level, LevelRule, Peer, Rules
from gridgov.evaluation.indicators import COUNT_LABELS, RATE_BY_KEY, Counts, Rate, RuleSet, percentile_rank, rates
from gridgov.evaluation.periods import Period
from gridgov.evaluation.providers import NO_INDICATORS, IndicatorDef, Indicators, Part, Record, display, score_of
from gridgov.evaluation.repository import LEVEL_COLUMNS, EvaluationRepository
from gridgov.evaluation.scoring import Colour, Entry, FlagRule, Scheme, assign_flags, rank, score
from gridgov.kit.time import utcnow

CockpitCounter = Callable[[Session, Sequence[str]], Mapping[str, int]]
"""A module's figures for the cockpit, for the reader's scope (materialised paths)."""

URGENT_KEYS = ("due_close", "closed", "closed_on_time", "deferred", "hung")
COMPLETE_TTL = 600.0
CURRENT_TTL = 30.0


@dataclass
class UnitFigures:
    level: Level
    key: str
    """Node code (areas), unit code (units) or person id (members)."""
    name: str
    parent: str | None
    """The township of a village, the village of a grid, the node of a unit."""
    tier: str = ""
    counts: Counts = field(default_factory=Counts)
    urgent: Counts = field(default_factory=Counts)
    p90_hours: float | None = None

    def rates(self, rules: RuleSet) -> dict[str, Rate]:
        return rates(self.counts, self.urgent, rules)

    def as_dict(self, rules: RuleSet) -> dict[str, Any]:
        return {
            "level": self.level.value,
            "key": self.key,
            "name": self.name,
            "parent": self.parent,
            "counts": {k: getattr(self.counts, k) for k in Counts.KEYS},
            "urgent_counts": {k: getattr(self.urgent, k) for k in URGENT_KEYS},
            "rates": {k: r.as_dict() for k, r in self.rates(rules).items()},
            "mean_handle_hours": _round(self.counts.mean_handle_hours),
            "p90_handle_hours": _round(self.p90_hours),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dataclass
class Evaluation:
    period: Period
    computed_at: datetime
    units: dict[Level, dict[str, UnitFigures]]

    def level(self, level: Level, parent: str | None = None) -> list[UnitFigures]:
        items = self.units.get(level, {}).values()
        return sorted((u for u in items if parent is None or u.parent == parent), key=lambda u: u.key)

    def get(self, level: Level, key: str) -> UnitFigures:
        found = self.units.get(level, {}).get(key)
        if found is None:
            raise NotFound(f"{level.label} {key} 在本期没有案件或不在您的辖区内 (no cases of this unit in your area)")
        return found


@dataclass(frozen=True)
class RankRow:
    unit: UnitFigures
    score: float | None
    sample: int
    peer: str
    rank: int | None
    group_size: int
    flag: Colour | None


_cache: dict[tuple[Any, ...], tuple[float, Evaluation]] = {}
_cache_lock = threading.Lock()
_month_cache: dict[tuple[str, tuple[str, ...], str], tuple[float, dict[str, int]]] = {}


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
        _month_cache.clear()


def peer_of(unit: UnitFigures, peer: Peer) -> str:
    if peer is Peer.parent:
        return unit.parent or ""
    if peer is Peer.township_kind:
        return "街道" if unit.name.endswith("街道") else "乡镇"
    if peer is Peer.unit_tier:
        return {"county": "区级部门", "township": "乡镇(街道)科室"}.get(unit.tier, unit.tier)
    return ""


class EvaluationService:
    def __init__(
        self,
        session: Session,
        *,
        clock: Callable[[], datetime] = utcnow,
        indicators: Indicators = NO_INDICATORS,
        counters: Mapping[str, CockpitCounter] | None = None,
    ) -> None:
        self.session = session
        self.repo = EvaluationRepository(session)
        self.clock = clock
        self.indicators = indicators
        """The enabled modules' indicator providers."""
        self.counters = dict(counters or {})
        """The enabled modules' cockpit counters, by name."""

    @property
    def rules_document(self) -> Rules:
        return load_document(self.session, RULES)

    def rule_set(self, name: str | None = None) -> tuple[str, RuleSet]:
        document = self.rules_document
        chosen = name or document.default
        if chosen not in document.rule_sets:
            raise InvalidInput(
                f"未知的分母规则 {chosen} (unknown rule set; known: {', '.join(document.rule_sets)})", field="rules"
            )
        return chosen, document.rule_set(chosen)

    def scheme(self, name: str | None = None) -> tuple[str, Scheme]:
        document = load_document(self.session, SCORING)
        chosen = name or load_document(self.session, FLAGS).scheme or document.default
        if chosen not in document.schemes:
            raise InvalidInput(
                f"未知的计分方案 {chosen} (unknown scheme; known: {', '.join(document.schemes)})", field="scheme"
            )
        return chosen, document.schemes[chosen]

    def level_rule(self, level: Level) -> LevelRule:
        return load_document(self.session, FLAGS).levels.get(level) or LevelRule()

    # indicators ---------------------------------------------------------------------------------------
    def _facts(self, period: Period, scope: Sequence[str] | None) -> Any:
        rules = self.rules_document
        start, end = period.bounds()
        months = (period.month_keys[0], period.month_keys[-1])
        return self.repo.case_facts(start, end, months, scope, rules.public_sources, rules.emergency_min_severity)

    # the stored facts ---------------------------------------------------------------------------------
    def catch_up(
        self, upto: int | None = None, *, batch: int = 50_000, between: Callable[[], None] | None = None
    ) -> int:
        """Bring the stored facts up to event ``upto`` (default: the last event): the cases with newer events
        are derived afresh from all their events, ``batch`` case ids at a time (``between`` runs after each
        batch: the periodic task commits there), then the mark moves. Returns how many events were read."""
        after = self.repo.fact_mark()
        upto = self.repo.last_event_id() if upto is None else upto
        if upto <= after:
            return 0
        touched = self.repo.touched_cases(after, upto)
        if touched is not None:
            for lo in range(touched[0], touched[1] + 1, batch):
                self.repo.refresh_facts(after, upto, lo, min(lo + batch - 1, touched[1]))
                self.session.flush()
                if between is not None:
                    between()
        self.repo.set_fact_mark(upto, self.clock())
        return upto - after

    def evaluate(self, period: Period, scope: Sequence[str] | None, *, cached: bool = True) -> Evaluation:
        """Every unit's counts for a period; ``scope`` None = the whole database (reports, the monthly run)."""
        now = self.clock()
        start, end = period.bounds()
        complete = end <= now
        rules = self.rules_document
        key = (
            str(self.session.get_bind().engine.url),
            period.key,
            tuple(scope) if scope is not None else None,
            tuple(rules.public_sources),
            rules.emergency_min_severity,
            complete,
        )
        if cached:
            with _cache_lock:
                hit = _cache.get(key)
            if hit is not None and time.monotonic() - hit[0] < (COMPLETE_TTL if complete else CURRENT_TTL):
                return hit[1]
        evaluation = self._compute(period, scope)
        with _cache_lock:
            if len(_cache) > 64:
                _cache.clear()
            _cache[key] = (time.monotonic(), evaluation)
        return evaluation

    def _compute(self, period: Period, scope: Sequence[str] | None) -> Evaluation:
        self.repo.analytics_memory()
        sums, hours = self.repo.figures(self._facts(period, scope))
        areas = [s for s in sums if s.kind == "area"]
        codes = {code for s in areas for code in s.keys if code}
        nodes = self.repo.nodes(sorted(codes))
        county_code = next((path.split("/")[0] for _n, _k, path in nodes.values()), "")
        county_name = self.repo.nodes([county_code]).get(county_code, ("", "", ""))[0] if county_code else ""
        units = self.repo.units(sorted({int(str(s.keys[0])) for s in sums if s.kind == "unit"}))
        people = self.repo.people(sorted({int(str(s.keys[0])) for s in sums if s.kind == "member"}))
        result: dict[Level, dict[str, UnitFigures]] = {level: {} for level in Level}

        def figure(level: Level, key: str, name: str, parent: str | None, tier: str = "") -> UnitFigures:
            found = result[level].get(key)
            if found is None:
                found = result[level][key] = UnitFigures(level, key, name, parent, tier)
            return found

        for part in sums:
            township, village, grid = part.keys
            if part.kind == "area":
                assert township is not None
                targets = [
                    figure(Level.county, county_code, county_name, None),
                    figure(Level.township, township, nodes.get(township, (township,))[0], county_code),
                ]
                if village:
                    targets.append(figure(Level.village, village, nodes.get(village, (village,))[0], township))
                if grid:
                    targets.append(figure(Level.grid, grid, nodes.get(grid, (grid,))[0], village or township))
            elif part.kind == "unit":
                if int(str(township)) not in units:
                    continue
                code, name, kind, path = units[int(str(township))]
                targets = [figure(Level.unit, code, name, path.rstrip("/").split("/")[-1], kind)]
            else:
                key = str(township)
                targets = [figure(Level.member, key, people.get(int(key), key), None)]
            for target in targets:
                target.counts.add(part.counts)
                if part.urgent:
                    target.urgent.add(part.counts)
        unit_codes = {str(uid): unit[0] for uid, unit in units.items()}
        for level, values in p90_by_key(hours).items():
            for key, value in values.items():
                shown = (
                    unit_codes.get(key, "") if level is Level.unit else county_code if level is Level.county else key
                )
                found = result[level].get(shown)
                if found is not None:
                    found.p90_hours = value
        return Evaluation(period, self.clock(), result)

    # scores and ranking -------------------------------------------------------------------------------
    def ranking(self, evaluation: Evaluation, level: Level, scheme: Scheme, parent: str | None = None) -> list[RankRow]:
        rule = self.level_rule(level)
        _name, rule_set = self.rule_set(scheme.rules)
        units = evaluation.level(level)
        entries = []
        by_key = {u.key: u for u in units}
        scores: dict[str, float | None] = {}
        provided = self.provided_rates(scheme, evaluation.period, level)
        for unit in units:
            sample = int(getattr(unit.counts, scheme.sample))
            rates_ = unit.rates(rule_set) | provided.get(unit.key, {})
            scores[unit.key] = score(scheme, rates_, unit.counts).total if sample > 0 else None
            entries.append(Entry(unit.key, scores[unit.key], sample, peer_of(unit, rule.peer)))
        ranked = rank(entries, rule.min_sample)
        flags = assign_flags(ranked, rule.flags)
        rows = [
            RankRow(by_key[r.key], r.score, r.sample, r.peer, r.rank, r.group_size, flags.get(r.key))
            for r in ranked
            if parent is None or by_key[r.key].parent == parent
        ]
        return rows

    def provided_rates(self, scheme: Scheme, period: Period, level: Level) -> dict[str, dict[str, Rate]]:
        """Area code → the modules' indicators a scheme names, as rates (only what the scheme needs)."""
        wanted = {getattr(item, "rate", "") for item in scheme.items} & {d.key for d in self.indicators.definitions()}
        if not wanted:
            return {}
        out: dict[str, dict[str, Rate]] = {}
        for key, areas in self.indicators.figures(self.session, period, level, None).items():
            if key not in wanted:
                continue
            found = self.indicators.get(key)
            assert found is not None
            for area, part in areas.items():
                out.setdefault(area, {})[key] = Rate(
                    key, found[1].label, _plain(part.numerator), _plain(part.denominator)
                )
        return out

    def indicator_ranking(
        self, key: str, period: Period, level: Level, scope: Sequence[str] | None, parent: str | None = None
    ) -> tuple[IndicatorDef, list[ProvidedRow]]:
        """Areas of ``level`` ranked by one module indicator within their peer groups (the level's rule: minimum
        sample on the denominator, red/yellow flags by rank)."""
        found = self.indicators.get(key)
        if found is None:
            known = ", ".join(d.key for d in self.indicators.definitions()) or "none"
            raise NotFound(f"未知或未启用的指标 {key} (unknown indicator; enabled: {known})")
        provider, definition = found
        if level not in definition.levels:
            raise InvalidInput(
                f"{definition.label}没有{level.label}一级的数据 (no figures at this level)", field="level"
            )
        areas = provider.figures(self.session, period, level, scope).get(key, {})
        names = self.repo.nodes(sorted(areas))
        rule = self.level_rule(level)
        entries = []
        for code, part in areas.items():
            name, _kind, path = names.get(code, (code, "", ""))
            holder = UnitFigures(level, code, name, _parent_code(path))
            entries.append(Entry(code, score_of(definition, part), int(part.denominator), peer_of(holder, rule.peer)))
        ranked = rank(entries, rule.min_sample)
        flags = assign_flags(ranked, FlagRule(top=rule.flags.top, bottom=rule.flags.bottom))
        rows = []
        for r in ranked:
            name, _kind, path = names.get(r.key, (r.key, "", ""))
            if parent is not None and _parent_code(path) != parent:
                continue
            part = areas[r.key]
            rows.append(
                ProvidedRow(
                    r.key, name, path, part, display(definition, part), r.rank, r.group_size, r.peer, flags.get(r.key)
                )
            )
        return definition, rows

    def indicator_records(
        self,
        key: str,
        period: Period,
        level: Level,
        code: str,
        part: Literal["numerator", "denominator"],
        scope: Sequence[str] | None,
        limit: int,
        offset: int,
    ) -> tuple[IndicatorDef, list[Record], int]:
        """The records behind one part of a module indicator for one area (the drill-down)."""
        found = self.indicators.get(key)
        if found is None:
            raise NotFound(f"未知或未启用的指标 {key} (unknown indicator)")
        self._check_reach(scope, level, code)
        path = self.repo.nodes([code]).get(code, ("", "", ""))[2]
        if not path:
            raise NotFound(f"{level.label}{code}不存在 (no such area)")
        records, total = found[0].records(self.session, period, key, path, part, limit, offset)
        return found[1], records, total

    # drill-down ---------------------------------------------------------------------------------------
    def drill(
        self,
        period: Period,
        scope: Sequence[str] | None,
        level: Level,
        key: str,
        count: str,
        *,
        exclude: Sequence[str] = (),
        urgent: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[str], int]:
        """The case numbers behind one figure: ``count`` of the unit, less the ``exclude``d counts (a rate's
        denominator under a rule set), over the emergency cases only when ``urgent``."""
        for name in (count, *exclude):
            if name not in COUNT_LABELS:
                raise InvalidInput(f"未知的统计项 {name} (unknown count)", field="count")
        self._check_reach(scope, level, key)
        facts = self._facts(period, scope)
        conditions: list[ColumnElement[bool]] = [facts.c[name] == 0 for name in exclude]
        if urgent:
            conditions.append(facts.c.urgent == 1)
        if level is Level.unit:
            unit_id = self.repo.unit_id(key)
            if unit_id is None:
                raise NotFound(f"单位{key}不存在 (unknown unit)")
            conditions.append(facts.c.unit_id == unit_id)
        elif level is Level.member:
            conditions.append(facts.c.reporter_person_id == int(key))
        elif level is not Level.county:
            conditions.append(facts.c[LEVEL_COLUMNS[level.value]] == key)
        return self.repo.drill(facts, count, conditions, limit, offset)

    def _check_reach(self, scope: Sequence[str] | None, level: Level, key: str) -> None:
        """An area or unit outside the scope is not there (404), whatever its cases."""
        if scope is None or level in (Level.member, Level.county):
            return
        if level is Level.unit:
            unit_id = self.repo.unit_id(key)
            path = self.repo.units([unit_id]).get(unit_id, ("", "", "", ""))[3] if unit_id is not None else ""
        else:
            path = self.repo.nodes([key]).get(key, ("", "", ""))[2]
        if not path or not any(path.startswith(root) for root in scope):
            raise NotFound(f"{level.label}{key}不存在或不在您的辖区内 (not in your area)")

    def rate_parts(self, rate_key: str, rules: RuleSet) -> tuple[str, str, tuple[str, ...], bool]:
        """(numerator count, denominator count, excluded counts, emergency only) of a rate."""
        definition = RATE_BY_KEY.get(rate_key)
        if definition is None:
            raise InvalidInput(f"未知指标 {rate_key} (unknown rate)", field="rate")
        return definition.numerator, definition.denominator, rules.get(rate_key, ()), definition.urgent


@dataclass(frozen=True)
class ProvidedRow:
    """One area in the ranking of a module's indicator."""

    key: str
    name: str
    path: str
    part: Part
    shown: str
    rank: int | None
    group_size: int
    peer: str
    flag: Colour | None


def _plain(value: float) -> float:
    """Whole numbers as ints (``3/5``, not ``3.0/5.0``, in score details)."""
    return int(value) if float(value).is_integer() else value


def _parent_code(path: str) -> str | None:
    parts = [p for p in path.split("/") if p]
    return parts[-2] if len(parts) >= 2 else None


P90_LEVELS = (Level.township, Level.village, Level.grid, Level.unit, Level.member)


def p90_by_key(hours: Sequence[tuple[tuple[str | None, ...], float]]) -> dict[Level, dict[str, float]]:
    """Nearest-rank P90 of the handling hours per level and key (the county: key ""), from (keys, hours) pairs
    whose keys are (township, village, grid, unit id, reporter id) (pure)."""
    found: dict[Level, dict[str, list[float]]] = {level: {} for level in (Level.county, *P90_LEVELS)}
    for keys, value in hours:
        found[Level.county].setdefault("", []).append(value)
        for level, key in zip(P90_LEVELS, keys, strict=True):
            if key is not None:
                found[level].setdefault(key, []).append(value)
    return {
        level: {key: p for key, values in by_key.items() if (p := percentile_rank(values)) is not None}
        for level, by_key in found.items()
    }


# flags awarded each month ------------------------------------------------------------------------------
def award_flags(service: EvaluationService, period: Period) -> dict[str, int]:
    """Rank every configured level of a complete period and store its flags (replacing any earlier award of
    the same period): the flag history. Returns the number of flags per level."""
    from gridgov.evaluation.records_repository import RecordRepository

    flags = flags_of(service, period)
    for level, rows in flags.items():
        RecordRepository(service.session).replace_flags(period.key, level, rows)
    service.session.flush()
    return {level: len(rows) for level, rows in flags.items()}


def flags_of(service: EvaluationService, period: Period) -> dict[str, list[dict[str, Any]]]:
    """The flag rows of every configured level of a period (computed, not stored)."""
    evaluation = service.evaluate(period, None)
    scheme_name, scheme = service.scheme()
    awarded: dict[str, list[dict[str, Any]]] = {}
    now = service.clock()
    for level in load_document(service.session, FLAGS).levels:
        rows = [
            {
                "period": period.key,
                "level": level.value,
                "unit_key": r.unit.key,
                "unit_name": r.unit.name[:100],
                "parent": r.unit.parent,
                "peer": r.peer[:40],
                "colour": r.flag.value,
                "rank": r.rank,
                "score": None if r.score is None else round(r.score, 4),
                "scheme": scheme_name,
                "awarded_at": now,
            }
            for r in service.ranking(evaluation, level, scheme)
            if r.flag is not None
        ]
        awarded[level.value] = rows
    return awarded
