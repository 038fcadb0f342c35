"""Enterprises (sheet 企业) and places (sheet 场所) as XLSX or CSV, through ``gridgov.kit.tabular``.

Import is all or nothing: each row is checked by the same schemas the API uses and placed on the org tree (point,
else area code); every error is reported with its sheet, row and column and nothing is written if there is one.
Enterprises are matched on 统一社会信用代码 and places on their code: matched rows are updated, others added,
nothing is deleted. A caller (API) may import only rows inside its area; the CLI imports as the platform."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.errors import AppError
from gridgov.kit.principal import Principal
from gridgov.kit.tabular import CellError, Column, ImportFailed, Row, Sheet, read_csv, read_xlsx, write_csv, write_xlsx
from gridgov.org.repository import under
from gridgov.registry.documents import PlaceTypes
from gridgov.registry.models import Enterprise, Place
from gridgov.registry.schemas import EnterpriseCreate, PlaceCreate
from gridgov.registry.service import RegistryService, Where, phone_for

ENTERPRISES = Sheet(
    "企业",
    (
        Column("credit_code", "统一社会信用代码"),
        Column("name", "企业名称", aliases=("名称",)),
        Column("industry_code", "行业代码(GB/T 4754)", aliases=("行业代码",)),
        Column("park", "所属园区", required=False),
        Column("area_code", "所在区域代码", required=False),
        Column("lon", "经度", required=False),
        Column("lat", "纬度", required=False),
        Column("address", "地址", required=False),
        Column("land_area_m2", "用地面积(m²)", required=False),
        Column("employees", "从业人数", required=False),
        Column("capacity_kva", "用电容量(kVA)", required=False),
        Column("roof_area_m2", "可利用屋顶面积(m²)", required=False),
        Column("contact_name", "联系人", required=False),
        Column("contact_phone", "联系电话", required=False),
    ),
)
PLACES = Sheet(
    "场所",
    (
        Column("code", "场所编码"),
        Column("type_code", "场所类型"),
        Column("name", "场所名称", aliases=("名称",)),
        Column("area_code", "所在区域代码", required=False),
        Column("lon", "经度", required=False),
        Column("lat", "纬度", required=False),
        Column("address", "地址", required=False),
        Column("credit_code", "所属企业统一社会信用代码", required=False),
        Column("owner_name", "负责人", required=False),
        Column("contact_phone", "联系电话", required=False),
        Column("attributes", "属性", required=False),
    ),
)
SHEETS = {"enterprises": ENTERPRISES, "places": PLACES}
M = TypeVar("M", bound=BaseModel)
PAIRS = re.compile(r"[;；\n]")


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int

    def __str__(self) -> str:
        return f"新增 {self.added}, 更新 {self.updated} (added, updated)"


def _validated(model: type[M], row: Row, values: dict[str, Any], errors: list[CellError]) -> M | None:
    """``values`` checked by ``model``; each problem becomes the error of the column it names."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        for problem in exc.errors():
            key = str(problem["loc"][0]) if problem["loc"] else "-"
            errors.append(row.error(key, str(problem["msg"]).removeprefix("Value error, ")))
        return None


def _present(row: Row, keys: Sequence[str]) -> dict[str, Any]:
    return {key: row.values[key] for key in keys if row.values.get(key, "") != ""}


def attributes_text(types: PlaceTypes, type_code: str, values: dict[str, Any]) -> str:
    """``出租间数=6；租住人数=11`` (labels of the type's attributes, else their keys)."""
    kind = types.get(type_code)
    labels = {a.key: a.zh for a in kind.attributes} if kind else {}
    shown = [f"{labels.get(k, k)}={'是' if v is True else '否' if v is False else v}" for k, v in values.items()]
    return "；".join(shown)


class RegistryTransfer:
    def __init__(self, session: Session, principal: Principal | None = None) -> None:
        self.session = session
        self.principal = principal
        self.service = RegistryService(session)

    # export -------------------------------------------------------------------------------------
    def _scoped(self, model: type[Enterprise] | type[Place]) -> list[Any]:
        stmt = select(model).order_by(model.id)
        if self.principal is not None:
            stmt = stmt.where(under(self.principal.scope_paths, model.path))
        return list(self.session.scalars(stmt))

    def rows(self, what: str) -> list[list[Any]]:
        if what == "enterprises":
            return [
                [
                    e.credit_code,
                    e.name,
                    e.industry_code,
                    e.park,
                    e.path.strip("/").rsplit("/", 1)[-1],
                    e.lon,
                    e.lat,
                    e.address,
                    e.land_area_m2,
                    e.employees,
                    e.capacity_kva,
                    e.roof_area_m2,
                    e.contact_name,
                    phone_for(self.principal, e.contact_phone),
                ]
                for e in self._scoped(Enterprise)
            ]
        types = self.service.place_types()
        codes = {e.id: e.credit_code for e in self._scoped(Enterprise)}
        return [
            [
                p.code,
                p.type_code,
                p.name,
                p.path.strip("/").rsplit("/", 1)[-1],
                p.lon,
                p.lat,
                p.address,
                codes.get(p.enterprise_id) if p.enterprise_id else None,
                p.owner_name,
                phone_for(self.principal, p.contact_phone),
                attributes_text(types, p.type_code, dict(p.attributes or {})),
            ]
            for p in self._scoped(Place)
        ]

    def export(self, what: str, fmt: str) -> bytes:
        sheet = SHEETS[what]
        return write_csv(sheet, self.rows(what)) if fmt == "csv" else write_xlsx([(sheet, self.rows(what))])

    # import -------------------------------------------------------------------------------------
    def read(self, what: str, data: bytes, filename: str) -> list[Row]:
        sheet = SHEETS[what]
        if filename.lower().endswith(".csv"):
            rows, errors = read_csv(data, sheet)
        else:
            by_sheet, errors = read_xlsx(data, [sheet])
            rows = by_sheet.get(sheet.name, [])
        if errors:
            raise ImportFailed(errors)
        return rows

    def _where(self, row: Row, values: EnterpriseCreate | PlaceCreate, errors: list[CellError]) -> Where | None:
        try:
            where = self.service.place_of(self.principal, values)
        except AppError as exc:
            errors.append(row.error(exc.field or ("lon" if values.lon is not None else "area_code"), exc.message))
            return None
        if self.principal is not None and not self.principal.covers(where.path):
            errors.append(row.error("area_code", "不在您的辖区内 (outside your area)"))
            return None
        return where

    def import_enterprises(self, data: bytes, filename: str) -> ImportSummary:
        if self.principal is not None:
            self.principal.require("registry.write")
        rows = self.read("enterprises", data, filename)
        errors: list[CellError] = []
        existing = self.service.repo.enterprises_by_codes([r.values.get("credit_code", "").upper() for r in rows])
        seen: set[str] = set()
        ready: list[tuple[EnterpriseCreate, Where]] = []
        for row in rows:
            values = _validated(EnterpriseCreate, row, _present(row, [c.key for c in ENTERPRISES.columns]), errors)
            if values is None:
                continue
            if values.credit_code in seen:
                errors.append(row.error("credit_code", f"重复的统一社会信用代码 (duplicate code {values.credit_code})"))
            seen.add(values.credit_code)
            old = existing.get(values.credit_code)
            if old is not None and self.principal is not None and not self.principal.covers(old.path):
                errors.append(row.error("credit_code", "该企业登记在您的辖区外 (registered outside your area)"))
            where = self._where(row, values, errors)
            if where is not None:
                ready.append((values, where))
        if errors:
            raise ImportFailed(errors)
        added = 0
        for values, where in ready:
            enterprise = existing.get(values.credit_code)
            if enterprise is None:
                enterprise = Enterprise(attributes={}, active=True, synthetic=False)
                self.session.add(enterprise)
                added += 1
            for key, value in values.model_dump(exclude={"area_code", "attributes"}).items():
                setattr(enterprise, key, value)
            enterprise.township_code, enterprise.path = where.township_code, where.path
        self.session.flush()
        return ImportSummary(added, len(ready) - added)

    def _attributes(self, types: PlaceTypes, row: Row, errors: list[CellError]) -> dict[str, str]:
        kind = types.get(row.values.get("type_code", ""))
        by_label = {a.zh: a.key for a in kind.attributes} if kind else {}
        found: dict[str, str] = {}
        for pair in PAIRS.split(row.values.get("attributes", "")):
            if not pair.strip():
                continue
            name, sep, value = pair.partition("=")
            if not sep:
                errors.append(row.error("attributes", f"属性应写作 名称=值 (write name=value: {pair.strip()!r})"))
                continue
            found[by_label.get(name.strip(), name.strip())] = value.strip()
        return found

    def import_places(self, data: bytes, filename: str) -> ImportSummary:
        if self.principal is not None:
            self.principal.require("registry.write")
        rows = self.read("places", data, filename)
        errors: list[CellError] = []
        types = self.service.place_types()
        by_label = {t.zh: t.code for t in types.types}
        existing = self.service.repo.places_by_codes([r.values.get("code", "") for r in rows])
        owners = self.service.repo.enterprises_by_codes([r.values.get("credit_code", "").upper() for r in rows])
        seen: set[str] = set()
        ready: list[tuple[PlaceCreate, Where, dict[str, object], int | None]] = []
        for row in rows:
            row.values["type_code"] = by_label.get(row.values.get("type_code", ""), row.values.get("type_code", ""))
            raw = _present(row, ["code", "type_code", "name", "area_code", "lon", "lat", "address", "owner_name"])
            raw |= _present(row, ["contact_phone"])
            values = _validated(PlaceCreate, row, raw, errors)
            kind = types.get(row.values["type_code"])
            if kind is None:
                errors.append(
                    row.error("type_code", f"未知的场所类型 (unknown place type {row.values['type_code']!r})")
                )
            if values is None:
                continue
            if values.code in seen:
                errors.append(row.error("code", f"重复的场所编码 (duplicate code {values.code})"))
            seen.add(values.code)
            old = existing.get(values.code)
            if old is not None and self.principal is not None and not self.principal.covers(old.path):
                errors.append(row.error("code", "该场所登记在您的辖区外 (registered outside your area)"))
            attributes: dict[str, object] = {}
            if kind is not None:
                attributes, problems = kind.clean(dict(self._attributes(types, row, errors)))
                errors += [row.error("attributes", message) for message in problems.values()]
            owner_id = None
            code = row.values.get("credit_code", "").upper()
            if code:
                owner = owners.get(code)
                if owner is None or (self.principal is not None and not self.principal.covers(owner.path)):
                    errors.append(row.error("credit_code", f"企业{code}未登记或不在您的辖区内 (no such enterprise)"))
                else:
                    owner_id = owner.id
            where = self._where(row, values, errors)
            if where is not None:
                ready.append((values, where, attributes, owner_id))
        if errors:
            raise ImportFailed(errors)
        added = 0
        for values, where, attributes, owner_id in ready:
            place = existing.get(values.code)
            if place is None:
                place = Place(active=True, synthetic=False)
                self.session.add(place)
                added += 1
            for key, value in values.model_dump(exclude={"area_code", "attributes", "enterprise_id"}).items():
                setattr(place, key, value)
            place.attributes, place.enterprise_id = attributes, owner_id
            place.township_code, place.path, place.grid_code = where.township_code, where.path, where.grid_code
        self.session.flush()
        return ImportSummary(added, len(ready) - added)
