"""The enterprise-service module (企情记录本, 三服务, 亩均论英雄) as the application installs it."""

from __future__ import annotations

from gridgov.module import Module

module = Module(
    name="enterprise_service",
    title="企业服务 (enterprise service)",
    package="gridgov.enterprise_service",
)
