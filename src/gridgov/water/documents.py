"""The water module's configuration documents (配置即数据), shipped as YAML defaults in ``data/``.

* ``water.rates`` — the rules of the three rates (三率) of online metering data: expected reporting interval,
  lateness allowed, validity rules, the target (南浔: ≥ 95 %).
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
