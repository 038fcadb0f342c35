"""The module's configuration documents (配置即数据), shipped as YAML defaults in ``data/``.

* ``inspection.plans`` — per place type the cycle and the checklist (items, answer kinds, photo required, which
  answers make a finding of which grade), and the case category each grade opens.
* ``inspection.rosters`` — the roster rules (hard limits, soft weights, solver time, check-in distance).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gridgov.configdata.service import DocumentKind
from gridgov.inspection.roster import Rules


class Grade(StrEnum):
    ordinary = "ordinary"
    """一般隐患: to the village (村社/共富委) with a rectification limit."""
    veto = "veto"
    """一票否决: to the township emergency centre on the emergency clock."""


class GradeRoute(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    category: str = Field(pattern=r"^\d{4}$", description="案件类别 (case taxonomy code)")
    severity: int = Field(ge=1, le=3)


class Item(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    text: str
    text_en: str = ""
    kind: Literal["yes_no", "choice", "number", "text"] = "yes_no"
    choices: list[str] = Field(default_factory=list)
    photo_required: bool = False
    findings: dict[str, Grade] = Field(default_factory=dict, description="answer → grade of the hazard it makes")

    @model_validator(mode="after")
    def _answers_exist(self) -> Item:
        allowed = {"yes_no": {"yes", "no"}, "choice": set(self.choices)}.get(self.kind)
        if allowed is not None and not set(self.findings) <= allowed:
            raise ValueError(f"item {self.code}: findings name answers it cannot have")
        if allowed is None and self.findings:
            raise ValueError(f"item {self.code}: a {self.kind} answer makes no finding")
        return self


class Plan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    place_type: str
    name: str
    name_en: str = ""
    cycle_months: int = Field(default=3, ge=1, le=12, description="排查周期(月)")
    categories: dict[Grade, str] = Field(default_factory=dict, description="grade → case category for this type")
    checklist: list[Item] = Field(min_length=1)


class Plans(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    grades: dict[Grade, GradeRoute]
    theme_day: int = Field(default=9, ge=1, le=28, description="每月消防主题日")
    plans: list[Plan]

    def plan(self, place_type: str) -> Plan | None:
        return next((p for p in self.plans if p.place_type == place_type), None)

    def route(self, plan: Plan, grade: Grade) -> GradeRoute:
        base = self.grades[grade]
        category = plan.categories.get(grade)
        return base.model_copy(update={"category": category}) if category else base


class RosterSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    max_consecutive_days: int = Field(default=6, ge=1, le=31)
    min_rest_hours: float = Field(default=12, ge=0, le=48)
    max_week_hours: float = Field(default=48, gt=0, le=168)
    night_weight: int = Field(default=10, ge=0, le=1000)
    holiday_weight: int = Field(default=10, ge=0, le=1000)
    load_weight: int = Field(default=1, ge=0, le=1000)
    time_limit_seconds: float = Field(default=20, gt=0, le=600)
    check_in_metres: float = Field(default=300, gt=0)

    def rules(self, workers: int = 2) -> Rules:
        return Rules(
            self.max_consecutive_days,
            self.min_rest_hours,
            self.max_week_hours,
            self.night_weight,
            self.holiday_weight,
            self.load_weight,
            self.time_limit_seconds,
            workers,
        )


PLANS = DocumentKind("inspection.plans", Plans, "gridgov.inspection", "data/plans.yaml")
ROSTERS = DocumentKind("inspection.rosters", RosterSettings, "gridgov.inspection", "data/rosters.yaml")
