"""The enterprise-service module (企情记录本, seed 003 衢州; 三服务, seed 001 霞浦; 亩均论英雄) as the application installs it."""

from __future__ import annotations

from gridgov.module import Module

module = Module(
    name="enterprise_service",
    title="企业服务 (enterprise service)",
    package="gridgov.enterprise_service",
)
