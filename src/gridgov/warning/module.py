"""The geo-hazard warning module (地灾智治, seed 003 富阳) as the application installs it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastapi import FastAPI
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gridgov.config import Settings
from gridgov.kit.periodic import Periodic
from gridgov.module import Migrations, Module, NavEntry
from gridgov.org.enums import STAFF_ROLES
from gridgov.warning import api, cli, pages
from gridgov.warning.demo import build_hazard
from gridgov.warning.documents import POLICY, THRESHOLDS
from gridgov.warning.exercise import EXERCISE
from gridgov.warning.indicators import PROVIDER
from gridgov.warning.models import RiskZone, WarningRecord
from gridgov.warning.response import REACH
from gridgov.warning.tasks import WAKE_FLOOR, WarningEvaluator


def _jobs(app: FastAPI) -> Sequence[Periodic]:
    """The evaluator: every ``warning_seconds``, and at once (no sooner than ``WAKE_FLOOR``) when readings
    are stored in any process."""
    settings: Settings = app.state.settings
    if settings.warning_seconds <= 0:
        return []
    evaluator = WarningEvaluator(app.state.db, settings, lambda: app.state.clock(), app.state.calendar)
    job = Periodic(
        "warning", settings.warning_seconds, lambda: len(evaluator.step()), floor=WAKE_FLOOR, on_stop=evaluator.close
    )
    app.state.sensing.on_new_readings(job.wake)
    return [job]


def _active_warnings(session: Session, scope: Sequence[str]) -> Mapping[str, int]:
    """Active warnings in the reader's area, by colour (the cockpit's counter)."""
    statement = (
        select(WarningRecord.colour, func.count())
        .join(RiskZone, RiskZone.id == WarningRecord.zone_id)
        .where(WarningRecord.state == "active")
        .group_by(WarningRecord.colour)
    )
    if scope:
        statement = statement.where(or_(*(RiskZone.path.startswith(root) for root in scope)))
    found = {str(colour): int(n) for colour, n in session.execute(statement)}
    return {f"colour.{c}": found[c] for c in ("red", "orange", "yellow", "blue") if found.get(c)}


def _demo(session: Session, seed: int) -> Mapping[str, object]:
    return dict(vars(build_hazard(session, seed=seed)))


module = Module(
    name="warning",
    title="地灾智治 (geo-hazard warning)",
    package="gridgov.warning",
    api=(api.router,),
    routers=(api.public, pages.router),
    nav=(NavEntry("/warnings", "nav.warnings", order=70, roles=STAFF_ROLES),),
    jobs=_jobs,
    models=("gridgov.warning.models",),
    migrations=Migrations("gridgov.warning.migrations", adopted={"0005": "warning_zone"}),
    documents=(THRESHOLDS, POLICY, REACH, EXERCISE),
    translations="gridgov.warning.i18n",
    templates="gridgov.warning",
    static="gridgov.warning",
    cli=cli.register,
    demo=_demo,
    indicators=(PROVIDER,),
    cockpit={"warning.cockpit.active": _active_warnings},
)
