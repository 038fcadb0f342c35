"""Login with rate limiting, browser sessions, API tokens, and building the principal."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy.orm import Session

from gridgov.audit.recorder import record_event
from gridgov.auth.models import Account, ApiToken, AuthSession, LoginAttempt
from gridgov.auth.permissions import permissions_for
from gridgov.auth.repository import AuthRepository
from gridgov.auth.schemas import TokenCreate, TokenCreated
from gridgov.auth.security import hash_password, new_api_token, new_session_id, token_digest, verify_password
from gridgov.config import Settings
from gridgov.errors import Conflict, InvalidInput, LoginFailed, NotFound, TooManyRequests
from gridgov.kit.actor import Actor, set_actor
from gridgov.kit.principal import Principal
from gridgov.kit.time import utcnow
from gridgov.org.models import Person

BAD_LOGIN = "用户名或密码错误 (wrong username or password)"
MIN_PASSWORD = 8


def principal_for(account: Account, csrf_token: str | None = None) -> Principal:
    person: Person = account.person
    roles = frozenset(r.role for r in person.roles)
    # the scope: subtrees of the nodes roles are held at, plus the grids the person serves
    paths = sorted({r.node.path for r in person.roles} | {g.node.path for g in person.grids})
    # a subtree inside another adds nothing
    roots = tuple(p for p in paths if not any(p != q and p.startswith(q) for q in paths))
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
    )


class AuthService:
    def __init__(self, session: Session, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.repo = AuthRepository(session)

    def login(self, username: str, password: str, ip: str) -> AuthSession:
        now = utcnow()
        window = now - timedelta(minutes=self.settings.login_window_minutes)
        by_user, by_ip = self.repo.recent_failures(username, ip, window)
        limit = self.settings.login_max_failures
        if by_user >= limit or by_ip >= limit * 4:
            raise TooManyRequests(
                f"登录失败次数过多，请{self.settings.login_window_minutes}分钟后再试 (too many failed logins)"
            )
        account = self.repo.account_by_username(username)
        ok = verify_password(account.password_hash if account else None, password)
        ok = ok and account is not None and account.active
        self.session.add(LoginAttempt(username=username, ip=ip, success=ok))
        if not ok or account is None:
            self.session.flush()
            raise LoginFailed(BAD_LOGIN)
        account.last_login_at = now
        auth_session = AuthSession(
            id=new_session_id(),
            account_id=account.id,
            csrf_token=secrets.token_urlsafe(24),
            expires_at=now + timedelta(hours=self.settings.session_hours),
            ip=ip,
        )
        self.session.add(auth_session)
        set_actor(self.session, Actor(account.id, account.username, ip))
        record_event(self.session, "login", "account", str(account.id))
        self.repo.purge(now, now - timedelta(days=30))
        self.session.flush()
        return auth_session

    def principal_from_session(self, session_id: str) -> Principal | None:
        found = self.repo.live_session(session_id, utcnow())
        if found is None:
            return None
        auth_session, account = found
        return principal_for(account, auth_session.csrf_token)

    def principal_from_token(self, token: str) -> tuple[Principal, int | None] | None:
        """The principal, and the token's id when its ``last_used_at`` is stale and worth a touch
        (done by the caller in a transaction of its own, so reads never turn into writes)."""
        now = utcnow()
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
        if len(password) < MIN_PASSWORD:
            raise InvalidInput(
                f"密码至少{MIN_PASSWORD}位 (password needs {MIN_PASSWORD}+ characters)", field="password"
            )
        if self.repo.account_by_username(username) is not None:
            raise Conflict(f"用户名{username}已存在 (username taken)", field="username")
        account = Account(person_id=person.id, username=username, password_hash=hash_password(password))
        self.session.add(account)
        self.session.flush()
        return account

    def create_token(self, account_id: int, data: TokenCreate) -> TokenCreated:
        if self.repo.account(account_id) is None:
            raise NotFound("账号不存在 (no such account)")
        token = new_api_token()
        expires = utcnow() + timedelta(days=data.days) if data.days else None
        row = ApiToken(
            account_id=account_id,
            name=data.name,
            token_hash=token_digest(token),
            prefix=token[:8],
            expires_at=expires,
        )
        self.session.add(row)
        self.session.flush()
        return TokenCreated(id=row.id, name=row.name, token=token, expires_at=expires)
