"""A thread that calls back on PostgreSQL notifications (``LISTEN``), so that a process learns at once what
another process committed (stored readings wake the warning evaluator's leader wherever they arrive).

It holds its own autocommit connection, reconnects after a failure, and is a nicety: whatever it would
have woken also runs on its own timer."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL

log = logging.getLogger(__name__)
RECONNECT_SECONDS = 5.0


def libpq_dsn(url: URL) -> str:
    """A SQLAlchemy ``postgresql+psycopg://`` URL as a libpq connection string."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class PgListener:
    def __init__(self, dsn: str, channel: str, callback: Callable[[], None]) -> None:
        self.dsn, self.channel, self.callback = dsn, channel, callback
        self.listening = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"gridgov-listen-{channel}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True) as connection:
                    connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self.listening.set()
                    while not self._stop.is_set():
                        # a burst of notifications is one callback: the woken job takes everything stored
                        if any(True for _ in connection.notifies(timeout=1.0)):
                            self.callback()
            except Exception:  # the database restarting must not end the thread
                log.warning("notification listener lost its connection", extra={"channel": self.channel})
                self.listening.clear()
                self._stop.wait(RECONNECT_SECONDS)
