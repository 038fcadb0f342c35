"""The cockpit (数字驾驶舱): live counters of open and overdue cases per area, the map's indicator, monthly
trends, the ranking with flags, and the enabled modules' counters (active warnings …)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from gridgov.errors import InvalidInput, NotFound
from gridgov.evaluation.documents import Level
from gridgov.evaluation.indicators import RATE_BY_KEY
from gridgov.evaluation.periods import Period, recent_months
from gridgov.evaluation.repository import LEVEL_COLUMNS, OpenGroup
from gridgov.evaluation.service import COMPLETE_TTL, EvaluationService, _month_cache
from gridgov.kit.principal import Principal

CHILD_LEVEL = {"county": Level.township, "township": Level.village, "village": Level.grid}
LIVE_INDICATORS = {"open": "在办案件", "overdue": "超期案件"}
COCKPIT_RATES = ("close_rate", "on_time_close_rate", "handle_rate", "on_time_handle_rate", "rework_rate")


def cockpit_indicators() -> dict[str, str]:
    return {**LIVE_INDICATORS, **{k: RATE_BY_KEY[k].label for k in COCKPIT_RATES}, "score": "综合得分"}


class CockpitService(EvaluationService):
    def monthly_counts(self, scope: Sequence[str], months: Sequence[Period]) -> list[dict[str, int]]:
        return _cached_months(self, scope, months)

    def area(self, principal: Principal, code: str | None) -> tuple[str, str, str, str]:
        """(code, name, kind, path) of the area to show: the user's own by default, else one inside it."""
        if code is None:
            roots = sorted(principal.scope_paths, key=len)
            if not roots:
                raise NotFound("没有可查看的辖区 (no area in scope)")
            code = roots[0].rstrip("/").split("/")[-1]
        node = self.repo.nodes([code]).get(code)
        if node is None or not principal.covers(node[2]):
            raise NotFound(f"区域{code}不存在或不在您的辖区内 (no such area in your area)")
        name, kind, path = node
        if kind not in CHILD_LEVEL:
            raise InvalidInput(f"驾驶舱只到村(社区)一级 (the cockpit drills down to villages): {code}", field="area")
        return code, name, kind, path

    def cockpit(
        self,
        principal: Principal,
        code: str | None,
        period: Period | None,
        indicator: str,
        majors: dict[str, str],
        tiles: list[dict[str, Any]],
        *,
        with_evaluation: bool = True,
    ) -> dict[str, Any]:
        """Live figures from the case rows, trends from event counts, and (``with_evaluation``) the period's
        rates, scores and flags; the page asks for the evaluation separately, so its first response never
        waits for it. Every list has a fixed length: nothing grows with the number of cases."""
        if indicator not in cockpit_indicators():
            raise InvalidInput(f"未知指标 {indicator} (unknown indicator)", field="indicator")
        now = self.clock()
        area_code, area_name, kind, path = self.area(principal, code)
        scope = [path]
        child_level = CHILD_LEVEL[kind]
        period = period or Period.month_of(now).previous()
        children = self.repo.children(area_code, child_level.value)
        ancestors = path.strip("/").split("/")[1:]
        within = dict(zip(("township_code", "village_code"), ancestors, strict=False))
        live = summarise_open(self.repo.open_groups(LEVEL_COLUMNS[child_level.value], within, scope, now))
        _rules_name, rules = self.rule_set()
        scheme_name, scheme = self.scheme()
        evaluation = self.evaluate(period, tuple(principal.scope_paths)) if with_evaluation else None
        ranking = (
            {r.unit.key: r for r in self.ranking(evaluation, child_level, scheme, parent=area_code)}
            if evaluation is not None
            else {}
        )
        rows = []
        for child_code, child_name, _child_path in children:
            unit = evaluation.units.get(child_level, {}).get(child_code) if evaluation else None
            open_n, overdue_n = live.areas.get(child_code, (0, 0))
            unit_rates = unit.rates(rules) if unit else {}
            ranked = ranking.get(child_code)
            values: dict[str, Any] = {"open": open_n, "overdue": overdue_n}
            for key in COCKPIT_RATES:
                r = unit_rates.get(key)
                values[key] = None if r is None or r.value is None else round(r.value * 100, 2)
                values[f"{key}_parts"] = None if r is None else [r.numerator, r.denominator]
            values["score"] = None if ranked is None or ranked.score is None else round(ranked.score, 2)
            rows.append(
                {
                    "code": child_code,
                    "name": child_name,
                    **values,
                    "rank": ranked.rank if ranked else None,
                    "flag": ranked.flag.value if ranked and ranked.flag else None,
                }
            )
        months = recent_months(now, 12)
        counts = self.monthly_counts(scope, months)
        parts = path.strip("/").split("/")
        names = self.repo.nodes(parts)
        breadcrumbs = [
            {"code": part, "name": names.get(part, (part,))[0]}
            for depth, part in enumerate(parts, start=1)
            if principal.covers("/".join(parts[:depth]) + "/")
        ]
        ranked_rows = sorted((r for r in rows if r["rank"] is not None), key=lambda r: (r["rank"], r["code"]))
        return {
            "area": {"code": area_code, "name": area_name, "kind": kind},
            "breadcrumbs": breadcrumbs,
            "period": period.key,
            "period_label": period.label,
            "indicator": indicator,
            "indicators": cockpit_indicators(),
            "counters": {**live.counters, **self._today(scope, now)},
            "children": rows,
            "child_level": child_level.value,
            "trend": {
                "months": [m.key for m in months],
                "received": [c["report"] for c in counts],
                "closed": [c["close"] for c in counts],
            },
            "majors": [{"code": k, "name": majors.get(k, k), "open": n} for k, n in sorted(live.majors.items())],
            "overdue": [
                {**row, "deadline_at": row["deadline_at"].isoformat() if row["deadline_at"] else None}
                for row in self.repo.overdue_cases(scope, now, 10)
            ],
            "tiles": tiles,
            "ranking": [{k: r[k] for k in ("code", "name", "rank", "score", "flag")} for r in ranked_rows],
            "scheme": scheme_name,
            "evaluated": evaluation is not None,
        }

    def _today(self, scope: Sequence[str], now: datetime) -> dict[str, int]:
        (today,) = self.repo.event_counts(
            scope, [(_day_start(now), _day_start(now) + timedelta(days=1))], ["report", "close"]
        )
        return {"reported_today": today["report"], "closed_today": today["close"]}


@dataclass(frozen=True)
class OpenFigures:
    areas: dict[str, tuple[int, int]]
    """Child area → (open, overdue)."""
    counters: dict[str, int]
    majors: dict[str, int]
    """Major category (two digits) → open cases."""


def summarise_open(groups: Sequence[OpenGroup]) -> OpenFigures:
    """The cockpit's live figures from the open cases counted by state, area and category (pure)."""
    areas: dict[str, tuple[int, int]] = {}
    majors: dict[str, int] = {}
    counters = dict.fromkeys(("open", "overdue", "due_soon", "supervised", "deferred", "hung", "waiting"), 0)
    by_state = {"deferred": "deferred", "hung": "hung", "reported": "waiting"}
    for g in groups:
        if g.area is not None:
            open_n, overdue_n = areas.get(g.area, (0, 0))
            areas[g.area] = (open_n + g.open, overdue_n + g.overdue)
        majors[g.category[:2]] = majors.get(g.category[:2], 0) + g.open
        counters["open"] += g.open
        counters["overdue"] += g.overdue
        counters["due_soon"] += g.due_soon
        counters["supervised"] += g.supervised
        if g.state in by_state:
            counters[by_state[g.state]] += g.open
    return OpenFigures(areas, counters, majors)


def _cached_months(service: EvaluationService, scope: Sequence[str], months: Sequence[Period]) -> list[dict[str, int]]:
    """Reports and closures per month: a month that has ended does not change (until a backfill; kept
    ten minutes), so only the current month, and months not seen yet, are counted in the database."""
    url = str(service.session.get_bind().engine.url)
    now = service.clock()
    found: dict[str, dict[str, int]] = {}
    for month in months:
        hit = _month_cache.get((url, tuple(scope), month.key))
        if hit is not None and month.bounds()[1] <= now and time.monotonic() - hit[0] < COMPLETE_TTL:
            found[month.key] = hit[1]
    missing = [m for m in months if m.key not in found]
    if missing:
        counted = service.repo.event_counts(scope, [m.bounds() for m in missing], ["report", "close"])
        if len(_month_cache) > 4096:
            _month_cache.clear()
        for month, value in zip(missing, counted, strict=True):
            found[month.key] = value
            _month_cache[(url, tuple(scope), month.key)] = (time.monotonic(), value)
    return [found[m.key] for m in months]


def _day_start(now: datetime) -> datetime:
    local = now.astimezone(ZoneInfo("Asia/Shanghai"))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)
