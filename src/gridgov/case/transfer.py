"""Importing cases from the spreadsheets hotlines export (12345 工单导出), all or nothing."""

from __future__ import annotations

from gridgov.case.schemas import CaseReport
from gridgov.case.service import CaseService
from gridgov.errors import AppError
from gridgov.geo.service import geo_service
from gridgov.kit.principal import Principal
from gridgov.kit.tabular import CellError, Column, ImportFailed, Sheet, read_csv, read_xlsx

CASE_SHEET = Sheet(
    "工单",
    (
        Column("category", "类别代码", ("category", "小类代码")),
        Column("description", "问题描述", ("description", "描述")),
        Column("lon", "经度", ("lon", "longitude")),
        Column("lat", "纬度", ("lat", "latitude")),
        Column("address", "地址", ("address",), required=False),
        Column("external_id", "工单编号", ("external_id",), required=False),
    ),
)


def import_cases(service: CaseService, principal: Principal, data: bytes, filename: str) -> list[str]:
    """Check every row (category, text, coordinates, place in your area), then create them all.
    Returns the new case numbers; on any error raises :class:`ImportFailed` and creates nothing."""
    if filename.lower().endswith(".csv"):
        rows, errors = read_csv(data, CASE_SHEET)
    else:
        sheets, errors = read_xlsx(data, [CASE_SHEET])
        rows = sheets.get(CASE_SHEET.name, [])
    reports: list[CaseReport] = []
    for row in rows:
        v = row.values
        try:
            lon, lat = float(v["lon"]), float(v["lat"])
        except ValueError:
            errors.append(row.error("lon", "经纬度应为数字 (coordinates must be numbers)"))
            continue
        try:
            service.taxonomy.active(v["category"])
        except AppError:
            errors.append(row.error("category", f"未知类别 {v['category']!r} (unknown category)"))
            continue
        if len(v["description"]) < 2:
            errors.append(row.error("description", "问题描述不能为空 (description is required)"))
            continue
        try:
            geo_service.locate(service.session, lon, lat, principal.scope_paths)
        except AppError as exc:
            errors.append(row.error("lon", exc.message))
            continue
        description = v["description"] + (f"（工单编号 {v['external_id']}）" if v.get("external_id") else "")
        reports.append(
            CaseReport(
                category=v["category"],
                description=description[:2000],
                lon=lon,
                lat=lat,
                address=v.get("address") or None,
            )
        )
    if errors:
        raise ImportFailed(errors)
    if not reports:
        raise ImportFailed([CellError(CASE_SHEET.name, 2, "A", "没有可导入的工单 (no rows)")])
    return [service.report(principal, r, source="import").number for r in reports]
