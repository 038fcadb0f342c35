"""The warning module's figures in the evaluation (an indicator provider): 叫应及时率 and 巡查完成率.

* 叫应及时率 — of the people reached by the warnings issued in the period (in-app, SMS, voice …), those who
  answered within ``ANSWER_WITHIN`` of being reached.
* 巡查完成率 — of the patrol cases the warnings opened in the period, those closed (结案).
Both per township and village of the warned zone; exercises (演练) are left out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from gridgov.case.models import Case
from gridgov.configdata.service import load_document
from gridgov.evaluation.documents import Level
from gridgov.evaluation.periods import Period
from gridgov.evaluation.providers import IndicatorDef, Part, Record, area_of
from gridgov.kit.time import as_utc
from gridgov.notify.api import ANSWER_WITHIN
from gridgov.notify.models import Alert, AlertRecipient
from gridgov.warning.response import REACH

ACK = IndicatorDef(
    key="warning.ack_in_time_rate",
    label="叫应及时率",
    label_en="Warnings answered in time",
    numerator_label="及时叫应人次",
    denominator_label="应叫应人次",
)
PATROL = IndicatorDef(
    key="warning.patrol_done_rate",
    label="巡查完成率",
    label_en="Warning patrols done",
    numerator_label="已结案巡查",
    denominator_label="预警巡查案件",
)


def _in_scope(path: str, scope: Sequence[str] | None) -> bool:
    return scope is None or any(path.startswith(root) for root in scope)


def _in_time(notified: datetime | None, acked: datetime | None) -> bool:
    return notified is not None and acked is not None and as_utc(acked) - as_utc(notified) <= ANSWER_WITHIN


class WarningIndicators:
    source = "warning"
    indicators = (ACK, PATROL)

    def _reached(self, period: Period) -> Select[int, str, str, datetime | None, datetime | None]:
        start, end = period.bounds()
        return (
            select(
                AlertRecipient.id, AlertRecipient.name, Alert.path, AlertRecipient.notified_at, AlertRecipient.acked_at
            )
            .join(Alert, Alert.id == AlertRecipient.alert_id)
            .where(
                Alert.subject.like("warning:%"),
                Alert.started_at >= start,
                Alert.started_at < end,
                AlertRecipient.notified_at.is_not(None),
                ~Alert.kind.contains(":exercise"),
            )
        )

    def _patrols(self, session: Session, period: Period) -> Select[str, str, str, datetime | None]:
        start, end = period.bounds()
        category = load_document(session, REACH).patrol_category
        return select(Case.number, Case.path, Case.state, Case.closed_at).where(
            Case.category_code == category,
            Case.source.like("warning:%"),  # drills' patrols are exercise:<id>
            Case.created_at >= start,
            Case.created_at < end,
        )

    def figures(
        self, session: Session, period: Period, level: Level, scope: Sequence[str] | None
    ) -> Mapping[str, Mapping[str, Part]]:
        reached = session.execute(self._reached(period))
        ack = [(path, _in_time(notified, acked)) for _i, _n, path, notified, acked in reached]
        patrols = session.execute(self._patrols(session, period))
        patrol = [(path, state == "closed") for _n, path, state, _c in patrols]
        return {ACK.key: _by_area(ack, level, scope), PATROL.key: _by_area(patrol, level, scope)}

    def records(
        self,
        session: Session,
        period: Period,
        indicator: str,
        area_path: str,
        part: Literal["numerator", "denominator"],
        limit: int,
        offset: int,
    ) -> tuple[list[Record], int]:
        found: list[Record] = []
        if indicator == ACK.key:
            for rid, name, path, notified, acked in session.execute(self._reached(period).order_by(AlertRecipient.id)):
                if path.startswith(area_path) and (part == "denominator" or _in_time(notified, acked)):
                    found.append(Record(f"{name} #{rid}", None))
        elif indicator == PATROL.key:
            for number, path, state, _closed in session.execute(self._patrols(session, period).order_by(Case.id)):
                if path.startswith(area_path) and (part == "denominator" or state == "closed"):
                    found.append(Record(number, f"/cases/{number}"))
        return found[offset : offset + limit], len(found)


def _by_area(rows: list[tuple[str, bool]], level: Level, scope: Sequence[str] | None) -> dict[str, Part]:
    sums: dict[str, list[float]] = {}
    for path, counted in rows:
        area = area_of(path, level)
        if area is None or not _in_scope(path, scope):
            continue
        entry = sums.setdefault(area, [0.0, 0.0])
        entry[0] += 1 if counted else 0
        entry[1] += 1
    return {area: Part(n, d) for area, (n, d) in sums.items()}


PROVIDER = WarningIndicators()
