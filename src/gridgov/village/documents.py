"""The village module's configuration documents (配置即数据), shipped as YAML defaults in ``data/``.

* ``village.economy`` — income sources and the weak-village income line (集体经济薄弱村).
* ``village.assessment`` — the 1:1:1 weights, grades with their bonus coefficients, post factors.
* ``village.services`` — repair categories (报事报修, each mapped to a core case category), meal slots, seats
  per volunteer shift (双人双岗: 2), the rewards residents can redeem and the no-show rule.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gridgov.configdata.service import DocumentKind
from gridgov.village.assessment import Grade


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Labelled(Frozen):
    code: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,19}$")
    name: str = Field(min_length=1, max_length=60)
    name_en: str = Field(min_length=1, max_length=60)


class EconomySettings(Frozen):
    version: int = 1
    sources: list[Labelled] = Field(min_length=1, description="集体收入来源")
    weak_line: Decimal = Field(ge=0, description="集体经济薄弱村收入线(元/年)")


class GradeRule(Frozen):
    name: str = Field(min_length=1, max_length=20)
    name_en: str = Field(min_length=1, max_length=20)
    minimum: float = Field(ge=0, le=100)
    coefficient: Decimal = Field(ge=0, le=5)


class PostRule(Labelled):
    factor: Decimal = Field(gt=0, le=5, description="岗位系数")


class AssessmentSettings(Frozen):
    version: int = 1
    weights: tuple[float, float, float] = Field(description="村社考核:个人履职:评议 (1:1:1)")
    grades: list[GradeRule] = Field(min_length=1)
    posts: list[PostRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _a_floor(self) -> AssessmentSettings:
        if not any(g.minimum == 0 for g in self.grades):
            raise ValueError("grades need one with minimum 0")
        if sum(self.weights) <= 0 or min(self.weights) < 0:
            raise ValueError("weights must be ≥ 0 and add up to more than 0")
        return self

    def grade_rules(self) -> list[Grade]:
        return [Grade(g.name, g.minimum, g.coefficient) for g in self.grades]

    def factor(self, post: str) -> Decimal:
        return next((p.factor for p in self.posts if p.code == post), Decimal(1))


class RepairCategory(Labelled):
    case_category: str = Field(pattern=r"^\d{4}$", description="核心案件小类代码")


class Reward(Labelled):
    points: int = Field(gt=0, le=100_000)


class ServiceSettings(Frozen):
    version: int = 1
    repair_categories: list[RepairCategory] = Field(min_length=1)
    meal_slots: list[Labelled] = Field(min_length=1)
    seats_per_shift: int = Field(default=2, ge=1, le=10, description="每班志愿者人数(双人双岗)")
    shift_points: int = Field(default=10, ge=0, le=1000, description="每班志愿服务积分")
    rewards: list[Reward] = Field(min_length=1)
    no_show_limit: int = Field(default=3, ge=1, le=20, description="爽约次数上限")
    no_show_days: int = Field(default=30, ge=1, le=365, description="爽约统计天数(超限暂停预约)")

    def reward(self, code: str) -> Reward | None:
        return next((r for r in self.rewards if r.code == code), None)

    def repair(self, code: str) -> RepairCategory | None:
        return next((c for c in self.repair_categories if c.code == code), None)


ECONOMY = DocumentKind("village.economy", EconomySettings, "gridgov.village", "data/economy.yaml")
ASSESSMENT = DocumentKind("village.assessment", AssessmentSettings, "gridgov.village", "data/assessment.yaml")
SERVICES = DocumentKind("village.services", ServiceSettings, "gridgov.village", "data/services.yaml")
