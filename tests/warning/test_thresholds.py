from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from gridgov.warning.documents import POLICY, THRESHOLDS
from gridgov.warning.enums import Colour
from gridgov.warning.rainfall import RollingRain
from gridgov.warning.thresholds import (
    Assignments,
    GaugeMatrix,
    ThresholdConfig,
    ThresholdTable,
    compile_thresholds,
    evaluate,
    gauge_matrix,
    window_hours,
)

NOW = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)


def config(**changes: Any) -> ThresholdConfig:
    body = THRESHOLDS.default().model_dump(mode="json")
    body.update(changes)
    return ThresholdConfig.model_validate(body)


def one(values: list[float], live: bool = True) -> GaugeMatrix:
    return GaugeMatrix(np.array([values], dtype=float), np.array([live]))


class TestDefaultDocument:
    def test_shipped_defaults_are_marked_uncalibrated_and_cover_three_levels(self) -> None:
        doc = THRESHOLDS.default()
        assert doc.calibrated is False and "待率定" in doc.note
        assert sorted(doc.levels) == [1, 2, 3]
        assert doc.measures == ("1h", "3h", "6h", "12h", "24h")
        for level in (1, 2):  # a more closely managed zone warns at less rain
            stricter, looser = doc.levels[level].array(doc.measures), doc.levels[level + 1].array(doc.measures)
            assert (stricter <= looser).all()

    def test_literature_curves_are_presets_marked_not_calibrated_for_zhejiang(self) -> None:
        doc = THRESHOLDS.default()
        assert {p.name for p in doc.presets} == {"caine1980", "guzzetti2008"}
        for preset in doc.presets:
            assert preset.calibrated_for_zhejiang is False and "未针对浙江率定" in preset.note
        caine = doc.preset("caine1980")
        assert caine.mm(1) == pytest.approx(14.82) and caine.table([1, 24]).rows[1].mm == pytest.approx(103.0)
        with pytest.raises(ValidationError):  # a preset cannot claim to be calibrated
            ThresholdConfig.model_validate(
                {**doc.model_dump(mode="json"), "presets": [{**caine.model_dump(), "calibrated_for_zhejiang": True}]}
            )

    def test_policy_default(self) -> None:
        policy = POLICY.default()
        assert policy.cap.region_code == "330111" and policy.lifecycle.quiet_minutes > 0


class TestValidation:
    def test_thresholds_must_rise_with_the_colour(self) -> None:
        with pytest.raises(ValidationError, match="rise"):
            ThresholdTable.model_validate(
                {"rows": [{"window_h": 1, "colour": "yellow", "mm": 30}, {"window_h": 1, "colour": "red", "mm": 20}]}
            )

    def test_duplicate_rows_and_unknown_windows_are_refused(self) -> None:
        with pytest.raises(ValidationError, match="duplicate"):
            ThresholdTable.model_validate({"rows": [{"window_h": 1, "colour": "red", "mm": 30}] * 2})
        with pytest.raises(ValidationError, match="not configured"):
            config(overrides=[{"zone": "Z1", "rows": [{"window_h": 48, "colour": "red", "mm": 300}]}])

    def test_all_three_levels_are_required(self) -> None:
        body = THRESHOLDS.default().model_dump(mode="json")
        del body["levels"]["3"]
        with pytest.raises(ValidationError, match="levels 1, 2 and 3"):
            ThresholdConfig.model_validate(body)

    def test_effective_rows_need_the_rule(self) -> None:
        levels = THRESHOLDS.default().model_dump(mode="json")["levels"]
        levels["1"]["effective"] = [{"colour": "red", "mm": 250}]
        with pytest.raises(ValidationError, match="effective_rule"):
            config(levels=levels)
        assert config(levels=levels, effective_rule={"k": 0.84, "days": 5}).measures[-1] == "effective"

    def test_override_replaces_rows_of_the_same_window_and_colour(self) -> None:
        doc = config(
            overrides=[{"zone": "Z1", "reason": "坡体裂缝", "rows": [{"window_h": 1, "colour": "red", "mm": 35}]}]
        )
        table = doc.table_for(1, "Z1").array(doc.measures)
        assert table[0].tolist() == [np.inf, 20, 30, 35]
        assert doc.table_for(1, "Z2").array(doc.measures)[0].tolist() == [np.inf, 20, 30, 40]
        with pytest.raises(ValidationError, match="rise"):  # the merged table is checked too
            doc.table_for(1, "Z1").merged(ThresholdTable(rows=[{"window_h": 1, "colour": "yellow", "mm": 36}]))

    def test_window_hours(self) -> None:
        assert window_hours("24h") == 24 and window_hours("effective") is None


class TestEvaluate:
    doc = THRESHOLDS.default()

    def run(self, zones: list[tuple[str, int]], gauges: GaugeMatrix, assign: list[list[tuple[int, int]]]) -> Any:
        return evaluate(gauges, Assignments.pack(assign), compile_thresholds(self.doc, zones))

    def test_highest_colour_of_any_window_with_what_triggered_it(self) -> None:
        # level 3: 1h 45 mm → yellow (30) + orange (40); 24h 205 mm → red (200)
        ev = self.run([("Z", 3)], one([45, 50, 60, 100, 205]), [[(0, 1)]])
        trig = ev.trigger(0, ["G1"])
        assert (trig.colour, trig.measure, trig.value_mm, trig.threshold_mm, trig.gauge) == (
            Colour.red,
            "24h",
            205,
            200,
            "G1",
        )

    def test_same_colour_in_two_windows_reports_the_larger_exceedance(self) -> None:
        ev = self.run([("Z", 3)], one([48, 89, 0, 0, 0]), [[(0, 1)]])  # orange in 1h (48/40) and 3h (89/70)
        assert ev.trigger(0, ["G"]).measure == "3h"

    def test_the_management_level_picks_the_table(self) -> None:
        ev = self.run([("A", 1), ("B", 3)], one([0, 0, 0, 0, 85]), [[(0, 1)], [(0, 1)]])
        assert ev.trigger(0, ["G"]).colour is Colour.yellow and ev.trigger(1, ["G"]).colour is Colour.blue

    def test_fallback_gauge_when_the_nearest_is_silent(self) -> None:
        gauges = GaugeMatrix(np.array([[0, 0, 0, 0, 300.0], [35.0, 0, 0, 0, 0]]), np.array([False, True]))
        trig = self.run([("Z", 3)], gauges, [[(0, 1), (1, 2)]]).trigger(0, ["NEAR", "FAR"])
        assert (trig.colour, trig.gauge, trig.fallback, trig.no_data) == (Colour.yellow, "FAR", True, False)

    def test_silent_everywhere_is_no_data_not_all_clear(self) -> None:
        trig = self.run([("Z", 3)], one([99, 99, 99, 99, 999], live=False), [[(0, 1)]]).trigger(0, ["G"])
        assert trig.colour is None and trig.no_data and trig.value_mm is None

    def test_zone_without_gauges(self) -> None:
        assert self.run([("Z", 3)], one([1, 1, 1, 1, 1]), [[]]).no_data.tolist() == [True]

    def test_gauge_matrix_reads_accumulators_and_silence(self) -> None:
        fresh, stale = RollingRain(antecedent_days=1), RollingRain(antecedent_days=1)
        fresh.add(NOW - timedelta(minutes=10), 12.5)
        stale.add(NOW - timedelta(minutes=31), 4.0)
        doc = config(effective_rule={"k": 0.5, "days": 1})
        m = gauge_matrix([fresh, stale, None], doc.measures, NOW, 30, doc.effective_rule)
        assert m.live.tolist() == [True, False, False]
        assert m.values[0].tolist() == [12.5, 12.5, 12.5, 12.5, 12.5, 12.5]


# Property: the vectorised evaluation equals a plain-Python reading of the rules, zone by zone.
def reference(values: np.ndarray, live: np.ndarray, pairs: list[tuple[int, int]], table: np.ndarray) -> tuple[int, int]:
    ranks = sorted({r for g, r in pairs if live[g]})
    if not ranks:
        return 0, -1
    gauges = [g for g, r in pairs if live[g] and r == ranks[0]]
    best = (0, 0.0, -1)
    for m in range(values.shape[1]):
        v = max(values[g, m] for g in gauges)
        level = max((c + 1 for c in range(4) if v >= table[m, c]), default=0)
        if level:
            ratio = v / table[m, level - 1]
            if (level, ratio) > best[:2]:
                best = (level, ratio, m)
    return best[0], best[2]


DEFAULT = THRESHOLDS.default()
amounts = st.floats(0, 300, allow_nan=False).map(lambda v: round(v, 1))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Any, ...]:
    n_gauges = draw(st.integers(1, 6))
    values = np.array(draw(st.lists(st.lists(amounts, min_size=5, max_size=5), min_size=n_gauges, max_size=n_gauges)))
    live = np.array(draw(st.lists(st.booleans(), min_size=n_gauges, max_size=n_gauges)))
    zones = draw(
        st.lists(
            st.tuples(
                st.sampled_from([1, 2, 3]),
                st.lists(
                    st.tuples(st.integers(0, n_gauges - 1), st.integers(1, 3)), max_size=4, unique_by=lambda p: p[0]
                ),
            ),
            min_size=1,
            max_size=8,
        )
    )
    return values, live, zones


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_vectorised_evaluation_equals_the_rules(scenario: tuple[Any, ...]) -> None:
    values, live, zones = scenario
    doc = DEFAULT
    compiled = compile_thresholds(doc, [(f"Z{i}", level) for i, (level, _) in enumerate(zones)])
    ev = evaluate(GaugeMatrix(values, live), Assignments.pack([pairs for _, pairs in zones]), compiled)
    for z, (level, pairs) in enumerate(zones):
        colour, measure = reference(values, live, pairs, doc.levels[level].array(doc.measures))
        assert int(ev.colour[z]) == colour
        if colour:
            assert int(ev.measure[z]) == measure
            assert ev.value[z] >= ev.threshold[z] == doc.levels[level].array(doc.measures)[measure, colour - 1]
