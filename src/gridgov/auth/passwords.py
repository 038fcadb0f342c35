"""What a new password must be: long enough, not a common one, not the demo's, not the user name.

The common passwords are the 10,000 most frequent of Django's list (``data/common-passwords.txt``, BSD
3-Clause, see ``data/common-passwords.LICENSE``). A common password with digits or punctuation appended
("basketball1", "password123!") is still common. The demo builder's own accounts keep the demo password:
they are created by the builder, not through this check.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

MIN_LENGTH = 10
DEMO_PASSWORD = "gridgov-demo"
"""The demo county's password, printed in the README: never acceptable for a real account."""
_DECORATION = "0123456789!@#$%^&*.?_-+= "


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("gridgov.auth").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` may not be used, as a bilingual message; None when it may."""
    if len(password) < MIN_LENGTH:
        return f"密码至少{MIN_LENGTH}位 (a password needs {MIN_LENGTH} or more characters)"
    folded = password.strip().lower()
    if folded == DEMO_PASSWORD or folded.rstrip(_DECORATION) == DEMO_PASSWORD:
        return "不能使用演示密码 (the demo password is public)"
    name = username.strip().lower()
    if len(name) >= 3 and name in folded:
        return "密码不能包含用户名 (a password must not contain the user name)"
    common = common_passwords()
    if folded in common or folded.rstrip(_DECORATION) in common or len(set(folded)) < 3:
        return "密码过于常见，容易被猜中 (this password is among the most common ones)"
    return None
