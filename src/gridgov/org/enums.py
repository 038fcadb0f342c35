from __future__ import annotations

from enum import StrEnum


class NodeKind(StrEnum):
    """Tiers of the "141" tree. Order matters: each kind's parent is the one before it."""

    county = "county"
    township = "township"
    village = "village"
    grid = "grid"
    microgrid = "microgrid"

    @property
    def depth(self) -> int:
        return list(NodeKind).index(self)

    @property
    def parent_kind(self) -> NodeKind | None:
        return None if self.depth == 0 else list(NodeKind)[self.depth - 1]


class UnitKind(StrEnum):
    """Bodies that receive cases: county bureaus, township offices and platforms, utilities."""

    department = "department"
    office = "office"
    platform = "platform"
    utility = "utility"


class Role(StrEnum):
    grid_member = "grid_member"
    village_cadre = "village_cadre"
    township_operator = "township_operator"
    county_dispatcher = "county_dispatcher"
    department_handler = "department_handler"
    leader = "leader"
    admin = "admin"
    resident = "resident"
    enterprise = "enterprise"
    api_client = "api_client"
    sms_gateway = "sms_gateway"
    """The SMS gateway's account: posts the replies people send (短信回复), nothing else."""


MEMBER_ROLES = frozenset({Role.resident, Role.enterprise})
"""Roles held as a member of a place (a resident's village, an enterprise's township), not over it: their node
says where the person belongs and grants no area scope (a resident does not read the village's cases). The SMS
gateway's node is the area whose alerts it relays: a scope."""
STAFF_ROLES = frozenset(Role) - MEMBER_ROLES - {Role.api_client, Role.sms_gateway}
"""The people who work over an area (grid members up to the county's leaders and admins)."""
