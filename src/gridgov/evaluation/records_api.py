"""HTTP API and pages of what the monthly run keeps: the flag history per unit (红黄旗记录) and the stored
reports (月度报告), which any process serves; a report not yet stored is generated on request."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gridgov.deps import CurrentUser, PageUser, SessionDep
from gridgov.errors import Forbidden, InvalidInput
from gridgov.evaluation.api import Evaluations, evaluation_service, parse_period, readable
from gridgov.evaluation.documents import LEVEL_LABELS, Level
from gridgov.evaluation.periods import Period
from gridgov.evaluation.records_repository import RecordRepository
from gridgov.evaluation.schemas import FlagRead
from gridgov.evaluation.service import EvaluationService
from gridgov.evaluation.tasks import report_bytes
from gridgov.web.exports import XLSX, Cell, download
from gridgov.web.templating import render

router = APIRouter(tags=["evaluation 综合评价"])
pages = APIRouter(include_in_schema=False)
FORMAT = Query(pattern="^(xlsx|csv)$")


def _visible_keys(service: EvaluationService, user_scope: tuple[str, ...]) -> list[str] | None:
    """Keys of the areas and units inside the user's scope (None = the whole county: no filter)."""
    if any(path.count("/") == 1 for path in user_scope):
        return None
    return service.repo.keys_in_scope(user_scope)


def flag_rows(
    service: EvaluationService, scope: tuple[str, ...], level: Level | None, key: str | None
) -> list[FlagRead]:
    rows = RecordRepository(service.session).flags(
        level.value if level else None, key, _visible_keys(service, scope), 2000
    )
    return [
        FlagRead(
            period=r.period,
            level=r.level,
            key=r.unit_key,
            name=r.unit_name,
            colour=r.colour,
            rank=r.rank,
            score=r.score,
            scheme=r.scheme,
        )
        for r in rows
    ]


@router.get("/evaluation/flags", response_model=list[FlagRead], summary="Flags awarded each month (红黄旗记录)")
def flags(
    service: Evaluations, user: CurrentUser, level: Level | None = None, key: str | None = None
) -> list[FlagRead]:
    return flag_rows(service, readable(user), level, key)


def _report(service: EvaluationService, period: Period, fmt: str) -> bytes:
    stored = RecordRepository(service.session).report(period.key, fmt)
    return bytes(stored.content) if stored is not None else report_bytes(service, period, fmt)


@router.get("/evaluation/reports/{period}.{fmt}", summary="The monthly report of a period as PDF or XLSX")
def report_file(period: str, fmt: str, service: Evaluations, user: CurrentUser) -> Response:
    scope = readable(user)
    if not any(path.count("/") == 1 for path in scope):
        raise Forbidden("月度报告为全县报告，需县级权限 (the monthly report covers the whole county)")
    if fmt not in ("pdf", "xlsx"):
        raise InvalidInput("格式应为 pdf 或 xlsx (fmt must be pdf or xlsx)", field="fmt")
    chosen = parse_period(service, period)
    media = "application/pdf" if fmt == "pdf" else XLSX
    filename = f"evaluation-{chosen.key}.{fmt}"
    return Response(
        _report(service, chosen, fmt),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@pages.get("/evaluation/flags")
def flags_page(
    request: Request,
    user: PageUser,
    session: SessionDep,
    level: Level | None = None,
    key: Annotated[str | None, Query(max_length=40)] = None,
    format: Annotated[str | None, FORMAT] = None,
) -> Response:
    service = evaluation_service(request, session)
    rows = flag_rows(service, readable(user), level, key)
    if format:
        headers = ["期间", "层级", "编码", "名称", "旗帜", "名次", "得分", "计分方案"]
        table: list[list[Cell]] = [
            [
                r.period,
                LEVEL_LABELS[Level(r.level)],
                r.key,
                r.name,
                "红旗" if r.colour == "red" else "黄旗",
                r.rank,
                r.score,
                r.scheme,
            ]  # fmt: skip
            for r in rows
        ]
        return download(format, "flags", "红黄旗记录", headers, table)
    periods = sorted({r.period for r in rows}, reverse=True)
    units: dict[str, dict[str, object]] = {}
    for r in rows:
        unit = units.setdefault(f"{r.level}:{r.key}", {"name": r.name, "level": r.level, "key": r.key, "flags": {}})
        unit["flags"][r.period] = r.colour  # type: ignore[index]
    query = urlencode({k: v for k, v in {"level": level.value if level else None, "key": key}.items() if v})
    return render(
        request,
        "evaluation/flags.html",
        {
            "periods": periods,
            "units": sorted(units.values(), key=lambda u: (str(u["level"]), str(u["key"]))),
            "levels": [(lv.value, lv.label) for lv in Level if lv is not Level.county],
            "level": level.value if level else "",
            "key": key or "",
            "query": query,
            "level_labels": {lv.value: lv.label for lv in Level},
        },
    )


@pages.get("/evaluation/reports")
def reports_page(request: Request, user: PageUser, session: SessionDep) -> Response:
    scope = readable(user)
    service = evaluation_service(request, session)
    stored = RecordRepository(session).reports()
    last = Period.month_of(service.clock()).previous()
    months = [last]
    for _ in range(11):
        months.append(months[-1].previous())
    return render(
        request,
        "evaluation/reports.html",
        {
            "months": months,
            "stored": {(p, f): (size, at) for p, f, size, at in stored},
            "county_wide": any(path.count("/") == 1 for path in scope),
        },
    )
