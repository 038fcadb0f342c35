"""Sensing ingest benchmarks, each as a ratio to a baseline measured in the same run.

    .venv/bin/python bench/sensing.py [--duration 8] [--messages 30000]

1. HTTP batch ingest: ``POST /api/v1/sensing/observations`` (1,000 readings per request, gateway token,
   4 connections) against one uvicorn worker on a fresh SQLite file, vs raw ``sqlite3`` ``executemany`` of the
   same rows into a table of the same shape (UNIQUE (datastream, time), WAL, synchronous=NORMAL, one
   transaction per 1,000 rows).
2. MQTT ingest: the platform's consumer (QoS 1, persistent session, parse → check → upsert → commit → ack)
   vs a raw paho subscriber that only counts (QoS 1, paho's automatic ack), the same N one-reading messages
   from a publisher process, on Mosquitto (127.0.0.1:1883) when it runs and on the embedded broker.
   Target: ≥ 0.6× the raw receive rate.

The server (or the consumer) is pinned to CPU 1 and the load (publisher, HTTP client) to CPU 0 when
``taskset`` exists; the machine's two cores are shared with other work, so figures are lower bounds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
sys.path.insert(0, str(SRC))

import paho.mqtt.client as mqtt  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402

STATIONS = 100
PER_BODY = 1_000
BASE = datetime(2026, 1, 1, tzinfo=UTC)
TARGET_MQTT = 0.6


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pin(cpu: str) -> list[str]:
    return ["taskset", "-c", cpu] if shutil.which("taskset") else []


def machine() -> str:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} CPU ({cpu}), Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"


# set-up ----------------------------------------------------------------------------------------
def prepare(url: str) -> str:
    """Migrate, add a county node, STATIONS gauges with a rainfall datastream, and a gateway token."""
    from gridgov.auth.models import Account
    from gridgov.auth.schemas import TokenCreate
    from gridgov.auth.security import hash_password
    from gridgov.auth.service import AuthService
    from gridgov.config import Settings
    from gridgov.db import Database
    from gridgov.migrate import upgrade
    from gridgov.org.models import OrgNode, Person, RoleAssignment
    from gridgov.sensing.models import Datastream, Station

    database = Database.from_url(url)
    upgrade(database.engine)
    with database.session() as session:
        county = OrgNode(code="330111", name="富阳区", kind="county", path="330111/")
        session.add(county)
        session.flush()
        person = Person(name="网关", phone="13800000000", roles=[RoleAssignment(role="api_client", node_id=county.id)])
        session.add(person)
        session.flush()
        account = Account(person_id=person.id, username="gateway", password_hash=hash_password("bench-password"))
        session.add(account)
        for i in range(STATIONS):
            station = Station(
                code=f"RG{i:04d}", kind="rain_gauge", name=f"雨量站{i}", lon=120.0, lat=30.0, path="330111/",
                interval_seconds=60, active=True,
            )  # fmt: skip
            session.add(station)
            session.flush()
            session.add(Datastream(station_id=station.id, property="rainfall", unit="mm"))
        session.flush()
        token = AuthService(session, Settings(environment="test")).create_token(account.id, TokenCreate(name="bench"))
    database.engine.dispose()
    return token.token


def bodies(count: int) -> list[bytes]:
    """Request bodies of PER_BODY readings each, every (station, time) distinct across all of them."""
    out = []
    for j in range(count):
        items = [
            {
                "station": f"RG{s:04d}",
                "property": "rainfall",
                "time": (BASE + timedelta(minutes=j * (PER_BODY // STATIONS) + m)).isoformat(),
                "value": round((j + s + m) % 50 / 10, 1),
                "unit": "mm",
            }
            for m in range(PER_BODY // STATIONS)
            for s in range(STATIONS)
        ]
        out.append(json.dumps({"observations": items}).encode())
    return out


# 1. HTTP ----------------------------------------------------------------------------------------
def raw_executemany(directory: Path, payloads: list[bytes]) -> float:
    path = directory / "raw.db"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE obs (id INTEGER PRIMARY KEY, datastream_id INTEGER NOT NULL, phenomenon_time TEXT NOT NULL,"
        " value REAL NOT NULL, received_at TEXT NOT NULL, repeats INTEGER NOT NULL,"
        " UNIQUE (datastream_id, phenomenon_time))"
    )
    connection.execute("CREATE INDEX obs_time ON obs (phenomenon_time)")
    batches = []
    for body in payloads:
        items = json.loads(body)["observations"]
        batches.append([(int(i["station"][2:]) + 1, i["time"], i["value"], "2026-01-01 00:00:00", 0) for i in items])
    rows = 0
    started = time.perf_counter()
    for batch in batches:
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO obs (datastream_id, phenomenon_time, value, received_at, repeats) VALUES (?,?,?,?,?)", batch
        )
        connection.execute("COMMIT")
        rows += len(batch)
    elapsed = time.perf_counter() - started
    connection.close()
    return rows / elapsed


def http_ingest(
    directory: Path, payloads: list[bytes], duration: float, connections: int = 4
) -> tuple[float, dict[str, int]]:
    url = f"sqlite:///{directory / 'gridgov.db'}"
    token = prepare(url)
    port = free_port()
    env = {
        **os.environ,
        "GRIDGOV_DATABASE_URL": url,
        "GRIDGOV_MQTT_INGEST": "false",
        "GRIDGOV_SWEEP_SECONDS": "0",
        "GRIDGOV_NOTIFY_SECONDS": "0",
        "GRIDGOV_SENSING_CHECK_SECONDS": "0",
        "GRIDGOV_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(SRC),
    }
    server = subprocess.Popen(
        [*pin("1"), sys.executable, "-m", "uvicorn", "gridgov.asgi:app", "--port", str(port),
         "--no-access-log", "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.2)
        totals = {"accepted": 0, "duplicate": 0, "dead_lettered": 0, "requests": 0, "errors": 0}
        lock = threading.Lock()
        queue = list(reversed(payloads))
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        stop_at = time.monotonic() + duration

        def client() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            while time.monotonic() < stop_at:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                connection.request("POST", "/api/v1/sensing/observations", body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                with lock:
                    totals["requests"] += 1
                    if response.status == 202:
                        counts = json.loads(data)
                        for key in ("accepted", "duplicate", "dead_lettered"):
                            totals[key] += counts[key]
                    else:
                        totals["errors"] += 1

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        return totals["accepted"] / elapsed, totals
    finally:
        server.terminate()
        server.wait(15)


# 2. MQTT ----------------------------------------------------------------------------------------
PUBLISHER = r"""
import json, sys, time
from datetime import UTC, datetime, timedelta
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
host, port, topic, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
base = datetime(2026, 1, 1, tzinfo=UTC)
client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-pub-" + topic.split("/")[0])
client.max_inflight_messages_set(200)
client.max_queued_messages_set(0)
client.connect(host, port)
client.loop_start()
infos = []
for i in range(count):
    payload = json.dumps({"time": (base + timedelta(seconds=i)).isoformat(), "value": (i % 50) / 10, "unit": "mm"})
    infos.append(client.publish(topic, payload, qos=1))
for info in infos:
    info.wait_for_publish(60)
client.loop_stop()
client.disconnect()
"""


def publish(host: str, port: int, topic: str, count: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*pin("0"), sys.executable, "-c", PUBLISHER, host, str(port), topic, str(count)])


def raw_subscriber(host: str, port: int, count: int) -> float:
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    times: list[float] = []
    done, subscribed = threading.Event(), threading.Event()

    def on_message(_c: mqtt.Client, _u: object, _m: mqtt.MQTTMessage) -> None:
        times.append(time.perf_counter())
        if len(times) >= count:
            done.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"raw-{prefix}")
    client.on_message = on_message
    client.on_subscribe = lambda *_a: subscribed.set()
    client.connect(host, port)
    client.subscribe(f"{prefix}/+/stations/+/+", qos=1)
    client.loop_start()
    subscribed.wait(10)
    publisher = publish(host, port, f"{prefix}/330111/stations/RG0001/rainfall", count)
    last = -1
    while not done.wait(3) and len(times) != last:
        last = len(times)
    publisher.wait(60)
    if len(times) < count:
        print(f"  (raw subscriber received {len(times):,} of {count:,})")
    client.loop_stop()
    client.disconnect()
    return (len(times) - 1) / (times[-1] - times[0])


def consumer_rate(host: str, port: int, count: int, directory: Path) -> tuple[float, int, int]:
    from gridgov.db import Database
    from gridgov.sensing.mqtt import BrokerAddress, MqttConsumer
    from gridgov.sensing.runtime import observation_writer
    from gridgov.sensing.service import Ingestor

    url = f"sqlite:///{directory / f'mqtt-{uuid.uuid4().hex[:6]}.db'}"
    prepare(url)
    database = Database.from_url(url)
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    writer = observation_writer(database, Ingestor())
    consumer = MqttConsumer(
        BrokerAddress(host, port), writer, prefix=prefix, client_id=f"gridgov-bench-{prefix}", shared_group=""
    )
    stamps: list[float] = []
    original = consumer._on_message

    def timed(client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        if not stamps:
            stamps.append(time.perf_counter())
        original(client, userdata, message)

    consumer.client.on_message = timed
    consumer.start()
    consumer.subscribed.wait(10)
    publisher = publish(host, port, f"{prefix}/330111/stations/RG0001/rainfall", count)
    last, idle_since = -1, time.monotonic()
    while consumer.acked < count and time.monotonic() - idle_since < 3:
        if consumer.acked != last:
            last, idle_since = consumer.acked, time.monotonic()
        time.sleep(0.005)
    finished = time.perf_counter()
    if consumer.acked < count:
        print(f"  (consumer acknowledged {consumer.acked:,} of {count:,})")
    publisher.wait(60)
    consumer.stop()
    writer.stop()
    with database.sessions() as session:
        from sqlalchemy import func, select

        from gridgov.sensing.models import Observation

        stored = session.scalar(select(func.count()).select_from(Observation)) or 0
    database.engine.dispose()
    cleanup = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"gridgov-bench-{prefix}", clean_session=True)
    cleanup.connect(host, port)
    cleanup.disconnect()
    return (consumer.acked - 1) / (finished - stamps[0]), stored, writer.batches


MOSQUITTO_CONF = """listener {port} 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages 1000
max_queued_messages 0
"""


def own_mosquitto(directory: Path) -> tuple[subprocess.Popen[bytes], int] | None:
    """A Mosquitto of our own, configured as production should be: no queue limit per client (the default
    1,000 drops QoS 1 messages of a client that falls behind) and 1,000 messages in flight (default 20)."""
    binary = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)
    if binary is None:
        return None
    port = free_port()
    conf = directory / "mosquitto.conf"
    conf.write_text(MOSQUITTO_CONF.format(port=port))
    process = subprocess.Popen(
        [*pin("0"), binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return _wait_port(process, port)


def _wait_port(process: subprocess.Popen[bytes], port: int) -> tuple[subprocess.Popen[bytes], int]:
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, port
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"broker on port {port} did not start")


def embedded_broker() -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    code = (
        f"import time, sys; sys.path.insert(0, {str(SRC)!r})\n"
        "from gridgov.sensing.broker import EmbeddedBroker\n"
        f"b = EmbeddedBroker(port={port}); b.start(); time.sleep(3600)\n"
    )
    return _wait_port(subprocess.Popen([*pin("0"), sys.executable, "-c", code]), port)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--messages", type=int, default=30_000)
    args = parser.parse_args()
    print(f"# gridgov sensing benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}; taskset: {'yes' if pin('0') else 'no'}")
    with tempfile.TemporaryDirectory(prefix="gridgov-bench-") as tmp:
        directory = Path(tmp)
        payloads = bodies(400)
        raw = raw_executemany(directory, payloads)
        rate, totals = http_ingest(directory, payloads, args.duration) if args.duration > 0 else (0.0, {})
        print("\nHTTP batch ingest (1,000 readings per POST, 4 connections, 1 uvicorn worker, SQLite WAL):")
        print(f"  raw sqlite3 executemany, same rows, 1,000/txn   {raw:>12,.0f} rows/s (baseline)")
        print(f"  POST /api/v1/sensing/observations               {rate:>12,.0f} rows/s   {rate / raw:.3f}×")
        print(f"  {totals}")
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {1})  # the consumers on CPU 1; broker and publisher on CPU 0
        brokers: list[tuple[str, str, int, subprocess.Popen[bytes] | None]] = []
        mosquitto = own_mosquitto(directory)
        if mosquitto is None:
            print("\nno mosquitto binary: Mosquitto skipped")
        else:
            version = subprocess.run(["mosquitto", "-h"], capture_output=True, text=True).stdout.split("\n")[0]
            brokers.append(
                (
                    f"{version} (max_inflight_messages 1000, max_queued_messages 0)",
                    "127.0.0.1",
                    mosquitto[1],
                    mosquitto[0],
                )
            )
        process, port = embedded_broker()
        brokers.append(("embedded broker", "127.0.0.1", port, process))
        for name, host, port, proc in brokers:
            raw_rate = raw_subscriber(host, port, args.messages)
            ours, stored, batches = consumer_rate(host, port, args.messages, directory)
            verdict = "PASS" if ours / raw_rate >= TARGET_MQTT else "FAIL"
            print(f"\nMQTT ingest, {args.messages:,} QoS 1 messages of one reading, {name}:")
            print(f"  raw paho subscriber (counts only)               {raw_rate:>12,.0f} msg/s (baseline)")
            ratio = f"{ours / raw_rate:.3f}× baseline   target ≥ {TARGET_MQTT}×: {verdict}"
            print(f"  gridgov consumer (stored, committed, acked)     {ours:>12,.0f} msg/s   {ratio}")
            print(f"  {stored:,} rows stored in {batches:,} transactions")
            if proc is not None:
                proc.terminate()
                proc.wait(10)


if __name__ == "__main__":
    main()
