"""SL 651 frames over TCP into the sensing tables: a report's rainfall and water level stored under the station
whose code is the RTU's address, acknowledged after the commit; the same report twice stored once; a corrupt
frame and an unknown station dead-lettered with their bytes, the connection kept."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.db import Database
from gridgov.sensing.models import DeadLetter, Observation
from gridgov.sensing.schemas import DatastreamCreate, StationCreate
from gridgov.sensing.service import SensingService, catalogue
from gridgov.water.sl651 import CST, Element, Report, decode, encode_report
from gridgov.water.sl651_ingest import receivers
from gridgov.water.sl651_server import Sl651Server
from tests.sensing.world import FUCHUN_POINT, build_gauges

RTU = "0033000001"


@pytest.fixture
def receiver(client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sl651Server]:
    with db.sessions() as session:
        admin = build_gauges(session).admin
        service = SensingService(session)
        lon, lat = FUCHUN_POINT
        service.create_station(admin, StationCreate(code=RTU, kind="hydrology", name="某河道站", lon=lon, lat=lat))
        for prop in ("rainfall", "water_level"):
            service.add_datastream(admin, RTU, DatastreamCreate(property=prop))
        session.commit()
    catalogue.invalidate()
    monkeypatch.setenv("GRIDGOV_SL651_PORT", "0")
    monkeypatch.setenv("GRIDGOV_SL651_BIND", "127.0.0.1")
    (server,) = receivers(client.app)  # type: ignore[arg-type]
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _reply(sock: socket.socket) -> bytes:
    out = b""
    while len(out) < 25:
        chunk = sock.recv(25 - len(out))
        assert chunk, "connection closed"
        out += chunk
    return out


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_reports_land_once_and_bad_frames_are_dead_lettered(receiver: Sl651Server, db: Database) -> None:
    observed = datetime.now(CST).replace(second=0, microsecond=0)
    elements = (
        Element("20", "", "", None, Decimal("2.5"), observed),
        Element("39", "", "", None, Decimal("10.490"), observed),
    )
    raw = encode_report(Report(RTU, 0x48, observed, elements, (), 0x32, 7, observed))
    stranger = encode_report(Report("0099999999", 0x48, observed, elements[:1], (), 0x32, 8, observed))
    corrupt = bytearray(raw)
    corrupt[20] ^= 0xFF
    with socket.create_connection(("127.0.0.1", receiver.port), timeout=10) as sock:
        sock.sendall(raw)
        reply = decode(_reply(sock))
        assert (reply.function, reply.serial, reply.uplink) == (0x32, 7, False)
        with db.sessions() as session:  # acknowledged: already committed
            values = sorted(float(v) for v in session.scalars(select(Observation.value)))
            assert values == [2.5, 10.49]
        sock.sendall(raw)  # the RTU sends the same report again
        decode(_reply(sock))
        sock.sendall(bytes(corrupt))
        sock.sendall(stranger)
        decode(_reply(sock))  # the connection outlived the corrupt frame
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with db.sessions() as session:
            if _count(session, DeadLetter) >= 2:
                break
        time.sleep(0.05)
    with db.sessions() as session:
        assert _count(session, Observation) == 2  # stored once, the repeat counted
        assert session.scalar(select(func.sum(Observation.repeats))) == 2
        letters = {d.source: d for d in session.scalars(select(DeadLetter))}
        reasons = sorted(d.reason for d in session.scalars(select(DeadLetter)))
        assert len(reasons) == 2 and any("bad CRC" in r for r in reasons)
        assert bytes(corrupt) in {bytes(d.payload) for d in session.scalars(select(DeadLetter))}
        assert set(letters) == {"sl651"}
