"""New passwords: 10+ characters, not among the common ones (nor one with digits appended), not the demo's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from gridgov.auth.passwords import DEMO_PASSWORD, MIN_LENGTH, common_passwords, password_problem
from gridgov.auth.service import AuthService
from gridgov.config import Settings
from gridgov.errors import InvalidInput
from gridgov.org.enums import Role
from tests.factories import COUNTY, build_county, create_person


def test_the_vendored_list_is_the_ten_thousand_most_common() -> None:
    common = common_passwords()
    assert 9_900 <= len(common) <= 10_000  # Django's list, first 10,000 lines
    assert {"123456", "password", "qwertyuiop", "1qaz2wsx3edc", "woaini1314"} <= common


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-1", "10"),
        ("qwertyuiop", "常见"),
        ("QwertyUiop", "常见"),
        ("basketball123!", "常见"),  # a common one with digits appended
        ("1qaz2wsx3edc", "常见"),
        ("aaaaaaaaaaaa", "常见"),
        (DEMO_PASSWORD, "演示"),
        (DEMO_PASSWORD + "2024", "演示"),
        ("zhangsan-secure", "用户名"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, reason: str) -> None:
    problem = password_problem(password, "zhangsan")
    assert problem is not None and reason in problem


@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=MIN_LENGTH, max_size=40))
def test_long_random_passwords_pass_and_short_ones_never_do(password: str) -> None:
    folded = password.strip().lower()
    if folded.rstrip("0123456789!@#$%^&*.?_-+= ") in common_passwords() or len(set(folded)) < 3:
        return
    if DEMO_PASSWORD in folded:
        return
    assert password_problem(password) is None
    assert password_problem(password[: MIN_LENGTH - 1]) is not None


def test_accounts_are_created_only_with_an_acceptable_password(session: Session, settings: Settings) -> None:
    person = create_person(session, build_county(session), [(Role.admin, COUNTY)], name="管理员")
    service = AuthService(session, settings)
    for weak in ("password1", "password12345", DEMO_PASSWORD):
        with pytest.raises(InvalidInput) as refused:
            service.create_account(person, "chief", weak)
        assert refused.value.field == "password"
    assert service.create_account(person, "chief", "霜降后富春江边的渔火-7").username == "chief"
