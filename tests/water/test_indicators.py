"""The provider's figures on a hand-built set: numerators and denominators summed from meters to areas."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gridgov.evaluation.documents import Level
from gridgov.evaluation.providers import Part
from gridgov.water.indicators import ACCURACY, COMPLETENESS, PROVIDER, TIMELINESS
from tests.factories import COUNTY, FUCHUN, WANSHI, build_county
from tests.water.factories import FUCHUN_A, FUCHUN_B, HOURS, PERIOD, WANSHI_A, add_user


def test_figures_per_township_and_village(wsession: Session) -> None:
    build_county(wsession)
    add_user(wsession, 1, FUCHUN_A, missing=10, late=5, backwards=2)
    add_user(wsession, 2, FUCHUN_B, missing=0, late=20)
    add_user(wsession, 3, WANSHI_A)
    wsession.flush()

    towns = PROVIDER.figures(wsession, PERIOD, Level.township, None)
    # user 1: 710 readings, 705 on time, 708 valid (the two lowered hours); user 2: 720 readings, 700 on time
    assert towns[TIMELINESS.key][FUCHUN] == Part(705 + 700, 2 * HOURS)
    assert towns[COMPLETENESS.key][FUCHUN] == Part(710 + 720, 2 * HOURS)
    assert towns[ACCURACY.key][FUCHUN] == Part(708 + 720, 710 + 720)
    assert towns[TIMELINESS.key][WANSHI] == Part(HOURS, HOURS)

    villages = PROVIDER.figures(wsession, PERIOD, Level.village, None)
    assert villages[COMPLETENESS.key][f"{FUCHUN}001"] == Part(710, HOURS)
    assert villages[ACCURACY.key][f"{FUCHUN}002"] == Part(720, 720)

    scoped = PROVIDER.figures(wsession, PERIOD, Level.township, [f"{COUNTY}/{FUCHUN}/"])
    assert set(scoped[TIMELINESS.key]) == {FUCHUN}

    records, total = PROVIDER.records(wsession, PERIOD, TIMELINESS.key, f"{COUNTY}/{FUCHUN}/", "numerator", 10, 0)
    assert total == 2 and records[0].label == "取水户1 705/720"
