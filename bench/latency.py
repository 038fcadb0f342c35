"""Reading-to-notification-queued latency of geo-hazard warnings at 20,000 gauges reporting every minute.

    .venv/bin/python bench/latency.py [--gauges 20000] [--minutes 4] [--subset 400] [--broker auto]
                                      [--warning-seconds 1.0] [--profile]

A synthetic network in a fresh SQLite file: N rain gauges (one rainfall datastream each, reporting every minute)
and N risk zones (level 3, one gauge each, one responsible grid member each). A publisher process sends every
gauge's reading once a minute over MQTT (QoS 1; gauge g at second 60·g/N of each minute: N/60 messages a
second), phenomenon time = the second it is sent. A subset of gauges rains: 29 mm in minute 1 (below every
threshold of a level-3 zone: 1 h yellow is 30 mm), then 2 mm in minute 2 (half of them) or minute 3 (the other
half) — that reading crosses the 1 h yellow threshold. Everything else reads 0.0.

The platform side runs as the app does: the embedded broker or Mosquitto, the MQTT consumer (persistent
session, manual ack after commit) feeding the batching observation writer, and the warning evaluator every
``warning_seconds`` and woken by the writer after each commit of new readings (the app's ``Periodic``, at most
every ``WAKE_FLOOR``; every zone once a minute, a slice with each step), which answers each
warning through ``WarningResponse`` (alert, recipients, deliveries).

**Latency of a crossing reading** = the ``created_at`` of the first delivery row of its zone's alert (written in
the evaluator's transaction, committed a few ms later) − the wall-clock time the publisher called ``publish``.
It splits into ingest (publish → the observation's ``received_at``, stamped in the writer's transaction) and
evaluation (→ the delivery row).

**Baseline (same run, same publisher schedule, same broker)**: a raw paho subscriber that inserts every reading
into a plain SQLite table (WAL, UNIQUE (stream, time)) and commits per message; its latency is publish → commit.

The server is pinned to CPU 1 and the publisher to CPU 0 when ``taskset`` exists; the two cores are shared with
other work, so figures are upper bounds of what the code costs.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parent.parent / "src"
sys.path.insert(0, str(SRC))

import paho.mqtt.client as mqtt  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402

PREFIX = f"gridgov-latency-{os.getpid()}"
"""A topic prefix of this run only: a shared Mosquitto may carry other runs' ``gridgov/…`` topics."""
COUNTY = "330111"
PRE_RAIN, CROSSING = 29.0, 2.0
TARGET_P99 = 1.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def machine() -> str:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} CPU ({cpu}), {platform.platform()}, Python {platform.python_version()}"


def mosquitto_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=0.5):
            return True
    except OSError:
        return False


def code(g: int) -> str:
    return f"RG{g:05d}"


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# the network ---------------------------------------------------------------------------------------
def prepare(url: str, gauges: int) -> None:
    from sqlalchemy import insert

    from gridgov.db import Database
    from gridgov.migrate import upgrade
    from gridgov.org.models import OrgNode, Person
    from gridgov.sensing.models import Datastream, Station
    from gridgov.warning.models import RiskZone, ZoneGauge, ZonePerson

    database = Database.from_url(url)
    upgrade(database.engine)
    now = datetime.now(UTC)
    with database.session() as session:
        session.add(OrgNode(code=COUNTY, name="富阳区", kind="county", path=f"{COUNTY}/"))
        person = Person(name="网格员", phone="10000000001")
        session.add(person)
        session.flush()
        stamp = {"created_at": now, "updated_at": now}
        lon = [119.5 + 0.6 * (g % 200) / 200 for g in range(gauges)]
        lat = [29.8 + 0.4 * (g // 200) / max(1, gauges // 200) for g in range(gauges)]
        session.execute(
            insert(Station),
            [
                {"code": code(g), "kind": "rain_gauge", "name": f"雨量站{g}", "lon": lon[g], "lat": lat[g],
                 "path": f"{COUNTY}/", "interval_seconds": 60, "active": True, **stamp}
                for g in range(gauges)
            ],
        )  # fmt: skip
        session.execute(
            insert(Datastream).from_select(
                ["station_id", "property", "unit", "created_at", "updated_at"],
                _select_streams(now),
            )
        )
        point = '{{"type": "Point", "coordinates": [{0}, {1}]}}'
        session.execute(
            insert(RiskZone),
            [
                {"code": f"FX{g:05d}", "name": f"防范区{g}", "geometry": point.format(lon[g], lat[g]), "lon": lon[g],
                 "lat": lat[g], "township_code": "330111001", "village_code": None, "path": f"{COUNTY}/",
                 "importance": "general", "management_level": 3, "households": 0, "people": 0, "active": True,
                 "synthetic": True, **stamp}
                for g in range(gauges)
            ],
        )  # fmt: skip
        session.execute(
            insert(ZoneGauge),
            [{"zone_id": g + 1, "station_code": code(g), "distance_m": 50.0, "rank": 1} for g in range(gauges)],
        )
        session.execute(
            insert(ZonePerson), [{"zone_id": g + 1, "person_id": person.id, "level": "grid"} for g in range(gauges)]
        )
    database.engine.dispose()


def _select_streams(now: datetime) -> Any:
    from sqlalchemy import literal, select

    from gridgov.sensing.models import Station

    return select(Station.id, literal("rainfall"), literal("mm"), literal(now), literal(now))


# the publisher (a separate process) -----------------------------------------------------------------
def schedule(gauges: int, minutes: int, subset: int) -> list[tuple[float, int, float]]:
    """(seconds after the start, gauge, mm), in time order."""
    rain = set(range(0, gauges, max(1, gauges // subset)))
    order = sorted(rain)
    second_half = set(order[len(order) // 2 :])
    out = []
    for minute in range(minutes):
        for g in range(gauges):
            mm = 0.0
            if g in rain:
                if minute == 1:
                    mm = PRE_RAIN
                elif (minute == 2 and g not in second_half) or (minute == 3 and g in second_half):
                    mm = CROSSING
            out.append((minute * 60 + 60 * g / gauges, g, mm))
    return out


def publish(port: int, gauges: int, minutes: int, subset: int, start: float, out: Path, prefix: str) -> None:
    plan = schedule(gauges, minutes, subset)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-publisher-{os.getpid()}")
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", port)
    client.loop_start()
    sent: dict[str, float] = {}
    infos = []
    late = 0.0
    while time.time() < start:
        time.sleep(min(0.05, start - time.time()))
    for offset, g, mm in plan:
        due = start + offset
        wait = due - time.time()
        if wait > 0:
            time.sleep(wait)
        else:
            late = max(late, -wait)
        now = time.time()
        body = {"time": datetime.fromtimestamp(int(now), UTC).isoformat(), "value": mm, "unit": "mm"}
        if mm == CROSSING:
            sent[code(g)] = now
        infos.append(client.publish(f"{prefix}/{COUNTY}/stations/{code(g)}/rainfall", json.dumps(body), qos=1))
    for info in infos:
        info.wait_for_publish(60)
    client.disconnect()
    client.loop_stop()
    out.write_text(json.dumps({"crossing": sent, "messages": len(infos), "max_late_s": late}))


def run_publisher(port: int, args: argparse.Namespace, start: float, out: Path) -> subprocess.Popen[bytes]:
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    command = [*pin, sys.executable, __file__, "--publish", "--port", str(port), "--gauges", str(args.gauges)]
    command += ["--minutes", str(args.minutes), "--subset", str(args.subset), "--start", str(start), "--out", str(out)]
    command += ["--prefix", PREFIX]
    return subprocess.Popen(command)


# brokers ----------------------------------------------------------------------------------------------
class Broker:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.embedded: Any = None
        self.port = 1883

    def __enter__(self) -> Broker:
        if self.kind == "embedded":
            from gridgov.sensing.broker import EmbeddedBroker

            self.port = free_port()
            self.embedded = EmbeddedBroker("127.0.0.1", self.port)
            self.embedded.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.embedded is not None:
            self.embedded.stop()


# baseline: a raw subscriber that inserts and commits each reading ------------------------------------
def baseline(args: argparse.Namespace, directory: Path, kind: str) -> dict[str, Any]:
    path = directory / "raw.db"
    committed: dict[str, float] = {}
    lock = threading.Lock()
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE obs (id INTEGER PRIMARY KEY, station TEXT NOT NULL, phenomenon_time TEXT NOT NULL,"
        " value REAL NOT NULL, received_at TEXT NOT NULL, UNIQUE (station, phenomenon_time))"
    )
    received = 0

    def on_message(_client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        nonlocal received
        body = json.loads(message.payload)
        station = message.topic.split("/")[3]
        with lock:
            connection.execute(
                "INSERT OR IGNORE INTO obs (station, phenomenon_time, value, received_at) VALUES (?, ?, ?, ?)",
                (station, body["time"], body["value"], datetime.now(UTC).isoformat()),
            )
            received += 1
            if body["value"] == CROSSING:
                committed[station] = time.time()

    with Broker(kind) as broker:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-raw-{os.getpid()}")
        client.on_message = on_message
        subscribed = threading.Event()
        client.on_subscribe = lambda *_a: subscribed.set()
        client.connect("127.0.0.1", broker.port)
        client.subscribe(f"{PREFIX}/+/stations/+/+", qos=1)
        client.loop_start()
        subscribed.wait(10)
        out = directory / "raw-published.json"
        start = time.time() + 2
        publisher = run_publisher(broker.port, args, start, out)
        publisher.wait()
        deadline = time.time() + 30
        while received < args.gauges * args.minutes and time.time() < deadline:
            time.sleep(0.2)
        client.disconnect()
        client.loop_stop()
    connection.close()
    sent = json.loads(out.read_text())
    latencies = [committed[s] - t for s, t in sent["crossing"].items() if s in committed]
    return {"latencies": latencies, "received": received, "published": sent["messages"], "late": sent["max_late_s"]}


# the platform ---------------------------------------------------------------------------------------
def platform_run(args: argparse.Namespace, directory: Path, kind: str) -> dict[str, Any]:
    from sqlalchemy import func, select

    from gridgov.config import Settings
    from gridgov.db import Database
    from gridgov.kit.periodic import Periodic
    from gridgov.kit.time import utcnow
    from gridgov.notify.models import Alert, AlertRecipient, Delivery
    from gridgov.sensing.models import Datastream, Observation, Station
    from gridgov.sensing.mqtt import BrokerAddress, MqttConsumer
    from gridgov.sensing.runtime import observation_writer
    from gridgov.sensing.service import Ingestor
    from gridgov.warning.models import RiskZone, WarningRecord
    from gridgov.warning.tasks import WAKE_FLOOR, WarningEvaluator

    url = f"sqlite:///{directory / 'gridgov.db'}"
    t0 = time.perf_counter()
    prepare(url, args.gauges)
    built = time.perf_counter() - t0
    settings = Settings(
        environment="test", database_url=url, data_dir=directory, warning_seconds=args.warning_seconds,
        sweep_seconds=0, notify_seconds=0,
    )  # fmt: skip
    database = Database.from_url(url)
    evaluator = WarningEvaluator(database, settings, utcnow)
    evaluator.step()
    steps: list[tuple[float, float, int, int]] = []  # (started, seconds, zones assessed, changes)
    profiler = cProfile.Profile() if args.profile else None

    def job() -> int:
        began = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        try:
            changes = evaluator.step()
        finally:
            if profiler is not None:
                profiler.disable()
        steps.append((time.time(), time.perf_counter() - began, evaluator.assessed, len(changes)))
        return len(changes)

    periodic = Periodic("warning", args.warning_seconds, job, floor=WAKE_FLOOR)
    writer = observation_writer(database, Ingestor(utcnow), periodic.wake)  # wired as in the app (main.py)
    with Broker(kind) as broker:
        consumer = MqttConsumer(
            BrokerAddress("127.0.0.1", broker.port), writer, prefix=PREFIX, client_id=f"bench-consumer-{os.getpid()}",
            shared_group="gridgov",
        )  # fmt: skip
        consumer.start()
        consumer.subscribed.wait(10)
        periodic.start()
        out = directory / "published.json"
        start = time.time() + 2
        publisher = run_publisher(broker.port, args, start, out)
        publisher.wait()
        deadline = time.time() + 30
        expected = args.gauges * args.minutes
        while consumer.acked < expected and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(args.warning_seconds * 2 + 1)
        periodic.stop()
        consumer.pause()
        writer.stop()
        consumer.stop()
    sent = json.loads(out.read_text())
    crossing: dict[str, float] = sent["crossing"]
    with database.session() as session:
        zone_warning = {
            f"warning:{warning_id}": zone
            for zone, warning_id in session.execute(
                select(RiskZone.code, WarningRecord.id).join(WarningRecord, WarningRecord.zone_id == RiskZone.id)
            )
        }
        first_delivery = {
            zone_warning[subject]: created
            for subject, created in session.execute(
                select(Alert.subject, func.min(Delivery.created_at))
                .join(AlertRecipient, AlertRecipient.alert_id == Alert.id)
                .join(Delivery, Delivery.recipient_id == AlertRecipient.id)
                .group_by(Alert.subject)
            )
            if subject in zone_warning
        }
        stored = dict(
            session.execute(
                select(Station.code, func.max(Observation.received_at))
                .join(Datastream, Datastream.station_id == Station.id)
                .join(Observation, Observation.datastream_id == Datastream.id)
                .where(Observation.value == CROSSING)
                .group_by(Station.code)
            ).all()
        )
        warnings = session.scalar(select(func.count()).select_from(WarningRecord)) or 0
        observations = session.scalar(select(func.count()).select_from(Observation)) or 0
    database.engine.dispose()
    pieces = breakdown(url, args.gauges) if args.breakdown else {}
    total, ingest, evaluation, missing = [], [], [], []
    for station, published in crossing.items():
        zone = "FX" + station.removeprefix("RG")
        delivered, received = first_delivery.get(zone), stored.get(station)
        if delivered is None or received is None:
            missing.append(station)
            continue
        total.append(_epoch(delivered) - published)
        ingest.append(_epoch(received) - published)
        evaluation.append(_epoch(delivered) - _epoch(received))
    report = io.StringIO()
    if profiler is not None:
        pstats.Stats(profiler, stream=report).sort_stats("cumulative").print_stats(25)
    return {
        "latencies": total,
        "ingest": ingest,
        "evaluation": evaluation,
        "missing": missing,
        "warnings": warnings,
        "observations": observations,
        "published": sent["messages"],
        "late": sent["max_late_s"],
        "steps": steps,
        "built": built,
        "profile": report.getvalue(),
        "pieces": pieces,
    }


def breakdown(url: str, gauges: int) -> dict[str, float]:
    """The evaluator's pieces timed alone on the run's database (no ingest running): best of 3, seconds."""
    from sqlalchemy import select

    from gridgov.db import Database
    from gridgov.kit.time import utcnow
    from gridgov.warning.models import RiskZone
    from gridgov.warning.service import WarningService
    from gridgov.warning.thresholds import gauge_matrix

    database = Database.from_url(url)
    out: dict[str, float] = {}

    def best(name: str, fn: Any) -> None:
        times = []
        for _ in range(3):
            began = time.perf_counter()
            fn()
            times.append(time.perf_counter() - began)
        out[name] = min(times)

    with database.session() as session:
        service = WarningService(session)
        now = utcnow()
        began = time.perf_counter()
        book = service.rain_book_from_observations(now)
        out["rebuild rolling totals from the table (new leader)"] = time.perf_counter() - began
        ids = list(session.scalars(select(RiskZone.id).order_by(RiskZone.id)))
        touched = ids[:: max(1, gauges // 333)][:333]
        best("repo.zone_keys(333 ids)", lambda: service.repo.zone_keys(touched))
        best("repo.gauge_slots(333 ids)", lambda: service.repo.gauge_slots(touched))
        best(f"repo.zone_keys() all {len(ids):,}", lambda: service.repo.zone_keys())
        best(f"repo.gauge_slots({len(ids):,} ids) (reads the table)", lambda: service.repo.gauge_slots(ids))
        codes = sorted(book.gauges)
        best(
            f"gauge_matrix over {len(codes):,} gauges",
            lambda: gauge_matrix([book.gauges[c] for c in codes], service.thresholds.measures, utcnow(), 30),
        )
        best(
            "WarningService.assess(333 zones), nothing changes",
            lambda: service.assess(book, utcnow(), zone_ids=touched),
        )
        best(
            f"WarningService.assess(all {len(ids):,} zones), nothing changes",
            lambda: service.assess(book, utcnow()),
        )
        session.rollback()
    database.engine.dispose()
    return out


def _epoch(t: datetime) -> float:
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp()


def fmt(values: list[float]) -> str:
    if not values:
        return "n/a"
    p50, p99 = quantile(values, 0.5) * 1000, quantile(values, 0.99) * 1000
    return f"p50 {p50:7.0f} ms   p99 {p99:7.0f} ms   max {max(values) * 1000:7.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gauges", type=int, default=20_000)
    parser.add_argument("--minutes", type=int, default=4)
    parser.add_argument("--subset", type=int, default=400)
    parser.add_argument("--broker", choices=["auto", "embedded", "mosquitto"], default="auto")
    parser.add_argument("--warning-seconds", type=float, default=1.0)
    parser.add_argument("--profile", action="store_true", help="cProfile the evaluator's steps")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--breakdown", action="store_true", help="time the evaluator's pieces alone afterwards")
    parser.add_argument("--publish", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--start", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--prefix", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publish:
        publish(args.port, args.gauges, args.minutes, args.subset, args.start, args.out, args.prefix)
        return
    if args.minutes < 4:
        parser.error("--minutes must be at least 4 (warm-up, rain, two minutes of crossings)")
    if shutil.which("taskset"):
        os.sched_setaffinity(0, {1})
    kind = "mosquitto" if args.broker == "mosquitto" or (args.broker == "auto" and mosquitto_up()) else "embedded"
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {machine()}")
    print(
        f"{args.gauges:,} gauges × {args.minutes} min at 1 reading/min ({args.gauges / 60:,.0f} msg/s), "
        f"{args.subset} crossing, broker {kind}, warning_seconds {args.warning_seconds}"
    )
    with tempfile.TemporaryDirectory(prefix="gridgov-latency-") as tmp:
        directory = Path(tmp)
        raw = None if args.skip_baseline else baseline(args, directory, kind)
        run = platform_run(args, directory, kind)
    if raw is not None:
        print(
            f"baseline raw subscriber (insert + commit per message): {fmt(raw['latencies'])}   "
            f"({raw['received']:,}/{raw['published']:,} received, publisher max lag {raw['late'] * 1000:.0f} ms)"
        )
    print(f"network built in {run['built']:.1f} s; {run['observations']:,} readings stored of {run['published']:,}")
    print(f"gridgov reading → first delivery row: {fmt(run['latencies'])}   (n={len(run['latencies'])})")
    print(f"  publish → stored (ingest):           {fmt(run['ingest'])}")
    print(f"  stored → delivery (evaluation):      {fmt(run['evaluation'])}")
    took = [s[1] for s in run["steps"]]
    zones = [float(s[2]) for s in run["steps"]]
    acting = [s[1] for s in run["steps"] if s[3]]
    print(
        f"evaluator steps: {len(took)} {fmt(took)}; zones assessed per step p50 {quantile(zones, 0.5):.0f} "
        f"max {max(zones, default=0):.0f}; {len(acting)} steps with changes {fmt(acting)}"
    )
    print(f"{run['warnings']} warnings; missing {len(run['missing'])}; publisher max lag {run['late'] * 1000:.0f} ms")
    if raw is not None and raw["latencies"] and run["latencies"]:
        ratio = quantile(run["latencies"], 0.99) / quantile(raw["latencies"], 0.99)
        print(f"ratio p99 gridgov / baseline: {ratio:.1f}×")
    p99 = quantile(run["latencies"], 0.99)
    verdict = "PASS" if run["latencies"] and not run["missing"] and p99 <= TARGET_P99 else "FAIL"
    print(f"Target: p99 ≤ {TARGET_P99:.0f} s: {p99:.3f} s → {verdict}")
    for name, seconds in run["pieces"].items():
        print(f"  alone: {name:<62} {seconds * 1000:8.1f} ms")
    if run["profile"]:
        print(run["profile"])


if __name__ == "__main__":
    main()
