"""Who reads what in this module: staff by their area (the enterprise's ``path`` under their scope), an
enterprise account only the enterprises it is linked to (its 统一社会信用代码), nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, SQLColumnExpression, false, select
from sqlalchemy.orm import Session

from gridgov.enterprise_service.models import EnterpriseAccount
from gridgov.errors import Forbidden
from gridgov.kit.principal import Principal
from gridgov.org.repository import under

READ = "enterprise_service.read"
RECORD = "enterprise_service.record"
RECOLOUR = "enterprise_service.recolour"
MANAGE = "enterprise_service.manage"
OWN = "enterprise_service.own"
PERMISSIONS = {
    READ: "查看企业服务(诉求、项目、亩均评价)",
    RECORD: "记录企业诉求、走访和回访",
    RECOLOUR: "调整企业诉求赋码",
    MANAGE: "管理重点项目和亩均评价数据",
    OWN: "企业账号：查看和提交本企业诉求",
}
STAFF = ("grid_member", "village_cadre", "township_operator", "county_dispatcher", "department_handler", "leader")
GRANTS = {
    **{role: [READ, RECORD] for role in STAFF},
    "township_operator": [READ, RECORD, RECOLOUR, MANAGE],
    "county_dispatcher": [READ, RECORD, RECOLOUR, MANAGE],
    "leader": [READ, RECOLOUR],
    "admin": [READ, RECORD, RECOLOUR, MANAGE],
    "enterprise": [OWN],
}
NOT_VISIBLE = "不存在或不在您的范围内 (not found, or not yours to see)"


@dataclass(frozen=True)
class Reader:
    principal: Principal
    enterprise_ids: frozenset[int] | None
    """None for staff (scoped by area); the linked enterprises for an enterprise account."""

    @property
    def is_enterprise(self) -> bool:
        return self.enterprise_ids is not None

    def sees(self, enterprise_id: int | None, path: str) -> bool:
        if self.enterprise_ids is not None:
            return enterprise_id in self.enterprise_ids
        return self.principal.covers(path)

    def where(
        self, enterprise_id: SQLColumnExpression[int | None], path: SQLColumnExpression[str]
    ) -> ColumnElement[bool]:
        if self.enterprise_ids is not None:
            return enterprise_id.in_(sorted(self.enterprise_ids)) if self.enterprise_ids else false()
        return under(self.principal.scope_paths, path)

    @property
    def scope(self) -> Sequence[str]:
        return self.principal.scope_paths


def reader(session: Session, principal: Principal) -> Reader:
    """The principal as this module's reader; 403 for a role that reads nothing here."""
    if principal.can(READ):
        return Reader(principal, None)
    if principal.can(OWN) and principal.account_id is not None:
        ids = session.scalars(
            select(EnterpriseAccount.enterprise_id).where(EnterpriseAccount.account_id == principal.account_id)
        )
        return Reader(principal, frozenset(ids))
    raise Forbidden(f"当前角色无权查看企业服务 (needs {READ})")
