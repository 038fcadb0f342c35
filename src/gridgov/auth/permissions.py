"""Which permissions each role grants, loaded from the shipped data file ``auth/data/roles.json``."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from gridgov.org.enums import Role


@lru_cache
def role_permissions() -> dict[str, frozenset[str]]:
    raw = json.loads(resources.files("gridgov.auth").joinpath("data/roles.json").read_text("utf-8"))
    table = {role: frozenset(perms) for role, perms in raw["roles"].items()}
    missing = {r.value for r in Role} - table.keys()
    if missing:
        raise RuntimeError(f"roles.json lacks roles: {sorted(missing)}")
    return table


@lru_cache
def permission_labels() -> dict[str, str]:
    raw = json.loads(resources.files("gridgov.auth").joinpath("data/roles.json").read_text("utf-8"))
    return dict(raw["permissions"])


def permissions_for(roles: frozenset[str]) -> frozenset[str]:
    table = role_permissions()
    return frozenset().union(*(table.get(role, frozenset()) for role in roles))
