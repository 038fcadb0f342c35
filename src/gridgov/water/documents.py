"""The water module's configuration documents (配置即数据), shipped as YAML defaults in ``data/``.

* ``water.rates`` — the rules of the three rates (三率) of online metering data: expected reporting interval,
  lateness allowed, validity rules, the target (南浔: ≥ 95 %).
* ``water.follow_up`` — the follow-up cases of the hourly pass.
* ``water.surcharge`` — the base price and the over-plan surcharge tiers (超计划累进加价).
* ``water.plans`` — the monthly plans' letters: the warning share (预警), the day bills and letters are issued
  from, and who receives the letters.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gridgov.configdata.service import DocumentKind
from gridgov.water.billing import Tier
from gridgov.water.rates import Rules


class RateSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    interval_seconds: int = Field(default=3600, ge=60, le=86400, description="应报间隔(秒)")
    lateness_seconds: int = Field(default=1800, ge=0, le=86400, description="允许迟报(秒)")
    max_increment_m3: float = Field(default=1000.0, gt=0, description="每个间隔的最大增量(m³)")
    flat_intervals: int = Field(default=24, ge=1, le=10000, description="读数不变超过N个间隔即无效")
    target: float = Field(default=0.95, gt=0, le=1, description="三率目标")

    def rules(self) -> Rules:
        return Rules(self.interval_seconds, self.lateness_seconds, self.max_increment_m3, self.flat_intervals)


RATES = DocumentKind("water.rates", RateSettings, "gridgov.water", "data/rates.yaml")


class FollowUpSettings(BaseModel):
    """``water.follow_up``: which cases the water module opens on the core case engine, and when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    category: str = Field(default="0901", pattern=r"^\d{4}$", description="案件小类 (取水异常)")
    below_days: int = Field(default=30, ge=1, le=366, description="三率低于目标的统计天数")
    renew_days: int = Field(default=60, ge=1, le=366, description="许可证到期前N天提醒换证")


FOLLOW_UP = DocumentKind("water.follow_up", FollowUpSettings, "gridgov.water", "data/follow_up.yaml")


class SurchargeTier(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    above: Decimal = Field(ge=0, le=10, description="超计划比例下限 (0.2 = 超20%)")
    multiple: Decimal = Field(gt=0, le=100, description="加价倍数 (× 基本价)")


class SurchargeSettings(BaseModel):
    """``water.surcharge``: the base price and the over-plan surcharge tiers (超计划累进加价)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    price_per_m3: Decimal = Field(gt=0, le=1000, description="基本价 (元/m³)")
    tiers: tuple[SurchargeTier, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> SurchargeSettings:
        starts = [t.above for t in self.tiers]
        if starts[0] != 0 or starts != sorted(set(starts)):
            raise ValueError("tiers: 第一档从0开始且逐档递增 (the first tier starts at 0, then strictly rising)")
        return self

    def billing_tiers(self) -> tuple[Tier, ...]:
        return tuple(Tier(t.above, t.multiple) for t in self.tiers)


SURCHARGE = DocumentKind("water.surcharge", SurchargeSettings, "gridgov.water", "data/surcharge.yaml")


class PlanSettings(BaseModel):
    """``water.plans``: the 用水进度提醒函's warning share, when the monthly pass issues last month's bills and
    letters, and the roles (at the user's township) whose inbox receives the letters."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    warn_ratio: Decimal = Field(default=Decimal("0.8"), gt=0, le=1, description="预警: 用水量达到计划的比例")
    issue_day: int = Field(default=2, ge=1, le=28, description="每月N日起出具上月账单和提醒函")
    notify_roles: tuple[str, ...] = Field(default=("township_operator",), description="接收提醒函的角色")


PLANS = DocumentKind("water.plans", PlanSettings, "gridgov.water", "data/plans.yaml")
