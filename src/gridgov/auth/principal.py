"""The authenticated user as every check sees it: roles, permissions and data scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from gridgov.errors import Forbidden


@dataclass(frozen=True)
class Principal:
    account_id: int
    person_id: int
    username: str
    name: str
    roles: frozenset[str]
    permissions: frozenset[str]
    scope_paths: tuple[str, ...]
    """Materialised paths of the nodes the user's roles are held at; each grants its subtree."""
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    csrf_token: str | None = None
    """Set for browser sessions, whose unsafe requests must echo it; None for bearer tokens."""

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if permission not in self.permissions:
            raise Forbidden(f"当前角色无权执行此操作 (needs {permission})")

    def covers(self, path: str) -> bool:
        return any(path.startswith(root) for root in self.scope_paths)

    @property
    def display(self) -> str:
        return f"{self.name} ({self.username})"
