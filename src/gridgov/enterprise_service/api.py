"""The enterprise-service JSON API under ``/api/v1/enterprises/`` (beside the core registry's
``/api/v1/enterprises/{id}``): appeals, visits, key projects and 亩均 results. Staff read within their area; an
enterprise account reads and submits only for the enterprise it is linked to."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response

from gridgov.deps import CurrentUser, SessionDep
from gridgov.enterprise_service.access import MANAGE, READ, RECOLOUR, RECORD, Reader, reader
from gridgov.enterprise_service.per_mu import SHEET, PerMuService
from gridgov.enterprise_service.projects import ProjectService, ProjectView
from gridgov.enterprise_service.report import weekly_pdf
from gridgov.enterprise_service.rules import Colour
from gridgov.enterprise_service.schemas import (
    AppealCreate,
    AppealPage,
    AppealRead,
    BlockerIn,
    ColourChangeIn,
    ImportResult,
    PerMuPage,
    ProjectRead,
    ReturnVisitIn,
    StageUpdate,
    VisitIn,
    VisitRead,
)
from gridgov.enterprise_service.service import AppealFilter, AppealService
from gridgov.errors import Forbidden, InvalidInput
from gridgov.kit.bounds import Id, Offset
from gridgov.kit.principal import Principal
from gridgov.kit.tabular import CellError, read_csv, read_xlsx
from gridgov.kit.time import to_local, utcnow
from gridgov.web.exports import download

router = APIRouter(prefix="/enterprises", tags=["enterprise_service"])
MAX_UPLOAD = 10 * 1024 * 1024


def _staff(principal: Principal, permission: str) -> None:
    if not principal.can(permission):
        raise Forbidden(f"当前角色无权执行此操作 (needs {permission})")


def _can_submit(principal: Principal) -> None:
    if not (principal.can(RECORD) or principal.can("enterprise_service.own")):
        raise Forbidden(f"当前角色无权记录企业诉求 (needs {RECORD})")


# appeals ---------------------------------------------------------------------------------------
@router.get("/appeals")
def list_appeals(
    session: SessionDep,
    user: CurrentUser,
    colour: Colour | None = None,
    open_only: bool = False,
    township: str | None = None,
    enterprise_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> AppealPage:
    """Appeals in the caller's area (an enterprise account: its own), newest first."""
    service = AppealService(session)
    where = AppealFilter(colour=colour, open_only=open_only, township=township, enterprise_id=enterprise_id)
    items, total = service.search(reader(session, user), where, limit, offset)
    return AppealPage(total=total, items=[service.read(a) for a in items])


@router.post("/appeals", status_code=201)
def create_appeal(session: SessionDep, user: CurrentUser, body: AppealCreate) -> AppealRead:
    """Record an appeal (account manager) or submit one (enterprise account): coloured by the rules and opened
    as a core case at the colour's level."""
    _can_submit(user)
    service = AppealService(session)
    return service.read(service.record(user, reader(session, user), body))


@router.get("/appeals/{appeal_id}")
def get_appeal(session: SessionDep, user: CurrentUser, appeal_id: Id) -> AppealRead:
    service = AppealService(session)
    return service.read(service.get(reader(session, user), appeal_id), full=True)


@router.post("/appeals/{appeal_id}/colour")
def change_colour(session: SessionDep, user: CurrentUser, appeal_id: Id, body: ColourChangeIn) -> AppealRead:
    """Change an appeal's colour with a reason; the case moves to the new colour's level."""
    _staff(user, RECOLOUR)
    service = AppealService(session)
    return service.read(service.recolour(user, reader(session, user), appeal_id, body.colour, body.reason), full=True)


@router.post("/appeals/{appeal_id}/return-visit")
def return_visit(session: SessionDep, user: CurrentUser, appeal_id: Id, body: ReturnVisitIn) -> AppealRead:
    """回访: a satisfied answer closes the appeal; an unsatisfied one sends it back or reopens it."""
    _staff(user, RECORD)
    service = AppealService(session)
    appeal = service.return_visit(user, reader(session, user), appeal_id, body.satisfaction, body.notes)
    return service.read(appeal, full=True)


@router.post("/visits", status_code=201)
def record_visit(session: SessionDep, user: CurrentUser, body: VisitIn) -> VisitRead:
    """An account manager's visit to an enterprise (走访记录)."""
    _staff(user, RECORD)
    row = AppealService(session).visit(user, reader(session, user), body.enterprise_id, body.notes)
    return VisitRead.model_validate(row, from_attributes=True)


@router.get("/{enterprise_id}/visits")
def list_visits(session: SessionDep, user: CurrentUser, enterprise_id: Id) -> list[VisitRead]:
    rows = AppealService(session).visits(reader(session, user), enterprise_id)
    return [VisitRead.model_validate(v, from_attributes=True) for v in rows]


# projects --------------------------------------------------------------------------------------
def project_read(view: ProjectView, blockers: AppealService | None = None, who: Reader | None = None) -> ProjectRead:
    """The project; with its stages and blockers when ``blockers`` and ``who`` are given (the detail)."""
    p = view.project
    full = blockers is not None and who is not None
    found = blockers.search(who, AppealFilter(project_id=p.id), limit=200)[0] if blockers and who else []
    return ProjectRead(
        id=p.id,
        code=p.code,
        name=p.name,
        kind=p.kind,
        investor=p.investor,
        amount_wan=p.amount_wan,
        land_mu=p.land_mu,
        team=p.team,
        leader=p.leader,
        enterprise_id=p.enterprise_id,
        township_code=p.township_code,
        colour=view.colour,
        delay_days=view.delay_days,
        current_stage=view.current_stage,
        synthetic=p.synthetic,
        stages=view.stages if full else None,
        blockers=[blockers.read(a) for a in found] if blockers and full else None,
    )


@router.get("/projects")
def list_projects(
    session: SessionDep, user: CurrentUser, kind: Literal["industrial", "real_estate"] | None = None
) -> list[ProjectRead]:
    """Key projects with their colour by delay against plan."""
    return [project_read(v) for v in ProjectService(session).search(reader(session, user), kind)]


@router.get("/projects/weekly-report")
def weekly_report(session: SessionDep, user: CurrentUser, format: Literal["xlsx", "csv", "pdf"] = "xlsx") -> Response:
    """项目推进周报: every project's current stage, delay and colour, worst first."""
    header, rows = ProjectService(session).weekly_rows(reader(session, user))
    week = to_local(utcnow()).strftime("%G-W%V")
    if format == "pdf":
        return Response(
            weekly_pdf(f"重点项目推进周报 {week}", header, rows),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="projects-{week}.pdf"'},
        )
    return download(format, f"重点项目推进周报-{week}", "项目推进周报", header, rows)


@router.get("/projects/{project_id}")
def get_project(session: SessionDep, user: CurrentUser, project_id: Id) -> ProjectRead:
    who = reader(session, user)
    return project_read(ProjectService(session).view(who, project_id), AppealService(session), who)


@router.post("/projects/{project_id}/stages")
def update_stage(session: SessionDep, user: CurrentUser, project_id: Id, body: StageUpdate) -> ProjectRead:
    """Set a stage's planned or actual date (and a note)."""
    _staff(user, MANAGE)
    who = reader(session, user)
    return project_read(ProjectService(session).set_stage(who, project_id, body), AppealService(session), who)


@router.post("/projects/{project_id}/blockers", status_code=201)
def raise_blocker(session: SessionDep, user: CurrentUser, project_id: Id, body: BlockerIn) -> AppealRead:
    """A blocker of the project (卡点) raised as an appeal of its enterprise, linked to the project."""
    _staff(user, RECORD)
    who = reader(session, user)
    project = ProjectService(session).get(who, project_id)
    if project.enterprise_id is None:
        raise InvalidInput("项目未关联企业，无法提出诉求 (the project names no enterprise)", field="project_id")
    service = AppealService(session)
    data = AppealCreate(
        enterprise_id=project.enterprise_id,
        category=body.category,
        title=body.title,
        description=f"[{project.code} {project.name}] {body.description}",
        impact=body.impact,
        urgency=body.urgency,
    )
    return service.read(service.record(user, who, data, project_id=project.id))


# 亩均论英雄 --------------------------------------------------------------------------------------
def _year(service: PerMuService, year: int | None) -> int:
    if year:
        return year
    years = service.years()
    return years[0] if years else to_local(utcnow()).year - 1


@router.get("/per-mu")
def per_mu(
    session: SessionDep,
    user: CurrentUser,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    klass: Annotated[Literal["A", "B", "C", "D"] | None, Query(alias="class")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> PerMuPage:
    """The class list (分类名单) of a year with every score's parts and the change against last year, a page at a
    time (the export holds every row)."""
    _staff(user, READ)
    service = PerMuService(session)
    chosen = _year(service, year)
    found = service.listing(reader(session, user), chosen, klass, limit=limit, offset=offset)
    return PerMuPage(year=chosen, counts=found.counts, total=found.total, items=found.items)


@router.get("/per-mu/export")
def per_mu_export(
    session: SessionDep,
    user: CurrentUser,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    format: Literal["xlsx", "csv"] = "xlsx",
) -> Response:
    _staff(user, READ)
    service = PerMuService(session)
    chosen = _year(service, year)
    header, rows = service.class_rows(service.read(reader(session, user), chosen))
    return download(format, f"亩均评价分类名单-{chosen}", "分类名单", header, rows)


@router.get("/per-mu/policies")
def per_mu_policies(
    session: SessionDep,
    user: CurrentUser,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    klass: Annotated[Literal["A", "B", "C", "D"] | None, Query(alias="class")] = None,
    format: Literal["xlsx", "csv"] = "xlsx",
) -> Response:
    """The differentiated-policy list per class (差别化政策名单) for the departments."""
    _staff(user, READ)
    service = PerMuService(session)
    chosen = _year(service, year)
    header, rows = service.policy_rows(service.read(reader(session, user), chosen), klass)
    return download(format, f"差别化政策名单-{chosen}{klass or ''}", "差别化政策名单", header, rows)


@router.post("/per-mu/import")
def per_mu_import(session: SessionDep, user: CurrentUser, file: Annotated[UploadFile, File()]) -> ImportResult:
    """Import yearly figures (XLSX or CSV, columns as the export template); all or nothing, errors name the
    row and column."""
    _staff(user, MANAGE)
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput("文件过大 (file larger than 10 MB)", field="file")
    errors: list[CellError]
    if (file.filename or "").lower().endswith(".csv"):
        rows, errors = read_csv(data, SHEET)
    else:
        sheets, errors = read_xlsx(data, [SHEET])
        rows = sheets.get(SHEET.name, [])
    count = PerMuService(session).load(reader(session, user), rows, errors)
    return ImportResult(rows=count)
