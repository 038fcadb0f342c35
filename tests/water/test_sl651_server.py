"""SL 651 TCP receiver with a real TCP client: reports acknowledged, bad frames dead-lettered, link kept."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import pytest

from gridgov.water.sl651 import CST, Element, Report, decode, encode_report
from gridgov.water.sl651_server import Sl651Server
from tests.water.test_sl651 import KEEPALIVE, TEST_REPORT, TEST_REPORT_ACK, TIMED_REPORT, TIMED_REPORT_ACK


class _Sink:
    def __init__(self) -> None:
        self.reports: list[tuple[Report, bytes]] = []
        self.errors: list[tuple[str, bytes]] = []
        self.fail = False
        self.event = threading.Event()

    def on_report(self, report: Report, raw: bytes) -> None:
        if self.fail:
            raise RuntimeError("database down")
        self.reports.append((report, raw))
        self.event.set()

    def on_error(self, reason: str, raw: bytes) -> None:
        self.errors.append((reason, raw))
        self.event.set()

    def wait(self, count: int) -> None:
        for _ in range(100):
            if len(self.reports) + len(self.errors) >= count:
                return
            self.event.wait(0.05)
            self.event.clear()
        raise AssertionError(f"expected {count} callbacks, got {self.reports} {self.errors}")


@pytest.fixture
def receiver() -> Iterator[tuple[Sl651Server, _Sink]]:
    sink = _Sink()
    server = Sl651Server(sink.on_report, sink.on_error, host="127.0.0.1", port=0)
    server.start()
    try:
        yield server, sink
    finally:
        server.stop()


def _read(sock: socket.socket, size: int) -> bytes:
    out = b""
    while len(out) < size:
        chunk = sock.recv(size - len(out))
        assert chunk, "connection closed"
        out += chunk
    return out


def test_reports_are_acknowledged_and_bad_frames_dead_lettered_on_one_connection(
    receiver: tuple[Sl651Server, _Sink],
) -> None:
    server, sink = receiver
    report, timed = bytes.fromhex(TEST_REPORT), bytes.fromhex(TIMED_REPORT)
    corrupt = report[:30] + bytes([report[30] ^ 0x01]) + report[31:]
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        # garbage, a keep-alive, and a report split across writes
        sock.sendall(b"\x00\x01junk" + bytes.fromhex(KEEPALIVE) + report[:20])
        sock.sendall(report[20:])
        assert _read(sock, 25).hex().upper() == TEST_REPORT_ACK
        sock.sendall(corrupt)  # bad CRC: dead-lettered, no reply, connection kept
        sock.sendall(timed)
        assert _read(sock, 25).hex().upper() == TIMED_REPORT_ACK
        sink.wait(3)
    assert [r.station for r, _ in sink.reports] == ["0012345678", "0011223344"]
    assert sink.reports[0][1] == report
    assert {e.property: e.value for e in sink.reports[1][0].elements}["water_level"] == Decimal("10.49")
    assert sink.errors == [("bad CRC", corrupt)]


def test_report_not_kept_is_not_acknowledged_and_truncated_tail_is_dead_lettered(
    receiver: tuple[Sl651Server, _Sink],
) -> None:
    server, sink = receiver
    sink.fail = True
    observed = datetime(2026, 6, 1, 9, 0, tzinfo=CST)
    element = Element("27", "", "", None, Decimal("1.250"), observed)
    raw = encode_report(Report("0000000009", 0x49, observed, (element,), (), 0x33, 5, observed))
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(raw)
        sink.wait(1)
        sink.fail = False
        sock.sendall(raw)  # the RTU resends: now kept and acknowledged
        reply = decode(_read(sock, 25))
        assert (reply.function, reply.serial, reply.uplink) == (0x33, 5, False)
        sock.sendall(raw[:12])
    sink.wait(3)
    assert sink.errors[0][0].startswith("not kept") and sink.errors[0][1] == raw
    assert sink.errors[1] == ("truncated", raw[:12])
    assert len(sink.reports) == 1 and sink.reports[0][0].elements[0].property == "flow"


def test_stop_closes_connections() -> None:
    sink = _Sink()
    server = Sl651Server(sink.on_report, sink.on_error, host="127.0.0.1")
    server.start()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    for _ in range(100):
        if server.connections:
            break
        threading.Event().wait(0.02)
    assert server.connections == 1
    server.stop()
    assert sock.recv(10) == b""
    sock.close()


def test_several_stations_at_once(receiver: tuple[Sl651Server, _Sink]) -> None:
    server, sink = receiver
    observed = datetime(2026, 6, 1, 9, 0, tzinfo=CST)
    replies: list[tuple[str, int]] = []

    def station(n: int) -> None:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            for serial in range(1, 4):
                element = Element("39", "", "", None, Decimal(n), observed)
                sock.sendall(encode_report(Report(f"{n:010d}", 0x48, observed, (element,), (), 0x32, serial, observed)))
                reply = decode(_read(sock, 25))
                replies.append((reply.station, reply.serial))

    threads = [threading.Thread(target=station, args=(n,)) for n in range(1, 6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    sink.wait(15)
    assert sorted((r.station, r.serial) for r, _ in sink.reports) == [
        (f"{n:010d}", s) for n in range(1, 6) for s in range(1, 4)
    ]
    assert not sink.errors
    assert sorted(replies) == sorted((r.station, r.serial) for r, _ in sink.reports)
