"""Open311 GeoReport v2, the front door for outside clients, mounted at ``/open311/v2``.

XML (required by the spec) and JSON by URL suffix; ids and codes as strings; errors as
``errors[error{code, description}]`` with 400/403/404; internal states map to ``open``/``closed`` with
the detail in ``status_notes``; ``page``/``page_size`` as the common extension. POST needs ``api_key``
(a gridgov API token).

Reading is keyless as the spec says, but only for the categories an administrator marked ``public`` in the
taxonomy (shipped: roads, manholes, litter, public facilities), and then with coordinates rounded to
``PUBLIC_DECIMALS`` (≈100 m) and no address. A reader sending an ``api_key`` (query parameter, or an
``Authorization: Bearer`` header) also sees every case its scope covers, as through ``/api/v1/cases``, in
full. ``GRIDGOV_OPEN311_READ_KEY_REQUIRED`` makes the key mandatory for reads as well.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import ColumnElement, false, or_, select

from gridgov.auth.service import AuthService
from gridgov.case.calendar import WorkCalendar
from gridgov.case.models import Case
from gridgov.case.schemas import CaseReport
from gridgov.case.service import CaseService
from gridgov.case.workflow import CaseState
from gridgov.config import Settings
from gridgov.deps import SessionDep, SettingsDep
from gridgov.errors import AppError
from gridgov.kit.bounds import MAX_INT
from gridgov.kit.principal import Principal
from gridgov.kit.time import as_utc

SPEC_ERRORS = "the spec's format: errors[error{code, description}], XML or JSON by the URL's suffix"
router = APIRouter(
    prefix="/open311/v2",
    tags=["open311 GeoReport v2"],
    responses={
        400: {"description": f"Missing or malformed parameter; {SPEC_ERRORS}"},
        403: {"description": f"api_key unknown, or required and not sent; {SPEC_ERRORS}"},
        404: {"description": f"Unknown format, service_code or request (or not readable by you); {SPEC_ERRORS}"},
    },
)
SPEC = "http://wiki.open311.org/GeoReport_v2"
MEDIA = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
MAX_SPAN = timedelta(days=90)
MAX_PAGE = 1_000_000
PUBLIC_DECIMALS = 3
"""Coordinates shown to keyless readers: 3 decimals of a degree, about 100 m."""
BAD_KEY = "Invalid api_key received -- can't proceed with create_request."


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def _fmt(fmt: str) -> str:
    if fmt not in MEDIA:
        raise Open311Error(404, f"unknown format {fmt!r}: use .xml or .json")
    return fmt


def _xml_value(parent: ET.Element, key: str, value: Any) -> None:
    element = ET.SubElement(parent, key)
    if isinstance(value, list):
        child_name = key[:-1] if key.endswith("s") else "item"
        for item in value:
            if isinstance(item, dict):
                holder = ET.SubElement(element, child_name)
                for k, v in item.items():
                    _xml_value(holder, k, v)
            else:
                ET.SubElement(element, child_name).text = str(item)
    elif isinstance(value, dict):
        for k, v in value.items():
            _xml_value(element, k, v)
    elif value is not None:
        element.text = str(value).lower() if isinstance(value, bool) else str(value)


def render(fmt: str, root: str, item: str | None, body: Any, status: int = 200) -> Response:
    """``body`` is a list of records (rendered under ``root``/``item``) or one object (``root``)."""
    if fmt == "json":
        return Response(json.dumps(body, ensure_ascii=False), status_code=status, media_type=MEDIA["json"])
    top = ET.Element(root)
    if isinstance(body, list):
        for record in body:
            holder = ET.SubElement(top, item or "item")
            for key, value in record.items():
                _xml_value(holder, key, value)
    else:
        for key, value in body.items():
            _xml_value(top, key, value)
    text = '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(top, encoding="unicode")
    return Response(text, status_code=status, media_type=MEDIA["xml"])


def error(fmt: str, status: int, description: str) -> Response:
    return render(
        fmt if fmt in MEDIA else "xml", "errors", "error", [{"code": status, "description": description}], status
    )


def _when(value: datetime | None) -> str | None:
    return None if value is None else as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _record(service: CaseService, case: Case, full: bool, media: dict[int, str]) -> dict[str, Any]:
    """One request as the spec shapes it; ``full`` = the reader's scope covers the case, otherwise the
    public view: coordinates rounded, no address, and no description or media unless the category is public.
    ``media``: the ``media_url`` the cases were reported with (photos uploaded to gridgov are served only after a
    scope check, never here)."""
    state = CaseState(case.state)
    category = service.taxonomy.get(case.category_code)
    unit = service.repo.unit(case.unit_id)
    return {
        "service_request_id": case.number,
        "status": "open" if state.is_open else "closed",
        "status_notes": state.label,
        "service_name": category.name,
        "service_code": category.code,
        "description": case.description if full or category.public else "（不公开）",
        "agency_responsible": unit.name if unit else case.owner_code,
        "service_notice": f"处置时限 {category.stages[0].limit}",
        "requested_datetime": _when(case.created_at),
        "updated_datetime": _when(case.closed_at or case.updated_at),
        "expected_datetime": _when(case.deadline_at),
        "address": (case.address or "") if full else "",
        "address_id": "",
        "zipcode": "",
        "lat": case.lat if full else round(case.lat, PUBLIC_DECIMALS),
        "long": case.lon if full else round(case.lon, PUBLIC_DECIMALS),
        "media_url": media.get(case.id) if full or category.public else None,
    }


def service_for(request: Request, session: SessionDep) -> CaseService:
    calendar: WorkCalendar = request.app.state.calendar
    return CaseService(session, calendar=calendar, clock=request.app.state.clock)


Cases = Annotated[CaseService, Depends(service_for)]


@router.get("/discovery.{fmt}", summary="Open311 service discovery")
def discovery(fmt: str, request: Request) -> Response:
    try:
        fmt = _fmt(fmt)
    except Open311Error as exc:
        return error("xml", exc.status, exc.description)
    base = str(request.base_url).rstrip("/") + router.prefix
    body = {
        "changeset": "2026-11-23T00:00:00Z",
        "contact": "县社会治理中心 (gridgov)",
        "key_service": f"{str(request.base_url).rstrip('/')}/docs",
        "endpoints": [
            {
                "specification": SPEC,
                "url": base,
                "changeset": "2026-11-23T00:00:00Z",
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", None, body)


@router.get("/services.{fmt}", summary="Open311 services (the case taxonomy)")
def services(fmt: str, cases: Cases) -> Response:
    try:
        fmt = _fmt(fmt)
    except Open311Error as exc:
        return error("xml", exc.status, exc.description)
    taxonomy = cases.taxonomy
    body = [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": f"立案条件：{c.filing}；结案条件：{c.closing}",
            "metadata": True,
            "type": "realtime",
            "keywords": ",".join([taxonomy.majors[c.major], c.name]),
            "group": taxonomy.majors[c.major],
        }
        for c in taxonomy.categories
    ]
    return render(fmt, "services", "service", body)


@router.get("/services/{service_code}.{fmt}", summary="Open311 service definition")
def service_definition(service_code: str, fmt: str, cases: Cases) -> Response:
    try:
        fmt = _fmt(fmt)
        category = cases.taxonomy.active(service_code)
    except Open311Error as exc:
        return error("xml", exc.status, exc.description)
    except AppError:
        return error(fmt, 404, f"unknown service_code {service_code}")
    body = {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "severity",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "严重程度",
                "order": 1,
                "description": "严重程度 (severity)",
                "values": [{"key": "1", "name": "一般"}, {"key": "2", "name": "较重"}, {"key": "3", "name": "严重"}],
            }
        ],
    }
    return render(fmt, "service_definition", None, body)


@router.post("/requests.{fmt}", summary="Open311: create a service request (needs api_key)")
def create_request(
    fmt: str,
    cases: Cases,
    settings: SettingsDep,
    api_key: Annotated[str, Form()] = "",
    service_code: Annotated[str, Form()] = "",
    lat: Annotated[str, Form()] = "",
    long: Annotated[str, Form()] = "",
    address_string: Annotated[str, Form()] = "",
    description: Annotated[str, Form(max_length=4000)] = "",
    media_url: Annotated[str, Form(max_length=1000)] = "",
    severity: Annotated[str, Form(alias="attribute[severity]")] = "",
) -> Response:
    try:
        fmt = _fmt(fmt)
    except Open311Error as exc:
        return error("xml", exc.status, exc.description)
    found = AuthService(cases.session, settings).principal_from_token(api_key) if api_key else None
    if found is None:
        return error(fmt, 403, BAD_KEY)
    principal = found[0]
    if not service_code:
        return error(fmt, 400, "service_code is required")
    try:
        cases.taxonomy.active(service_code)
    except AppError:
        return error(fmt, 404, f"unknown service_code {service_code}")
    if not (lat and long):
        return error(fmt, 400, "lat and long are required (address_string alone cannot be located)")
    try:
        data = CaseReport(
            category=service_code,
            description=description or service_code,
            lon=_number(long, "long"),
            lat=_number(lat, "lat"),
            address=address_string or None,
            severity=int(_number(severity, "attribute[severity]")) if severity else None,
            media_url=media_url or None,
        )
        case = cases.report(principal, data, source="open311")
    except Open311Error as exc:
        return error(fmt, exc.status, exc.description)
    except ValidationError as exc:
        return error(fmt, 400, _invalid(exc))
    except AppError as exc:
        return error(fmt, 404 if exc.status_code == 404 else 400, exc.message)
    notice = f"已受理，{cases.taxonomy.active(service_code).limits.filing}内立案"
    return render(
        fmt,
        "service_requests",
        "request",
        [{"service_request_id": case.number, "service_notice": notice, "account_id": ""}],
    )


FIELDS = {"lon": "long", "lat": "lat", "description": "description", "address": "address_string"}
FIELDS |= {"severity": "attribute[severity]", "media_url": "media_url", "category": "service_code"}
"""The request's fields by the spec's parameter names."""


def _number(value: str, field: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise Open311Error(400, f"{field} must be a decimal number") from None


def _invalid(exc: ValidationError) -> str:
    """The first problem, named by the spec's parameter: a message a client can show (no Python text)."""
    first = exc.errors()[0]
    field = FIELDS.get(str(first["loc"][0]) if first["loc"] else "", "request")
    kind = first["type"]
    if kind == "string_pattern_mismatch":
        return f"{field} must be an http(s) URL" if field == "media_url" else f"{field} has the wrong format"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{field} is out of range"
    if kind == "value_error":  # our own validators' messages (control characters …)
        return f"{field}: {str(first['msg']).removeprefix('Value error, ')}"
    if kind in ("string_too_short", "string_too_long"):
        return f"{field} is too short or too long"
    return f"{field} is not valid"


def _parse_time(value: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Open311Error(400, f"{field} must be a W3C datetime with a timezone") from exc
    if parsed.tzinfo is None:
        raise Open311Error(400, f"{field} must carry a timezone")
    return parsed


@dataclass(frozen=True)
class Reader:
    """Who reads: keyless (``principal`` None) or a key's principal, and what that lets them see."""

    principal: Principal | None
    public_codes: tuple[str, ...]

    def condition(self, cases: CaseService) -> ColumnElement[bool]:
        """SQL: the cases this reader may list."""
        public = Case.category_code.in_(self.public_codes) if self.public_codes else false()
        if self.principal is None:
            return public
        scoped = cases.repo.visible(self.principal.scope_paths, list(self.principal.unit_ids)).whereclause
        return public if scoped is None else or_(public, scoped)

    def covers(self, case: Case) -> bool:
        """Whether the reader's scope covers ``case`` (then it is shown in full)."""
        p = self.principal
        return p is not None and (any(case.path.startswith(s) for s in p.scope_paths) or case.unit_id in p.unit_ids)


def reader(request: Request, cases: CaseService, settings: Settings, api_key: str) -> Reader:
    """The reader of a GET: its key from ``api_key`` or a bearer header (403 when unknown or required)."""
    header = request.headers.get("authorization", "")
    key = api_key or (header[7:].strip() if header[:7].lower() == "bearer " else "")
    principal = None
    if key:
        found = AuthService(cases.session, settings).principal_from_token(key)
        if found is None:
            raise Open311Error(403, "Invalid api_key received -- can't proceed with reading requests.")
        principal = found[0]
    elif settings.open311_read_key_required:
        raise Open311Error(403, "api_key required: this server does not serve service requests without one.")
    taxonomy = cases.taxonomy
    public = tuple(c.code for c in (*taxonomy.categories, *taxonomy.retired) if c.public)
    return Reader(principal, public)


@router.get("/requests.{fmt}", summary="Open311: query service requests")
def list_requests(
    fmt: str,
    request: Request,
    cases: Cases,
    settings: SettingsDep,
    api_key: Annotated[str, Query(max_length=200)] = "",
    service_request_id: str = "",
    service_code: str = "",
    start_date: str = "",
    end_date: str = "",
    status: str = "",
    page: Annotated[int, Query(le=MAX_INT)] = 1,
    page_size: Annotated[int, Query(le=MAX_INT)] = 100,
) -> Response:
    try:
        fmt = _fmt(fmt)
        who = reader(request, cases, settings, api_key)
        stmt = select(Case).where(Case.merged_into_id.is_(None), who.condition(cases))
        if service_request_id:
            stmt = stmt.where(Case.number.in_([s.strip() for s in service_request_id.split(",") if s.strip()]))
        else:
            end = _parse_time(end_date, "end_date") if end_date else cases.clock()
            start = _parse_time(start_date, "start_date") if start_date else end - MAX_SPAN
            if end - start > MAX_SPAN or start > end:
                raise Open311Error(400, "start_date..end_date must span at most 90 days")
            stmt = stmt.where(Case.created_at >= start, Case.created_at <= end)
            if service_code:
                stmt = stmt.where(Case.category_code.in_([c.strip() for c in service_code.split(",")]))
            wanted = {s.strip() for s in status.split(",") if s.strip()}
            if wanted - {"open", "closed"}:
                raise Open311Error(400, "status must be open and/or closed")
            closed = [CaseState.closed.value, CaseState.cancelled.value]
            if wanted == {"open"}:
                stmt = stmt.where(Case.state.not_in(closed))
            elif wanted == {"closed"}:
                stmt = stmt.where(Case.state.in_(closed))
        if not 1 <= page <= MAX_PAGE or not 1 <= page_size <= 1000:
            raise Open311Error(400, f"1 <= page <= {MAX_PAGE} and 1 <= page_size <= 1000")
    except Open311Error as exc:
        return error(fmt if fmt in MEDIA else "xml", exc.status, exc.description)
    rows = list(cases.session.scalars(stmt.order_by(Case.id.desc()).limit(page_size).offset((page - 1) * page_size)))
    media = cases.repo.media_urls([c.id for c in rows])
    return render(fmt, "service_requests", "request", [_record(cases, c, who.covers(c), media) for c in rows])


@router.get("/requests/{service_request_id}.{fmt}", summary="Open311: one service request")
@router.get("/request/{service_request_id}.{fmt}", include_in_schema=False)
def get_request(
    service_request_id: str,
    fmt: str,
    request: Request,
    cases: Cases,
    settings: SettingsDep,
    api_key: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    try:
        fmt = _fmt(fmt)
        who = reader(request, cases, settings, api_key)
    except Open311Error as exc:
        return error(fmt if fmt in MEDIA else "xml", exc.status, exc.description)
    stmt = select(Case).where(Case.number == service_request_id, who.condition(cases))
    case = cases.session.scalars(stmt).one_or_none()
    if case is None:  # absent, or not readable: the same answer, so numbers cannot be probed
        return error(fmt, 404, f"no service request {service_request_id}")
    media = cases.repo.media_urls([case.id])
    return render(fmt, "service_requests", "request", [_record(cases, case, who.covers(case), media)])
