"""Domain logic of the registry: enterprises and places, placed on the org tree, scoped, masked.
Flushes, never commits; every write is audited by the flush hook (``gridgov.audit.recorder``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from gridgov.configdata.service import load_document
from gridgov.errors import Conflict, Forbidden, InvalidInput, NotFound
from gridgov.geo.service import geo_service
from gridgov.kit.masking import mask_phone
from gridgov.kit.principal import Principal
from gridgov.registry.documents import PLACE_TYPES, PlaceType, PlaceTypes
from gridgov.registry.models import Enterprise, Place
from gridgov.registry.repository import RegistryRepository
from gridgov.registry.schemas import (
    EnterpriseCreate,
    EnterpriseRead,
    EnterpriseUpdate,
    Located,
    PlaceCreate,
    PlaceRead,
    PlaceUpdate,
)

NOT_IN_SCOPE = "不存在或不在您的辖区内 (not found in your area)"
PLACED_KINDS = ("township", "village", "grid", "microgrid")
LOCATION_FIELDS = {"lon", "lat", "area_code"}


@dataclass(frozen=True)
class Where:
    """Where a row lies on the org tree."""

    township_code: str
    path: str
    grid_code: str | None


def _scope(principal: Principal | None) -> tuple[str, ...] | None:
    return None if principal is None else principal.scope_paths


def _read(principal: Principal | None) -> None:
    if principal is not None:
        principal.require("registry.read")


def _write(principal: Principal | None, path: str) -> None:
    """``principal`` may write a row at ``path`` (None: the platform itself, an import from the CLI)."""
    if principal is None:
        return
    principal.require("registry.write")
    if not principal.covers(path):
        raise NotFound(f"该位置{NOT_IN_SCOPE}")


def phone_for(principal: Principal | None, phone: str | None) -> str | None:
    """The phone as ``principal`` may see it: whole with ``pii:read``, else masked."""
    if phone is None or principal is None or principal.can("pii:read"):
        return phone
    return mask_phone(phone)


class RegistryService:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.repo = RegistryRepository(session)

    # placing -----------------------------------------------------------------------------------
    def place_of(self, principal: Principal | None, located: Located) -> Where:
        """Township, path and grid from the point (``lon``/``lat``) or else from ``area_code``."""
        if (located.lon is None) != (located.lat is None):
            raise InvalidInput("经度和纬度须同时填写 (give both lon and lat)", field="lat")
        if located.lon is not None and located.lat is not None:
            found = geo_service.locate(self.session, located.lon, located.lat, _scope(principal))
            if found.township is None:
                raise InvalidInput("该点不在任何乡镇(街道)内 (the point lies in no township)", field="lon")
            return Where(found.township.code, found.path, found.grid.code if found.grid else None)
        if not located.area_code:
            raise InvalidInput("须填写经纬度或所在区域代码 (give lon/lat or area_code)", field="area_code")
        node = self.repo.node(located.area_code)
        if node is None:
            raise InvalidInput(f"未知的区域代码{located.area_code} (unknown area code)", field="area_code")
        if principal is not None and not principal.covers(node.path):
            raise NotFound(f"区域{located.area_code}{NOT_IN_SCOPE}")
        if node.kind not in PLACED_KINDS:
            raise InvalidInput("区域应为乡镇(街道)、村(社区)或网格 (township, village or grid)", field="area_code")
        codes = node.path.strip("/").split("/")
        kinds = {n.code: n.kind for n in (self.repo.node(c) for c in codes) if n is not None}
        township = next(c for c in codes if kinds.get(c) == "township")
        grid = next((c for c in codes if kinds.get(c) == "grid"), None)
        return Where(township, node.path, grid)

    # enterprises -------------------------------------------------------------------------------
    def get_enterprise(self, principal: Principal | None, enterprise_id: int) -> Enterprise:
        _read(principal)
        found = self.repo.enterprise(enterprise_id)
        if found is None or (principal is not None and not principal.covers(found.path)):
            raise NotFound(f"企业{enterprise_id}{NOT_IN_SCOPE}")
        return found

    def enterprise_by_code(self, principal: Principal | None, code: str) -> Enterprise:
        _read(principal)
        found = self.repo.enterprise_by_code(code.strip().upper())
        if found is None or (principal is not None and not principal.covers(found.path)):
            raise NotFound(f"统一社会信用代码{code}{NOT_IN_SCOPE}")
        return found

    def list_enterprises(
        self,
        principal: Principal,
        *,
        township: str | None = None,
        park: str | None = None,
        industry: str | None = None,
        q: str | None = None,
        active: bool | None = True,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[Enterprise], int]:
        _read(principal)
        stmt = self.repo.enterprise_statement(
            principal.scope_paths, township=township, park=park, industry=industry, q=q, active=active
        )
        return self.repo.page(stmt, Enterprise.name, limit=limit, offset=offset)

    def create_enterprise(
        self, principal: Principal | None, data: EnterpriseCreate, *, synthetic: bool = False
    ) -> Enterprise:
        if principal is not None:
            principal.require("registry.write")
        where = self.place_of(principal, data)
        _write(principal, where.path)
        if self.repo.enterprise_by_code(data.credit_code) is not None:
            raise Conflict(f"统一社会信用代码{data.credit_code}已登记 (already registered)", field="credit_code")
        values = data.model_dump(exclude={"area_code"})
        enterprise = Enterprise(**values, township_code=where.township_code, path=where.path, synthetic=synthetic)
        self.session.add(enterprise)
        self.session.flush()
        return enterprise

    def ensure_enterprise(
        self, principal: Principal | None, data: EnterpriseCreate, *, synthetic: bool = False
    ) -> Enterprise:
        """The enterprise with ``data.credit_code``, created from ``data`` when it is not registered yet (a
        module's import or demo): an existing row is left as it is."""
        found = self.repo.enterprise_by_code(data.credit_code)
        if found is not None:
            if principal is not None and not principal.covers(found.path):
                raise Forbidden(f"统一社会信用代码{data.credit_code}登记在您的辖区外 (registered outside your area)")
            return found
        return self.create_enterprise(principal, data, synthetic=synthetic)

    def update_enterprise(self, principal: Principal | None, enterprise_id: int, data: EnterpriseUpdate) -> Enterprise:
        enterprise = self.get_enterprise(principal, enterprise_id)
        _write(principal, enterprise.path)
        sent = data.model_fields_set
        if sent & LOCATION_FIELDS:
            where = self.place_of(principal, data)
            _write(principal, where.path)
            enterprise.township_code, enterprise.path = where.township_code, where.path
        for key in sent - LOCATION_FIELDS:
            value = getattr(data, key)
            if key in ("name", "industry_code", "attributes", "active") and value is None:
                raise InvalidInput("不能为空 (cannot be empty)", field=key)
            setattr(enterprise, key, value)
        self.session.flush()
        return enterprise

    def read_enterprises(self, principal: Principal | None, rows: Sequence[Enterprise]) -> list[EnterpriseRead]:
        names = self.repo.node_names([e.township_code for e in rows])
        return [
            EnterpriseRead(
                id=e.id,
                credit_code=e.credit_code,
                name=e.name,
                industry_code=e.industry_code,
                park=e.park,
                township_code=e.township_code,
                township_name=names.get(e.township_code),
                path=e.path,
                address=e.address,
                lon=e.lon,
                lat=e.lat,
                land_area_m2=e.land_area_m2,
                employees=e.employees,
                capacity_kva=e.capacity_kva,
                roof_area_m2=e.roof_area_m2,
                contact_name=e.contact_name,
                contact_phone=phone_for(principal, e.contact_phone),
                attributes=dict(e.attributes or {}),
                active=e.active,
                synthetic=e.synthetic,
                updated_at=e.updated_at,
            )
            for e in rows
        ]

    # places ------------------------------------------------------------------------------------
    def place_types(self) -> PlaceTypes:
        return load_document(self.session, PLACE_TYPES)

    def place_type(self, code: str) -> PlaceType:
        found = self.place_types().get(code)
        if found is None:
            known = ", ".join(t.code for t in self.place_types().types)
            raise InvalidInput(f"未知的场所类型{code} (unknown place type; known: {known})", field="type_code")
        return found

    def clean_attributes(self, kind: PlaceType, values: dict[str, Any]) -> dict[str, object]:
        cleaned, problems = kind.clean(values)
        if problems:
            key, message = next(iter(problems.items()))
            raise InvalidInput(message, field=f"attributes.{key}")
        return cleaned

    def get_place(self, principal: Principal | None, place_id: int) -> Place:
        _read(principal)
        found = self.repo.place(place_id)
        if found is None or (principal is not None and not principal.covers(found.path)):
            raise NotFound(f"场所{place_id}{NOT_IN_SCOPE}")
        return found

    def list_places(
        self,
        principal: Principal,
        *,
        township: str | None = None,
        type_code: str | None = None,
        enterprise_id: int | None = None,
        q: str | None = None,
        active: bool | None = True,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[Place], int]:
        _read(principal)
        stmt = self.repo.place_statement(
            principal.scope_paths,
            township=township,
            type_code=type_code,
            enterprise_id=enterprise_id,
            q=q,
            active=active,
        )
        return self.repo.page(stmt, Place.code, limit=limit, offset=offset)

    def _owner(self, principal: Principal | None, enterprise_id: int | None) -> int | None:
        if enterprise_id is None:
            return None
        try:
            return self.get_enterprise(principal, enterprise_id).id
        except NotFound as exc:
            raise InvalidInput(exc.message, field="enterprise_id") from exc

    def create_place(self, principal: Principal | None, data: PlaceCreate, *, synthetic: bool = False) -> Place:
        if principal is not None:
            principal.require("registry.write")
        kind = self.place_type(data.type_code)
        attributes = self.clean_attributes(kind, data.attributes)
        where = self.place_of(principal, data)
        _write(principal, where.path)
        if self.repo.places_by_codes([data.code]):
            raise Conflict(f"场所编码{data.code}已存在 (already registered)", field="code")
        place = Place(
            **data.model_dump(exclude={"area_code", "attributes", "enterprise_id"}),
            enterprise_id=self._owner(principal, data.enterprise_id),
            attributes=attributes,
            township_code=where.township_code,
            grid_code=where.grid_code,
            path=where.path,
            synthetic=synthetic,
        )
        self.session.add(place)
        self.session.flush()
        return place

    def update_place(self, principal: Principal | None, place_id: int, data: PlaceUpdate) -> Place:
        place = self.get_place(principal, place_id)
        _write(principal, place.path)
        sent = data.model_fields_set
        if sent & LOCATION_FIELDS:
            where = self.place_of(principal, data)
            _write(principal, where.path)
            place.township_code, place.path, place.grid_code = where.township_code, where.path, where.grid_code
        if "type_code" in sent or "attributes" in sent:
            kind = self.place_type(data.type_code or place.type_code)
            values = data.attributes if data.attributes is not None else dict(place.attributes or {})
            place.type_code, place.attributes = kind.code, self.clean_attributes(kind, values)
        if "enterprise_id" in sent:
            place.enterprise_id = self._owner(principal, data.enterprise_id)
        for key in sent - LOCATION_FIELDS - {"type_code", "attributes", "enterprise_id"}:
            value = getattr(data, key)
            if key in ("name", "active") and value is None:
                raise InvalidInput("不能为空 (cannot be empty)", field=key)
            setattr(place, key, value)
        self.session.flush()
        return place

    def read_places(self, principal: Principal | None, rows: Sequence[Place]) -> list[PlaceRead]:
        names = self.repo.node_names([p.township_code for p in rows])
        return [
            PlaceRead(
                id=p.id,
                code=p.code,
                type_code=p.type_code,
                name=p.name,
                township_code=p.township_code,
                township_name=names.get(p.township_code),
                grid_code=p.grid_code,
                path=p.path,
                address=p.address,
                lon=p.lon,
                lat=p.lat,
                enterprise_id=p.enterprise_id,
                owner_name=p.owner_name,
                contact_phone=phone_for(principal, p.contact_phone),
                attributes=dict(p.attributes or {}),
                active=p.active,
                synthetic=p.synthetic,
                updated_at=p.updated_at,
            )
            for p in rows
        ]
