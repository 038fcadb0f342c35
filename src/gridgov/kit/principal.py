"""The authenticated user as every check sees it: roles, permissions and data scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from gridgov.errors import Forbidden


@dataclass(frozen=True)
class Principal:
    account_id: int | None
    """None for the system itself (sensors, sweeps, warnings acting through the core)."""
    person_id: int | None
    username: str
    name: str
    roles: frozenset[str]
    permissions: frozenset[str]
    scope_paths: tuple[str, ...]
    """Materialised paths of the nodes the user's roles are held at; each grants its subtree."""
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    csrf_token: str | None = None
    """Set for browser sessions, whose unsafe requests must echo it; None for bearer tokens."""
    home_paths: tuple[str, ...] = ()
    """Where a resident or an enterprise account belongs (the nodes its member roles are held at): a place for
    its own records, never an area it may read (``scope_paths`` is that)."""

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if permission not in self.permissions:
            raise Forbidden(f"当前角色无权执行此操作 (needs {permission})")

    def covers(self, path: str) -> bool:
        return any(path.startswith(root) for root in self.scope_paths)

    @property
    def local_paths(self) -> tuple[str, ...]:
        """What "near me" means: staff their area, a resident or an enterprise account where it belongs. For
        public things only (activities to book, a place to report a repair at), never for reading records."""
        return self.scope_paths + self.home_paths

    def near(self, path: str) -> bool:
        return any(path.startswith(root) for root in self.local_paths)

    @property
    def person(self) -> int:
        """The person behind a real login (the system acting on its own has none)."""
        if self.person_id is None:
            raise Forbidden("系统身份没有对应人员 (the system acts for no person)")
        return self.person_id

    @property
    def account(self) -> int:
        if self.account_id is None:
            raise Forbidden("系统身份没有账号 (the system has no account)")
        return self.account_id

    @property
    def display(self) -> str:
        return f"{self.name} ({self.username})"


def system_principal(name: str, scope_path: str, roles: frozenset[str] = frozenset({"county_dispatcher"})) -> Principal:
    """The platform acting on its own (a silent sensor, a warning opening patrol cases) over ``scope_path``:
    recorded in timelines and the audit log as ``name``, never able to log in."""
    return Principal(
        account_id=None,
        person_id=None,
        username="system",
        name=name,
        roles=roles,
        permissions=frozenset(),
        scope_paths=(scope_path,),
    )
