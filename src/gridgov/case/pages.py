"""Case pages: the operators' desk (案件工作台) with its map, one case with its timeline and actions, the
mobile report page (上报) of grid members, and the administrators' pages for the configuration that is data:
the case taxonomy and the holiday table. Case writes go through the JSON API from the browser; the
administration pages post CSRF-protected forms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from gridgov.case.api import case_service
from gridgov.case.calendar import WorkCalendar
from gridgov.case.catalogue import clear_holidays, load_holidays, save_taxonomy, taxonomy_yaml
from gridgov.case.datafiles import (
    TaxonomyError,
    TaxonomyRejected,
    TaxonomyUpload,
    read_holidays,
    read_taxonomy,
    taxonomy_xlsx,
)
from gridgov.case.models import Holiday
from gridgov.case.schemas import CaseQuery, CaseRead
from gridgov.case.service import CaseService
from gridgov.case.taxonomy import Category, default_taxonomy
from gridgov.case.workflow import Action, CaseState
from gridgov.deps import PageUser, SessionDep
from gridgov.errors import Forbidden, InvalidInput
from gridgov.i18n import translator
from gridgov.kit.bounds import Offset
from gridgov.kit.principal import Principal
from gridgov.kit.tabular import CellError, ImportFailed
from gridgov.kit.text import PlainLine, PlainText
from gridgov.kit.time import format_local, to_local, utcnow
from gridgov.notify.service import inbox
from gridgov.org.enums import NodeKind
from gridgov.org.repository import OrgRepository
from gridgov.org.service import OrgService
from gridgov.web.exports import download
from gridgov.web.templating import render, request_locale

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
MY_LIMIT = 10


def _townships(repo: OrgRepository, user: Principal) -> list[tuple[str, str]]:
    """(code, name) of the townships the user's area touches: whole ones below a county scope, and the
    township above a village or grid scope."""
    codes = {parts[1] for parts in (p.strip("/").split("/") for p in user.scope_paths) if len(parts) >= 2}
    if user.scope_paths:
        stmt = repo.node_statement(list(user.scope_paths), kind=NodeKind.township.value)
        codes.update(node.code for node in repo.session.scalars(stmt))
    names = repo.names_by_code(sorted(codes))
    return sorted(((code, names.get(code, code)) for code in codes), key=lambda pair: pair[0])


def _boundary_url(user: Principal, township: str | None) -> str:
    """Outlines drawn under the desk's markers: a chosen township with its grids; for a county-wide user all
    townships (their 1,000 grids would outweigh the page); below the county, the user's townships and grids."""
    if township:
        return "/api/v1/geo/boundaries?" + urlencode({"parent": township, "kind": ["township", "grid"]}, doseq=True)
    if any(path.count("/") == 1 for path in user.scope_paths):
        return "/api/v1/geo/boundaries?kind=township"
    return "/api/v1/geo/boundaries?kind=township&kind=grid"


def _state(value: str | None) -> CaseState | None:
    return CaseState(value) if value and value in CaseState.__members__ else None


def _category_options(service: CaseService) -> list[dict[str, Any]]:
    taxonomy = service.taxonomy
    return [
        {
            "code": major,
            "name": name,
            "categories": [{"code": c.code, "name": c.name} for c in taxonomy.categories if c.major == major],
        }
        for major, name in sorted(taxonomy.majors.items())
    ]


EXPORT_LIMIT = 10_000
"""Rows in one desk export (the filter narrows a larger set)."""


def _day(value: str | None) -> date | None:
    """A date field of the filter form: empty or unreadable means no bound (the form offers a date picker)."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/cases")
def case_desk(
    request: Request,
    user: PageUser,
    session: SessionDep,
    state: Annotated[str | None, Query(max_length=20)] = None,
    category: Annotated[str | None, Query(max_length=4)] = None,
    township: Annotated[str | None, Query(max_length=20)] = None,
    q: Annotated[PlainLine | None, Query(max_length=100, description="number, or words of description/address")] = None,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
    overdue: Annotated[bool, Query()] = False,
    view: Annotated[str | None, Query(max_length=8, description="unit: only cases sent to the user's units")] = None,
    offset: Annotated[Offset, Query()] = 0,
    format: Annotated[str | None, Query(pattern="^(xlsx|csv)$")] = None,
) -> Response:
    """The desk (案件工作台): search by number, words or address, filter by state, category, township, reporting
    day and 超期, page through with the total, export what the filter finds (XLSX/CSV)."""
    service = case_service(request, session)
    where = CaseQuery(
        state=_state(state),
        category=category or None,
        township=township or None,
        q=(q or "").strip() or None,
        since=_day(since),
        until=_day(until),
        overdue=overdue,
    )
    unit_view = view == "unit" and bool(user.unit_ids)
    searcher = replace(user, scope_paths=(), person_id=None) if unit_view else user  # what the units were sent
    limit = EXPORT_LIMIT if format else PAGE_SIZE
    found = service.search(searcher, where, limit=limit, offset=0 if format else offset)
    cases, total = found.items, found.total
    org = OrgRepository(session)
    units = org.units_by_codes([c.unit_code for c in cases if c.unit_code])
    townships = _townships(org, user)
    township_names = dict(townships) | org.names_by_code([c.township_code for c in cases])
    unit_names = {code: unit.name for code, unit in units.items()}
    if format:
        return _export(request, format, cases, township_names, unit_names)
    base = {
        k: v
        for k, v in {
            "state": where.state.value if where.state else None,
            "category": where.category,
            "township": where.township,
            "q": where.q,
            "since": where.since.isoformat() if where.since else None,
            "until": where.until.isoformat() if where.until else None,
            "overdue": "true" if overdue else None,
            "view": "unit" if unit_view else None,
        }.items()
        if v
    }
    return render(
        request,
        "case/desk.html",
        {
            "cases": cases,
            "total": total,
            "calendar_gaps": service.calendar_gaps(),
            "can_configure": can_configure(user),
            "boundary_url": _boundary_url(user, township),
            "offset": offset,
            "page_size": PAGE_SIZE,
            "page": offset // PAGE_SIZE + 1,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "capped": found.total_capped,
            "unit_names": unit_names,
            "township_names": township_names,
            "states": [(s.value, s.label) for s in CaseState],
            "majors": _category_options(service),
            "townships": townships,
            "state": where.state.value if where.state else "",
            "category": category or "",
            "township": township or "",
            "q": where.q or "",
            "since": where.since.isoformat() if where.since else "",
            "until": where.until.isoformat() if where.until else "",
            "overdue": overdue,
            "filtered": bool(base),
            "unit_view": unit_view,
            "has_units": bool(user.unit_ids),
            "query_prev": urlencode({**base, "offset": max(offset - PAGE_SIZE, 0)}),
            "query_next": urlencode({**base, "offset": offset + PAGE_SIZE}),
            "query_xlsx": urlencode({**base, "format": "xlsx"}),
            "query_csv": urlencode({**base, "format": "csv"}),
        },
    )


def _export(
    request: Request,
    fmt: str,
    cases: Sequence[CaseRead],
    township_names: dict[str, str],
    unit_names: dict[str, str],
) -> Response:
    """The filtered cases as a table, headed in the reader's language."""
    t = translator(request_locale(request))
    headers = [
        t("case.number"),
        t("case.category"),
        t("case.state"),
        t("kind.township"),
        t("case.unit"),
        t("case.deadline"),
        t("case.reported_at"),
        t("case.address"),
        t("case.description"),
    ]
    rows = [
        [
            c.number,
            f"{c.category} {c.category_name}",
            t("case.state." + c.state.value),
            township_names.get(c.township_code, c.township_code),
            unit_names.get(c.unit_code, c.unit_code) if c.unit_code else "",
            format_local(c.deadline_at),
            format_local(c.created_at),
            c.address or "",
            c.description,
        ]
        for c in cases
    ]
    return download(fmt, f"cases-{to_local(utcnow()):%Y%m%d}", t("case.desk"), headers, rows)


def _forms(case: CaseRead) -> list[dict[str, Any]]:
    """One small form per allowed action, with the fields that action needs."""
    forms = []
    for action in case.allowed_actions:
        fields: list[str] = []
        if action is Action.dispatch:
            fields.append("unit_code")
        if action is Action.request_extension:
            fields.append("days")
        if action is Action.merge:
            fields.append("into_case")
        forms.append(
            {
                "action": action.value,
                "label": action.label,
                "fields": fields,
                "comment_required": action in (Action.give_back, Action.comment, Action.verify_fail, Action.feedback),
            }
        )
    return forms


@router.get("/cases/{number}")
def case_detail(number: str, request: Request, user: PageUser, session: SessionDep) -> Response:
    service = case_service(request, session)
    case = service.read(user, service.get(user, number), with_events=True)
    org = OrgRepository(session)
    needs_units = Action.dispatch in case.allowed_actions
    units = OrgService(session).list_units(user) if needs_units else []
    unit = org.unit_by_code(case.unit_code) if case.unit_code else None
    names = org.names_by_code(
        [c for c in (case.township_code, case.village_code, case.grid_code, case.owner_code) if c]
    )
    category = service.taxonomy.get(case.category)
    event_units = [str(e.data["unit"]) for e in case.events or [] if e.data and e.data.get("unit")]
    return render(
        request,
        "case/detail.html",
        {
            "case": case,
            "category": category,
            "unit_name": unit.name if unit else None,
            "event_units": {code: u.name for code, u in org.units_by_codes(event_units).items()},
            "names": names,
            "units": units,
            "forms": _forms(case),
        },
    )


@router.get("/my")
def my_tasks(request: Request, user: PageUser, session: SessionDep) -> Response:
    """A grid member's day (我的任务): cases in the grid waiting for verification, cases being handled there, and
    unread notices; with the way to report and to the grid's cases."""
    service = case_service(request, session)
    to_verify = service.search(user, CaseQuery(state=CaseState.handled), limit=MY_LIMIT)
    handling = service.search(user, CaseQuery(state=CaseState.dispatched), limit=MY_LIMIT)
    notices = inbox(session, user.person, read=False, limit=MY_LIMIT)
    return render(
        request,
        "case/my.html",
        {
            "to_verify": to_verify.items,
            "verify_total": to_verify.total,
            "handling": handling.items,
            "handling_total": handling.total,
            "notices": notices,
        },
    )


@router.get("/report")
def report_page(request: Request, user: PageUser, session: SessionDep) -> Response:
    service = case_service(request, session)
    context = {"majors": _category_options(service), "boundary_url": _picker_url(user)}
    return render(request, "case/report.html", context)


def _picker_url(user: Principal) -> str:
    """Outlines the report page's map picker draws and searches: a county-wide user's townships and villages (the
    county's grids would weigh too much), anyone else's villages and grids."""
    if any(path.count("/") == 1 for path in user.scope_paths):
        return "/api/v1/geo/boundaries?kind=township&kind=village"
    return "/api/v1/geo/boundaries?kind=village&kind=grid"


# administration: the taxonomy and the holiday table ---------------------------------------------------
COUNTY_ONLY = (
    "案件分类与节假日安排全县统一，须由持有县级数据导入权限的管理员修改 (county-wide: needs data:import at the county)"
)
MAX_FILE = 5 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def can_configure(user: Principal) -> bool:
    """Who may change the taxonomy and the holiday table: ``data:import`` held at a county (a root of the org
    tree). Township operators import data too, but for their own area; these tables apply to every township,
    so a township scope may read them (``data:export``) and download them, not change them."""
    return user.can("data:import") and any(path.count("/") == 1 for path in user.scope_paths)


def _require_configure(user: Principal) -> None:
    user.require("data:import")
    if not can_configure(user):
        raise Forbidden(COUNTY_ONLY)


def _read_upload(file: UploadFile | None) -> bytes:
    data = file.file.read(MAX_FILE + 1) if file is not None else b""
    if len(data) > MAX_FILE:
        raise InvalidInput("文件超过5MB (file larger than 5 MB)", field="file")
    return data


def _taxonomy_entries(service: CaseService) -> tuple[dict[str, str], list[tuple[Category, bool]], bool]:
    """(majors, every category with its active flag, whether an administrator loaded it); the shipped
    default while the database holds none."""
    rows = service.repo.categories()
    if not rows:
        default = default_taxonomy()
        return default.majors, [(c, True) for c in default.categories], False
    majors = {r.major: r.major_name for r in rows}
    return majors, [(Category.model_validate(r.spec), r.active) for r in rows], True


def _taxonomy_change(service: CaseService, upload: TaxonomyUpload) -> dict[str, str]:
    """What saving the upload changes, by category code. A category left out is deactivated: no new
    reports, while the cases filed under it keep reading and acting on it."""
    majors, entries, _loaded = _taxonomy_entries(service)
    before = {c.code: (c.model_dump(mode="json"), majors.get(c.major), active) for c, active in entries}
    taxonomy = upload.taxonomy
    after = {c.code: (c.model_dump(mode="json"), taxonomy.majors[c.major], True) for c in taxonomy.categories}
    dropped = [code for code, (_spec, _major, active) in before.items() if active and code not in after]
    return {
        "saved": str(len(after)),
        "added": ",".join(code for code in after if code not in before),
        "changed": ",".join(code for code in after if code in before and before[code] != after[code]),
        "deactivated": ",".join(dropped),
    }


def _error_view(error: TaxonomyError) -> dict[str, str]:
    """An error with the i18n key of its field's label: ``stages.0.limit.amount`` → ``stages.n.limit``."""
    parts = ["n" if part.isdigit() else part for part in error.field.split(".")]
    while parts and parts[-1] in ("amount", "unit") and len(parts) > 1:
        parts.pop()
    return {**error.__dict__, "code": error.code or "", "label_key": ".".join(parts)}


def _taxonomy_page(
    request: Request,
    user: Principal,
    service: CaseService,
    *,
    errors: Sequence[TaxonomyError] = (),
    status_code: int = 200,
) -> Response:
    majors, entries, loaded = _taxonomy_entries(service)
    counts = service.repo.case_counts_by_category([c.code for c, _active in entries])
    groups = [
        {
            "code": major,
            "name": name,
            "categories": [
                {"c": c, "active": active, "cases": counts.get(c.code, 0)} for c, active in entries if c.major == major
            ],
        }
        for major, name in sorted(majors.items())
    ]
    params = request.query_params
    notice = (
        {key: params.get(key, "") for key in ("saved", "added", "changed", "deactivated")}
        if params.get("saved") and not errors
        else None
    )
    return render(
        request,
        "case/taxonomy.html",
        {
            "groups": groups,
            "loaded": loaded,
            "active_count": sum(1 for _c, active in entries if active),
            "errors": [_error_view(e) for e in errors],
            "notice": notice,
            "can_configure": can_configure(user),
        },
        status_code=status_code,
    )


@router.get("/admin/taxonomy")
def taxonomy_page(request: Request, user: PageUser, session: SessionDep) -> Response:
    user.require("data:export")
    return _taxonomy_page(request, user, case_service(request, session))


@router.get("/admin/taxonomy.yaml")
def taxonomy_download_yaml(request: Request, user: PageUser, session: SessionDep) -> Response:
    """The active categories, exactly as ``gridgov export taxonomy`` writes them."""
    user.require("data:export")
    return Response(
        taxonomy_yaml(case_service(request, session).taxonomy),
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="gridgov-taxonomy.yaml"'},
    )


@router.get("/admin/taxonomy.xlsx")
def taxonomy_download_xlsx(request: Request, user: PageUser, session: SessionDep) -> Response:
    """Every category with its 启用 flag (sheets 大类, 小类, 处置阶段)."""
    user.require("data:export")
    majors, entries, _loaded = _taxonomy_entries(case_service(request, session))
    return Response(
        taxonomy_xlsx(majors, entries),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="gridgov-taxonomy.xlsx"'},
    )


@router.post("/admin/taxonomy")
def taxonomy_upload(
    request: Request,
    user: PageUser,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="taxonomy .yaml or .xlsx (大类/小类/处置阶段)")],
) -> Response:
    """Replace the taxonomy, all or nothing: every error is shown by category code and field."""
    _require_configure(user)
    service = case_service(request, session)
    try:
        data = _read_upload(file)
        upload = read_taxonomy(data, file.filename or "")
        change = _taxonomy_change(service, upload)
    except TaxonomyRejected as exc:
        return _taxonomy_page(request, user, service, errors=exc.errors, status_code=422)
    except InvalidInput as exc:
        return _taxonomy_page(
            request, user, service, errors=[TaxonomyError(None, "file", exc.message)], status_code=422
        )
    save_taxonomy(session, upload.taxonomy)
    return RedirectResponse("/admin/taxonomy?" + urlencode({k: v for k, v in change.items() if v}), status_code=303)


def _year_spans(years: Sequence[int]) -> list[str]:
    """[2004, 2005, 2006, 2009] → ["2004–2006", "2009"]."""
    spans: list[list[int]] = []
    for year in sorted(years):
        if spans and year == spans[-1][-1] + 1:
            spans[-1].append(year)
        else:
            spans.append([year])
    return [f"{s[0]}–{s[-1]}" if len(s) > 1 else str(s[0]) for s in spans]


def _holidays_page(
    request: Request,
    user: Principal,
    service: CaseService,
    *,
    errors: Sequence[CellError] = (),
    text: str = "",
    status_code: int = 200,
) -> Response:
    this_year = to_local(service.clock()).year
    package = WorkCalendar()
    loaded: dict[int, list[Holiday]] = {}
    for row in service.repo.holiday_rows():
        loaded.setdefault(row.day.year, []).append(row)
    params = request.query_params
    return render(
        request,
        "case/holidays.html",
        {
            "package_years": _year_spans([y for y in range(this_year - 40, this_year + 3) if package.knows_year(y)]),
            "loaded": sorted(loaded.items()),
            "gaps": service.calendar_gaps(),
            "errors": errors,
            "text": text,
            "loaded_count": params.get("loaded") if not errors else None,
            "cleared": params.get("cleared") if not errors else None,
            "can_configure": can_configure(user),
            "this_year": this_year,
        },
        status_code=status_code,
    )


@router.get("/admin/holidays")
def holidays_page(request: Request, user: PageUser, session: SessionDep) -> Response:
    user.require("data:export")
    return _holidays_page(request, user, case_service(request, session))


@router.post("/admin/holidays")
def holidays_upload(
    request: Request,
    user: PageUser,
    session: SessionDep,
    rows: Annotated[PlainText, Form(max_length=40_000)] = "",
    file: Annotated[UploadFile | None, File(description="CSV: 日期,类型(休/班),名称")] = None,
) -> Response:
    """Load days of the State Council's notice (a CSV file, or rows pasted into the form), all or nothing;
    a day already loaded is overwritten."""
    _require_configure(user)
    service = case_service(request, session)
    try:
        data = _read_upload(file)
        parsed = read_holidays(data if data.strip() else rows)
    except ImportFailed as exc:
        return _holidays_page(request, user, service, errors=exc.errors, text=rows, status_code=422)
    except InvalidInput as exc:
        error = CellError("节假日", 1, "A", exc.message)
        return _holidays_page(request, user, service, errors=[error], text=rows, status_code=422)
    count = load_holidays(session, parsed)
    years = sorted({day.year for day, _work, _name in parsed})
    return RedirectResponse(f"/admin/holidays?{urlencode({'loaded': count})}#year-{years[0]}", status_code=303)


@router.post("/admin/holidays/{year}/delete")
def holidays_clear(year: int, request: Request, user: PageUser, session: SessionDep) -> Response:
    """Remove the table loaded for a year (to load a corrected one)."""
    _require_configure(user)
    if not date.min.year <= year <= date.max.year:
        raise InvalidInput("年份无效 (bad year)", field="year")
    count = clear_holidays(session, year)
    return RedirectResponse(f"/admin/holidays?{urlencode({'cleared': f'{year}:{count}'})}", status_code=303)
