"""Domain logic of the organisation: tree rules, people and their roles, masking. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from gridgov.errors import Conflict, Forbidden, InvalidInput, NotFound
from gridgov.kit.masking import mask_id_number, mask_phone
from gridgov.kit.principal import Principal
from gridgov.org.enums import NodeKind
from gridgov.org.models import GridAssignment, OrgNode, Person, RoleAssignment, Unit, UnitMembership
from gridgov.org.repository import OrgRepository
from gridgov.org.schemas import (
    NodeCreate,
    NodeRead,
    NodeUpdate,
    PersonCreate,
    PersonRead,
    PersonUpdate,
    RoleGrant,
    UnitCreate,
    UnitRead,
)

NOT_IN_SCOPE = "不存在或不在您的辖区内 (not found in your area)"


def child_path(parent: OrgNode | None, code: str) -> str:
    return f"{parent.path if parent else ''}{code}/"


def check_child(parent: OrgNode | None, kind: NodeKind, code: str, *, field: str = "parent_code") -> None:
    """The tree's shape: each kind sits under the kind before it, and a code extends its parent's code."""
    if parent is None:
        if kind is not NodeKind.county:
            raise InvalidInput(f"只有县(区)节点可以没有上级 ({kind} needs a parent)", field=field)
        return
    expected = kind.parent_kind
    if parent.kind != (expected.value if expected else None):
        raise InvalidInput(
            f"{kind}的上级必须是{expected}，而{parent.code}是{parent.kind} "
            f"(a {kind} must sit under a {expected}, {parent.code} is a {parent.kind})",
            field=field,
        )
    if not code.startswith(parent.code) or code == parent.code:
        raise InvalidInput(
            f"编码{code}必须以上级编码{parent.code}开头 (a code extends its parent's code)", field="code"
        )


def reassign(
    person: Person,
    roles: Sequence[tuple[str, int, int | None]] | None,
    unit_ids: Sequence[int] | None,
    grid_ids: Sequence[int] | None,
) -> None:
    """Give ``person`` exactly these roles (role, node id, level), units and grids; None leaves one as it is.

    Rows already held are kept: a new row beside an old one of the same key would be inserted before the
    old one is deleted and break the unique constraint (a PATCH or re-import that keeps a role was a 500).
    """
    if roles is not None:
        levels = {(role, node_id): level for role, node_id, level in roles}
        kept = [r for r in person.roles if (r.role, r.node_id) in levels]
        for held in kept:
            held.level = levels[(held.role, held.node_id)]
        have = {(r.role, r.node_id) for r in kept}
        added = [RoleAssignment(role=k[0], node_id=k[1], level=v) for k, v in levels.items() if k not in have]
        person.roles = kept + added
    if unit_ids is not None:
        wanted = list(dict.fromkeys(unit_ids))
        kept_units = [m for m in person.memberships if m.unit_id in wanted]
        have_units = {m.unit_id for m in kept_units}
        person.memberships = kept_units + [UnitMembership(unit_id=u) for u in wanted if u not in have_units]
    if grid_ids is not None:
        wanted = list(dict.fromkeys(grid_ids))
        kept_grids = [g for g in person.grids if g.node_id in wanted]
        have_grids = {g.node_id for g in kept_grids}
        person.grids = kept_grids + [GridAssignment(node_id=n) for n in wanted if n not in have_grids]


class OrgService:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.repo = OrgRepository(session)

    # nodes -------------------------------------------------------------------------------------
    def get_node(self, principal: Principal, code: str) -> OrgNode:
        node = self.repo.node_by_code(code)
        if node is None or not principal.covers(node.path):
            raise NotFound(f"节点{code}{NOT_IN_SCOPE}")
        return node

    def read_nodes(self, nodes: Sequence[OrgNode]) -> list[NodeRead]:
        counts = self.repo.children_counts([n.id for n in nodes])
        parents = self.repo.codes_by_id([n.parent_id for n in nodes if n.parent_id is not None])
        return [
            NodeRead(
                code=n.code,
                name=n.name,
                kind=NodeKind(n.kind),
                parent_code=parents.get(n.parent_id) if n.parent_id else None,
                path=n.path,
                centroid_lon=n.centroid_lon,
                centroid_lat=n.centroid_lat,
                has_boundary=n.centroid_lon is not None,
                children_count=counts.get(n.id, 0),
                synthetic=n.synthetic,
            )
            for n in nodes
        ]

    def create_node(self, principal: Principal, data: NodeCreate) -> OrgNode:
        principal.require("org:write")
        parent = None
        if data.parent_code is not None:
            parent = self.get_node(principal, data.parent_code)
        elif self.repo.root() is not None or "admin" not in principal.roles:
            raise InvalidInput("必须指定上级节点 (parent_code is required)", field="parent_code")
        check_child(parent, data.kind, data.code)
        if self.repo.node_by_code(data.code) is not None:
            raise Conflict(f"编码{data.code}已存在 (code already exists)", field="code")
        node = OrgNode(
            code=data.code,
            name=data.name,
            kind=data.kind.value,
            parent_id=parent.id if parent else None,
            path=child_path(parent, data.code),
        )
        self.session.add(node)
        self.session.flush()
        return node

    def update_node(self, principal: Principal, code: str, data: NodeUpdate) -> OrgNode:
        principal.require("org:write")
        node = self.get_node(principal, code)
        if data.name is not None:
            node.name = data.name
        self.session.flush()
        return node

    # units -------------------------------------------------------------------------------------
    def create_unit(self, principal: Principal, data: UnitCreate) -> UnitRead:
        principal.require("org:write")
        node = self.get_node(principal, data.node_code)
        if self.repo.unit_by_code(data.code) is not None:
            raise Conflict(f"单位编码{data.code}已存在 (unit code already exists)", field="code")
        unit = Unit(code=data.code, name=data.name, kind=data.kind.value, node_id=node.id)
        self.session.add(unit)
        self.session.flush()
        return UnitRead(id=unit.id, code=unit.code, name=unit.name, kind=data.kind, node_code=node.code)

    def list_units(self, principal: Principal, node_code: str | None = None) -> list[UnitRead]:
        node_id = self.get_node(principal, node_code).id if node_code else None
        rows = self.repo.units(principal.scope_paths, node_id)
        return [UnitRead(id=u.id, code=u.code, name=u.name, kind=u.kind, node_code=c) for u, c in rows]

    # people ------------------------------------------------------------------------------------
    def get_person(self, principal: Principal, person_id: int) -> Person:
        person = self.repo.person(person_id)
        if person is None or not (
            person.id == principal.person_id
            or self.repo.person_visible(person_id, principal.scope_paths, list(principal.unit_ids))
        ):
            raise NotFound(f"人员{person_id}{NOT_IN_SCOPE}")
        return person

    def read_person(self, principal: Principal | None, person: Person) -> PersonRead:
        """Phones and ID numbers in full only for roles with ``pii:read`` (and for oneself)."""
        full = principal is None or principal.can("pii:read") or principal.person_id == person.id
        return PersonRead(
            id=person.id,
            name=person.name,
            phone=person.phone if full else mask_phone(person.phone),
            id_number=person.id_number if full else mask_id_number(person.id_number),
            active=person.active,
            synthetic=person.synthetic,
            roles=[RoleGrant(role=r.role, node_code=r.node.code, level=r.level) for r in person.roles],
            unit_codes=[m.unit.code for m in person.memberships],
            grid_codes=[g.node.code for g in person.grids],
        )

    def _check_writable(self, principal: Principal, nodes: Sequence[OrgNode], units: Sequence[Unit]) -> None:
        for node in nodes:
            if not principal.covers(node.path):
                raise NotFound(f"节点{node.code}{NOT_IN_SCOPE}")
        unit_paths = self.repo.paths_by_id([u.node_id for u in units])
        for unit in units:
            if not (principal.covers(unit_paths[unit.node_id]) or unit.id in principal.unit_ids):
                raise NotFound(f"单位{unit.code}{NOT_IN_SCOPE}")

    def _resolve(
        self, roles: Sequence[RoleGrant], unit_codes: Sequence[str], grid_codes: Sequence[str]
    ) -> tuple[dict[str, OrgNode], dict[str, Unit]]:
        nodes = self.repo.nodes_by_codes([r.node_code for r in roles] + list(grid_codes))
        for index, code in enumerate([r.node_code for r in roles]):
            if code not in nodes:
                raise InvalidInput(f"roles[{index}].node_code: 未知节点 {code}", field=f"roles.{index}.node_code")
        for index, code in enumerate(grid_codes):
            node = nodes.get(code)
            if node is None or node.kind not in (NodeKind.grid, NodeKind.microgrid):
                raise InvalidInput(f"grid_codes[{index}]: {code} 不是网格 (not a grid)", field=f"grid_codes.{index}")
        units = self.repo.units_by_codes(unit_codes)
        for index, code in enumerate(unit_codes):
            if code not in units:
                raise InvalidInput(f"unit_codes[{index}]: 未知单位 {code}", field=f"unit_codes.{index}")
        return nodes, units

    def _assign(
        self,
        person: Person,
        roles: Sequence[RoleGrant] | None,
        unit_codes: Sequence[str] | None,
        grid_codes: Sequence[str] | None,
        nodes: dict[str, OrgNode],
        units: dict[str, Unit],
    ) -> None:
        reassign(
            person,
            None if roles is None else [(g.role.value, nodes[g.node_code].id, g.level) for g in roles],
            None if unit_codes is None else [units[c].id for c in unit_codes],
            None if grid_codes is None else [nodes[c].id for c in grid_codes],
        )

    def create_person(self, principal: Principal, data: PersonCreate) -> Person:
        principal.require("people:write")
        if "admin" in {r.role for r in data.roles} and "admin" not in principal.roles:
            raise Forbidden("只有管理员可以授予管理员角色 (only admins grant admin)")
        if self.repo.person_by_phone(data.phone) is not None:
            raise Conflict(f"手机号{mask_phone(data.phone)}已登记 (phone already registered)", field="phone")
        nodes, units = self._resolve(data.roles, data.unit_codes, data.grid_codes)
        self._check_writable(principal, list(nodes.values()), list(units.values()))
        if not (data.roles or data.unit_codes or data.grid_codes):
            raise InvalidInput(
                "人员至少需要一个角色、单位或网格，才能归属辖区 (give a role, unit or grid)", field="roles"
            )
        person = Person(name=data.name, phone=data.phone, id_number=data.id_number)
        self._assign(person, data.roles, data.unit_codes, data.grid_codes, nodes, units)
        self.session.add(person)
        self.session.flush()
        return person

    def update_person(self, principal: Principal, person_id: int, data: PersonUpdate) -> Person:
        principal.require("people:write")
        person = self.get_person(principal, person_id)
        if data.roles is not None and "admin" in {r.role for r in data.roles} and "admin" not in principal.roles:
            raise Forbidden("只有管理员可以授予管理员角色 (only admins grant admin)")
        if data.phone is not None and data.phone != person.phone:
            if self.repo.person_by_phone(data.phone) is not None:
                raise Conflict(f"手机号{mask_phone(data.phone)}已登记 (phone already registered)", field="phone")
            person.phone = data.phone
        nodes, units = self._resolve(data.roles or [], data.unit_codes or [], data.grid_codes or [])
        self._check_writable(principal, list(nodes.values()), list(units.values()))
        if data.name is not None:
            person.name = data.name
        if "id_number" in data.model_fields_set:
            person.id_number = data.id_number
        if data.active is not None:
            person.active = data.active
        self._assign(person, data.roles, data.unit_codes, data.grid_codes, nodes, units)
        self.session.flush()
        return person

    def list_people(
        self,
        principal: Principal,
        *,
        node_code: str | None = None,
        role: str | None = None,
        q: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[PersonRead], int]:
        principal.require("people:read")
        node_path = self.get_node(principal, node_code).path if node_code else None
        people, total = self.repo.people(
            principal.scope_paths,
            unit_ids=list(principal.unit_ids),
            node_path=node_path,
            role=role,
            q=q,
            limit=limit,
            offset=offset,
        )
        return [self.read_person(principal, p) for p in people], total
