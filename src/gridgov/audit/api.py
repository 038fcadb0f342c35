"""HTTP API of the audit log (read only: the log has no write route)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from gridgov.audit.repository import AuditRepository
from gridgov.audit.schemas import AuditPage, AuditRead
from gridgov.deps import CurrentUser, SessionDep
from gridgov.kit.bounds import Offset

router = APIRouter(tags=["audit 审计"])


@router.get("/audit", response_model=AuditPage, summary="Audit log of your area, newest first")
def list_audit(
    session: SessionDep,
    user: CurrentUser,
    entity: str | None = None,
    entity_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> AuditPage:
    user.require("audit:read")
    rows, total = AuditRepository(session).page(
        user.scope_paths,
        global_view="admin" in user.roles,
        entity=entity,
        entity_id=entity_id,
        limit=limit,
        offset=offset,
    )
    return AuditPage(items=[AuditRead.model_validate(r) for r in rows], total=total)
