"""The water module's JSON API (under ``/api/v1``): intake users with their three rates, the rates per area, the
monthly plans (list, set, import, export), the month's bills and 用水进度提醒函, and a letter as PDF. Everything
is limited to the caller's area (``scope_paths``); setting and importing plans needs ``water:plan``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Path, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy import select

from gridgov.deps import CurrentUser, SessionDep
from gridgov.errors import InvalidInput, NotFound
from gridgov.evaluation.documents import Level
from gridgov.evaluation.periods import Period, PeriodKind
from gridgov.evaluation.providers import area_of
from gridgov.kit.bounds import Id, Year
from gridgov.kit.time import utcnow
from gridgov.org.models import OrgNode
from gridgov.water.letter import render_letter
from gridgov.water.models import Bill, IntakeUser, Letter
from gridgov.water.rates import Rates
from gridgov.water.repository import WaterRepository
from gridgov.water.schemas import (
    AreaRates,
    BillLine,
    BillRead,
    LetterRead,
    PlanImport,
    PlanRead,
    PlanWrite,
    RateParts,
    RatesRead,
    UserRead,
)
from gridgov.water.service import WaterPlans, WaterRates
from gridgov.water.transfer import PLANS, WaterTransfer
from gridgov.web.exports import download

router = APIRouter(tags=["water"])
PERIOD = Query(description="YYYY-MM, YYYY-Qn or YYYY; default: last month (上月)")
MONTH = Query(description="YYYY-MM; default: last month (上月)")
LEVELS = (Level.county, Level.township, Level.village)
PLAN = "water:plan"
"""Setting and importing monthly plans (管理用水计划)."""
MAX_UPLOAD = 10 * 1024 * 1024


def period_of(text: str | None) -> Period:
    if not text:
        return Period.month_of(utcnow()).previous()
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="period") from exc


def month_of(text: str | None) -> Period:
    """A month (YYYY-MM); default last month."""
    chosen = period_of(text)
    if chosen.kind is not PeriodKind.month:
        raise InvalidInput("期间应为月份 YYYY-MM (period must be a month, YYYY-MM)", field="period")
    return chosen


@router.get("/water/users")
def list_users(session: SessionDep, user: CurrentUser, period: Annotated[str | None, PERIOD] = None) -> list[UserRead]:
    """Intake users in the caller's area with their meters' three rates over the period (取水户及三率)."""
    chosen = period_of(period)
    service = WaterRates(session)
    target = service.target()
    return [
        UserRead(
            id=e.user.id,
            name=e.user.name,
            credit_code=e.user.credit_code,
            township_code=e.user.township_code,
            village_code=e.user.village_code,
            industry_code=e.user.industry_code,
            annual_volume_m3=e.user.annual_volume_m3,
            synthetic=e.user.synthetic,
            meters=e.meters,
            period=chosen.key,
            rates=RateParts.of(e.rates, target),
        )
        for e in service.by_user(chosen, user.scope_paths)
        if user.covers(e.user.path)
    ]


@router.get("/water/rates")
def area_rates(
    session: SessionDep,
    user: CurrentUser,
    period: Annotated[str | None, PERIOD] = None,
    level: Annotated[Level, Query(description="county, township or village")] = Level.township,
) -> RatesRead:
    """The three rates per area of ``level`` with numerators and denominators, summed over its users' meters."""
    if level not in LEVELS:
        raise InvalidInput("层级应为county/township/village (level must be county, township or village)", field="level")
    chosen = period_of(period)
    service = WaterRates(session)
    target = service.target()
    sums: dict[str, tuple[Rates, int]] = {}
    for entry in service.by_user(chosen, user.scope_paths):
        area = area_of(entry.user.path, level)
        if area is None or not entry.meters or not user.covers(entry.user.path):
            continue
        rates, users = sums.get(area, (Rates(), 0))
        sums[area] = (rates + entry.rates, users + 1)
    nodes = session.execute(select(OrgNode.code, OrgNode.name).where(OrgNode.code.in_(list(sums))))
    names = {row.code: row.name for row in nodes}
    areas = [
        AreaRates(code=code, name=names.get(code, code), users=n, rates=RateParts.of(rates, target))
        for code, (rates, n) in sorted(sums.items())
    ]
    return RatesRead(period=chosen.key, level=level.value, target=target, areas=areas)


@router.get("/water/plans")
def list_plans(
    session: SessionDep,
    user: CurrentUser,
    year: Annotated[Year, Query(description="年")],
    month: Annotated[int | None, Query(ge=1, le=12, description="月 (default: every month)")] = None,
) -> list[PlanRead]:
    """The monthly plans (月用水计划) of the intake users in the caller's area."""
    repo = WaterRepository(session)
    users = {u.id: u for u in repo.users(user.scope_paths)}
    plans = repo.plans(list(users), year, None if month is None else [month])
    return [
        PlanRead(
            user_id=p.user_id,
            user_name=users[p.user_id].name,
            credit_code=users[p.user_id].credit_code,
            year=p.year,
            month=p.month,
            planned_m3=p.planned_m3,
        )
        for p in plans
    ]


@router.put("/water/plans/{user_id}/{year}/{month}")
def set_plan(
    session: SessionDep,
    user: CurrentUser,
    user_id: Id,
    year: Year,
    month: Annotated[int, Path(ge=1, le=12)],
    body: PlanWrite,
) -> PlanRead:
    """Set a user's plan of a month (m³); the user must lie in the caller's area."""
    user.require(PLAN)
    intake = WaterRepository(session).user_in(user_id, user.scope_paths)
    if intake is None:
        raise NotFound("取水户不存在 (no such intake user)")
    plan = WaterPlans(session).set_plan(intake, year, month, body.planned_m3)
    session.commit()
    return PlanRead(
        user_id=intake.id,
        user_name=intake.name,
        credit_code=intake.credit_code,
        year=plan.year,
        month=plan.month,
        planned_m3=plan.planned_m3,
    )


@router.post("/water/plans/import")
async def import_plans(
    session: SessionDep,
    user: CurrentUser,
    file: Annotated[
        UploadFile, File(description=".xlsx (sheet 用水计划) or .csv: 统一社会信用代码, 年, 月, 计划水量(m³)")
    ],
) -> PlanImport:
    """Plans of the users in the caller's area; every row checked first, nothing written on an error."""
    user.require(PLAN)
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput("文件过大 (file too large)", field="file")
    written = WaterTransfer(session).import_plans(data, file.filename or "", user.scope_paths)
    session.commit()
    return PlanImport(plans=written)


@router.get("/water/plans/export")
def export_plans(
    session: SessionDep,
    user: CurrentUser,
    year: Annotated[Year | None, Query(description="年 (default: every year)")] = None,
    format: Annotated[Literal["xlsx", "csv"], Query()] = "xlsx",
) -> Response:
    """The plans of the users in the caller's area, as the import reads them."""
    rows = WaterTransfer(session).plan_rows(user.scope_paths, year)
    return download(format, "water-plans", PLANS.name, [c.header for c in PLANS.columns], rows)


def _names(session: SessionDep, user_ids: list[int]) -> dict[int, IntakeUser]:
    if not user_ids:
        return {}
    return {u.id: u for u in session.scalars(select(IntakeUser).where(IntakeUser.id.in_(user_ids)))}


def _bill(bill: Bill, owner: IntakeUser) -> BillRead:
    return BillRead(
        id=bill.id,
        user_id=owner.id,
        user_name=owner.name,
        credit_code=owner.credit_code,
        period=f"{bill.year}-{bill.month:02d}",
        used_m3=bill.used_m3,
        planned_m3=bill.planned_m3,
        price=bill.price,
        lines=[BillLine.model_validate(line) for line in bill.lines],
        surcharge=bill.surcharge,
        total=bill.total,
        issued_at=bill.issued_at,
    )


def _letter(letter: Letter, owner: IntakeUser) -> LetterRead:
    return LetterRead(
        id=letter.id,
        user_id=owner.id,
        user_name=owner.name,
        credit_code=owner.credit_code,
        period=f"{letter.year}-{letter.month:02d}",
        planned_to_date_m3=letter.planned_to_date_m3,
        used_to_date_m3=letter.used_to_date_m3,
        ratio=letter.ratio,
        level=letter.level,
        issued_at=letter.issued_at,
        delivery=letter.delivery,
        recipients=letter.recipients,
    )


@router.get("/water/bills")
def list_bills(session: SessionDep, user: CurrentUser, period: Annotated[str | None, MONTH] = None) -> list[BillRead]:
    """The month's bills (base price plus over-plan surcharge, 超计划累进加价) of the users in the caller's area."""
    chosen = month_of(period)
    bills = WaterRepository(session).bills(chosen.year, chosen.index, user.scope_paths)
    owners = _names(session, [b.user_id for b in bills])
    return [_bill(b, owners[b.user_id]) for b in bills]


@router.get("/water/letters")
def list_letters(
    session: SessionDep, user: CurrentUser, period: Annotated[str | None, MONTH] = None
) -> list[LetterRead]:
    """The month's 用水进度提醒函 of the users in the caller's area, with how each was delivered."""
    chosen = month_of(period)
    letters = WaterRepository(session).letters(chosen.year, chosen.index, user.scope_paths)
    owners = _names(session, [x.user_id for x in letters])
    return [_letter(x, owners[x.user_id]) for x in letters]


@router.get("/water/letters/{letter_id}/pdf")
def letter_pdf(session: SessionDep, user: CurrentUser, letter_id: Id) -> Response:
    """One 用水进度提醒函 as PDF (with the month's bill when issued)."""
    repo = WaterRepository(session)
    found = repo.letter_in(letter_id, user.scope_paths)
    if found is None:
        raise NotFound("提醒函不存在 (no such letter)")
    letter, owner = found
    filename = f"water-letter-{owner.credit_code}-{letter.year}{letter.month:02d}.pdf"
    return Response(
        render_letter(letter, owner, repo.bill_of(owner.id, letter.year, letter.month)),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
