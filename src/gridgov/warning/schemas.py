"""Read models of the warning domain (pydantic)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from gridgov.auth.principal import Principal
from gridgov.kit.masking import mask_phone
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
