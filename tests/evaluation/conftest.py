from __future__ import annotations

from collections.abc import Iterator

import pytest

from gridgov.evaluation.service import clear_cache


@pytest.fixture(autouse=True)
def _fresh_evaluations() -> Iterator[None]:
    """Each test's rows are rolled back: an evaluation cached by another test must not be reused."""
    clear_cache()
    yield
    clear_cache()
