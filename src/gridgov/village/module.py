"""The village and community affairs module (seed 000 吴兴/新市, 003 余杭, 001 洪桥) as the application installs it."""

from __future__ import annotations

from gridgov.module import Module

module = Module(
    name="village",
    title="村社事务 (village and community affairs)",
    package="gridgov.village",
)
