"""Integers that arrive in URLs: ids and offsets fit a 64-bit database integer, or the request is a 422.

Python parses any number of digits, but SQLite and PostgreSQL hold at most 2^63 − 1; an id or offset
beyond that used to reach the driver and come back as a 500. Every id in a path or query and every
offset/skip is one of these types (a test walks the routes to keep it so).
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le

MAX_INT = 2**63 - 1
"""The largest value of a 64-bit signed database integer (BIGINT, SQLite INTEGER)."""
Id = Annotated[int, Ge(1), Le(MAX_INT)]
Offset = Annotated[int, Ge(0), Le(MAX_INT)]
Year = Annotated[int, Ge(1900), Le(2200)]
"""A calendar year in a path or query (a ledger year, an assessment year)."""
