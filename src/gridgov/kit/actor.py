"""Who a database session writes for: the request, CLI command or job that owns it.

The audit recorder reads it on every flush; it lives in the platform layer so that writers below the core
(the batching writers in ``kit``) can name their actor without importing the audit package.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Actor:
    account_id: int | None
    name: str
    ip: str | None = None


SYSTEM = Actor(None, "system")


def set_actor(session: Session, actor: Actor) -> None:
    session.info["actor"] = actor


def actor_of(session: Session) -> Actor:
    actor = session.info.get("actor")
    return actor if isinstance(actor, Actor) else SYSTEM
