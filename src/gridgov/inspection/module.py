"""The inspections and duty-rosters module (两类场所排查整改, 卡口值守) as the application installs it."""

from __future__ import annotations

from gridgov.module import Module

module = Module(
    name="inspection",
    title="巡查与值守 (inspections and duty rosters)",
    package="gridgov.inspection",
)
