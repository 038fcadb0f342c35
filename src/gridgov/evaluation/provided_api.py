"""The modules' indicators (indicator providers) over HTTP: definitions, rankings with flags, and the records
behind a figure; and the page that shows them (模块指标). Scoped like the case indicators."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gridgov.deps import CurrentUser, PageUser, SessionDep
from gridgov.evaluation.api import PERIOD, Evaluations, evaluation_service, parse_period, readable
from gridgov.evaluation.documents import Level
from gridgov.evaluation.periods import Period
from gridgov.evaluation.providers import IndicatorDef
from gridgov.evaluation.service import ProvidedRow
from gridgov.web.exports import Cell, download
from gridgov.web.templating import render

router = APIRouter(tags=["evaluation 综合评价"])
pages = APIRouter(include_in_schema=False)
KEY = Query(max_length=60, pattern=r"^[a-z][a-z0-9_]*\.[a-z0-9_]+$")


def _definition(d: IndicatorDef) -> dict[str, Any]:
    return {
        "key": d.key,
        "label": d.label,
        "label_en": d.label_en,
        "unit": d.unit,
        "direction": d.direction,
        "numerator": d.numerator_label,
        "denominator": d.denominator_label,
        "levels": [level.value for level in d.levels],
    }


def _row(r: ProvidedRow) -> dict[str, Any]:
    return {
        "key": r.key,
        "name": r.name,
        "numerator": r.part.numerator,
        "denominator": r.part.denominator,
        "value": r.part.value,
        "shown": r.shown,
        "rank": r.rank,
        "group_size": r.group_size,
        "peer": r.peer,
        "flag": r.flag.value if r.flag else None,
    }


@router.get("/evaluation/module-indicators", summary="Indicators the enabled modules provide (模块指标)")
def definitions(service: Evaluations, user: CurrentUser) -> list[dict[str, Any]]:
    readable(user)
    return [_definition(d) for d in service.indicators.definitions()]


@router.get("/evaluation/module-indicators/ranking", summary="Areas ranked by one module indicator, with flags")
def ranking(
    service: Evaluations,
    user: CurrentUser,
    key: Annotated[str, KEY],
    level: Level = Level.township,
    period: Annotated[str | None, PERIOD] = None,
    parent: Annotated[str | None, Query(max_length=32)] = None,
) -> dict[str, Any]:
    scope = readable(user)
    chosen = parse_period(service, period)
    definition, rows = service.indicator_ranking(key, chosen, level, scope, parent)
    return {
        "indicator": _definition(definition),
        "period": chosen.key,
        "level": level.value,
        "rows": [_row(r) for r in rows],
    }


@router.get("/evaluation/module-indicators/records", summary="The records behind one part of a module indicator")
def records(
    service: Evaluations,
    user: CurrentUser,
    key: Annotated[str, KEY],
    code: Annotated[str, Query(max_length=32)],
    level: Level = Level.township,
    period: Annotated[str | None, PERIOD] = None,
    part: Literal["numerator", "denominator"] = "numerator",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    scope = readable(user)
    chosen = parse_period(service, period)
    _definition_, found, total = service.indicator_records(key, chosen, level, code, part, scope, 100, offset)
    return {"total": total, "records": [{"label": r.label, "href": r.href} for r in found]}


@pages.get("/evaluation/module-indicators")
def indicator_page(
    request: Request,
    user: PageUser,
    session: SessionDep,
    key: Annotated[str | None, KEY] = None,
    level: Level = Level.township,
    period: Annotated[str | None, PERIOD] = None,
    format: Annotated[str | None, Query(pattern="^(xlsx|csv)$")] = None,
) -> Response:
    scope = readable(user)
    service = evaluation_service(request, session)
    chosen = parse_period(service, period)
    available = service.indicators.definitions()
    definition: IndicatorDef | None = None
    rows: list[ProvidedRow] = []
    if key or available:
        definition, rows = service.indicator_ranking(key or available[0].key, chosen, level, scope)
    if format and definition is not None:
        table: list[list[Cell]] = [
            [
                r.peer,
                r.rank,
                r.key,
                r.name,
                r.part.numerator,
                r.part.denominator,
                r.shown,
                r.flag.label if r.flag else "",
            ]
            for r in rows
        ]
        headers = [
            "同类组",
            "名次",
            "编码",
            "名称",
            definition.numerator_label,
            definition.denominator_label,
            definition.label,
            "旗帜",
        ]
        return download(
            format, f"{definition.key}-{level.value}-{chosen.key}", f"{chosen.label}{definition.label}", headers, table
        )
    return render(
        request,
        "evaluation/provided.html",
        {
            "definition": definition,
            "definitions": available,
            "rows": rows,
            "level": level,
            "levels": [lv for lv in Level if definition is not None and lv in definition.levels],
            "period": chosen,
            "periods": [*reversed(_recent(Period.month_of(service.clock()), 12))],
        },
    )


def _recent(last: Period, count: int) -> list[Period]:
    months = [last]
    for _ in range(count - 1):
        months.append(months[-1].previous())
    return months
