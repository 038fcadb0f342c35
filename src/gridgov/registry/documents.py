"""The registry's configuration document ``registry.place_types`` (配置即数据), shipped in ``data/place_types.yaml``:
the kinds of place (两类场所 and the rest) with the attributes each carries, so a county adds a type or an
attribute without a migration."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gridgov.configdata.service import DocumentKind

KEY = r"^[a-z][a-z0-9_]{0,31}$"


class AttributeKind(StrEnum):
    text = "text"
    integer = "integer"
    number = "number"
    boolean = "boolean"
    date = "date"
    choice = "choice"


class PlaceAttribute(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=KEY)
    zh: str = Field(min_length=1, max_length=40)
    en: str = Field(min_length=1, max_length=60)
    kind: AttributeKind = AttributeKind.text
    required: bool = False
    choices: tuple[str, ...] = ()
    """For ``choice``: the allowed values."""

    def label(self, locale: str) -> str:
        return self.en if locale == "en" else self.zh

    def parse(self, value: object) -> object:
        """The value as stored (JSON), or ValueError saying what is wrong."""
        if self.kind is AttributeKind.boolean:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "是", "有"):
                return True
            if text in ("0", "false", "no", "否", "无"):
                return False
            raise ValueError("应为是/否 (must be yes or no)")
        if self.kind in (AttributeKind.integer, AttributeKind.number):
            try:
                number = float(str(value).strip())
            except ValueError:
                raise ValueError("应为数字 (must be a number)") from None
            if not 0 <= number < float("inf"):
                raise ValueError("应为非负数 (must be ≥ 0)")
            if self.kind is AttributeKind.number:
                return number
            if not number.is_integer():
                raise ValueError("应为整数 (must be a whole number)")
            return int(number)
        text = str(value).strip()
        if self.kind is AttributeKind.date:
            try:
                return date.fromisoformat(text[:10]).isoformat()
            except ValueError:
                raise ValueError("日期应为YYYY-MM-DD (date must be YYYY-MM-DD)") from None
        if self.kind is AttributeKind.choice and text not in self.choices:
            raise ValueError(f"应为{'/'.join(self.choices)}之一 (must be one of {', '.join(self.choices)})")
        if len(text) > 200:
            raise ValueError("不超过200字 (at most 200 characters)")
        return text


class PlaceType(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=KEY)
    zh: str = Field(min_length=1, max_length=40)
    en: str = Field(min_length=1, max_length=60)
    group: str = Field(default="", max_length=40, description="分组，如“两类场所”")
    attributes: tuple[PlaceAttribute, ...] = ()

    def label(self, locale: str) -> str:
        return self.en if locale == "en" else self.zh

    @model_validator(mode="after")
    def _unique(self) -> PlaceType:
        keys = [a.key for a in self.attributes]
        if len(keys) != len(set(keys)):
            raise ValueError(f"属性键重复 (duplicate attribute keys in {self.code})")
        for attribute in self.attributes:
            if attribute.kind is AttributeKind.choice and not attribute.choices:
                raise ValueError(f"{self.code}.{attribute.key}: 选项为空 (a choice needs choices)")
        return self

    def clean(self, values: dict[str, object]) -> tuple[dict[str, object], dict[str, str]]:
        """(the attributes as stored, problems by attribute key); unknown keys and missing required ones are
        problems, empty values are dropped."""
        known = {a.key: a for a in self.attributes}
        cleaned: dict[str, object] = {}
        problems: dict[str, str] = {}
        for key, value in values.items():
            if key not in known:
                problems[key] = f"{self.zh}没有属性{key} (no attribute {key} for type {self.code})"
            elif value is not None and str(value).strip() != "":
                try:
                    cleaned[key] = known[key].parse(value)
                except ValueError as exc:
                    problems[key] = f"{known[key].zh}: {exc}"
        for attribute in self.attributes:
            if attribute.required and attribute.key not in cleaned and attribute.key not in problems:
                problems[attribute.key] = f"{attribute.zh}不能为空 (required)"
        return cleaned, problems


class PlaceTypes(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    types: tuple[PlaceType, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> PlaceTypes:
        codes = [t.code for t in self.types]
        if len(codes) != len(set(codes)):
            raise ValueError("场所类型代码重复 (duplicate place type codes)")
        return self

    def get(self, code: str) -> PlaceType | None:
        return next((t for t in self.types if t.code == code), None)


PLACE_TYPES = DocumentKind("registry.place_types", PlaceTypes, "gridgov.registry", "data/place_types.yaml")
DOCUMENTS = (PLACE_TYPES,)
