"""Turns every ORM flush into audit rows, so no write path can forget to audit.

The actor comes from ``session.info["actor"]`` (set by the request or CLI that owns the session);
a flush without one is recorded as ``system``.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from gridgov.audit.models import AuditLog
from gridgov.kit.actor import actor_of
from gridgov.kit.time import utcnow

NOT_AUDITED = {"audit_log", "login_attempt", "auth_session"}
SECRET_COLUMNS = {"password_hash", "token_hash", "csrf_token"}
DIGEST_COLUMNS = {"boundary"}


def _jsonable(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in SECRET_COLUMNS:
        return "***"
    if column in DIGEST_COLUMNS:
        raw = str(value).encode()
        return f"sha256:{hashlib.sha256(raw).hexdigest()[:16]} ({len(raw)} bytes)"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _columns(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    values: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in state.unloaded:
            continue
        values[attr.key] = _jsonable(attr.key, getattr(obj, attr.key))
    return values


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        if attr.key in ("updated_at",):
            continue
        before[attr.key] = _jsonable(attr.key, history.deleted[0] if history.deleted else None)
        after[attr.key] = _jsonable(attr.key, history.added[0] if history.added else None)
    return before, after


def _scope_path(session: Session, obj: Any) -> str | None:
    from gridgov.org.models import OrgNode

    path = getattr(obj, "path", None)
    if isinstance(path, str):
        return path
    node_id = getattr(obj, "node_id", None)
    if isinstance(node_id, int):
        found: str | None = (
            session.connection().execute(select(OrgNode.path).where(OrgNode.id == node_id)).scalar_one_or_none()
        )
        return found
    return None


def _entity_id(obj: Any) -> str | None:
    # from the primary-key attributes: in after_flush a new row has its key but not yet its identity
    state = inspect(obj)
    key = state.mapper.primary_key_from_instance(obj)
    return None if any(part is None for part in key) else ",".join(str(part) for part in key)


def _record(session: Session, _context: UOWTransaction) -> None:
    actor = actor_of(session)
    now = utcnow()
    rows: list[dict[str, Any]] = []

    def add(obj: Any, action: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        table = obj.__tablename__
        if table in NOT_AUDITED:
            return
        rows.append(
            {
                "at": now,
                "actor_account_id": actor.account_id,
                "actor_name": actor.name,
                "action": action,
                "entity": table,
                "entity_id": _entity_id(obj),
                "before": before,
                "after": after,
                "ip": actor.ip,
                "scope_path": _scope_path(session, obj),
            }
        )

    for obj in session.new:
        add(obj, "create", None, _columns(obj))
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after:
                add(obj, "update", before, after)
    for obj in session.deleted:
        add(obj, "delete", _columns(obj), None)
    if rows:
        session.connection().execute(insert(AuditLog), rows)


def record_event(
    session: Session,
    action: str,
    entity: str,
    entity_id: str | None = None,
    detail: dict[str, Any] | None = None,
    scope_path: str | None = None,
) -> None:
    """Audit a write that does not go through the ORM (bulk loads, logins, exports)."""
    actor = actor_of(session)
    session.add(
        AuditLog(
            actor_account_id=actor.account_id,
            actor_name=actor.name,
            action=action,
            entity=entity,
            entity_id=entity_id,
            after=detail,
            ip=actor.ip,
            scope_path=scope_path,
        )
    )


def install() -> None:
    if not event.contains(Session, "after_flush", _record):
        event.listen(Session, "after_flush", _record)
