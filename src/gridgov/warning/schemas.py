"""Read models of the warning domain (pydantic)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from gridgov.kit.masking import mask_phone
from gridgov.kit.principal import Principal
from gridgov.warning.coverage import Band
from gridgov.warning.coverage_service import CoverageView, ZoneCoverage, metres
from gridgov.warning.models import Household, RiskZone, WarningRecord


class ZoneRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    lon: float
    lat: float
    township_code: str
    village_code: str | None
    importance: str
    management_level: int
    hazard_kind: str | None
    households: int
    people: int
    active: bool


class HouseholdRead(BaseModel):
    id: int
    zone_code: str
    head_name: str
    people: int
    phone: str | None
    """Masked (``138****5678``) for roles without ``pii:read``."""
    address: str | None
    survey_year: int | None

    @classmethod
    def of(cls, household: Household, zone: RiskZone, principal: Principal | None) -> HouseholdRead:
        full = principal is None or principal.can("pii:read")
        phone = household.phone
        return cls(
            id=household.id,
            zone_code=zone.code,
            head_name=household.head_name,
            people=household.people,
            phone=phone if full or phone is None else mask_phone(phone),
            address=household.address,
            survey_year=household.survey_year,
        )


class WarningRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    zone_id: int
    hazard: str
    colour: str
    peak_colour: str
    state: str
    exercise: bool
    trigger_window: str | None
    trigger_value: float | None
    trigger_threshold: float | None
    trigger_gauge: str | None
    issued_at: datetime
    last_update_at: datetime | None
    ended_at: datetime | None
    expires_at: datetime
    cap_identifier: str | None

    @classmethod
    def of(cls, record: WarningRecord) -> WarningRead:
        return cls.model_validate(record)


class ZoneOnMap(BaseModel):
    code: str
    name: str
    lon: float
    lat: float
    importance: str
    management_level: int
    colour: str | None
    warning_id: int | None


class ActiveWarning(BaseModel):
    warning: WarningRead
    zone_code: str
    zone_name: str
    township_code: str
    reached: int
    answered: int
    waiting: int


class CoverageStepRead(BaseModel):
    day: date
    """The day gauges were commissioned (local)."""
    added: int
    gauges: int
    """Gauges in the network after that day."""


class CoverageRead(BaseModel):
    as_of: date | None
    """The network as of the end of this day (gauges commissioned on or before it); None = now."""
    gauges: int
    """Rain gauges in your area in that network."""
    zones: int
    within_200m: int
    within_2km: int
    beyond_2km_count: int
    near_m: float
    far_m: float
    beyond_200m: list[str]
    beyond_2km: list[str]
    steps: list[CoverageStepRead]
    """The days gauges in your area were commissioned, oldest first (for a before/after switch)."""

    @classmethod
    def of(cls, view: CoverageView) -> CoverageRead:
        report = view.report
        return cls(
            as_of=view.as_of,
            gauges=view.gauges,
            zones=report.zones,
            within_200m=report.within_near,
            within_2km=report.within_far,
            beyond_2km_count=report.zones - report.within_far,
            near_m=report.near_m,
            far_m=report.far_m,
            beyond_200m=sorted(report.beyond_near),
            beyond_2km=sorted(report.beyond_far),
            steps=[CoverageStepRead(day=s.day, added=s.added, gauges=s.gauges) for s in view.steps],
        )


class GaugeDistance(BaseModel):
    code: str
    distance_m: float


class ZoneCoverageRead(BaseModel):
    code: str
    name: str
    township_code: str
    township_name: str
    village_code: str | None
    lon: float
    lat: float
    distance_m: float | None
    """To the nearest gauge; None when the network has no gauge."""
    band: Band
    """near (≤ 200 m), far (≤ 2 km), beyond (> 2 km)."""
    gauges: list[GaugeDistance]
    """The nearest gauges, nearest first."""

    @classmethod
    def of(cls, row: ZoneCoverage) -> ZoneCoverageRead:
        zone = row.zone
        return cls(
            code=zone.code,
            name=zone.name,
            township_code=zone.township_code,
            township_name=row.township_name,
            village_code=zone.village_code,
            lon=zone.lon,
            lat=zone.lat,
            distance_m=metres(row.distance_m),
            band=row.band,
            gauges=[GaugeDistance(code=c, distance_m=round(d, 1)) for c, d in row.nearest.gauges],
        )


class ZoneCoveragePage(BaseModel):
    total: int
    items: list[ZoneCoverageRead]


class CoverageGauge(BaseModel):
    code: str
    lon: float
    lat: float
    commissioned: date


class CoverageZone(BaseModel):
    code: str
    name: str
    lon: float
    lat: float
    distance_m: float | None
    band: Band


class CoverageMap(BaseModel):
    """The map layer: gauges (for their 200 m and 2 km circles) and zones as points with their band."""

    gauges: list[CoverageGauge]
    zones: list[CoverageZone]


class RainfallPoint(BaseModel):
    time: datetime
    mm: float


class GaugeOnMap(BaseModel):
    code: str
    name: str
    lon: float
    lat: float
    last_time: datetime | None
    rain_1h: float
    rain_24h: float
