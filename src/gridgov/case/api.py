"""HTTP API of cases: report, list, read with timeline, act; and the taxonomy."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile, status
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from gridgov.case.schemas import AttachmentRead, CaseAction, CasePage, CaseQuery, CaseRead, CaseReport
from gridgov.case.service import CaseService, IntakeMemo, intake_memo
from gridgov.case.transfer import import_cases
from gridgov.deps import CurrentUser, SessionDep, WritingUser, request_actor
from gridgov.kit.bounds import Id, Offset
from gridgov.kit.writer import BatchWriter

router = APIRouter(tags=["cases 事件"])


def case_service(request: Request, session: SessionDep) -> CaseService:
    return _service(request, session)


def _service(request: Request, session: Session, memo: IntakeMemo | None = None) -> CaseService:
    state = request.app.state
    return CaseService(
        session,
        memo=memo,
        calendar=state.calendar,
        clock=state.clock,
        yellow_share=state.settings.case_yellow_share,
    )


Cases = Annotated[CaseService, Depends(case_service)]


@router.get("/cases/categories", summary="The case taxonomy (案件分类与处置标准)")
def categories(cases: Cases, user: CurrentUser) -> dict[str, Any]:
    return cases.taxonomy.model_dump(mode="json")


@router.get("/cases/calendar", summary="Years the working calendar does not cover yet (load the holiday table)")
def calendar_status(cases: Cases, user: CurrentUser) -> dict[str, list[int]]:
    return {"missing_years": cases.calendar_gaps()}


@router.post("/cases", response_model=CaseRead, status_code=status.HTTP_201_CREATED, summary="Report a case (上报)")
async def report(data: CaseReport, request: Request, user: WritingUser, response: Response) -> CaseRead:
    """Through the batch writer: answered once the transaction holding the case has committed."""

    def write(session: Session) -> CaseRead:
        cases = _service(request, session, intake_memo(session))  # one writer transaction: reads shared
        source = "app" if user.csrf_token else "api"  # a browser session (the phone page) or an API client
        return cases.read(user, cases.report(user, data, source=source))

    writer: BatchWriter = request.app.state.writer
    created = await writer.run(write, request_actor(request, user))
    response.headers["Location"] = f"/api/v1/cases/{created.number}"
    return created


@router.post("/cases/import", summary="Import hotline work orders from XLSX/CSV (sheet 工单); all or nothing")
def import_work_orders(
    cases: Cases, user: CurrentUser, file: Annotated[UploadFile, File(description=".xlsx (sheet 工单) or .csv")]
) -> dict[str, list[str]]:
    user.require("data:import")
    data = file.file.read(20 * 1024 * 1024)
    return {"created": import_cases(cases, user, data, file.filename or "orders.xlsx")}


@router.get("/cases", response_model=CasePage, summary="Cases in your area, newest first")
def list_cases(
    cases: Cases,
    user: CurrentUser,
    where: Annotated[CaseQuery, Query()],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> CasePage:
    return cases.search(user, where, limit=limit, offset=offset)


@router.get("/cases/{number}", response_model=CaseRead, summary="One case with its timeline")
def get_case(number: str, cases: Cases, user: CurrentUser) -> CaseRead:
    return cases.read(user, cases.get(user, number), with_events=True)


@router.post(
    "/cases/{number}/attachments",
    response_model=AttachmentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add a photo or document to a case (type sniffed, size-limited)",
)
def add_attachment(
    number: str, request: Request, cases: Cases, user: CurrentUser, file: Annotated[UploadFile, File()]
) -> AttachmentRead:
    settings = request.app.state.settings
    data = file.file.read(settings.max_upload_mb * 1024 * 1024 + 1)
    row = cases.attach(
        user,
        number,
        file.filename or "photo",
        data,
        settings.data_dir / "attachments",
        settings.max_upload_mb * 1024 * 1024,
    )
    return AttachmentRead.model_validate(row)


@router.get("/cases/{number}/attachments/{attachment_id}", summary="Download an attachment (scope-checked)")
def get_attachment(number: str, attachment_id: Id, request: Request, cases: Cases, user: CurrentUser) -> FileResponse:
    row = cases.attachment(user, number, attachment_id)
    path = request.app.state.settings.data_dir / "attachments" / row.storage_key
    return FileResponse(path, media_type=row.content_type, filename=row.filename)


@router.post("/cases/{number}/actions", response_model=CaseRead, summary="Act on a case (立案、派遣、反馈、核查…)")
def act(number: str, data: CaseAction, cases: Cases, user: CurrentUser) -> CaseRead:
    return cases.read(user, cases.act(user, number, data), with_events=True)
