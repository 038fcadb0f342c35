"""The carbon module's indicators per township (numerators and denominators) and their records."""

from __future__ import annotations

import pytest

from gridgov.carbon.indicators import INTENSITY, PROVIDER, REPORTING
from gridgov.evaluation.documents import Level
from gridgov.evaluation.periods import Period
from tests.carbon.conftest import YEAR, Park
from tests.factories import COUNTY, FUCHUN, WANSHI


def test_figures_per_township(park: Park) -> None:
    with park.database.sessions() as session:
        found = PROVIDER.figures(session, Period.parse(str(YEAR)), Level.township, None)
        fuchun = found[INTENSITY.key][FUCHUN]
        assert fuchun.numerator == pytest.approx(park.summary.industry_t, rel=1e-6)
        assert found[REPORTING.key][FUCHUN].numerator == found[REPORTING.key][FUCHUN].denominator == 106 * 12
        assert found[REPORTING.key][WANSHI].denominator == 3 * 12
        month = PROVIDER.figures(session, Period.parse(f"{YEAR}-03"), Level.township, [f"{COUNTY}/{WANSHI}/"])
        assert set(month[REPORTING.key]) == {WANSHI} and month[REPORTING.key][WANSHI].value == 1
        records, total = PROVIDER.records(
            session, Period.parse(str(YEAR)), INTENSITY.key, f"{COUNTY}/{WANSHI}/", "numerator", 10, 0
        )
        assert total == 3 and all("万市化工" in r.label for r in records)
