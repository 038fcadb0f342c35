"""The evaluation's configuration documents (配置即数据), shipped as YAML defaults in ``data/``.

* ``evaluation.rules`` — denominator rule sets: which counts leave which rate's denominator (``national``
  as in CJ/T 292 and the 金牛 rules; ``jinhua``: 缓办 cases leave 结案率 and 按期结案率), which case sources
  count as public reports (监督举报), and which severity makes a case an emergency (紧急问题).
* ``evaluation.scoring`` — the scoring schemes (金牛 weighted rates, 金华 points with deductions) and the
  default one.
* ``evaluation.flags`` — per level: peer groups, minimum sample, and the red/yellow flag rule of the monthly
  赛马比拼.

Edit with ``gridgov import config KEY FILE.yaml``; read with ``gridgov export config KEY FILE.yaml``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gridgov.configdata.service import DocumentKind
from gridgov.evaluation.indicators import RuleSet, check_rule_set
from gridgov.evaluation.scoring import FlagRule, Scheme


class Level(StrEnum):
    county = "county"
    township = "township"
    village = "village"
    grid = "grid"
    unit = "unit"
    member = "member"

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self]


LEVEL_LABELS = {
    Level.county: "县(区)",
    Level.township: "乡镇(街道)",
    Level.village: "村(社区)",
    Level.grid: "网格",
    Level.unit: "处置单位",
    Level.member: "网格员(上报人)",
}


def _national() -> dict[str, dict[str, list[str]]]:
    return {"national": {}}


class Rules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    default: str = "national"
    rule_sets: dict[str, dict[str, list[str]]] = Field(default_factory=_national)
    public_sources: list[str] = Field(default_factory=lambda: ["open311", "import"])
    emergency_min_severity: int = Field(default=3, ge=1, le=3)

    @field_validator("rule_sets")
    @classmethod
    def _valid(cls, value: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
        for name, rules in value.items():
            try:
                check_rule_set({k: tuple(v) for k, v in rules.items()})
            except ValueError as exc:
                raise ValueError(f"rule set {name}: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _default_exists(self) -> Rules:
        if self.default not in self.rule_sets:
            raise ValueError(f"default rule set {self.default} is not defined")
        return self

    def rule_set(self, name: str | None = None) -> RuleSet:
        chosen = name or self.default
        if chosen not in self.rule_sets:
            raise KeyError(chosen)
        return {k: tuple(v) for k, v in self.rule_sets[chosen].items()}


class Scoring(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    default: str
    schemes: dict[str, Scheme] = Field(min_length=1)

    @model_validator(mode="after")
    def _default_exists(self) -> Scoring:
        if self.default not in self.schemes:
            raise ValueError(f"default scheme {self.default} is not defined")
        return self


class Peer(StrEnum):
    all = "all"
    parent = "parent"
    """Units of the same parent node compete (the villages of one township)."""
    township_kind = "township_kind"
    """街道 compete with 街道, 镇/乡 with 镇/乡."""
    unit_tier = "unit_tier"
    """County departments with county departments, township offices with township offices."""


class LevelRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    peer: Peer = Peer.all
    min_sample: int = Field(default=5, ge=1, description="最小样本量: fewer cases than this, no rank and no flag")
    flags: FlagRule = Field(default_factory=FlagRule)


class Flags(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    scheme: str | None = Field(default=None, description="scheme the flags are awarded by; none = the default")
    levels: dict[Level, LevelRule]


RULES = DocumentKind("evaluation.rules", Rules, "gridgov.evaluation", "data/rules.yaml")
SCORING = DocumentKind("evaluation.scoring", Scoring, "gridgov.evaluation", "data/scoring.yaml")
FLAGS = DocumentKind("evaluation.flags", Flags, "gridgov.evaluation", "data/flags.yaml")
DOCUMENTS = (RULES, SCORING, FLAGS)
