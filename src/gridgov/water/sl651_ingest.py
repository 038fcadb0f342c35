"""SL 651 reports into the sensing core: the receiver the water module starts when ``GRIDGOV_SL651_PORT`` is set.

A report's elements and series become readings of the station whose code is the RTU's telemetry station address
(遥测站地址, its 10 digits), written through the same observation writer as HTTP, MQTT and CSV: checked against the
station catalogue (an unknown station, property or out-of-range value is dead-lettered), one reading per
(stream, time), repeats counted. The report is acknowledged to the RTU only after that commit. A frame that is not
a valid report is dead-lettered with its raw bytes; the connection stays open."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fastapi import FastAPI
from pydantic_settings import BaseSettings, SettingsConfigDict

from gridgov.kit.rowwriter import RowWriter
from gridgov.sensing.parsing import Reading, Refusal
from gridgov.sensing.service import Batch, Outcome
from gridgov.water.sl651 import Report
from gridgov.water.sl651_server import Sl651Server

SOURCE = "sl651"
KEPT_BYTES = 2048
"""How much of a frame a dead letter keeps."""
COMMIT_SECONDS = 60.0


class Sl651Settings(BaseSettings):
    """The receiver's settings, read like the core's (prefix ``GRIDGOV_``, optional ``.env``)."""

    model_config = SettingsConfigDict(env_prefix="GRIDGOV_", env_file=".env", env_ignore_empty=True, extra="ignore")

    sl651_port: int | None = None
    """TCP port of the SL 651-2014 receiver; unset = off."""
    sl651_bind: str = "0.0.0.0"
    """Address it listens on (RTUs connect from the field network)."""


def _where(report: Report) -> str:
    return f"sl651:{report.station}:{report.function:02X}H#{report.serial}"


def readings(report: Report, raw: bytes) -> list[Reading | Refusal]:
    """The report's readings: each element with a gridgov property and a value, and each value of a series at
    its own time (``start + i × step``); elements without a property or with the station's no-data pattern are
    left out."""
    where, kept = _where(report), raw[:KEPT_BYTES]
    parts: list[Reading | Refusal] = []

    def add(prop: str, at: datetime, value: object, unit: str) -> None:
        parts.append(Reading(report.station, prop, at, float(str(value)), unit or None, where, kept, len(raw)))

    for element in report.elements:
        if element.property and element.value is not None:
            add(element.property, element.observed_at, element.value, element.unit)
    for series in report.series:
        if not series.property:
            continue
        for index, value in enumerate(series.values):
            if value is not None:
                add(series.property, series.start + index * series.step, value, series.unit)
    return parts


def refused(reason: str, raw: bytes) -> Batch:
    """A frame that is no valid report, as a dead letter."""
    refusal = Refusal("sl651", f"SL 651 报文无效：{reason} (invalid SL 651 frame)", SOURCE, raw[:KEPT_BYTES], len(raw))
    return Batch(SOURCE, [refusal])


class Receiver:
    """Callbacks of the TCP server: each waits for the commit of what it handed to the writer."""

    def __init__(self, writer: RowWriter[Batch, Outcome]) -> None:
        self.writer = writer

    def on_report(self, report: Report, raw: bytes) -> None:
        parts = readings(report, raw)
        if parts:
            self.writer.submit(Batch(SOURCE, parts)).result(COMMIT_SECONDS)

    def on_error(self, reason: str, raw: bytes) -> None:
        self.writer.submit(refused(reason, raw)).result(COMMIT_SECONDS)


def receivers(app: FastAPI) -> Sequence[Sl651Server]:
    """The receiver of one application, when ``GRIDGOV_SL651_PORT`` is set (the module's job factory)."""
    settings = Sl651Settings()
    if settings.sl651_port is None:
        return []
    receiver = Receiver(app.state.sensing.writer)
    return [Sl651Server(receiver.on_report, receiver.on_error, host=settings.sl651_bind, port=settings.sl651_port)]
