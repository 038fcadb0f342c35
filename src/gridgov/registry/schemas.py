"""Request and response bodies of the registry. Validation names the field (``credit_code``, ``industry_code``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from gridgov.kit.text import NO_CONTROL
from gridgov.org.schemas import PHONE_RE
from gridgov.registry import credit_code, industry


def _credit_code(value: str) -> str:
    value = value.strip().upper()
    reason = credit_code.problem(value)
    if reason:
        raise ValueError(reason)
    return value


def _industry(value: str) -> str:
    value = value.strip().upper()
    reason = industry.problem(value)
    if reason:
        raise ValueError(reason)
    return value


def _phone(value: str | None) -> str | None:
    if value is None or value.strip() == "":
        return None
    value = value.strip()
    if not (PHONE_RE.match(value) or (value.replace("-", "").isdigit() and 7 <= len(value) <= 20)):
        raise ValueError("电话应为11位手机号或座机号 (mobile or landline number)")
    return value


CreditCode = Annotated[str, AfterValidator(_credit_code)]
IndustryCode = Annotated[str, AfterValidator(_industry)]
Phone = Annotated[str | None, AfterValidator(_phone)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NO_CONTROL]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), NO_CONTROL]
AreaCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z_-]{2,32}$")]
PlaceCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z_.-]{1,40}$")]
TypeCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z_.-]{1,32}$")]
Lon = Annotated[float, Field(ge=73, le=136)]
Lat = Annotated[float, Field(ge=3, le=54)]
Area = Annotated[float, Field(ge=0, le=1e9)]


class Located(BaseModel):
    """Where it lies: ``lon``/``lat`` (the platform finds township, village and grid), or ``area_code``, the
    code of a township, village or grid, when there are no coordinates."""

    lon: Lon | None = None
    lat: Lat | None = None
    area_code: AreaCode | None = None
    address: Short | None = None


class EnterpriseFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    industry_code: IndustryCode
    park: Short | None = None
    land_area_m2: Area | None = None
    employees: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    capacity_kva: Area | None = None
    roof_area_m2: Area | None = None
    contact_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60), NO_CONTROL] | None = None
    contact_phone: Phone = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class EnterpriseCreate(Located, EnterpriseFields):
    credit_code: CreditCode


class EnterpriseUpdate(Located):
    """Only the fields sent change; ``active: false`` deactivates (注销/停用), nothing is deleted."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    industry_code: IndustryCode | None = None
    park: Short | None = None
    land_area_m2: Area | None = None
    employees: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    capacity_kva: Area | None = None
    roof_area_m2: Area | None = None
    contact_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60), NO_CONTROL] | None = None
    contact_phone: Phone = None
    attributes: dict[str, Any] | None = None
    active: bool | None = None


class Placement(BaseModel):
    township_code: str
    township_name: str | None = None
    path: str
    address: str | None = None
    lon: float | None = None
    lat: float | None = None


class EnterpriseRead(Placement):
    id: int
    credit_code: str
    name: str
    industry_code: str
    park: str | None
    land_area_m2: float | None
    employees: int | None
    capacity_kva: float | None
    roof_area_m2: float | None
    contact_name: str | None
    contact_phone: str | None
    """Masked (138****5678) for readers without ``pii:read``."""
    attributes: dict[str, Any]
    active: bool
    synthetic: bool
    updated_at: datetime


class EnterprisePage(BaseModel):
    items: list[EnterpriseRead]
    total: int


class PlaceCreate(Located):
    model_config = ConfigDict(extra="forbid")

    code: PlaceCode
    type_code: TypeCode
    name: Name
    enterprise_id: Annotated[int, Field(ge=1)] | None = None
    owner_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60), NO_CONTROL] | None = None
    contact_phone: Phone = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    """As the type declares them (``registry.place_types``); checked per attribute."""


class PlaceUpdate(Located):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    type_code: TypeCode | None = None
    enterprise_id: Annotated[int, Field(ge=1)] | None = None
    owner_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60), NO_CONTROL] | None = None
    contact_phone: Phone = None
    attributes: dict[str, Any] | None = None
    active: bool | None = None


class PlaceRead(Placement):
    id: int
    code: str
    type_code: str
    name: str
    grid_code: str | None
    enterprise_id: int | None
    owner_name: str | None
    contact_phone: str | None
    attributes: dict[str, Any]
    active: bool
    synthetic: bool
    updated_at: datetime


class PlacePage(BaseModel):
    items: list[PlaceRead]
    total: int
