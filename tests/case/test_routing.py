from __future__ import annotations

import pytest

from gridgov.case.routing import Place, Route, RoutingRule, escalate, route
from gridgov.case.taxonomy import Tier, default_taxonomy, parse_taxonomy
from gridgov.errors import InvalidInput

TAXONOMY = default_taxonomy()
PLACE = Place(county="330111", township="330111001", village="330111001001")


def test_default_taxonomy_covers_the_seed_systems() -> None:
    names = {c.name for c in TAXONOMY.categories}
    for expected in (
        "井盖缺损",
        "违法搭建",
        "一票否决消防隐患",
        "暴露垃圾",
        "企业诉求(红码)",
        "公共设施报修",
        "卡口值守异常",
        "地灾隐患点巡查",
        "取水异常",
        "传感器离线",
    ):
        assert expected in names
    manhole = TAXONOMY.get("0102")
    assert [str(s.limit) for s in manhole.stages] == ["3紧急工作时", "8紧急工作时", "5工作日"]


def test_bad_taxonomy_names_the_entry_and_field() -> None:
    bad = """
version: 1
majors: {"01": 道路}
categories:
  - code: "0101"
    name: x
    filing: a
    closing: b
    severity: 9
    tier: village
    limits: {filing: [1, working_days], dispatch: [1, working_days]}
    stages: [{name: s, limit: [1, working_days]}]
"""
    with pytest.raises(InvalidInput) as failure:
        parse_taxonomy(bad)
    assert failure.value.field == "categories.0.severity"


def test_small_things_stay_in_the_village() -> None:
    assert route(TAXONOMY.get("0401"), PLACE, 1) == Route(Tier.village, "330111001001", None)


def test_one_vote_veto_fire_hazard_goes_to_township_emergency_centre() -> None:
    assert route(TAXONOMY.get("0302"), PLACE, 3) == Route(Tier.township, "330111001", "330111001-YJZX")


def test_red_code_enterprise_appeal_goes_to_county_centre() -> None:
    assert route(TAXONOMY.get("0503"), PLACE, 3) == Route(Tier.county, "330111", "330111-SZZX")


def test_rules_win_over_defaults_in_order() -> None:
    rules = [
        RoutingRule(category_prefix="04", township="330111100", tier=Tier.township, unit="ZHXX"),
        RoutingRule(category_prefix="04", min_severity=3, tier=Tier.county, unit="ZHZF"),
    ]
    assert route(TAXONOMY.get("0401"), PLACE, 1, rules).tier is Tier.village
    assert route(TAXONOMY.get("0401"), PLACE, 3, rules) == Route(Tier.county, "330111", "330111-ZHZF")


def test_escalation_climbs_one_tier_at_a_time() -> None:
    start = route(TAXONOMY.get("0401"), PLACE, 1)
    township = escalate(start, PLACE)
    assert township == Route(Tier.township, "330111001", "330111001-ZHXX")
    county = escalate(township, PLACE)
    assert county == Route(Tier.county, "330111", "330111-SZZX")
    assert escalate(county, PLACE) is None
