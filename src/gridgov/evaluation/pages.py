"""Evaluation pages: the cockpit (数字驾驶舱), the indicator table, the ranking with flags, the drill-down
list of cases, and the flag history. Every table page exports as XLSX or CSV (``?format=xlsx|csv``)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gridgov.deps import PageUser, SessionDep
from gridgov.evaluation.api import cockpit_payload, drill_target, evaluation_service, parse_period, readable
from gridgov.evaluation.documents import LEVEL_LABELS, Level
from gridgov.evaluation.indicators import COUNT_LABELS, RATE_BY_KEY, Counts
from gridgov.evaluation.periods import Period
from gridgov.evaluation.service import RankRow, UnitFigures
from gridgov.i18n import translator
from gridgov.kit.bounds import Offset
from gridgov.web.exports import Cell, download
from gridgov.web.templating import render, request_locale

router = APIRouter(include_in_schema=False)
FORMAT = Query(pattern="^(xlsx|csv)$")
FIGURE_PAGE = 100
"""Areas per page of the indicator table."""
TABLE_COUNTS = (
    "received",
    "filed",
    "dispatched",
    "due_handle",
    "handled",
    "handled_on_time",
    "due_close",
    "closed",
    "closed_on_time",
    "reworked",
    "extended",
    "overdue_waiting",
    "deferred",
    "hung",
)
TABLE_RATES = (
    "close_rate",
    "on_time_close_rate",
    "handle_rate",
    "on_time_handle_rate",
    "rework_rate",
    "extension_rate",
    "overdue_rate",
    "accurate_dispatch_rate",
    "public_report_rate",
)


def _periods(now_period: Period) -> list[Period]:
    months = recent_months_from(now_period, 12)
    return [*reversed(months)]


def recent_months_from(last: Period, count: int) -> list[Period]:
    months = [last]
    for _ in range(count - 1):
        months.append(months[-1].previous())
    return list(reversed(months))


@router.get("/cockpit")
def cockpit_page(
    request: Request,
    user: PageUser,
    session: SessionDep,
    area: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    readable(user)
    service = evaluation_service(request, session)
    t = translator(request_locale(request))
    payload = cockpit_payload(service, user, area, None, "open", t, with_evaluation=False)
    return render(
        request,
        "evaluation/cockpit.html",
        {"payload": payload, "boundary_kind": payload["child_level"], "area": payload["area"]},
    )


def _figure_rows(units: list[UnitFigures], rules: dict[str, tuple[str, ...]]) -> list[dict[str, Any]]:
    rows = []
    for unit in units:
        rates = unit.rates(rules)
        rows.append({"unit": unit, "rates": rates})
    return rows


@router.get("/evaluation")
def indicators_page(
    request: Request,
    user: PageUser,
    session: SessionDep,
    level: Level = Level.township,
    period: Annotated[str | None, Query(max_length=8)] = None,
    parent: Annotated[str | None, Query(max_length=32)] = None,
    rules: Annotated[str | None, Query(max_length=30)] = None,
    format: Annotated[str | None, FORMAT] = None,
    offset: Annotated[Offset, Query()] = 0,
) -> Response:
    """A level's figures, a page of ``FIGURE_PAGE`` areas at a time (the county's 1,007 grids made a 6 MB page);
    the export holds them all."""
    scope = readable(user)
    service = evaluation_service(request, session)
    chosen = parse_period(service, period)
    rules_name, rule_set = service.rule_set(rules)
    units = [u for u in service.evaluate(chosen, scope).level(level, parent) if u.level is not Level.county]
    if format:
        headers = [
            "编码",
            "名称",
            *(COUNT_LABELS[c] for c in TABLE_COUNTS),
            *(f"{RATE_BY_KEY[r].label}" for r in TABLE_RATES),
            *(f"{RATE_BY_KEY[r].label}分子/分母" for r in TABLE_RATES),
            "平均处置时长(小时)",
            "P90处置时长(小时)",
        ]
        rows: list[list[Cell]] = []
        for unit in units:
            rates = unit.rates(rule_set)
            rows.append(
                [
                    unit.key,
                    unit.name,
                    *(getattr(unit.counts, c) for c in TABLE_COUNTS),
                    *(_percent(rates[r].value) for r in TABLE_RATES),
                    *(f"{rates[r].numerator}/{rates[r].denominator}" for r in TABLE_RATES),
                    _hours(unit.counts.mean_handle_hours),
                    _hours(unit.p90_hours),
                ]
            )
        name = f"evaluation-{level.value}-{chosen.key}-{rules_name}"
        return download(format, name, f"{chosen.label}{level.label}评价指标", headers, rows)
    base = {"level": level.value, "period": chosen.key, "rules": rules_name, **({"parent": parent} if parent else {})}
    return render(
        request,
        "evaluation/indicators.html",
        {
            "rows": _figure_rows(units[offset : offset + FIGURE_PAGE], rule_set),
            "offset": offset,
            "total": len(units),
            "query_prev": urlencode({**base, "offset": max(offset - FIGURE_PAGE, 0)}),
            "query_next": urlencode({**base, "offset": offset + FIGURE_PAGE}),
            "level": level,
            "levels": [(lv.value, lv.label) for lv in Level if lv is not Level.county],
            "period": chosen,
            "periods": _periods(Period.month_of(service.clock())),
            "rules_name": rules_name,
            "rule_sets": list(service.rules_document.rule_sets),
            "parent": parent or "",
            "counts": [(c, COUNT_LABELS[c]) for c in TABLE_COUNTS],
            "rate_keys": [(r, RATE_BY_KEY[r].label) for r in TABLE_RATES],
            "query": urlencode(base),
            "drill": _drill_url({"period": chosen.key, "level": level.value, "rules": rules_name}),
        },
    )


def _drill_url(base: dict[str, str]) -> Any:
    def url(**values: str) -> str:
        return "/evaluation/cases?" + urlencode({**base, **values})

    return url


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@router.get("/evaluation/ranking")
def ranking_page(
    request: Request,
    user: PageUser,
    session: SessionDep,
    level: Level = Level.township,
    period: Annotated[str | None, Query(max_length=8)] = None,
    parent: Annotated[str | None, Query(max_length=32)] = None,
    scheme: Annotated[str | None, Query(max_length=30)] = None,
    format: Annotated[str | None, FORMAT] = None,
) -> Response:
    scope = readable(user)
    service = evaluation_service(request, session)
    chosen = parse_period(service, period)
    scheme_name, chosen_scheme = service.scheme(scheme)
    rows: list[RankRow] = service.ranking(service.evaluate(chosen, scope), level, chosen_scheme, parent)
    rule = service.level_rule(level)
    if format:
        headers = ["同类组", "名次", "编码", "名称", "得分", f"样本({COUNT_LABELS[chosen_scheme.sample]})", "旗帜"]
        table: list[list[Cell]] = [
            [
                r.peer,
                r.rank,
                r.unit.key,
                r.unit.name,
                None if r.score is None else round(r.score, 2),
                r.sample,
                r.flag.label if r.flag else ("样本不足" if r.rank is None else ""),
            ]
            for r in rows
        ]
        return download(
            format,
            f"ranking-{level.value}-{chosen.key}-{scheme_name}",
            f"{chosen.label}{level.label}排名",
            headers,
            table,
        )
    from gridgov.configdata.service import load_document
    from gridgov.evaluation.documents import SCORING

    base = {"level": level.value, "period": chosen.key, "scheme": scheme_name, **({"parent": parent} if parent else {})}
    return render(
        request,
        "evaluation/ranking.html",
        {
            "rows": rows,
            "level": level,
            "levels": [(lv.value, lv.label) for lv in Level if lv is not Level.county],
            "period": chosen,
            "periods": _periods(Period.month_of(service.clock())),
            "scheme_name": scheme_name,
            "scheme": chosen_scheme,
            "schemes": list(load_document(session, SCORING).schemes.items()),
            "rule": rule,
            "sample_label": COUNT_LABELS[chosen_scheme.sample],
            "parent": parent or "",
            "query": urlencode(base),
        },
    )


@router.get("/evaluation/cases")
def drill_page(
    request: Request,
    user: PageUser,
    session: SessionDep,
    key: Annotated[str, Query(max_length=40)],
    level: Level = Level.township,
    period: Annotated[str | None, Query(max_length=8)] = None,
    count: Annotated[str | None, Query(max_length=30)] = None,
    rate: Annotated[str | None, Query(max_length=40)] = None,
    part: Annotated[str, Query(pattern="^(numerator|denominator)$")] = "numerator",
    rules: Annotated[str | None, Query(max_length=30)] = None,
    offset: Annotated[Offset, Query()] = 0,
    format: Annotated[str | None, FORMAT] = None,
) -> Response:
    scope = readable(user)
    service = evaluation_service(request, session)
    chosen = parse_period(service, period)
    name, excluded, urgent = drill_target(service, count, rate, part, rules)
    limit = 10_000 if format else 100
    numbers, total = service.drill(
        chosen, scope, level, key, name, exclude=excluded, urgent=urgent, limit=limit, offset=0 if format else offset
    )
    title = f"{chosen.label} {COUNT_LABELS[name]}"
    if excluded:
        title += "（剔除" + "、".join(COUNT_LABELS[x] for x in excluded) + "）"
    if format:
        return download(
            format, f"cases-{level.value}-{key}-{chosen.key}-{name}", title, ["案件编号"], [[n] for n in numbers]
        )
    base = {
        "key": key,
        "level": level.value,
        "period": chosen.key,
        "count": name,
        **({"rules": rules} if rules else {}),
    }
    if rate:
        base = {k: v for k, v in base.items() if k != "count"} | {"rate": rate, "part": part}
    return render(
        request,
        "evaluation/cases.html",
        {
            "numbers": numbers,
            "total": total,
            "title": title,
            "level_label": LEVEL_LABELS[level],
            "key": key,
            "period": chosen,
            "offset": offset,
            "query": urlencode(base),
            "query_prev": urlencode({**base, "offset": max(offset - 100, 0)}),
            "query_next": urlencode({**base, "offset": offset + 100}),
        },
    )


__all__ = ["router", "Counts"]
