"""Login with rate limiting, browser sessions, API tokens, and building the principal."""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from gridgov.audit.recorder import record_event
from gridgov.auth.models import Account, ApiToken, AuthSession, LoginAttempt
from gridgov.auth.passwords import password_problem
from gridgov.auth.permissions import permissions_for
from gridgov.auth.repository import AuthRepository
from gridgov.auth.schemas import TokenCreate, TokenCreated, TokenRead
from gridgov.auth.security import hash_password, new_api_token, new_session_id, token_digest, verify_password
from gridgov.config import Settings
from gridgov.errors import Conflict, InvalidInput, LoginFailed, NotFound, TooManyRequests
from gridgov.kit.actor import Actor, set_actor
from gridgov.kit.principal import Principal
from gridgov.kit.time import utcnow
from gridgov.org.enums import MEMBER_ROLES
from gridgov.org.models import Person

BAD_LOGIN = "用户名或密码错误 (wrong username or password)"
FAILURE_MEMORY = timedelta(days=1)
"""Failed attempts older than this no longer slow anyone down."""
SPRAY_FACTOR = 4
"""An address may fail on this many times ``login_max_failures`` accounts before it is slowed."""


def backoff_seconds(failures: int, *, free: int, cap_seconds: float) -> float:
    """How long after the last of ``failures`` failed attempts the next one may come: not at all for the
    first ``free``, then 1 s, doubling with each further failure, never more than ``cap_seconds``."""
    if failures < free:
        return 0.0
    steps = failures - free
    return cap_seconds if steps >= 40 else min(cap_seconds, float(2**steps))


def remaining_wait(failures: int, last: datetime | None, now: datetime, *, free: int, cap_seconds: float) -> float:
    """Seconds still to wait before another attempt (0 = go ahead)."""
    if last is None:
        return 0.0
    due = last + timedelta(seconds=backoff_seconds(failures, free=free, cap_seconds=cap_seconds))
    return max(0.0, (due - now).total_seconds())


def principal_for(account: Account, csrf_token: str | None = None) -> Principal:
    person: Person = account.person
    roles = frozenset(r.role for r in person.roles)
    # the scope: subtrees of the nodes staff roles are held at, plus the grids the person serves; a member role
    # (resident, enterprise) only says where the person belongs
    paths = sorted(
        {r.node.path for r in person.roles if r.role not in MEMBER_ROLES} | {g.node.path for g in person.grids}
    )
    # a subtree inside another adds nothing
    roots = tuple(p for p in paths if not any(p != q and p.startswith(q) for q in paths))
    homes = tuple(sorted({r.node.path for r in person.roles if r.role in MEMBER_ROLES}))
    return Principal(
        account_id=account.id,
        person_id=person.id,
        username=account.username,
        name=person.name,
        roles=roles,
        permissions=permissions_for(roles),
        scope_paths=roots,
        unit_ids=frozenset(m.unit_id for m in person.memberships),
        csrf_token=csrf_token,
        home_paths=homes,
    )


class AuthService:
    def __init__(self, session: Session, settings: Settings, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.settings = settings
        self.clock = clock
        self.repo = AuthRepository(session)

    def login(self, username: str, password: str, ip: str) -> AuthSession:
        now = self.clock()
        self._check_throttle(username, ip, now)
        account = self.repo.account_by_username(username)
        ok = verify_password(account.password_hash if account else None, password)
        ok = ok and account is not None and account.active and account.person.active
        self.session.add(LoginAttempt(username=username, ip=ip, at=now, success=ok))
        if not ok or account is None:
            self.session.flush()
            raise LoginFailed(BAD_LOGIN)
        account.last_login_at = now
        auth_session = AuthSession(
            id=new_session_id(),
            account_id=account.id,
            csrf_token=secrets.token_urlsafe(24),
            created_at=now,
            expires_at=now + timedelta(hours=self.settings.session_hours),
            ip=ip,
        )
        self.session.add(auth_session)
        set_actor(self.session, Actor(account.id, account.username, ip))
        record_event(self.session, "login", "account", str(account.id))
        self.repo.purge(now, now - timedelta(days=30))
        self.session.flush()
        return auth_session

    def _check_throttle(self, username: str, ip: str, now: datetime) -> None:
        """Back off per (account, address), and per address over many accounts; never lock an account
        for everyone (a hard lock lets anyone keep an administrator out)."""
        since = now - FAILURE_MEMORY
        cap = self.settings.login_backoff_max_minutes * 60
        free = self.settings.login_max_failures
        pair, pair_last = self.repo.pair_failures(username, ip, since)
        spread, spread_last = self.repo.address_failures(ip, since)
        wait = max(
            remaining_wait(pair, pair_last, now, free=free, cap_seconds=cap),
            remaining_wait(spread, spread_last, now, free=free * SPRAY_FACTOR, cap_seconds=cap),
        )
        if wait > 0:
            seconds = math.ceil(wait)
            raise TooManyRequests(
                f"登录失败次数过多，请{seconds}秒后再试 (too many failed sign-ins; try again in {seconds} s)",
                extra={"retry_after": seconds},
            )

    def principal_from_session(self, session_id: str) -> Principal | None:
        found = self.repo.live_session(session_id, self.clock())
        if found is None:
            return None
        auth_session, account = found
        return principal_for(account, auth_session.csrf_token)

    def principal_from_token(self, token: str) -> tuple[Principal, int | None] | None:
        """The principal, and the token's id when its ``last_used_at`` is stale and worth a touch
        (done by the caller in a transaction of its own, so reads never turn into writes)."""
        now = self.clock()
        found = self.repo.live_token(token_digest(token), now)
        if found is None:
            return None
        api_token, account = found
        stale = api_token.last_used_at is None or now - api_token.last_used_at > timedelta(minutes=5)
        return principal_for(account), api_token.id if stale else None

    def logout(self, session_id: str) -> None:
        self.repo.delete_session(session_id)
        record_event(self.session, "logout", "account")

    def create_account(self, person: Person, username: str, password: str) -> Account:
        problem = password_problem(password, username)
        if problem:
            raise InvalidInput(problem, field="password")
        if self.repo.account_by_username(username) is not None:
            raise Conflict(f"用户名{username}已存在 (username taken)", field="username")
        account = Account(person_id=person.id, username=username, password_hash=hash_password(password))
        self.session.add(account)
        self.session.flush()
        return account

    # ending access -------------------------------------------------------------------------------
    def end_access(self, account: Account) -> tuple[int, int]:
        """Sign the account out everywhere: its sessions deleted, its live tokens revoked, in the caller's
        transaction. Every process checks the rows on each request, so none keeps serving from its cache.
        Returns (sessions ended, tokens revoked)."""
        now = self.clock()
        ended = self.repo.end_sessions(account.id)
        tokens = self.repo.live_tokens(account.id, now)
        for token in tokens:
            token.revoked_at = now
        self.session.flush()
        return ended, len(tokens)

    def person_deactivated(self, person_id: int) -> tuple[int, int]:
        """A person marked inactive loses their account's access at once (sessions and tokens)."""
        account = self.repo.account_of_person(person_id)
        return (0, 0) if account is None else self.end_access(account)

    def set_active(self, username: str, active: bool) -> tuple[Account, int, int]:
        """Disable (ending every session and token) or enable an account; the CLI's ``user disable/enable``."""
        account = self.repo.account_by_username(username)
        if account is None:
            raise NotFound(f"账号{username}不存在 (no such account)")
        account.active = active
        ended, revoked = self.end_access(account) if not active else (0, 0)
        self.session.flush()
        return account, ended, revoked

    # tokens ----------------------------------------------------------------------------------------
    def list_tokens(self, principal: Principal, username: str | None = None) -> list[TokenRead]:
        """One's own tokens; an administrator (``accounts:write``) may name any account."""
        if username is None or username == principal.username:
            account = self.repo.account(principal.account)
        else:
            principal.require("accounts:write")
            account = self.repo.account_by_username(username)
        if account is None:
            raise NotFound(f"账号{username}不存在 (no such account)")
        return [self.read_token(t, account.username) for t in self.repo.tokens(account.id)]

    def tokens_of(self, username: str | None, *, usable_only: bool) -> list[TokenRead]:
        """Tokens of one account, or of all, for the operator's CLI."""
        if username is not None and self.repo.account_by_username(username) is None:
            raise NotFound(f"账号{username}不存在 (no such account)")
        rows = self.repo.tokens_with_owner(username, self.clock(), usable_only=usable_only)
        return [self.read_token(token, owner) for token, owner in rows]

    def revoke_token(self, principal: Principal | None, token_id: int) -> TokenRead:
        """Revoke one token (one's own; any, for an administrator or the CLI, ``principal`` None). Revoking
        a revoked token changes nothing; another's token is 404 to those who may not see it."""
        token = self.repo.token(token_id)
        if token is not None and principal is not None and token.account_id != principal.account_id:
            if not principal.can("accounts:write"):
                token = None
        if token is None:
            raise NotFound(f"令牌{token_id}不存在 (no such token)")
        if token.revoked_at is None:
            token.revoked_at = self.clock()
            self.session.flush()
        owner = self.repo.account(token.account_id)
        return self.read_token(token, owner.username if owner else "")

    def read_token(self, token: ApiToken, username: str) -> TokenRead:
        now = self.clock()
        expired = token.expires_at is not None and token.expires_at <= now
        state: Literal["active", "expired", "revoked"] = (
            "revoked" if token.revoked_at is not None else "expired" if expired else "active"
        )
        return TokenRead(
            id=token.id,
            username=username,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
            last_used_at=token.last_used_at,
            state=state,
        )

    def create_token(self, account_id: int, data: TokenCreate) -> TokenCreated:
        if self.repo.account(account_id) is None:
            raise NotFound("账号不存在 (no such account)")
        token = new_api_token()
        now = self.clock()
        expires = now + timedelta(days=data.days) if data.days else None
        row = ApiToken(
            account_id=account_id,
            name=data.name,
            token_hash=token_digest(token),
            prefix=token[:8],
            created_at=now,
            expires_at=expires,
        )
        self.session.add(row)
        self.session.flush()
        return TokenCreated(id=row.id, name=row.name, token=token, expires_at=expires)
