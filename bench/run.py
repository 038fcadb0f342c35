"""gridgov benchmark: HTTP throughput against a bare FastAPI + SQLite baseline, and batch point lookup.

    .venv/bin/python bench/run.py [--duration 10] [--out bench/out] [--tool auto|wrk|python]

One run builds a fresh demo county in a temporary directory, then, with one load tool for everything:

* the baseline app (``bench/baseline_app.py``): POST one SQLite insert, GET one row;
* gridgov: POST /api/v1/geo/locate (rotating in-county points), GET /api/v1/org/nodes?parent=330111
  (bearer token), GET /healthz, and POST /api/v1/geo/locate/batch with 10,000 points per request.

Each server is one uvicorn worker (``--no-access-log --log-level warning``) pinned to CPU 1, the load
tool to CPU 0 (when ``taskset`` exists). In-process it also times batch point → grid lookup through
``PointIndex.locate`` against plain ``shapely.STRtree.query`` on the same grid polygons.
Every load loop is bounded by ``--duration``; servers are stopped by their own process id.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

BENCH_DIR = Path(__file__).resolve().parent
HOST = "127.0.0.1"
COUNTY_CODE = "330111"
TARGET_POINTS_PER_SECOND = 200_000
INPROCESS_POINTS = 200_000
BATCH_SIZE = 10_000
BATCH_BODIES = 3
LOCATE_BODIES = 2_000
SEED = 20261123
RESULT_MARK = "BENCH_RESULT"
SERVER_CPU = "1"
CLIENT_CPU = "0"
CASE_CONNECTIONS = 32
CASE_BODIES = 2_000
CASE_CATEGORY = "0401"
CASE_DESCRIPTION = "路边暴露垃圾"
CASE_TARGET_RATIO = 0.5
CASE_TARGET_P99_MS = 150.0
BASELINE_POST = "baseline POST /items (1 insert)"
BASELINE_POST_WIDE = "baseline POST /items (32 conns)"
CASE_SCENARIO = "gridgov POST /cases (full pipeline)"

Floats = npt.NDArray[np.float64]


# --------------------------------------------------------------------------------------------- #
# machine and versions


def machine_info() -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    packages = {}
    for name in (
        "fastapi",
        "starlette",
        "uvicorn",
        "uvloop",
        "httptools",
        "sqlalchemy",
        "pydantic",
        "shapely",
        "numpy",
    ):
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = "-"
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": ", ".join(f"{k} {v}" for k, v in packages.items()),
    }


# --------------------------------------------------------------------------------------------- #
# demo data, token and points


def build_demo(workdir: Path) -> str:
    url = f"sqlite:///{workdir / 'gridgov.db'}"
    env = {**os.environ, "GRIDGOV_DATABASE_URL": url, "GRIDGOV_DATA_DIR": str(workdir / "var")}
    subprocess.run(
        [sys.executable, "-m", "gridgov", "demo", "--no-serve", "--port", "0"],
        cwd=workdir,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=300,
    )
    return url


def make_token(url: str) -> str:
    from sqlalchemy import select

    from gridgov.auth.models import Account
    from gridgov.auth.schemas import TokenCreate
    from gridgov.auth.service import AuthService
    from gridgov.config import get_settings
    from gridgov.db import Database

    database = Database.from_url(url)
    with database.session() as session:
        admin = session.scalars(select(Account).where(Account.username == "admin")).one()
        token = AuthService(session, get_settings()).create_token(admin.id, TokenCreate(name="bench", days=1)).token
    database.engine.dispose()
    return token


@dataclass
class Grids:
    paths: list[str]
    geometries: list[Any]


def load_grids(url: str) -> Grids:
    from gridgov.db import Database
    from gridgov.geo.shapes import parse_area
    from gridgov.org.repository import OrgRepository

    database = Database.from_url(url)
    with database.session() as session:
        rows = OrgRepository(session).boundaries(None, ["grid"])
    database.engine.dispose()
    return Grids([path for _c, _n, _k, path, _g in rows], [parse_area(geojson) for _c, _n, _k, _p, geojson in rows])


def sample_points(grids: Grids, count: int, rng: np.random.Generator) -> tuple[Floats, Floats]:
    """``count`` points uniform over the union of the grid polygons (rejection sampling in its bounds)."""
    import shapely

    union = shapely.union_all(np.array(grids.geometries, dtype=object))
    shapely.prepare(union)
    min_x, min_y, max_x, max_y = union.bounds
    lons: list[Floats] = []
    lats: list[Floats] = []
    found = 0
    while found < count:
        x = rng.uniform(min_x, max_x, count)
        y = rng.uniform(min_y, max_y, count)
        inside = shapely.contains_xy(union, x, y)
        lons.append(x[inside])
        lats.append(y[inside])
        found += int(inside.sum())
    return np.concatenate(lons)[:count], np.concatenate(lats)[:count]


# --------------------------------------------------------------------------------------------- #
# in-process lookup


@dataclass
class InProcess:
    points: int
    grids: int
    index_build_s: float
    index_pps: float
    strtree_pps: float
    service_pps: float
    service_cold_s: float
    agree: float
    outside: int

    @property
    def ratio(self) -> float:
        return self.index_pps / self.strtree_pps


def _best_rate(count: int, call: Any, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return count / best


def bench_inprocess(url: str, grids: Grids, lons: Floats, lats: Floats) -> InProcess:
    import shapely
    from shapely import STRtree

    from gridgov.db import Database
    from gridgov.geo.index import IndexedArea, PointIndex
    from gridgov.geo.service import geo_service

    count = len(lons)
    start = time.perf_counter()
    index = PointIndex([IndexedArea(p, g) for p, g in zip(grids.paths, grids.geometries, strict=True)])
    build = time.perf_counter() - start
    index_pps = _best_rate(count, lambda: index.locate(lons, lats))

    tree = STRtree(np.array(grids.geometries, dtype=object))
    points = shapely.points(lons, lats)
    strtree_pps = _best_rate(count, lambda: tree.query(points, predicate="intersects"))

    # agreement: PointIndex's answer against the lowest-numbered (first by path) polygon STRtree finds
    found = index.locate(lons, lats)
    pairs = tree.query(points, predicate="intersects")
    first = np.full(count, -1, dtype=np.int64)
    order = np.lexsort((pairs[1], pairs[0]))
    inputs, trees = pairs[0][order], pairs[1][order]
    heads, where = np.unique(inputs, return_index=True)
    first[heads] = trees[where]
    expected = [grids.paths[i] if i >= 0 else None for i in first.tolist()]
    agree = sum(a == b for a, b in zip(found, expected, strict=True)) / count

    # locate_paths is typed Sequence[float] but hands the values to PointIndex.locate (ArrayLike); pass
    # the arrays as they are rather than time a 200,000-element list conversion
    lon_seq, lat_seq = cast(Sequence[float], lons), cast(Sequence[float], lats)
    database = Database.from_url(url)
    with database.session() as session:
        start = time.perf_counter()
        geo_service.locate_paths(session, lon_seq[:1], lat_seq[:1])  # builds the per-process index
        cold = time.perf_counter() - start
        service_pps = _best_rate(count, lambda: geo_service.locate_paths(session, lon_seq, lat_seq))
    database.engine.dispose()
    return InProcess(
        points=count,
        grids=len(grids.paths),
        index_build_s=build,
        index_pps=index_pps,
        strtree_pps=strtree_pps,
        service_pps=service_pps,
        service_cold_s=cold,
        agree=agree,
        outside=sum(p is None for p in found),
    )


# --------------------------------------------------------------------------------------------- #
# servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def pinned(cpu: str, command: list[str]) -> list[str]:
    taskset = shutil.which("taskset")
    return [taskset, "-c", cpu, *command] if taskset else command


def http(
    port: int,
    method: str,
    path: str,
    body: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"http://{HOST}:{port}{path}",
        data=body.encode() if body is not None else None,
        method=method,
        headers=headers or {},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc); 0 when unavailable."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return 0.0
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def host_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot (Linux /proc/stat); (0, 0) when unavailable."""
    stat = Path("/proc/stat")
    if not stat.exists():
        return 0, 0
    values = [int(v) for v in stat.read_text().splitlines()[0].split()[1:9]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def wait_quiet(limit: float, threshold: float = 0.3) -> float:
    """Wait (at most ``limit`` seconds) until the host's other load over 1 s is below ``threshold`` CPUs;
    return the last load seen. The servers are idle between scenarios, so this is somebody else's work."""
    deadline = time.monotonic() + limit
    while True:
        before = host_jiffies()
        time.sleep(1.0)
        after = host_jiffies()
        total = after[1] - before[1]
        load = (os.cpu_count() or 1) * (after[0] - before[0]) / total if total else 0.0
        if load < threshold or time.monotonic() >= deadline:
            return load


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int


@contextmanager
def serve(
    name: str, app: str, env: dict[str, str], cwd: Path, logs: Path, extra: Sequence[str] = ()
) -> Iterator[Server]:
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", app, *extra,
        "--host", HOST, "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    log = (logs / f"{name}.log").open("wb")
    process = subprocess.Popen(
        pinned(SERVER_CPU, command), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see {logs / f'{name}.log'}")
            try:
                if http(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not become ready in 60 s")
            time.sleep(0.2)
        yield Server(name, process, port)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        log.close()


# --------------------------------------------------------------------------------------------- #
# load


@dataclass
class Scenario:
    name: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    bodies: list[str] = field(default_factory=list)
    connections: int = 16
    baseline: str | None = None
    """Name of the scenario this one's requests/s is compared with."""
    points_per_request: int = 0
    warmup: bool = True
    timeout: float = 30.0
    """Seconds before a request counts as a timeout error."""
    expect: int = 200
    """The status the one check request before the load must get."""


@dataclass
class Measured:
    name: str
    server: str
    tool: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    server_cpu: float
    host_busy: float
    """Busy CPUs of the whole machine during the run (server + load tool ≈ 2 on an otherwise idle 2-CPU host)."""
    baseline: str | None
    ratio: float | None = None
    points_per_second: float | None = None
    non2xx: int = 0
    """Responses with a status outside 200-299 (included in ``errors``)."""
    statuses: dict[str, int] = field(default_factory=dict)
    """Responses per HTTP status (wrk only; the python client reports just the non-2xx count)."""


LUA = """
local bodies = {}
local source = %(bodies)s
if source ~= "" then
  for line in io.lines(source) do bodies[#bodies + 1] = line end
end
wrk.method = %(method)s
%(headers)s
local threads = {}
setup = function(thread) threads[#threads + 1] = thread end
statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
local i = 0
request = function()
  if #bodies == 0 then return wrk.format() end
  i = i %% #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  local merged, non2xx, parts = {}, 0, {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses") or {}) do merged[code] = (merged[code] or 0) + n end
  end
  for code, n in pairs(merged) do
    if code < 200 or code > 299 then non2xx = non2xx + n end
    parts[#parts + 1] = string.format('"%%d": %%d', code, n)
  end
  io.write(string.format(
    '%(mark)s {"requests": %%d, "duration_us": %%d, "bytes": %%d, "p50_us": %%.1f, "p99_us": %%.1f, '
      .. '"mean_us": %%.1f, "max_us": %%.1f, "connect": %%d, "read": %%d, "write": %%d, "status": %%d, '
      .. '"timeout": %%d, "non2xx": %%d, "statuses": {%%s}}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    latency.mean, latency.max, e.connect, e.read, e.write, e.status, e.timeout, non2xx, table.concat(parts, ", ")))
end
"""


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of ASCII is a valid Lua string literal


class Load:
    def __init__(self, tool: str, workdir: Path, quiet_wait: float) -> None:
        self.tool = tool
        self.workdir = workdir
        self.quiet_wait = quiet_wait
        self._count = 0

    def _files(self, scenario: Scenario) -> tuple[Path, Path]:
        self._count += 1
        stem = self.workdir / f"load{self._count}"
        bodies = stem.with_suffix(".bodies")
        bodies.write_text("".join(f"{b}\n" for b in scenario.bodies), "utf-8")
        return stem, bodies

    def command(self, scenario: Scenario, port: int, duration: float) -> list[str]:
        stem, bodies = self._files(scenario)
        if self.tool == "wrk":
            headers = "\n".join(
                f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in scenario.headers.items()
            )
            script = stem.with_suffix(".lua")
            script.write_text(
                LUA
                % {
                    "bodies": _lua_string(str(bodies) if scenario.bodies else ""),
                    "method": _lua_string(scenario.method),
                    "headers": headers,
                    "mark": RESULT_MARK,
                },
                "utf-8",
            )
            return [
                "wrk", "-t1", f"-c{scenario.connections}", f"-d{max(1, round(duration))}s",
                "--timeout", f"{scenario.timeout:g}s", "-s", str(script), f"http://{HOST}:{port}{scenario.path}",
            ]  # fmt: skip
        spec = stem.with_suffix(".json")
        spec.write_text(
            json.dumps(
                {
                    "host": HOST,
                    "port": port,
                    "duration": duration,
                    "connections": scenario.connections,
                    "method": scenario.method,
                    "path": scenario.path,
                    "headers": scenario.headers,
                    "bodies": scenario.bodies,
                    "grace": scenario.timeout,
                }
            ),
            "utf-8",
        )
        return [sys.executable, str(BENCH_DIR / "loadclient.py"), str(spec)]

    def run(self, scenario: Scenario, server: Server, duration: float, warmup: float) -> Measured:
        if self.quiet_wait > 0:
            other = wait_quiet(self.quiet_wait)
            if other >= 0.3:
                print(f"  note: host still busy with other work ({other:.2f} CPUs) before {scenario.name}")
        if warmup > 0 and scenario.warmup:
            self._raw(scenario, server.port, warmup)
            drained = drain(server)
            if drained > 1.0:
                print(f"  note: {drained:.1f} s for the warm-up's unfinished requests to drain before {scenario.name}")
        before = cpu_seconds(server.process.pid)
        host_before = host_jiffies()
        start = time.perf_counter()
        raw = self._raw(scenario, server.port, duration)
        wall = time.perf_counter() - start
        used = cpu_seconds(server.process.pid) - before
        host_after = host_jiffies()
        busy, total = host_after[0] - host_before[0], host_after[1] - host_before[1]
        seconds = raw["duration_us"] / 1e6
        # wrk's own status count is HTTP >= 400 only; the Lua response() hook counts every non-2xx
        # (the python client's "status" already is the non-2xx count)
        non2xx = int(raw.get("non2xx", raw["status"]))
        errors = sum(int(raw[k]) for k in ("connect", "read", "write", "timeout")) + non2xx
        return Measured(
            name=scenario.name,
            server=server.name,
            tool=self.tool,
            connections=scenario.connections,
            rps=raw["requests"] / seconds if seconds else 0.0,
            p50_ms=raw["p50_us"] / 1000,
            p99_ms=raw["p99_us"] / 1000,
            requests=int(raw["requests"]),
            errors=errors,
            server_cpu=used / wall if wall else 0.0,
            host_busy=(os.cpu_count() or 1) * busy / total if total else 0.0,
            baseline=scenario.baseline,
            non2xx=non2xx,
            statuses={str(k): int(v) for k, v in raw.get("statuses", {}).items()},
        )

    def _raw(self, scenario: Scenario, port: int, duration: float) -> dict[str, Any]:
        command = pinned(CLIENT_CPU, self.command(scenario, port, duration))
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 90, check=False)
        for line in done.stdout.splitlines():
            if line.startswith(RESULT_MARK):
                result: dict[str, Any] = json.loads(line[len(RESULT_MARK) :])
                return result
        raise RuntimeError(f"{scenario.name}: no result from {command[0]}:\n{done.stdout}\n{done.stderr}")


def drain(server: Server, limit: float = 45.0) -> float:
    """Wait (at most ``limit`` s) until the server answers GET /healthz (a pool connection and a worker
    thread free again): requests the warm-up left in flight when the load tool stopped would otherwise
    still occupy the server at the start of the measured run. Returns the seconds waited."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        try:
            if http(server.port, "GET", "/healthz", timeout=max(1.0, limit - (time.monotonic() - start)))[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    return time.monotonic() - start


def check(server: Server, scenario: Scenario, expect: int) -> None:
    """One request before loading, so a broken endpoint fails loudly instead of benchmarking errors."""
    body = scenario.bodies[0] if scenario.bodies else None
    status, content = http(server.port, scenario.method, scenario.path, body, scenario.headers)
    if status != expect:
        raise RuntimeError(f"{scenario.name}: expected HTTP {expect}, got {status}: {content[:300]!r}")


# --------------------------------------------------------------------------------------------- #
# report


def format_table(rows: list[Measured]) -> str:
    by_name = {r.name: r for r in rows}
    for row in rows:
        if row.baseline and row.baseline in by_name:
            row.ratio = row.rps / by_name[row.baseline].rps
    header = (
        f"{'scenario':<48} {'conns':>5} {'req/s':>9} {'ratio to baseline':<40} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6} {'srv CPU':>7} {'host busy':>9}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        ratio = "(baseline)" if row.server == "baseline" else "-"
        if row.ratio is not None:
            ratio = f"{row.ratio:.3g}× {row.baseline}"
        if row.requests == 0:
            ratio = "STALLED: no response in the run"
        busy = f"{row.host_busy:.2f}/{os.cpu_count()}"
        lines.append(
            f"{row.name:<48} {row.connections:>5} {row.rps:>9,.0f} {ratio:<40} {row.p50_ms:>8.2f} {row.p99_ms:>8.2f} "
            f"{row.errors:>6} {row.server_cpu:>7.0%} {busy:>9}"
        )
        if row.points_per_second is not None:
            lines.append(f"{'':<4}→ {row.points_per_second:,.0f} points/s")
        if row.non2xx:
            bad = ", ".join(f"HTTP {k} ×{v:,}" for k, v in sorted(row.statuses.items()) if not k.startswith("2"))
            lines.append(f"{'':<4}→ {row.non2xx:,} non-2xx responses{': ' + bad if bad else ''}")
    return "\n".join(lines)


@dataclass
class CaseVerdict:
    requests: int
    rps: float
    ok_rps: float
    baseline_rps: float
    ratio: float
    p99_ms: float
    non2xx: int
    errors: int
    ratio_pass: bool
    p99_pass: bool


def case_verdict(rows: list[Measured]) -> CaseVerdict | None:
    """The case-creation target: 2xx req/s ≥ 0.5× the baseline insert at the same connections, p99 ≤ 150 ms."""
    by_name = {r.name: r for r in rows}
    case = by_name.get(CASE_SCENARIO)
    if case is None or not case.baseline or case.baseline not in by_name:
        return None
    base = by_name[case.baseline].rps
    ok_rps = case.rps * (case.requests - case.non2xx) / case.requests if case.requests else 0.0
    ratio = ok_rps / base if base else 0.0
    return CaseVerdict(
        requests=case.requests,
        rps=case.rps,
        ok_rps=ok_rps,
        baseline_rps=base,
        ratio=ratio,
        p99_ms=case.p99_ms,
        non2xx=case.non2xx,
        errors=case.errors,
        ratio_pass=case.requests > 0 and ratio >= CASE_TARGET_RATIO,
        p99_pass=case.requests > 0 and case.p99_ms <= CASE_TARGET_P99_MS,
    )


def format_case_verdict(verdict: CaseVerdict | None) -> str:
    if verdict is None:
        return f"Target (case creation): not measured ({CASE_SCENARIO} or its baseline missing)"
    mark = {True: "PASS", False: "FAIL"}
    if verdict.requests == 0:
        return "\n".join(
            [
                f"Case creation, POST /api/v1/cases at {CASE_CONNECTIONS} connections: STALLED, no response in the "
                "run (requests still in flight when the load tool stopped are not counted as errors)",
                f"Target: ratio ≥ {CASE_TARGET_RATIO:g}× baseline POST: 0× → FAIL",
                f"Target: p99 ≤ {CASE_TARGET_P99_MS:g} ms: no response → FAIL",
            ]
        )
    return "\n".join(
        [
            f"Case creation, POST /api/v1/cases at {CASE_CONNECTIONS} connections (validate, locate, route, "
            "deadline, case + event + audit + notices in one transaction):",
            f"  {verdict.ok_rps:,.0f} 2xx req/s vs {verdict.baseline_rps:,.0f} req/s {BASELINE_POST_WIDE}; "
            f"{verdict.non2xx:,} non-2xx, {verdict.errors:,} errors in all",
            f"Target: ratio ≥ {CASE_TARGET_RATIO:g}× baseline POST: {verdict.ratio:.3g}× → {mark[verdict.ratio_pass]}",
            f"Target: p99 ≤ {CASE_TARGET_P99_MS:g} ms: {verdict.p99_ms:,.1f} ms → {mark[verdict.p99_pass]}",
        ]
    )


def format_inprocess(result: InProcess, http_pps: float | None) -> str:
    verdict = "PASS" if result.index_pps >= TARGET_POINTS_PER_SECOND else "FAIL"
    lines = [
        f"In-process batch point → grid lookup, {result.points:,} uniform in-county points, "
        f"{result.grids:,} grid polygons (best of 3):",
        f"  PointIndex.locate (grids only)        {result.index_pps:>12,.0f} points/s   "
        f"{result.ratio:.2f}× plain STRtree.query",
        f"  plain STRtree.query(intersects)       {result.strtree_pps:>12,.0f} points/s   (baseline; pairs only, "
        "no first-match, no paths)",
        f"  geo_service.locate_paths (all tiers)  {result.service_pps:>12,.0f} points/s   "
        f"(index cold build {result.service_cold_s * 1000:,.0f} ms)",
        f"  PointIndex build {result.index_build_s * 1000:,.0f} ms; agrees with STRtree first match on "
        f"{result.agree:.2%} of points; {result.outside} unlocated",
    ]
    if http_pps is not None:
        http_verdict = "meets" if http_pps >= TARGET_POINTS_PER_SECOND else "below"
        lines.append(
            f"  HTTP POST /api/v1/geo/locate/batch     {http_pps:>12,.0f} points/s   "
            f"({BATCH_SIZE:,} points/request; {http_verdict} the target)"
        )
    lines.append(
        f"Target: batch lookup ≥ {TARGET_POINTS_PER_SECOND:,} points/s on the demo county's grids "
        f"(PointIndex.locate): {verdict}"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------- #
# main


def scenarios(
    token: str, lons: Floats, lats: Floats, connections: int, probe_connections: int, case_connections: int
) -> tuple[list[Scenario], list[Scenario]]:
    json_type = {"Content-Type": "application/json"}
    bearer = {"Authorization": f"Bearer {token}"}
    items = [json.dumps({"name": f"item-{i}", "value": i / 10}) for i in range(100)]
    baseline = [
        Scenario(BASELINE_POST, "POST", "/items", json_type, items, connections, expect=201),
        Scenario("baseline GET /items/1 (1 row)", "GET", "/items/1", connections=connections),
    ]
    if case_connections:
        # the same insert at the connection count of the case-creation row it is compared with
        baseline.append(Scenario(BASELINE_POST_WIDE, "POST", "/items", json_type, items, case_connections, expect=201))
    single = [
        json.dumps({"lon": round(float(x), 6), "lat": round(float(y), 6)})
        for x, y in zip(lons[:LOCATE_BODIES], lats[:LOCATE_BODIES], strict=True)
    ]
    batches = []
    for n in range(BATCH_BODIES):
        part = slice(n * BATCH_SIZE, (n + 1) * BATCH_SIZE)
        pairs = [[round(float(x), 6), round(float(y), 6)] for x, y in zip(lons[part], lats[part], strict=True)]
        batches.append(json.dumps({"points": pairs}, separators=(",", ":")))
    gridgov = [
        Scenario(
            "gridgov POST /geo/locate (1 point)",
            "POST",
            "/api/v1/geo/locate",
            {**json_type, **bearer},
            single,
            connections,
            BASELINE_POST,
        ),
        Scenario(
            f"gridgov GET /org/nodes?parent={COUNTY_CODE}",
            "GET",
            f"/api/v1/org/nodes?parent={COUNTY_CODE}",
            bearer,
            connections=connections,
            baseline="baseline GET /items/1 (1 row)",
        ),
        Scenario(
            "gridgov GET /healthz", "GET", "/healthz", connections=connections, baseline="baseline GET /items/1 (1 row)"
        ),
        Scenario(
            f"gridgov POST /geo/locate/batch ({BATCH_SIZE // 1000}k points)",
            "POST",
            "/api/v1/geo/locate/batch",
            {**json_type, **bearer},
            batches,
            2,
            points_per_request=BATCH_SIZE,
        ),
    ]
    if case_connections:
        # Writes (thousands of cases, their events, audit rows and inbox notices), so after the reads.
        # Points from the far end of the sample, not the ones the locate rows use.
        cases = [
            json.dumps(
                {"category": CASE_CATEGORY, "description": CASE_DESCRIPTION, "lon": round(x, 6), "lat": round(y, 6)},
                ensure_ascii=False,
            )
            for x, y in zip(lons[-CASE_BODIES:].tolist(), lats[-CASE_BODIES:].tolist(), strict=True)
        ]
        gridgov.append(
            Scenario(
                CASE_SCENARIO,
                "POST",
                "/api/v1/cases",
                {**json_type, **bearer},
                cases,
                case_connections,
                BASELINE_POST_WIDE,
                expect=201,
            )
        )
    if probe_connections:
        # Last, without warm-up: more concurrent authenticated requests than the connection pool holds
        # (5 + 10 overflow). The principal is resolved in an async dependency, so a pool checkout that
        # has to wait blocks the event loop, and with it the requests that would return connections.
        gridgov.append(
            Scenario(
                f"gridgov GET /org/nodes (pool probe, {probe_connections} conns)",
                "GET",
                f"/api/v1/org/nodes?parent={COUNTY_CODE}",
                bearer,
                connections=probe_connections,
                baseline="baseline GET /items/1 (1 row)",
                warmup=False,
                timeout=5.0,
            )
        )
    return baseline, gridgov


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="Seconds of load per scenario")
    parser.add_argument("--warmup", type=float, default=2.0, help="Seconds of discarded load before each")
    parser.add_argument(
        "--connections",
        type=int,
        default=8,
        help="Concurrent keep-alive connections (below SQLAlchemy's default pool of 5+10; see --probe-connections)",
    )
    parser.add_argument(
        "--probe-connections",
        type=int,
        default=32,
        help="Connections of the last, pool-exhaustion probe on /org/nodes (0 = skip it)",
    )
    parser.add_argument(
        "--case-connections",
        type=int,
        default=CASE_CONNECTIONS,
        help="Connections of the case-creation row and of the baseline POST it is compared with (0 = skip both)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=20.0,
        help="Before each scenario wait up to this many seconds for other load on the host to drop (0 = don't)",
    )
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--only", default="", help="Run only the gridgov scenarios whose name contains this")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "out")
    args = parser.parse_args()
    tool = ("wrk" if shutil.which("wrk") else "python") if args.tool == "auto" else args.tool
    if tool == "wrk" and not shutil.which("wrk"):
        parser.error("wrk not found")
    args.out.mkdir(parents=True, exist_ok=True)

    info = machine_info()
    print(f"machine: {info['nproc']} CPUs, {info['cpu']}, {info['ram']} RAM; {info['os']}")
    print(f"python {info['python']}, sqlite {info['sqlite']}; {info['packages']}")
    pin = "server on CPU 1, load on CPU 0" if shutil.which("taskset") else "no taskset: unpinned"
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"load tool: {tool}; {args.connections} connections; {args.duration:g} s per scenario; {pin}")

    with tempfile.TemporaryDirectory(prefix="gridgov-bench-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        url = build_demo(workdir)
        os.environ["GRIDGOV_DATABASE_URL"] = url  # for get_settings() in make_token
        token = make_token(url)
        grids = load_grids(url)
        lons, lats = sample_points(grids, INPROCESS_POINTS, np.random.default_rng(SEED))
        print(f"demo county built and {len(lons):,} points sampled in {time.perf_counter() - started:.1f} s")

        if args.quiet_wait > 0:
            wait_quiet(args.quiet_wait)
        inprocess = bench_inprocess(url, grids, lons, lats)
        baseline, gridgov = scenarios(
            token, lons, lats, args.connections, args.probe_connections, args.case_connections
        )
        gridgov = [s for s in gridgov if args.only in s.name]
        load = Load(tool, workdir, args.quiet_wait)
        rows: list[Measured] = []

        env = {**os.environ, "BENCH_DB": str(workdir / "baseline.db")}
        with serve("baseline", "baseline_app:app", env, workdir, args.out, ["--app-dir", str(BENCH_DIR)]) as server:
            for scenario in baseline:
                check(server, scenario, scenario.expect)
            for scenario in baseline:
                rows.append(load.run(scenario, server, args.duration, args.warmup))
                print(f"  {rows[-1].name}: {rows[-1].rps:,.0f} req/s", flush=True)

        env = {**os.environ, "GRIDGOV_DATABASE_URL": url, "GRIDGOV_DATA_DIR": str(workdir / "var")}
        env["GRIDGOV_LOG_LEVEL"] = "WARNING"
        env["GRIDGOV_MQTT_EMBEDDED_BIND"] = f"{HOST}:{free_port()}"  # 1883 may be another program's
        with serve("gridgov", "gridgov.asgi:app", env, workdir, args.out) as server:
            for scenario in gridgov:
                check(server, scenario, scenario.expect)
                row = load.run(scenario, server, args.duration, args.warmup)
                if scenario.points_per_request:
                    row.points_per_second = row.rps * scenario.points_per_request
                rows.append(row)
                print(f"  {row.name}: {row.rps:,.0f} req/s", flush=True)

    http_pps = next((r.points_per_second for r in rows if r.points_per_second is not None), None)
    table = format_table(rows)
    summary = format_inprocess(inprocess, http_pps)
    verdict = case_verdict(rows)
    if args.case_connections:
        summary += "\n\n" + format_case_verdict(verdict)
    print()
    print(table)
    print()
    print(summary)
    (args.out / "table.txt").write_text(f"{table}\n\n{summary}\n", "utf-8")
    (args.out / "results.json").write_text(
        json.dumps(
            {
                "machine": info,
                "tool": tool,
                "duration_s": args.duration,
                "http": [asdict(r) for r in rows],
                "inprocess": {**asdict(inprocess), "ratio_to_strtree": inprocess.ratio},
                "target_points_per_second": TARGET_POINTS_PER_SECOND,
                "pass": inprocess.index_pps >= TARGET_POINTS_PER_SECOND,
                "case_creation": asdict(verdict) if verdict else None,
                "case_targets": {"ratio_to_baseline_post": CASE_TARGET_RATIO, "p99_ms": CASE_TARGET_P99_MS},
            },
            indent=2,
        ),
        "utf-8",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
