"""SL 651-2014: decode rate of the codec against a bare ``struct.unpack`` loop over the same bytes (same run), and
end-to-end TCP frames per second into the database through the receiver and the observation writer.

    .venv/bin/python bench/sl651.py [--frames 20000] [--tcp-frames 3000]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import struct
import sys
import tempfile
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from gridgov.config import Settings
from gridgov.db import Database
from gridgov.migrate import upgrade
from gridgov.sensing.models import Observation
from gridgov.sensing.runtime import observation_writer
from gridgov.sensing.schemas import DatastreamCreate, StationCreate
from gridgov.sensing.service import Ingestor, SensingService, catalogue
from gridgov.water.sl651 import CST, Element, Report, decode, decode_report, encode_report
from gridgov.water.sl651_ingest import Receiver
from gridgov.water.sl651_server import Sl651Server

HEADER = struct.Struct(">2sB5sHBH")  # start, centre, station (BCD), password, function, flag+length


def frames(count: int, stations: int, start: datetime) -> list[bytes]:
    out = []
    for i in range(count):
        at = start + timedelta(minutes=5 * (i // stations))
        elements = (
            Element("20", "", "", None, Decimal(i % 500) / 10, at),
            Element("39", "", "", None, Decimal(10_000 + i % 900) / 1000, at),
            Element("38", "", "", None, Decimal("12.30"), at),
        )
        out.append(encode_report(Report(f"{i % stations + 1:010d}", 0x48, at, elements, (), 0x32, i % 65536, at)))
    return out


def baseline(data: list[bytes]) -> int:
    """What a bare parser must at least do: unpack the header, walk the text's (identifier, type byte, BCD)
    triples, and sum the bytes as a stand-in for a checksum."""
    seen = 0
    for raw in data:
        _start, _centre, _station, _password, _function, flag_length = HEADER.unpack_from(raw, 0)
        length = flag_length & 0x0FFF
        text = raw[14 : 14 + length]
        position = 14  # after serial, time, F1F1 station, type, F0F0 time
        while position + 2 <= len(text) - 3:
            size = text[position + 1] >> 3
            position += 2 + size
            seen += 1
        seen += sum(raw) & 1
    return seen


def timed(run: object, data: list[bytes], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run(data)  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return len(data) / best


def codec(data: list[bytes]) -> int:
    return sum(len(decode_report(decode(raw)).elements) for raw in data)


def tcp(count: int, stations: int) -> tuple[float, list[float], int]:
    """Frames/s from one TCP client, each waiting for its acknowledgement (sent after the commit)."""
    workdir = Path(tempfile.mkdtemp(prefix="gridgov-sl651-"))
    database = Database.from_url(f"sqlite:///{workdir / 'bench.db'}")
    upgrade(database.engine)
    with database.session() as session:
        from tests.sensing.world import build_gauges

        admin = build_gauges(session).admin
        service = SensingService(session)
        for n in range(1, stations + 1):
            code = f"{n:010d}"
            service.create_station(admin, StationCreate(code=code, kind="hydrology", name=code, lon=119.95, lat=30.02))
            for prop, unit in (("rainfall", "mm"), ("water_level", "m"), ("voltage", "V")):
                service.add_datastream(admin, code, DatastreamCreate(property=prop, unit=unit))
    catalogue.invalidate()
    writer = observation_writer(database, Ingestor())
    receiver = Receiver(writer)
    server = Sl651Server(receiver.on_report, receiver.on_error, host="127.0.0.1", port=0)
    server.start()
    data = frames(count, stations, datetime.now(CST).replace(second=0, microsecond=0) - timedelta(days=3))
    latencies = []
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        for raw in data:
            sent = time.perf_counter()
            sock.sendall(raw)
            got = b""
            while len(got) < 25:
                got += sock.recv(25 - len(got))
            latencies.append((time.perf_counter() - sent) * 1000)
    elapsed = time.perf_counter() - started
    server.stop()
    writer.stop()
    with database.session() as session:
        rows = int(session.scalar(select(func.count()).select_from(Observation)) or 0)
    return count / elapsed, latencies, rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--tcp-frames", type=int, default=3_000)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    Settings()  # the settings load as the app's would
    data = frames(args.frames, 50, datetime(2026, 6, 1, tzinfo=CST))
    base = timed(baseline, data)
    ours = timed(codec, data)
    print(f"SL 651 decode, {args.frames:,} timed reports of 3 elements ({len(data[0])} bytes each):")
    print(f"  bare struct.unpack loop   {base:12,.0f} frames/s (baseline)")
    print(f"  decode + decode_report    {ours:12,.0f} frames/s   {ours / base:.3f}×   target ≥ 0.3×")
    rate, latencies, rows = tcp(args.tcp_frames, 50)
    cuts = statistics.quantiles(latencies, n=100)
    print(f"SL 651 end to end, {args.tcp_frames:,} frames over one TCP connection into SQLite (ack after commit):")
    print(f"  {rate:,.0f} frames/s, p50 {cuts[49]:.2f} ms, p99 {cuts[98]:.2f} ms; {rows:,} observations stored")


if __name__ == "__main__":
    main()
