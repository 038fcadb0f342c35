"""What the sensing core runs inside an app process: the observation writer, the MQTT consumer (and the
embedded broker when no broker URL is configured), and the sensor-offline check."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from gridgov.case.calendar import WorkCalendar
from gridgov.config import Settings
from gridgov.db import Database
from gridgov.kit.periodic import Periodic
from gridgov.kit.pglisten import PgListener, libpq_dsn
from gridgov.kit.rowwriter import RowWriter
from gridgov.sensing.broker import EmbeddedBroker
from gridgov.sensing.claims import Claim, broker_claim_path, claim, claim_client_id, holder
from gridgov.sensing.gateways import INTERNAL_USERNAME, GatewayAuthority
from gridgov.sensing.mqtt import BrokerAddress, MqttConsumer, subscription
from gridgov.sensing.repository import READINGS_CHANNEL
from gridgov.sensing.service import Batch, Ingestor, Outcome
from gridgov.sensing.tasks import OfflineResult, check_offline

log = logging.getLogger(__name__)
MAX_ROWS_PER_TRANSACTION = 5_000


class BrokerRefused(RuntimeError):
    """The embedded broker cannot be started as configured: the app refuses to start."""


def observation_writer(
    database: Database, ingestor: Ingestor, on_new: Callable[[], None] | None = None
) -> RowWriter[Batch, Outcome]:
    """The batching writer of every ingest path; ``on_new`` is called after each commit that stored a
    new reading (the warning evaluator wakes on it instead of waiting for its next round)."""

    def committed(outcomes: Sequence[Outcome]) -> None:
        if on_new is not None and any(o.accepted for o in outcomes):
            on_new()

    return RowWriter(
        database,
        ingestor.write,
        weight=lambda batch: batch.weight,
        max_weight=MAX_ROWS_PER_TRANSACTION,
        name="gridgov-observations",
        after_commit=committed,
    )


def _host_port(bind: str) -> tuple[str, int]:
    host, _, port = bind.rpartition(":")
    return host or "127.0.0.1", int(port)


class SensingRuntime:
    def __init__(
        self,
        settings: Settings,
        database: Database,
        clock: Callable[[], datetime],
        calendar: WorkCalendar | None = None,
    ) -> None:
        self.settings = settings
        self.database = database
        self.clock = clock
        self.calendar = calendar
        self.ingestor = Ingestor(clock)
        self._readers: list[Callable[[], None]] = []
        self.writer = observation_writer(database, self.ingestor, self._stored)
        self.broker: EmbeddedBroker | None = None
        self.consumer: MqttConsumer | None = None
        self.checker: Periodic | None = None
        self.listener: PgListener | None = None
        self._claims: list[Claim] = []

    def on_new_readings(self, wake: Callable[[], None]) -> None:
        """Call ``wake`` (quick, thread-safe) after every commit of new readings in this process, and on
        PostgreSQL after those of the other app processes (before :meth:`start`)."""
        self._readers.append(wake)

    def _stored(self) -> None:
        for wake in self._readers:
            wake()

    @property
    def mqtt_enabled(self) -> bool:
        wanted = self.settings.mqtt_ingest
        return self.settings.environment != "test" if wanted is None else wanted

    @property
    def check_seconds(self) -> float:
        seconds = self.settings.sensing_check_seconds
        return self.settings.sweep_seconds if seconds is None else seconds

    def check_offline(self) -> OfflineResult:
        return check_offline(self.database, self.clock(), self.settings.sensing_offline_intervals, self.calendar)

    async def start(self) -> None:
        """Started by the app's lifespan."""
        engine = self.database.engine
        if self._readers and engine.dialect.name == "postgresql":
            # readings stored by the other app processes wake this one's readers too
            self.listener = PgListener(libpq_dsn(engine.url), READINGS_CHANNEL, self._stored)
            self.listener.start()
        if self.mqtt_enabled:
            self.start_mqtt()
        if self.check_seconds > 0:
            self.checker = Periodic("sensing-offline", self.check_seconds, lambda: vars(self.check_offline()))
            self.checker.start()

    def start_mqtt(self) -> None:
        settings = self.settings
        if settings.mqtt_url:
            address = BrokerAddress.parse(settings.mqtt_url)
        else:
            address = self._embedded_broker()
        client_id, taken = claim_client_id(settings.data_dir, settings.mqtt_client_id)
        self._claims.append(taken)
        self.consumer = MqttConsumer(
            address,
            self.writer,
            prefix=settings.mqtt_topic_prefix,
            client_id=client_id,
            shared_group=settings.mqtt_shared_group,
            zone=settings.timezone,
        )
        self.consumer.start()
        log.info(
            "mqtt ingest started",
            extra={"broker": f"{address.host}:{address.port}", "topic": self.consumer.topic, "client_id": client_id},
        )

    def _embedded_broker(self) -> BrokerAddress:
        """Start the embedded broker, or find that a sibling process (same data_dir) runs it; the consumer's
        address either way."""
        settings = self.settings
        if settings.environment == "production":
            raise BrokerRefused(
                "生产环境不使用内置MQTT代理，请设置 GRIDGOV_MQTT_URL (the embedded MQTT broker keeps its sessions in "
                "memory and is not for production: set GRIDGOV_MQTT_URL to your broker, e.g. Mosquitto or EMQX)"
            )
        host, port = _host_port(settings.mqtt_embedded_bind)
        authority = None
        if settings.mqtt_embedded_auth:
            authority = GatewayAuthority(self.database, settings, self.writer.submit)
        path = broker_claim_path(settings.data_dir, settings.mqtt_embedded_bind)
        taken = claim(path) if port else None
        if port and taken is None:
            log.info(
                "mqtt: the embedded broker runs in a sibling process",
                extra={"bind": f"{host}:{port}", "pid": holder(path)},
            )
        else:
            broker = EmbeddedBroker(
                host,
                port,
                authority=authority,
                hold=subscription(settings.mqtt_topic_prefix, ""),
                max_packet=settings.mqtt_max_packet_bytes,
                max_unauthenticated=settings.mqtt_max_unauthenticated,
                max_sessions=settings.mqtt_max_sessions,
                recheck_seconds=settings.mqtt_recheck_seconds,
            )
            try:
                broker.start()
            except OSError as exc:  # another program listens there: never consume from a broker we do not know
                if taken is not None:
                    taken.release()
                message = (
                    f"MQTT 端口 {host}:{port} 已被其他程序占用 (port in use by another program: {exc.strerror}); "
                    "set GRIDGOV_MQTT_EMBEDDED_BIND to a free address, or GRIDGOV_MQTT_URL to use that broker"
                )
                log.error(message)
                raise BrokerRefused(message) from exc
            if taken is not None:
                self._claims.append(taken)
            self.broker, port = broker, broker.port
            log.info("mqtt: embedded broker listening", extra={"bind": f"{host}:{port}"})
        if authority is None:
            return BrokerAddress(host, port)
        # the same credential in every process sharing the secret key
        return BrokerAddress(host, port, username=INTERNAL_USERNAME, password=authority.password)

    async def stop(self) -> None:
        if self.listener is not None:
            self.listener.stop()
        if self.checker is not None:
            self.checker.stop()
        if self.consumer is not None:
            self.consumer.pause()  # take no more; what was taken is written and acknowledged before leaving
        self.writer.stop()
        if self.consumer is not None:
            self.consumer.stop()
        if self.broker is not None:
            self.broker.stop()
        for taken in self._claims:
            taken.release()
        self._claims.clear()
