"""Routing the "141" way (pure): who handles a case, and where it goes when it escalates.

小事不出村: the village handles what it can; otherwise the township platform files it and sends it to a
township office or a county department; the county centre takes red-coded, cross-department and overdue
cases. Rules are data, tried in order; the category's own default applies when none matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gridgov.case.taxonomy import Category, Tier

PLATFORM_UNIT = {Tier.township: "ZHXX", Tier.county: "SZZX"}
"""Where an escalated case lands: the township's 综合信息指挥室, the county 社会治理中心."""


@dataclass(frozen=True)
class Place:
    county: str
    township: str
    village: str | None


class RoutingRule(BaseModel):
    """category × area × severity → the tier and unit that handle it (the first matching rule wins)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(default="", description="What the rule is for, in words (说明)")
    category_prefix: str = Field(default="", pattern=r"^\d{0,4}$", description="大类 (2 digits) or 小类 (4)")
    township: str | None = Field(default=None, description="Only in this township (code); any when empty")
    min_severity: int = Field(default=1, ge=1, le=3)
    tier: Tier = Tier.township
    unit: str | None = Field(default=None, description="Unit code suffix at that tier, e.g. SZZX")

    @model_validator(mode="after")
    def _unit_above_village(self) -> RoutingRule:
        if self.tier is not Tier.village and not self.unit:
            raise ValueError(f"a {self.tier} rule needs a unit")
        return self

    def matches(self, category: Category, place: Place, severity: int) -> bool:
        return (
            category.code.startswith(self.category_prefix)
            and (self.township is None or self.township == place.township)
            and severity >= self.min_severity
        )


@dataclass(frozen=True)
class Route:
    tier: Tier
    node_code: str
    """The village, township or county node that owns the case at this tier."""
    unit_code: str | None
    """The unit that handles it (``<node code>-<suffix>``); None when the village itself handles it."""


def _at(tier: Tier, unit: str | None, place: Place) -> Route:
    if tier is Tier.village and place.village is not None:
        return Route(Tier.village, place.village, None)
    if tier is Tier.village:  # a point with no village: the township platform takes it
        tier, unit = Tier.township, PLATFORM_UNIT[Tier.township]
    node = place.township if tier is Tier.township else place.county
    suffix = unit or PLATFORM_UNIT[tier]
    return Route(tier, node, f"{node}-{suffix}")


class RoutingRules(BaseModel):
    """The routing document (``case.routing``): shipped in ``case/data/routing.yaml``, editable."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    rules: list[RoutingRule] = Field(default_factory=list)


def route(category: Category, place: Place, severity: int, rules: Sequence[RoutingRule] = ()) -> Route:
    for rule in rules:
        if rule.matches(category, place, severity):
            return _at(rule.tier, rule.unit, place)
    return _at(category.tier, category.unit, place)


def escalate(current: Route, place: Place) -> Route | None:
    """One tier up, to that tier's platform; None at the county (the top)."""
    higher = current.tier.up
    if higher is None:
        return None
    return _at(higher, PLATFORM_UNIT[higher], place)
