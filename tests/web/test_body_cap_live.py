"""Request bodies against a real uvicorn process: a 200 MB chunked body is cut off at the limit (what the server
process read from its sockets and its peak memory measured from /proc), and a declared Content-Length over the
limit is answered 413 before any of the body is sent."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gridgov.db import make_engine
from gridgov.migrate import upgrade
from tests.live import _free_port, _healthy

MIB = 1024 * 1024
CHUNK = 64 * 1024
OFFERED = 200 * MIB
SLACK = 2 * MIB  # what uvicorn may have buffered from the socket beyond the cut
BODY_LIMIT = 1 * MIB  # the defaults (GRIDGOV_MAX_BODY_BYTES, GRIDGOV_MAX_UPLOAD_BYTES)
UPLOAD_LIMIT = 21 * MIB

pytestmark = pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs /proc/<pid>/io (Linux)")


@dataclass
class Server:
    port: int
    pid: int

    def read_bytes(self) -> int:
        """Bytes the server process has read through read()/recv() so far."""
        for line in Path(f"/proc/{self.pid}/io").read_text().splitlines():
            if line.startswith("rchar:"):
                return int(line.split()[1])
        raise AssertionError("no rchar")

    def peak_rss_mib(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmHWM")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("body-cap")
    url = f"sqlite:///{workdir / 'gridgov.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "GRIDGOV_DATABASE_URL": url,
        "GRIDGOV_ENVIRONMENT": "test",
        "GRIDGOV_DATA_DIR": str(workdir / "var"),
        "GRIDGOV_SWEEP_SECONDS": "0",
        "GRIDGOV_NOTIFY_SECONDS": "0",
        "GRIDGOV_WARNING_SECONDS": "0",
    }
    log = (workdir / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "gridgov.asgi:app", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not _healthy(f"http://127.0.0.1:{port}"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail((workdir / "server.log").read_text("utf-8", errors="replace")[-3000:])
            time.sleep(0.2)
        yield Server(port, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


@dataclass
class Outcome:
    status: int
    sent: int
    seconds: float
    server_read: int
    peak_growth_mib: float


def _post(
    server: Server, path: str, content_type: str, *, declared: int | None = None, opening: bytes = b""
) -> Outcome:
    """POST ``opening`` and then ``OFFERED`` bytes (chunked, or only the headers when ``declared``) while reading
    the answer."""
    before, peak_before = server.read_bytes(), server.peak_rss_mib()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.settimeout(5)
    length = f"Content-Length: {declared}" if declared is not None else "Transfer-Encoding: chunked"
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n{length}\r\n\r\n"
    started = time.monotonic()
    sock.sendall(head.encode())
    sent = [0]
    stop = threading.Event()

    def pour() -> None:
        frame = f"{CHUNK:x}\r\n".encode() + b"u" * CHUNK + b"\r\n"
        try:
            sock.sendall(f"{len(opening):x}\r\n".encode() + opening + b"\r\n" if opening else b"")
            while sent[0] < OFFERED and not stop.is_set():
                sock.sendall(frame)
                sent[0] += CHUNK
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed: what it did not take is refused

    sender = threading.Thread(target=pour, daemon=True)
    if declared is None:
        sender.start()
    answer = b""
    sock.settimeout(60)
    while b"\r\n\r\n" not in answer:
        part = sock.recv(65536)
        if not part:
            break
        answer += part
    seconds = time.monotonic() - started
    stop.set()
    if sender.is_alive():
        sender.join(timeout=10)
    sock.close()
    time.sleep(0.2)
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    return Outcome(status, sent[0], seconds, server.read_bytes() - before, server.peak_rss_mib() - peak_before)


def test_a_chunked_form_is_cut_off_at_the_limit(server: Server) -> None:
    outcome = _post(server, "/login", "application/x-www-form-urlencoded")
    assert outcome.status == 413, outcome
    assert outcome.server_read <= BODY_LIMIT + SLACK, outcome  # not 200 MB
    assert outcome.sent < OFFERED / 4 and outcome.seconds < 10, outcome
    assert outcome.peak_growth_mib < 32, outcome


def test_a_chunked_upload_is_cut_off_at_the_upload_limit(server: Server) -> None:
    part = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n'
    outcome = _post(server, "/api/v1/cases/1/attachments", "multipart/form-data; boundary=xyz", opening=part)
    assert outcome.status == 413, outcome
    assert outcome.server_read <= UPLOAD_LIMIT + SLACK, outcome
    assert outcome.sent < OFFERED / 2 and outcome.seconds < 20, outcome
    assert outcome.peak_growth_mib < 64, outcome


def test_a_declared_length_over_the_limit_is_refused_before_the_body(server: Server) -> None:
    outcome = _post(server, "/api/v1/org/import", "multipart/form-data; boundary=xyz", declared=OFFERED)
    assert outcome.status == 413 and outcome.sent == 0, outcome
    assert outcome.server_read < 64 * 1024 and outcome.seconds < 2, outcome
