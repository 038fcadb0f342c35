"""The park carbon steward module (园区碳管家, seed 000 上虞) as the application installs it."""

from __future__ import annotations

from gridgov.module import Module

module = Module(
    name="carbon",
    title="园区碳管家 (park carbon steward)",
    package="gridgov.carbon",
)
