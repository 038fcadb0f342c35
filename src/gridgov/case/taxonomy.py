"""The case taxonomy as data: categories with filing/closing conditions, default tier and unit, and
staged time limits. Defaults ship in ``data/taxonomy.yaml``; parsing here is pure."""

from __future__ import annotations

from enum import StrEnum
from importlib import resources
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, Field, ValidationError, field_validator, model_validator

from gridgov.case.calendar import TimeUnit
from gridgov.errors import InvalidInput


class Tier(StrEnum):
    village = "village"
    township = "township"
    county = "county"

    @property
    def up(self) -> Tier | None:
        order = list(Tier)
        index = order.index(self)
        return order[index + 1] if index + 1 < len(order) else None


def _limit(value: Any) -> Any:
    if isinstance(value, list | tuple) and len(value) == 2:
        return {"amount": value[0], "unit": value[1]}
    return value


class Limit(BaseModel):
    amount: float = Field(gt=0)
    unit: TimeUnit

    def __str__(self) -> str:
        amount = int(self.amount) if self.amount.is_integer() else self.amount
        return f"{amount}{self.unit.label}"


LimitField = Annotated[Limit, BeforeValidator(_limit)]


class Limits(BaseModel):
    filing: LimitField
    dispatch: LimitField


class Stage(BaseModel):
    name: str = Field(min_length=1)
    limit: LimitField
    result: str = ""


class Category(BaseModel):
    code: str = Field(pattern=r"^\d{4}$", description="大类 2 digits + 小类 2 digits")
    name: str = Field(min_length=1)
    filing: str = Field(description="立案条件")
    closing: str = Field(description="结案条件")
    severity: int = Field(ge=1, le=3)
    tier: Tier
    unit: str | None = Field(default=None, description="Unit code suffix at that tier; none for villages")
    limits: Limits
    stages: list[Stage] = Field(min_length=1)
    public: bool = Field(
        default=False,
        description="公开: Open311 lists its cases to anyone (coordinates rounded, no address); otherwise only "
        "clients whose scope covers a case see it",
    )

    @property
    def major(self) -> str:
        return self.code[:2]

    @model_validator(mode="after")
    def _unit_above_village(self) -> Category:
        if self.tier is not Tier.village and not self.unit:
            raise ValueError(f"category {self.code}: a {self.tier} tier needs a unit")
        return self


class Taxonomy(BaseModel):
    version: int
    majors: dict[str, str]
    categories: list[Category]
    retired: list[Category] = Field(default_factory=list, exclude=True)
    """Deactivated categories: no new reports, but the cases filed under them still read and act."""

    @field_validator("categories")
    @classmethod
    def _unique(cls, value: list[Category]) -> list[Category]:
        codes = [c.code for c in value]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"duplicate category codes: {duplicates}")
        return value

    def get(self, code: str) -> Category:
        """Any category a case may carry, retired ones included."""
        for category in (*self.categories, *self.retired):
            if category.code == code:
                return category
        raise InvalidInput(f"未知案件类别 {code} (unknown category)", field="category")

    def active(self, code: str) -> Category:
        """A category new cases may be reported under."""
        for category in self.categories:
            if category.code == code:
                return category
        raise InvalidInput(f"未知或已停用的案件类别 {code} (unknown or retired category)", field="category")


def parse_taxonomy(text: str) -> Taxonomy:
    """A taxonomy from YAML; errors name the entry and field (``categories.3.limits.filing``)."""
    try:
        raw = yaml.safe_load(text)
        taxonomy = Taxonomy.model_validate(raw)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"YAML格式错误 (bad YAML): {exc}", field="taxonomy") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"{where}: {first['msg']}", field=where) from exc
    for category in taxonomy.categories:
        if category.major not in taxonomy.majors:
            raise InvalidInput(f"类别{category.code}的大类{category.major}未定义 (unknown major)", field="majors")
    return taxonomy


def default_taxonomy() -> Taxonomy:
    return parse_taxonomy(resources.files("gridgov.case").joinpath("data/taxonomy.yaml").read_text("utf-8"))
