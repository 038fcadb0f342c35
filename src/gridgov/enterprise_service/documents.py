"""The enterprise-service module's configuration documents (配置即数据), shipped as YAML defaults in ``data/``.

* ``enterprise_service.appeals`` — appeal categories, the colour rules on intake, each colour's level and core
  case category (whose tier, unit and time limits apply), and the return-visit score that closes an appeal.
* ``enterprise_service.projects`` — the stages of a key project and the delays that turn it yellow and red.
* ``enterprise_service.per_mu`` — 亩均论英雄: indicators, weights, scoring method, classes and policies.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gridgov.configdata.service import DocumentKind
from gridgov.enterprise_service.permu import Scheme
from gridgov.enterprise_service.rules import Colour, ColourRule


class AppealCategory(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z_]+$")
    name: str


class ColourLevel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    case_category: str = Field(pattern=r"^\d{4}$", description="The core case category this colour opens")
    level: str
    level_en: str = ""


class AppealRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    categories: list[AppealCategory] = Field(min_length=1)
    rules: list[ColourRule] = Field(default_factory=list)
    default: Colour = Colour.green
    colours: dict[Colour, ColourLevel]
    satisfied_from: int = Field(default=4, ge=1, le=5)

    @model_validator(mode="after")
    def _every_colour(self) -> AppealRules:
        missing = [c.value for c in Colour if c not in self.colours]
        if missing:
            raise ValueError(f"colours lacks {missing}")
        return self

    def category(self, code: str) -> AppealCategory | None:
        return next((c for c in self.categories if c.code == code), None)


class StageSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z_]+$")
    name: str
    name_en: str = ""


class ProjectRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    stages: list[StageSpec] = Field(min_length=1)
    yellow_after_days: int = Field(default=0, ge=0)
    red_after_days: int = Field(default=30, ge=0)

    def stage(self, code: str) -> StageSpec | None:
        return next((s for s in self.stages if s.code == code), None)


APPEALS = DocumentKind("enterprise_service.appeals", AppealRules, "gridgov.enterprise_service", "data/appeals.yaml")
PROJECTS = DocumentKind("enterprise_service.projects", ProjectRules, "gridgov.enterprise_service", "data/projects.yaml")
PER_MU = DocumentKind("enterprise_service.per_mu", Scheme, "gridgov.enterprise_service", "data/per_mu.yaml")
