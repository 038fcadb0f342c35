"""统一社会信用代码 (unified social credit identifier) of GB 32100-2015 (pure).

Eighteen characters: 登记管理部门代码 (1), 机构类别代码 (1), 登记管理机关行政区划码 (6 digits, GB/T 2260),
主体标识码 (9, the organisation code of GB 11714 with its own check character), and the check character (1).
The character set is the 31 characters ``0-9`` and the capitals without I, O, S, V, Z; character ``i``
(1-based) weighs ``3**(i-1) mod 31`` (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28) and the
check character's value is ``31 - (Σ value×weight mod 31)``, 31 written as 0 (GB 32100-2015 §4 and 附录; the
standard's worked example: ``91350100M000100Y4`` → ``3``).
"""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 code characters, in value order (0–30)."""
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
"""GB 11714-1997 组织机构代码: weights of its eight body characters (check = 11 - Σ mod 11; 10 → X, 11 → 0)."""


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (which must be code characters)."""
    if len(first17) != 17 or any(c not in _VALUE for c in first17):
        raise ValueError(f"需要17位代码字符 (need 17 code characters): {first17!r}")
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Why ``code`` is not a valid 统一社会信用代码, or None when it is."""
    if len(code) != 18:
        return f"统一社会信用代码应为18位 (must be 18 characters, got {len(code)})"
    if not _SHAPE.match(code):
        return (
            "统一社会信用代码含非法字符或第3–8位不是数字 (characters outside the code set, or positions 3–8 not digits)"
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位错误，应为{expected} (check character should be {expected})"
    return None


def is_valid(code: str) -> bool:
    return problem(code) is None


def _organisation_code(serial: int) -> str:
    """A 9-character GB 11714 organisation code: 8 digits from ``serial`` and its check character."""
    body = f"{serial % 10**8:08d}"
    total = sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def generate(region: str, serial: int, department: str = "9", kind: str = "1") -> str:
    """A valid code for the demo: department 9 (市场监管) kind 1 (企业) by default, ``region`` the 6-digit
    GB/T 2260 code of the registering authority, the subject from ``serial``."""
    if not re.fullmatch(r"\d{6}", region):
        raise ValueError(f"行政区划码应为6位数字 (region must be 6 digits): {region!r}")
    first17 = f"{department}{kind}{region}{_organisation_code(serial)}"
    return first17 + check_character(first17)
