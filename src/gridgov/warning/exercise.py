"""Drills (演练): the exercise window, and how the platform knows that rain comes from an exercise.

A simulated storm reaches a running server the way real rain does — readings of the county's own gauges over
MQTT (or the HTTP batch API) — so the readings themselves cannot say they are a drill, and the warning
evaluator (one leader among the app processes) only sees stored observations. The drill therefore announces
itself in the database, which every process reads: ``gridgov simulate storm`` opens an exercise window (the
``warning.exercise`` document) before it sends a single reading, lasting until the replay ends plus
``GRACE`` (the evaluator's round and the notify worker catch up within it). While the window is open, every
warning *issued* is an exercise, end to end:

* the warning row is ``exercise`` and its CAP messages say ``<status>Exercise</status>`` with a note, the
  headline marked 【演练】;
* its alerts are marked 【演练】 (title and every text) and their SMS, voice, e-mail and robot deliveries are
  ``withheld`` — recorded, not sent — unless the drill asked for them (``--send-external``);
* its patrol cases carry the source ``exercise:<warning id>`` and a description starting 【演练】;
* the warning board shows the window and marks each exercise warning.

An exercise warning stays one for its whole life (upgrades, renewals, all clear), after the window closes
too. A warning that was already active and real when the drill began stays real.

The honest limit: a drill's readings are stored in the real gauges' series. While the window is open, a real
storm's new warnings are marked as exercises too (the board says so); after it closes, the drill's rain still
counts in the gauges' rolling totals (up to 24 h, or the effective-rainfall days). Run storms against a demo
or training database, not a county's live one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from gridgov.configdata.repository import ConfigRepository
from gridgov.configdata.service import DocumentKind, save_document

GRACE = timedelta(minutes=10)
"""The window outlasts the last reading by this much: the evaluator's round and the notify worker catch up."""
MARK = "【演练】"
NOTE = "演练 (exercise)：本消息为预警演练，不是真实预警。"


class ExerciseWindow(BaseModel):
    """The ``warning.exercise`` document: the latest drill and how long it lasts."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    name: str = Field(default="", max_length=100, description="What the drill is, e.g. 模拟台风 seed 2019")
    started_at: datetime | None = None
    until: datetime | None = None
    send_external: bool = Field(
        default=False, description="Send the drill's alerts over SMS, voice, e-mail and robot too (marked 【演练】)"
    )

    def open_at(self, now: datetime) -> bool:
        return self.until is not None and now < self.until


EXERCISE = DocumentKind("warning.exercise", ExerciseWindow, "gridgov.warning", "data/exercise.yaml")


def latest_exercise(session: Session) -> ExerciseWindow:
    """The latest drill (open or not): what its warnings' alerts may send. Read from its row each time (one
    primary-key read), not through the configuration cache: the window is state that drills rewrite."""
    row = ConfigRepository(session).get(EXERCISE.key)
    return EXERCISE.default() if row is None else ExerciseWindow.model_validate(row.body)


def current_exercise(session: Session, now: datetime) -> ExerciseWindow | None:
    """The drill under way at ``now``, if any."""
    window = latest_exercise(session)
    return window if window.open_at(now) else None


def open_exercise(
    session: Session, name: str, start: datetime, last_reading: datetime, *, send_external: bool = False
) -> ExerciseWindow:
    """Open (or extend) the exercise window from ``start`` until ``last_reading`` + :data:`GRACE`.
    Flushes, never commits; the write is audited like any configuration edit."""
    body = ExerciseWindow(
        name=name, started_at=start, until=last_reading + GRACE, send_external=send_external
    ).model_dump(mode="json")
    return save_document(session, EXERCISE, body)


def end_exercise(session: Session, now: datetime) -> ExerciseWindow | None:
    """Close the window at ``now``; None when no drill was under way."""
    window = current_exercise(session, now)
    if window is None:
        return None
    return save_document(session, EXERCISE, window.model_copy(update={"until": now}).model_dump(mode="json"))
