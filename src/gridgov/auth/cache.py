"""A short-lived per-process cache of resolved principals.

Resolving a token or session costs several queries (roles, scope, units); every request needs it.
A cached entry is used only after one indexed lookup shows its session or token row still good
(``deps._authenticate``), so a logout, a revoked token or a deactivated person is refused at once
by every process; only a change of roles or scope waits out the entry's few seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from gridgov.kit.principal import Principal


@dataclass
class PrincipalCache:
    ttl_seconds: float = 10.0
    max_entries: int = 10_000
    _entries: dict[str, tuple[float, Principal]] = field(default_factory=dict)

    def get(self, key: str) -> Principal | None:
        found = self._entries.get(key)
        if found is None:
            return None
        expires, principal = found
        if expires < time.monotonic():
            self._entries.pop(key, None)
            return None
        return principal

    def put(self, key: str, principal: Principal) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + self.ttl_seconds, principal)

    def drop(self, key: str) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
