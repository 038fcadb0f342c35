"""The village module's JSON API under ``/api/v1/village``: the collective economy, the village-team assessment
and resident services. Staff routes need the module's permissions and see their area only; a resident's routes
(``/village/me/…``) reach their own records only."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile, status
from fastapi.responses import Response

from gridgov.configdata.service import load_document
from gridgov.deps import CurrentUser, SessionDep
from gridgov.errors import InvalidInput
from gridgov.evaluation.periods import Period
from gridgov.kit.bounds import Id, Year
from gridgov.kit.principal import Principal
from gridgov.kit.time import utcnow
from gridgov.village.documents import ASSESSMENT
from gridgov.village.report import render_pdf, render_xlsx
from gridgov.village.schemas import (
    ActivityRead,
    ActivityWrite,
    AppealWrite,
    AssessmentYearRead,
    BoardRead,
    BookingRead,
    CadreRead,
    CheckIn,
    DividendRead,
    EntryRead,
    HolderRead,
    ImportResult,
    IncomeRead,
    MealPointRead,
    PointsRead,
    ProjectRead,
    RankRead,
    Redeem,
    RepairRead,
    RepairWrite,
    ScoreRead,
    ScoreWrite,
    ShiftRead,
    SignUp,
    VillageYearRead,
    YearRead,
    YearWrite,
)
from gridgov.village.services_assessment import AssessmentService, YearResult
from gridgov.village.services_economy import EconomyService, ProjectView
from gridgov.village.services_residents import MEAL_TYPES, ResidentServices
from gridgov.village.transfer import SCORES, SHARES, VillageTransfer, read
from gridgov.web.exports import XLSX, download

router = APIRouter(prefix="/village", tags=["village"])
READ, MANAGE, ASSESS, RESIDENT = "village:read", "village:manage", "village:assess", "village:resident"
MAX_UPLOAD = 10 * 1024 * 1024


def period_of(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="period") from exc


def project_read(view: ProjectView) -> ProjectRead:
    p = view.project
    return ProjectRead(
        code=p.code,
        name=p.name,
        township_code=p.township_code,
        status=p.status,
        planned_investment=p.planned_investment,
        cover=view.cover,
        synthetic=p.synthetic,
        holders=[HolderRead(**h.__dict__) for h in view.holders],
        years=[
            YearRead(
                year=y.year,
                expected=y.expected,
                income=r.income,
                costs=r.costs,
                reserve=r.reserve,
                distributed=r.distributed,
                dividends=[DividendRead(holder=d.holder, share=d.share, amount=d.amount) for d in r.dividends],
            )
            for y, r in view.years
        ],
    )


# collective economy ---------------------------------------------------------------------------------------------
@router.get("/projects")
def list_projects(session: SessionDep, user: CurrentUser) -> list[ProjectRead]:
    """Joint projects (抱团项目) in the caller's area, with shares and each year's dividends as calculated."""
    user.require(READ)
    return [project_read(v) for v in EconomyService(session).projects(user.scope_paths)]


@router.get("/projects/{code}")
def get_project(code: str, session: SessionDep, user: CurrentUser) -> ProjectRead:
    user.require(READ)
    return project_read(EconomyService(session).project(user, code))


@router.put("/projects/{code}/years/{year}")
def put_project_year(code: str, year: Year, body: YearWrite, session: SessionDep, user: CurrentUser) -> ProjectRead:
    """Record a year's income (rent) and costs; the dividends follow from the shares."""
    user.require(MANAGE)
    if not 2000 <= year <= 2100:
        raise InvalidInput("年份应在2000–2100之间 (year out of range)", field="year")
    service = EconomyService(session)
    service.add_year(user, code, year, body.income, body.costs)
    return project_read(service.project(user, code))


@router.get("/incomes")
def list_incomes(
    session: SessionDep, user: CurrentUser, years: Annotated[list[int] | None, Query(max_length=10)] = None
) -> list[IncomeRead]:
    """Each village collective's income by source (dividends from joint projects included), per year, and whether
    it falls below the weak-village line (集体经济薄弱村)."""
    user.require(READ)
    chosen = years or [utcnow().year - 1, utcnow().year]
    service = EconomyService(session)
    line = service.weak_line()
    return [
        IncomeRead(
            collective=r.collective.code,
            name=r.collective.name,
            village_code=r.collective.village_code,
            year=r.year,
            sources=r.sources,
            total=r.total,
            weak=r.total < line,
        )
        for r in service.incomes(user.scope_paths, chosen)
    ]


@router.get("/shareholdings/export")
def export_shares(
    session: SessionDep, user: CurrentUser, format: Annotated[str, Query(pattern="^(xlsx|csv)$")] = "xlsx"
) -> Response:
    user.require(READ)
    rows = VillageTransfer(session).share_rows(user)
    return download(format, "shareholdings", SHARES.name, [c.header for c in SHARES.columns], rows)


async def _upload(file: UploadFile) -> bytes:
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput("文件过大 (file too large)", field="file")
    return data


@router.post("/shareholdings/import")
async def import_shares(
    session: SessionDep, user: CurrentUser, file: Annotated[UploadFile, File(description=".xlsx (sheet 入股) or .csv")]
) -> ImportResult:
    """Shareholdings by project and participant code; every row checked first, nothing written on an error."""
    user.require(MANAGE)
    rows = read(await _upload(file), file.filename or "", SHARES)
    return ImportResult(written=VillageTransfer(session).import_shares(user, rows))


# assessment -----------------------------------------------------------------------------------------------------
@router.get("/assessment/{township}/board")
def assessment_board(
    township: str,
    session: SessionDep,
    user: CurrentUser,
    period: Annotated[str, Query(description="YYYY-MM or YYYY-Qn")],
) -> BoardRead:
    """The monthly 晒 table (a month) or the quarter's scores and ranking (a quarter) of a township's villages."""
    user.require(READ)
    board = AssessmentService(session).board(user, township, period_of(period))
    names = {v.code: v.name for v in board.villages}
    cells: dict[str, dict[str, float]] = {}
    for (village, code), points in board.cells.items():
        cells.setdefault(village, {})[code] = points
    return BoardRead(
        period=board.period,
        township=board.township.code,
        indicators=[{"code": i.code, "name": i.name, "max_points": i.max_points} for i in board.indicators],
        cells=cells,
        ranking=[RankRead(village=r.village, name=names[r.village], score=r.score, rank=r.rank) for r in board.ranking],
    )


def _year(session: SessionDep, user: Principal, township: str, year: int, pool: Decimal) -> YearResult:
    user.require(READ)
    return AssessmentService(session).year(user, township, year, pool)


POOL = Query(ge=0, le=10_000_000, description="每村绩效奖金池(元) (bonus pool per village)")


@router.get("/assessment/{township}/years/{year}")
def assessment_year(
    township: str, year: Year, session: SessionDep, user: CurrentUser, pool: Annotated[Decimal, POOL] = Decimal(30000)
) -> AssessmentYearRead:
    """The year's village results and ranking, each cadre's 1:1:1 result, grade and bonus."""
    result = _year(session, user, township, year, pool)
    return AssessmentYearRead(
        year=result.year,
        township=result.township.code,
        pool=result.pool,
        villages=[
            VillageYearRead(code=v.code, name=v.name, points=p, percent=pc, rank=r) for v, p, pc, r in result.villages
        ],
        cadres=[
            CadreRead(
                village_code=c.cadre.village_code,
                name=c.name,
                post=c.cadre.post,
                village_percent=c.village_percent,
                duty=c.cadre.duty,
                appraisal=c.cadre.appraisal,
                total=c.total,
                grade=c.grade,
                bonus=c.bonus,
            )
            for c in result.cadres
        ],
    )


@router.get("/assessment/{township}/years/{year}/report")
def assessment_report(
    township: str,
    year: Year,
    session: SessionDep,
    user: CurrentUser,
    format: Annotated[str, Query(pattern="^(pdf|xlsx)$")] = "pdf",
    pool: Annotated[Decimal, POOL] = Decimal(30000),
) -> Response:
    result = _year(session, user, township, year, pool)
    posts = {p.code: p.name for p in load_document(session, ASSESSMENT).posts}
    name = f"assessment-{township}-{year}.{format}"
    if format == "pdf":
        return Response(render_pdf(result, posts), media_type="application/pdf", headers=_attachment(name))
    return Response(render_xlsx(result, posts), media_type=XLSX, headers=_attachment(name))


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.put("/assessment/scores")
def put_score(body: ScoreWrite, session: SessionDep, user: CurrentUser) -> ScoreRead:
    """Enter or correct a village's score (an appealed score shows as revised)."""
    user.require(ASSESS)
    score = AssessmentService(session).set_score(
        user, body.indicator_id, body.village, period_of(body.period), body.points, body.note
    )
    return ScoreRead.model_validate(score, from_attributes=True)


@router.post("/assessment/scores/{score_id}/appeal")
def appeal_score(score_id: Id, body: AppealWrite, session: SessionDep, user: CurrentUser) -> ScoreRead:
    """A village's cadre appeals a score with a reason (申诉)."""
    user.require(READ)
    return ScoreRead.model_validate(
        AssessmentService(session).appeal(user, score_id, body.reason), from_attributes=True
    )


@router.get("/assessment/{township}/scores/export")
def export_scores(
    township: str,
    session: SessionDep,
    user: CurrentUser,
    year: Annotated[int, Query(ge=2000, le=2100)],
    format: Annotated[str, Query(pattern="^(xlsx|csv)$")] = "xlsx",
) -> Response:
    user.require(READ)
    node = AssessmentService(session).township(user, township)
    rows = VillageTransfer(session).score_rows(node.path, year)
    return download(format, f"scores-{township}-{year}", SCORES.name, [c.header for c in SCORES.columns], rows)


@router.post("/assessment/scores/import")
async def import_scores(
    session: SessionDep,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description=".xlsx (sheet 考核得分) or .csv")],
) -> ImportResult:
    user.require(ASSESS)
    rows = read(await _upload(file), file.filename or "", SCORES)
    return ImportResult(written=VillageTransfer(session).import_scores(user, rows))


# resident services ----------------------------------------------------------------------------------------------
def _activity(a: object) -> ActivityRead:
    return ActivityRead.model_validate(a, from_attributes=True)


@router.get("/activities")
def list_activities(session: SessionDep, user: CurrentUser) -> list[ActivityRead]:
    """Sessions from now on at the places of the caller's area (a resident: their village's)."""
    if not (user.can(RESIDENT) or user.can(READ)):
        user.require(RESIDENT)
    return [_activity(a) for a in ResidentServices(session).repo.activities(user.local_paths, utcnow())]


@router.post("/activities", status_code=status.HTTP_201_CREATED)
def create_activity(body: ActivityWrite, session: SessionDep, user: CurrentUser) -> ActivityRead:
    user.require(MANAGE)
    activity = ResidentServices(session).add_activity(
        user, body.place_id, body.kind, body.title, body.starts_at, body.ends_at, body.capacity, body.points
    )
    return _activity(activity)


@router.post("/activities/{activity_id}/booking", status_code=status.HTTP_201_CREATED)
def book(activity_id: Id, session: SessionDep, user: CurrentUser) -> BookingRead:
    """Book a seat, or join the waiting list when full (status ``waiting``)."""
    user.require(RESIDENT)
    services = ResidentServices(session)
    booking = services.book(user, activity_id)
    activity = services.activity(user, activity_id)
    return BookingRead(
        id=booking.id,
        activity_id=activity_id,
        title=activity.title,
        starts_at=activity.starts_at,
        status=booking.status,
    )


@router.delete("/activities/{activity_id}/booking")
def cancel(activity_id: Id, session: SessionDep, user: CurrentUser) -> BookingRead:
    user.require(RESIDENT)
    services = ResidentServices(session)
    booking = services.cancel(user, activity_id)
    activity = services.activity(user, activity_id)
    return BookingRead(
        id=booking.id,
        activity_id=activity_id,
        title=activity.title,
        starts_at=activity.starts_at,
        status=booking.status,
    )


@router.post("/activities/{activity_id}/check-in")
def check_in(activity_id: Id, body: CheckIn, session: SessionDep, user: CurrentUser) -> dict[str, str]:
    """Staff record attendance (points earned) or a no-show."""
    user.require(MANAGE)
    booking = ResidentServices(session).check_in(user, activity_id, body.person_id, body.attended)
    return {"status": booking.status}


@router.get("/me/bookings")
def my_bookings(session: SessionDep, user: CurrentUser) -> list[BookingRead]:
    user.require(RESIDENT)
    return [
        BookingRead(id=b.id, activity_id=a.id, title=a.title, starts_at=a.starts_at, status=b.status)
        for b, a in ResidentServices(session).bookings(user)
    ]


@router.get("/me/points")
def my_points(session: SessionDep, user: CurrentUser) -> PointsRead:
    user.require(RESIDENT)
    balance, entries = ResidentServices(session).points(user)
    return PointsRead(balance=balance, entries=[EntryRead.model_validate(e, from_attributes=True) for e in entries])


@router.post("/me/points/redeem", status_code=status.HTTP_201_CREATED)
def redeem(body: Redeem, session: SessionDep, user: CurrentUser) -> EntryRead:
    """Redeem a listed reward (积分兑换); 409 when the balance is short, nothing written."""
    user.require(RESIDENT)
    return EntryRead.model_validate(ResidentServices(session).redeem(user, body.reward), from_attributes=True)


@router.get("/me/repairs")
def my_repairs(session: SessionDep, user: CurrentUser) -> list[RepairRead]:
    """One's 报事报修 with the state the case engine shows."""
    user.require(RESIDENT)
    return [
        RepairRead(
            id=v.repair.id,
            case_number=v.repair.case_number,
            category=v.repair.category,
            state=v.state,
            created_at=v.repair.created_at,
        )
        for v in ResidentServices(session).repairs(user)
    ]


@router.post("/me/repairs", status_code=status.HTTP_201_CREATED)
def report_repair(body: RepairWrite, session: SessionDep, user: CurrentUser) -> RepairRead:
    user.require(RESIDENT)
    repair = ResidentServices(session).report_repair(
        user, body.category, body.description, body.lon, body.lat, body.address
    )
    return RepairRead(
        id=repair.id,
        case_number=repair.case_number,
        category=repair.category,
        state="reported",
        created_at=repair.created_at,
    )


@router.get("/meal-points")
def meal_points(
    session: SessionDep, user: CurrentUser, days: Annotated[int, Query(ge=1, le=31)] = 7
) -> list[MealPointRead]:
    """Canteens and meal-assistance points in the caller's area with their 暖心志愿岗 shifts filled."""
    if not (user.can(RESIDENT) or user.can(READ)):
        user.require(RESIDENT)
    services = ResidentServices(session)
    first = date.today()
    roster = services.roster(user.local_paths, first, days)
    found: list[MealPointRead] = []
    for place in services.repo.places(MEAL_TYPES, user.local_paths):
        shifts = {f"{d.isoformat()}/{s}": n for (p, d, s), n in roster.items() if p == place.id}
        found.append(
            MealPointRead(id=place.id, code=place.code, name=place.name, type_code=place.type_code, shifts=shifts)
        )
    return found


@router.post("/meal-points/{place_id}/shifts", status_code=status.HTTP_201_CREATED)
def sign_up(place_id: Id, body: SignUp, session: SessionDep, user: CurrentUser) -> ShiftRead:
    """Sign up for a 暖心志愿岗 shift (双人双岗: two a shift; 409 when full)."""
    user.require(RESIDENT)
    if body.day < date.today() or body.day > date.today() + timedelta(days=60):
        raise InvalidInput("日期应在今后60天内 (day must be within the next 60 days)", field="day")
    return ShiftRead.model_validate(
        ResidentServices(session).sign_up(user, place_id, body.day, body.slot), from_attributes=True
    )
