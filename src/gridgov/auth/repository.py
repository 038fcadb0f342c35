"""All queries of the auth domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from gridgov.auth.models import Account, ApiToken, AuthSession, LoginAttempt


class AuthRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def account_by_username(self, username: str) -> Account | None:
        return self.session.scalars(select(Account).where(Account.username == username)).one_or_none()

    def account(self, account_id: int) -> Account | None:
        return self.session.get(Account, account_id)

    def recent_failures(self, username: str, ip: str, since: datetime) -> tuple[int, int]:
        """Failed attempts since ``since``: (for this username, from this address)."""
        base = select(func.count()).where(LoginAttempt.at >= since, LoginAttempt.success.is_(False))
        by_user = self.session.scalar(base.where(LoginAttempt.username == username)) or 0
        by_ip = self.session.scalar(base.where(LoginAttempt.ip == ip)) or 0
        return by_user, by_ip

    def live_session(self, session_id: str, now: datetime) -> tuple[AuthSession, Account] | None:
        row = self.session.execute(
            select(AuthSession, Account)
            .join(Account, AuthSession.account_id == Account.id)
            .where(AuthSession.id == session_id, AuthSession.expires_at > now, Account.active.is_(True))
        ).one_or_none()
        return None if row is None else (row[0], row[1])

    def live_token(self, digest: str, now: datetime) -> tuple[ApiToken, Account] | None:
        row = self.session.execute(
            select(ApiToken, Account)
            .join(Account, ApiToken.account_id == Account.id)
            .where(
                ApiToken.token_hash == digest,
                ApiToken.revoked_at.is_(None),
                or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
                Account.active.is_(True),
            )
        ).one_or_none()
        return None if row is None else (row[0], row[1])

    def touch_token(self, token_id: int, now: datetime) -> None:
        self.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))

    def delete_session(self, session_id: str) -> None:
        self.session.execute(delete(AuthSession).where(AuthSession.id == session_id))

    def purge(self, now: datetime, attempts_before: datetime) -> None:
        self.session.execute(delete(AuthSession).where(AuthSession.expires_at <= now))
        self.session.execute(delete(LoginAttempt).where(LoginAttempt.at < attempts_before))
