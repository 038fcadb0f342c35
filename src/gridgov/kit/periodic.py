"""The in-process scheduler: a daemon thread that runs a job every ``interval`` seconds.

The jobs it runs are safe with several app processes (they lock the rows they work on), so every
process may run its own; a deployment can also turn them off here and run them elsewhere."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic:
    def __init__(
        self,
        name: str,
        interval: float,
        job: Callable[[], object],
        *,
        floor: float = 0.0,
        on_stop: Callable[[], object] | None = None,
    ) -> None:
        """``job`` returns what it did; anything truthy is logged (a count, or a dict of counts).

        :meth:`wake` runs the job now instead of at the end of the interval (an event it waits for has
        happened), but never sooner than ``floor`` seconds after the previous run ended: a stream of
        wakes becomes one run per ``floor``, each taking everything that happened meanwhile."""
        self.name, self.interval, self.job, self.floor, self.on_stop = name, interval, job, floor, on_stop
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"gridgov-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)
        if self.on_stop is not None:
            self.on_stop()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            if self._stop.is_set():
                return
            self._wake.clear()  # a wake during the run below asks for one more run after it
            try:
                done = self.job()
                if done and (not isinstance(done, dict) or any(done.values())):
                    log.info("periodic job", extra={"job": self.name, "done": done})
            except Exception:  # a failed run must not kill the scheduler; the next one retries
                log.exception("periodic job failed", extra={"job": self.name})
            if self.floor and self._stop.wait(self.floor):
                return
