"""A small closed-loop HTTP/1.1 keep-alive load client on asyncio streams (the fallback when wrk is absent).

Each of ``connections`` connections sends one request, waits for the whole response, and sends the
next, rotating through the given requests, until ``duration`` seconds have passed. It prints one
``BENCH_RESULT {json}`` line in the same shape as the wrk Lua ``done()`` of ``run.py``.

    python bench/loadclient.py spec.json      # spec: see LoadSpec
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULT_MARK = "BENCH_RESULT"


@dataclass
class LoadSpec:
    host: str
    port: int
    duration: float
    connections: int
    method: str
    path: str
    headers: dict[str, str]
    bodies: list[str] = field(default_factory=list)
    grace: float = 30.0
    """A request still in flight this long after the deadline is abandoned and counted as a timeout."""

    @classmethod
    def from_file(cls, path: Path) -> LoadSpec:
        data: dict[str, Any] = json.loads(path.read_text("utf-8"))
        return cls(**data)

    def payloads(self) -> list[bytes]:
        head = f"{self.method} {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in self.headers.items())
        if not self.bodies:
            return [(head + "\r\n").encode()]
        out = []
        for body in self.bodies:
            raw = body.encode()
            out.append((head + f"Content-Length: {len(raw)}\r\n\r\n").encode() + raw)
        return out


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    non2xx: int = 0
    connect: int = 0
    read: int = 0
    timeout: int = 0
    bytes: int = 0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """(status, bytes read, keep-alive) of one response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip().lower()
    size = len(head)
    if "content-length" in headers:
        length = int(headers["content-length"])
        await reader.readexactly(length)
        size += length
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            chunk_line = await reader.readuntil(b"\r\n")
            chunk = int(chunk_line.split(b";")[0], 16)
            await reader.readexactly(chunk + 2)
            size += len(chunk_line) + chunk + 2
            if chunk == 0:
                break
    return status, size, headers.get("connection") != "close"


async def _connection(spec: LoadSpec, payloads: list[bytes], offset: int, deadline: float, tally: Tally) -> None:
    index = offset
    while time.perf_counter() < deadline:
        try:
            reader, writer = await asyncio.open_connection(spec.host, spec.port, limit=1 << 20)
        except OSError:
            tally.connect += 1
            await asyncio.sleep(0.05)
            continue
        try:
            while time.perf_counter() < deadline:
                payload = payloads[index % len(payloads)]
                index += 1
                start = time.perf_counter()
                writer.write(payload)
                await writer.drain()
                status, size, keep_alive = await _read_response(reader)
                tally.latencies.append(time.perf_counter() - start)
                tally.bytes += size
                if not 200 <= status < 300:
                    tally.non2xx += 1
                if not keep_alive:
                    break
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            tally.read += 1
        finally:
            writer.close()


def _percentile(ordered: list[float], pct: float) -> float:
    if not ordered:
        return 0.0
    rank = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[rank]


async def run(spec: LoadSpec) -> dict[str, Any]:
    payloads = spec.payloads()
    tally = Tally()
    started = time.perf_counter()
    deadline = started + spec.duration
    step = max(1, len(payloads) // max(1, spec.connections))
    tasks = [
        asyncio.create_task(_connection(spec, payloads, n * step, deadline, tally)) for n in range(spec.connections)
    ]
    _done, pending = await asyncio.wait(tasks, timeout=spec.duration + spec.grace)
    for task in pending:
        task.cancel()
        tally.timeout += 1
    elapsed = time.perf_counter() - started
    ordered = sorted(tally.latencies)
    micro = 1e6
    return {
        "requests": len(ordered),
        "duration_us": round(elapsed * micro),
        "bytes": tally.bytes,
        "p50_us": _percentile(ordered, 50) * micro,
        "p99_us": _percentile(ordered, 99) * micro,
        "mean_us": (sum(ordered) / len(ordered) * micro) if ordered else 0.0,
        "max_us": (ordered[-1] * micro) if ordered else 0.0,
        "connect": tally.connect,
        "read": tally.read,
        "write": 0,
        "status": tally.non2xx,
        "timeout": tally.timeout,
    }


def _run(spec: LoadSpec) -> dict[str, Any]:
    try:
        import uvloop  # the event loop uvicorn uses too; optional
    except ImportError:
        return asyncio.run(run(spec))
    return uvloop.run(run(spec))


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    result = _run(LoadSpec.from_file(Path(argv[1])))
    print(f"{RESULT_MARK} {json.dumps(result)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
