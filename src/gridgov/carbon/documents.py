"""The carbon module's configuration documents (配置即数据), shipped as YAML defaults in ``data/``.

* ``carbon.factors`` — emission factor versions, each with the data months it applies from and a cited source
  for every factor.
* ``carbon.scoring`` — the compared industry, expert weights, weighting and aggregation methods, grades,
  capacity bands, head/tail shares, rooftop PV assumptions.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gridgov.carbon.calc import INDICATORS, Factors
from gridgov.configdata.service import DocumentKind

Frozen = ConfigDict(frozen=True, extra="forbid")


class Factor(BaseModel):
    model_config = Frozen

    value: float = Field(ge=0)
    unit: str
    source: str = Field(min_length=4, description="出处 (document, table, page)")


class Fuel(Factor):
    label: str
    quantity_unit: str


class FactorVersion(BaseModel):
    model_config = Frozen

    version: str = Field(min_length=1, max_length=20)
    effective_from: date
    electricity: Factor
    gas: Factor
    steam: Factor
    steam_gj_per_t: Factor
    fuels: dict[str, Fuel] = Field(default_factory=dict)

    def factors(self) -> Factors:
        """The figures in the units the arithmetic takes (tCO2 per kWh, m³, GJ, fuel unit)."""
        return Factors(
            version=self.version,
            electricity_t_per_kwh=self.electricity.value / 1000,
            gas_t_per_m3=self.gas.value / 1000,
            steam_t_per_gj=self.steam.value,
            fuels={key: fuel.value / 1000 for key, fuel in self.fuels.items()},
        )


class FactorSettings(BaseModel):
    model_config = Frozen

    versions: tuple[FactorVersion, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> FactorSettings:
        names = [v.version for v in self.versions]
        if len(set(names)) != len(names):
            raise ValueError("版本号重复 (duplicate version)")
        return self

    def version(self, name: str) -> FactorVersion:
        for version in self.versions:
            if version.version == name:
                return version
        raise KeyError(name)

    def effective(self, month: date) -> FactorVersion:
        """The latest version effective on ``month`` (the earliest one for months before them all)."""
        ordered = sorted(self.versions, key=lambda v: v.effective_from)
        found = ordered[0]
        for version in ordered:
            if version.effective_from <= month:
                found = version
        return found


class Industry(BaseModel):
    model_config = Frozen

    label: str
    prefixes: tuple[str, ...] = Field(min_length=1)

    def covers(self, code: str) -> bool:
        return code.upper().startswith(self.prefixes)


class Grade(BaseModel):
    model_config = Frozen

    grade: str = Field(min_length=1, max_length=4)
    min: float = Field(ge=0, le=100)


class Band(BaseModel):
    model_config = Frozen

    key: str = Field(min_length=1, max_length=12)
    label: str
    lower: float = Field(default=0, ge=0)
    upper: float | None = None


class PvSettings(BaseModel):
    model_config = Frozen

    density_w_per_m2: float = Field(default=150, gt=0, le=300)
    tilt: float = Field(default=20, ge=0, le=90)
    azimuth: float = Field(default=180, ge=0, lt=360)
    losses: float = Field(default=0.14, ge=0, lt=1)
    cost_yuan_per_w: float = Field(default=3.2, gt=0)
    tariff_yuan_per_kwh: float = Field(default=0.75, gt=0)
    feed_in_yuan_per_kwh: float = Field(default=0.4153, ge=0)
    min_roof_m2: float = Field(default=500, ge=0)


class ScoringSettings(BaseModel):
    model_config = Frozen

    version: int = 1
    industry: Industry
    method: Literal["weighted_sum", "topsis"] = "weighted_sum"
    weighting: Literal["entropy", "expert"] = "entropy"
    expert_weights: dict[str, float]
    min_months: int = Field(default=12, ge=1, le=12)
    grades: tuple[Grade, ...] = Field(min_length=1)
    bands: tuple[Band, ...] = Field(min_length=1)
    head_share: float = Field(default=0.25, gt=0, lt=1)
    tail_share: float = Field(default=0.25, gt=0, lt=1)
    pv: PvSettings = PvSettings()

    @model_validator(mode="after")
    def _consistent(self) -> ScoringSettings:
        if set(self.expert_weights) != set(INDICATORS) or sum(self.expert_weights.values()) <= 0:
            raise ValueError(f"expert_weights 应为 {list(INDICATORS)} 各一个非负权重")
        if self.head_share + self.tail_share > 1:
            raise ValueError("head_share + tail_share 不能超过 1")
        return self

    def weights(self) -> tuple[float, ...]:
        total = sum(self.expert_weights.values())
        return tuple(self.expert_weights[key] / total for key in INDICATORS)

    def grade(self, score: float) -> str:
        for grade in sorted(self.grades, key=lambda g: -g.min):
            if score >= grade.min:
                return grade.grade
        return self.grades[-1].grade

    def band(self, capacity_kva: float | None) -> Band | None:
        if capacity_kva is None:
            return None
        for band in self.bands:
            if band.lower <= capacity_kva and (band.upper is None or capacity_kva < band.upper):
                return band
        return None


FACTORS = DocumentKind("carbon.factors", FactorSettings, "gridgov.carbon", "data/factors.yaml")
SCORING = DocumentKind("carbon.scoring", ScoringSettings, "gridgov.carbon", "data/scoring.yaml")
