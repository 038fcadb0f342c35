"""国民经济行业分类 GB/T 4754-2017 code shape (pure).

A code is the 门类 letter (A–T) alone or followed by the 大类 (2 digits), 中类 (3) or 小类 (4) digits, whose
first two digits lie in the 门类's range of 大类 (制造业 C: 13–43; ``C2614`` 有机化学原料制造)."""

from __future__ import annotations

import re

DIVISIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 97),
    "T": (98, 98),
}
"""门类 → its first and last 大类 (GB/T 4754-2017 表1)."""
_SHAPE = re.compile(r"^([A-T])(\d{2,4})?$")


def problem(code: str) -> str | None:
    """Why ``code`` is not a GB/T 4754-2017 code, or None when it is."""
    match = _SHAPE.match(code)
    if match is None:
        return f"行业代码应为门类字母加2–4位数字，如C2614 (GB/T 4754 code like C2614, got {code!r})"
    letter, digits = match.groups()
    if digits:
        low, high = DIVISIONS[letter]
        if not low <= int(digits[:2]) <= high:
            return f"门类{letter}的大类应在{low:02d}–{high:02d}之间 (division {digits[:2]} is not in section {letter})"
    return None
