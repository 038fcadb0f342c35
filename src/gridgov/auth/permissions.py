"""Which permissions each role grants, loaded from the shipped data file ``auth/data/roles.json``."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources

from gridgov.org.enums import Role

_module_permissions: dict[str, str] = {}
_module_grants: dict[str, set[str]] = {}
REGISTRY_PERMISSIONS = {
    "registry.read": "查看企业与场所登记",
    "registry.write": "维护企业与场所登记",
}
"""The shared registry of enterprises and places (core package ``gridgov.registry``)."""
REGISTRY_GRANTS = {
    "admin": ("registry.read", "registry.write"),
    "township_operator": ("registry.read", "registry.write"),
    "county_dispatcher": ("registry.read",),
    "leader": ("registry.read",),
    "village_cadre": ("registry.read",),
    "grid_member": ("registry.read",),
    "department_handler": ("registry.read",),
    "api_client": ("registry.read",),
}


def add_grants(permissions: Mapping[str, str], grants: Mapping[str, Sequence[str]]) -> None:
    """A module's permissions and the roles that hold them, merged into the role table."""
    for role, granted in grants.items():
        unknown = [p for p in granted if p not in permissions]
        if unknown:
            raise RuntimeError(f"grant of undeclared permissions {unknown} to {role}")
        if role not in {r.value for r in Role}:
            raise RuntimeError(f"grant to unknown role {role}")
        _module_grants.setdefault(role, set()).update(granted)
    _module_permissions.update(permissions)
    role_permissions.cache_clear()
    permission_labels.cache_clear()


@lru_cache
def role_permissions() -> dict[str, frozenset[str]]:
    raw = json.loads(resources.files("gridgov.auth").joinpath("data/roles.json").read_text("utf-8"))
    table = {
        role: frozenset(perms) | frozenset(REGISTRY_GRANTS.get(role, ())) | _module_grants.get(role, set())
        for role, perms in raw["roles"].items()
    }
    missing = {r.value for r in Role} - table.keys()
    if missing:
        raise RuntimeError(f"roles.json lacks roles: {sorted(missing)}")
    return table


@lru_cache
def permission_labels() -> dict[str, str]:
    raw = json.loads(resources.files("gridgov.auth").joinpath("data/roles.json").read_text("utf-8"))
    return dict(raw["permissions"]) | REGISTRY_PERMISSIONS | _module_permissions


def permissions_for(roles: frozenset[str]) -> frozenset[str]:
    table = role_permissions()
    return frozenset().union(*(table.get(role, frozenset()) for role in roles))
