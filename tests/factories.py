"""Plain factory functions: build, add, flush, return."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from shapely.geometry import box, mapping
from sqlalchemy.orm import Session

from gridgov.auth.models import Account
from gridgov.auth.schemas import TokenCreate
from gridgov.auth.security import hash_password
from gridgov.auth.service import AuthService
from gridgov.config import Settings
from gridgov.geo.service import set_boundary
from gridgov.org.enums import NodeKind, Role, UnitKind
from gridgov.org.models import GridAssignment, OrgNode, Person, RoleAssignment, Unit, UnitMembership

COUNTY, FUCHUN, WANSHI = "330111", "330111001", "330111100"
PASSWORD = "test-password-1"
_phones = itertools.count(1)


def node(
    session: Session, code: str, name: str, kind: NodeKind, parent: OrgNode | None, bounds: tuple[float, ...]
) -> OrgNode:
    created = OrgNode(
        code=code,
        name=name,
        kind=kind.value,
        parent_id=parent.id if parent else None,
        path=f"{parent.path if parent else ''}{code}/",
    )
    set_boundary(created, mapping(box(*bounds)))
    session.add(created)
    session.flush()
    return created


@dataclass
class County:
    """330111 split west/east into 富春街道 and 万市镇; each village split south/north into grids."""

    nodes: dict[str, OrgNode]
    units: dict[str, Unit]

    def __getitem__(self, code: str) -> OrgNode:
        return self.nodes[code]


def build_county(session: Session) -> County:
    nodes: dict[str, OrgNode] = {}
    nodes[COUNTY] = node(session, COUNTY, "富阳区", NodeKind.county, None, (119.9, 30.0, 120.1, 30.1))
    layout = {
        FUCHUN: ("富春街道", 119.9, 120.0, ["城西社区", "春晖社区"]),
        WANSHI: ("万市镇", 120.0, 120.1, ["万市村"]),
    }
    for t_code, (t_name, west, east, villages) in layout.items():
        township = nodes[t_code] = node(
            session, t_code, t_name, NodeKind.township, nodes[COUNTY], (west, 30.0, east, 30.1)
        )
        width = (east - west) / len(villages)
        for i, v_name in enumerate(villages):
            v_code = f"{t_code}{i + 1:03d}"
            v_west = west + i * width
            village = nodes[v_code] = node(
                session, v_code, v_name, NodeKind.village, township, (v_west, 30.0, v_west + width, 30.1)
            )
            for j, (south, north) in enumerate(((30.0, 30.05), (30.05, 30.1))):
                g_code = f"{v_code}{j + 1:03d}"
                nodes[g_code] = node(
                    session,
                    g_code,
                    f"{v_name}第{j + 1}网格",
                    NodeKind.grid,
                    village,
                    (v_west, south, v_west + width, north),
                )
    units = {}
    for code, name, at in (
        ("CTY-ZRZY", "区自然资源局", COUNTY),
        ("FC-GDS", "富春供电所", FUCHUN),
        ("WS-GDS", "万市供电所", WANSHI),
    ):
        units[code] = Unit(code=code, name=name, kind=UnitKind.utility.value, node_id=nodes[at].id)
        session.add(units[code])
    session.flush()
    return County(nodes, units)


def create_person(
    session: Session,
    county: County,
    roles: list[tuple[Role, str]],
    *,
    grids: list[str] = (),  # type: ignore[assignment]
    units: list[str] = (),  # type: ignore[assignment]
    name: str = "测试人员",
    id_number: str | None = "330111199001011234",
) -> Person:
    person = Person(name=name, phone=f"138{next(_phones):08d}", id_number=id_number)
    person.roles = [RoleAssignment(role=r.value, node_id=county[c].id) for r, c in roles]
    person.grids = [GridAssignment(node_id=county[g].id) for g in grids]
    person.memberships = [UnitMembership(unit_id=county.units[u].id) for u in units]
    session.add(person)
    session.flush()
    return person


def create_account(session: Session, person: Person, username: str) -> Account:
    account = Account(person_id=person.id, username=username, password_hash=hash_password(PASSWORD))
    session.add(account)
    session.flush()
    return account


def bearer(session: Session, account: Account) -> dict[str, str]:
    created = AuthService(session, Settings(environment="test")).create_token(account.id, TokenCreate(name="test"))
    return {"Authorization": f"Bearer {created.token}"}


def user(
    session: Session, county: County, username: str, role: Role, node_code: str, **kwargs: object
) -> dict[str, str]:
    """A person with one role, an account and a bearer token; returns the auth headers."""
    person = create_person(session, county, [(role, node_code)], name=username, **kwargs)  # type: ignore[arg-type]
    return bearer(session, create_account(session, person, username))
