"""The warning domain's configuration documents (配置即数据), shipped as YAML defaults in ``data/``.

* ``warning.thresholds`` — rainfall threshold tables per management level, per-zone overrides, the
  silence limit for the fallback gauge, the optional effective-rainfall rule and the literature presets.
* ``warning.policy`` — lifecycle times (downgrade, all clear, validity, renewal) and the CAP sender.

Both load with :func:`gridgov.configdata.service.load_document` and are edited with
``gridgov import config KEY FILE.yaml`` / exported with ``gridgov export config KEY FILE.yaml``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from gridgov.configdata.service import DocumentKind
from gridgov.warning.lifecycle import Lifecycle
from gridgov.warning.thresholds import ThresholdConfig


class CapSettings(BaseModel):
    """Who signs the CAP messages and how identifiers are formed (GB/T 35965.1 pattern)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sender: str = Field(default="dzzh.330111@gridgov", pattern=r"^[^\s,<&]+$", description="CAP sender (no spaces)")
    sender_name: str = Field(default="富阳区地质灾害气象风险预警", min_length=1)
    region_code: str = Field(default="330111", pattern=r"^\d{6}$", description="GB/T 2260 行政区划代码")
    org_code: str = Field(default="000", pattern=r"^\d{3}$", description="GB/T 4657 机构代码 DDD")
    unit_code: str = Field(default="000", pattern=r"^\d{3}$", description="内部子单位代码 UUU")
    web: str | None = Field(default=None, description="Base URL of the public warning pages, if any")
    contact: str | None = None
    point_radius_km: float = Field(default=0.2, gt=0, le=50, description="点状防范区在CAP中的圆半径(公里)")


class WarningPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    lifecycle: Lifecycle = Field(default_factory=Lifecycle)
    cap: CapSettings = Field(default_factory=CapSettings)


THRESHOLDS = DocumentKind("warning.thresholds", ThresholdConfig, "gridgov.warning", "data/thresholds.yaml")
POLICY = DocumentKind("warning.policy", WarningPolicy, "gridgov.warning", "data/policy.yaml")
