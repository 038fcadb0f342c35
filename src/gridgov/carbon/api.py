"""The carbon module's JSON API (under ``/api/v1/carbon``): ranking, enterprise detail, bands, potential,
rooftop PV advice and the import of monthly data. Every figure is computed over the enterprises in the
caller's area (``scope_paths``) and names the factor versions it used; ``factors=`` recomputes with one
version explicitly."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile

from gridgov.carbon.schemas import (
    BandRead,
    Bands,
    Basis,
    Detail,
    Imported,
    IndustryRow,
    MonthFigures,
    Potential,
    PvAdvice,
    PvList,
    Ranking,
    RankRow,
    TailRead,
    figures,
)
from gridgov.carbon.service import CarbonService, Result, industries, monthly, pv_advice
from gridgov.carbon.transfer import MonthTransfer
from gridgov.deps import CurrentUser, SessionDep
from gridgov.kit.bounds import Id
from gridgov.kit.principal import Principal
from gridgov.kit.time import utcnow
from gridgov.web.exports import download

router = APIRouter(tags=["carbon"])
READ, WRITE = "carbon.read", "carbon.write"
YEAR = Query(ge=2000, le=2100, description="Year; default: the latest year with data (上一年 when none)")
FACTORS = Query(max_length=20, description="Factor version for every month (重新核算); default: the one in force")


def default_year(service: CarbonService) -> int:
    years = service.repo.years()
    return years[0] if years else utcnow().year - 1


def result_for(service: CarbonService, user: Principal, year: int | None, factors: str | None) -> Result:
    user.require(READ)
    return service.year(year or default_year(service), user.scope_paths, factors)


@router.get("/carbon/ranking", summary="Carbon index ranking with grades (碳排放综合评价排名)")
def ranking(
    session: SessionDep,
    user: CurrentUser,
    year: Annotated[int | None, YEAR] = None,
    factors: Annotated[str | None, FACTORS] = None,
) -> Ranking:
    result = result_for(CarbonService(session), user, year, factors)
    return Ranking(basis=Basis.of(result), rows=[RankRow.of(r) for r in result.rows])


@router.get("/carbon/enterprises/{enterprise_id}", summary="One enterprise: indicators, band, model, months")
def enterprise(
    enterprise_id: Id,
    session: SessionDep,
    user: CurrentUser,
    year: Annotated[int | None, YEAR] = None,
    factors: Annotated[str | None, FACTORS] = None,
) -> Detail:
    service = CarbonService(session)
    result = result_for(service, user, year, factors)
    row = result.row(enterprise_id)
    names = {r.enterprise.id: r.enterprise.name for r in result.rows}
    band = next((b for b in result.bands if b.key == row.band), None)
    model = result.row(band.model) if band and band.model else None
    months = [
        MonthFigures(
            month=f"{m.month:%Y-%m}",
            reported=m.row is not None,
            version=m.version,
            electricity_kwh=m.row.electricity_kwh if m.row else None,
            gas_m3=m.row.gas_m3 if m.row else None,
            steam_gj=m.row.steam_gj if m.row else None,
            pv_kwh=m.row.pv_kwh if m.row else None,
            output_value=m.row.output_value if m.row else None,
            tax=m.row.tax if m.row else None,
            emissions_t=m.emissions,
            intensity=m.emissions / m.row.output_value
            if m.row and m.emissions is not None and m.row.output_value > 0
            else None,
        )
        for m in monthly(service, enterprise_id, result.start, result.end, factors)
    ]
    return Detail(
        basis=Basis.of(result),
        enterprise=RankRow.of(row),
        emissions=row.emissions,
        energy=row.energy,
        output_value=row.output_value,
        tax=row.tax,
        employees=row.employees,
        indicators=figures(row),
        band=BandRead.of(band, names) if band else None,
        model=figures(model) if model else None,
        months=months,
    )


@router.get("/carbon/bands", summary="Capacity bands with their models, head and tail; industry comparison")
def bands(
    session: SessionDep,
    user: CurrentUser,
    year: Annotated[int | None, YEAR] = None,
    factors: Annotated[str | None, FACTORS] = None,
) -> Bands:
    result = result_for(CarbonService(session), user, year, factors)
    names = {r.enterprise.id: r.enterprise.name for r in result.rows}
    return Bands(
        basis=Basis.of(result),
        bands=[BandRead.of(b, names) for b in result.bands],
        industries=[
            IndustryRow(
                industry_code=i.industry_code,
                enterprises=i.enterprises,
                emissions_t=i.emissions,
                output_value=i.output_value,
                intensity=i.emissions / i.output_value if i.output_value > 0 else None,
            )
            for i in industries(result)
        ],
    )


@router.get("/carbon/potential", summary="Reduction potential if the tail reached the head (减排潜力)")
def potential(
    session: SessionDep,
    user: CurrentUser,
    year: Annotated[int | None, YEAR] = None,
    factors: Annotated[str | None, FACTORS] = None,
) -> Potential:
    """The tail enterprises of every band, each with its band head's intensity (t/万元), its emissions at that
    intensity and its contribution; the contributions sum to ``potential_t``."""
    result = result_for(CarbonService(session), user, year, factors)
    return Potential(
        basis=Basis.of(result),
        potential_t=result.potential,
        industry_total_t=result.industry_total,
        share=result.share,
        tail=[TailRead.of(t) for t in result.tail],
    )


@router.get("/carbon/months/export", summary="Monthly data of the enterprises in your area (sheet 月度数据)")
def export_months(
    session: SessionDep,
    user: CurrentUser,
    year: Annotated[int | None, YEAR] = None,
    format: Annotated[Literal["xlsx", "csv"], Query(description="xlsx or csv")] = "xlsx",
) -> Response:
    """The import's layout: edit and re-import it (an empty year gives the template)."""
    user.require(READ)
    service = CarbonService(session)
    chosen = year or default_year(service)
    transfer = MonthTransfer(session, service.factors())
    headers, rows = transfer.export_rows(user.scope_paths, date(chosen, 1, 1), date(chosen + 1, 1, 1))
    return download(format, f"carbon-months-{chosen}", transfer.sheet.name, headers, rows)


@router.post("/carbon/months/import", summary="Import monthly energy and economics (XLSX/CSV); all or nothing")
def import_months(
    session: SessionDep,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description=".xlsx (sheet 月度数据) or .csv")],
) -> Imported:
    user.require(WRITE)
    service = CarbonService(session)
    data = file.file.read(20 * 1024 * 1024)
    done = MonthTransfer(session, service.factors()).import_file(user, data, file.filename or "months.xlsx")
    return Imported(months=done.months, enterprises=done.enterprises)


@router.get("/carbon/pv", summary="Rooftop PV advice, largest CO2 avoided first (屋顶光伏建议)")
def pv(
    session: SessionDep,
    user: CurrentUser,
    year: Annotated[int | None, YEAR] = None,
    factors: Annotated[str | None, FACTORS] = None,
) -> PvList:
    service = CarbonService(session)
    result = result_for(service, user, year, factors)
    found = pv_advice(service, result, utcnow().date())
    return PvList(
        basis=Basis.of(result),
        factor_version=found.version,
        rows=[
            PvAdvice(
                enterprise_id=r.enterprise.id,
                name=r.enterprise.name,
                roof_area_m2=r.enterprise.roof_area_m2,
                **asdict(r.advice),
            )
            for r in found.rows
        ],
    )
