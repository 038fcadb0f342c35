from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from gridgov.kit.text import NO_CONTROL
from gridgov.org.enums import NodeKind, Role, UnitKind

PHONE_RE = re.compile(r"^1\d{10}$")
ID_NUMBER_RE = re.compile(r"^\d{17}[\dXx]$")


def _check_phone(value: str) -> str:
    if not PHONE_RE.match(value):
        raise ValueError("手机号应为11位数字且以1开头 (11-digit mobile number starting with 1)")
    return value


def _check_id_number(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not ID_NUMBER_RE.match(value):
        raise ValueError("身份证号应为18位 (18-character resident ID number)")
    return value.upper()


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NO_CONTROL]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z_-]{2,32}$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_phone)]
IdNumber = Annotated[str | None, AfterValidator(_check_id_number)]


class NodeBase(BaseModel):
    code: Code
    name: Name
    kind: NodeKind


class NodeCreate(NodeBase):
    parent_code: Code | None = None


class NodeUpdate(BaseModel):
    name: Name | None = None


class NodeRead(NodeBase):
    model_config = ConfigDict(from_attributes=True)

    parent_code: str | None = None
    path: str
    centroid_lon: float | None = None
    centroid_lat: float | None = None
    has_boundary: bool = False
    children_count: int = 0
    synthetic: bool = False


class NodePage(BaseModel):
    items: list[NodeRead]
    total: int


class UnitCreate(BaseModel):
    code: Code
    name: Name
    kind: UnitKind
    node_code: Code


class UnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    kind: UnitKind
    node_code: str


class RoleGrant(BaseModel):
    role: Role
    node_code: Code
    level: int | None = Field(default=None, ge=1, le=4, description="Responsibility level 1–4 (区/镇/村/网格)")


class PersonCreate(BaseModel):
    name: Name
    phone: Phone
    id_number: IdNumber = None
    roles: list[RoleGrant] = Field(default_factory=list)
    unit_codes: list[Code] = Field(default_factory=list)
    grid_codes: list[Code] = Field(default_factory=list)


class PersonUpdate(BaseModel):
    name: Name | None = None
    phone: Phone | None = None
    id_number: IdNumber = None
    active: bool | None = None
    roles: list[RoleGrant] | None = None
    unit_codes: list[Code] | None = None
    grid_codes: list[Code] | None = None


class PersonRead(BaseModel):
    id: int
    name: str
    phone: str
    id_number: str | None
    active: bool
    synthetic: bool
    roles: list[RoleGrant]
    unit_codes: list[str]
    grid_codes: list[str]


class PersonPage(BaseModel):
    items: list[PersonRead]
    total: int
