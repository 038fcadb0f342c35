"""One writer thread that stores many small items (sensor readings) with one statement per batch.

:class:`gridgov.kit.writer.BatchWriter` runs each job on its own inside a shared transaction: right for
case intake, where every job is different work. Sensor ingest is the same work many thousand times a
second, and what makes it fast is one ``executemany`` (one upsert statement) over the rows of *every*
item waiting, not one statement per item. So this writer hands the whole batch to one function,
``write(session, items) -> results``, commits once, and only then answers each item (a future, and an
optional callback run in the writer thread: the MQTT consumer acknowledges there). An answered item
is durable.

If the batch fails, its items are written again one transaction each, so a failing item fails alone.
``write`` must therefore be safe to run again from scratch, and must not touch the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from typing import Generic, TypeVar, cast

from sqlalchemy.orm import Session

from gridgov.db import Database
from gridgov.kit.actor import SYSTEM, set_actor

log = logging.getLogger(__name__)
I = TypeVar("I")  # noqa: E741
R = TypeVar("R")


@dataclass
class _Pending(Generic[I, R]):
    item: I
    weight: int
    callback: Callable[[R | None, BaseException | None], None] | None
    future: Future[R] = field(default_factory=Future)


class RowWriter(Generic[I, R]):
    def __init__(
        self,
        database: Database,
        write: Callable[[Session, Sequence[I]], list[R]],
        *,
        weight: Callable[[I], int] = lambda _item: 1,
        max_weight: int = 5_000,
        name: str = "gridgov-rows",
        after_commit: Callable[[Sequence[R]], None] | None = None,
    ) -> None:
        """``after_commit`` runs in the writer thread with the results of every committed transaction
        (to wake what reads the new rows); it must be quick and must not raise."""
        self.database = database
        self.after_commit = after_commit
        self.write = write
        self.weight = weight
        self.max_weight = max_weight
        self.name = name
        self._queue: queue.SimpleQueue[_Pending[I, R] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._carry: _Pending[I, R] | None = None
        self.batches = 0
        self.items = 0

    # public ------------------------------------------------------------------------------------
    def submit(self, item: I, callback: Callable[[R | None, BaseException | None], None] | None = None) -> Future[R]:
        """Queue an item; its future (and callback) answer after the commit that made it durable."""
        self._ensure_started()
        pending: _Pending[I, R] = _Pending(item, max(1, self.weight(item)), callback)
        self._queue.put(pending)
        return pending.future

    async def run(self, item: I) -> R:
        return await asyncio.wrap_future(self.submit(item))

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def abandon(self) -> int:
        """Drop every queued item unanswered (a crash, for tests): returns how many were dropped."""
        dropped = 0
        while True:
            try:
                pending = self._queue.get_nowait()
            except queue.Empty:
                return dropped
            if pending is None:
                self._queue.put(None)
                return dropped
            dropped += 1

    # the thread --------------------------------------------------------------------------------
    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            first = self._carry or self._queue.get()
            self._carry = None
            if first is None:
                return
            batch, total, stop = [first], first.weight, False
            while total < self.max_weight:
                try:
                    pending = self._queue.get_nowait()
                except queue.Empty:
                    break
                if pending is None:
                    stop = True
                    break
                if total + pending.weight > self.max_weight:
                    self._carry = pending
                    break
                batch.append(pending)
                total += pending.weight
            try:
                self._write(batch)
            except Exception:  # the writer must outlive anything a batch does
                log.exception("row batch failed", extra={"writer": self.name})
                for pending in batch:
                    _answer(pending, error=RuntimeError("write failed"))
            if stop:
                return

    def _write(self, batch: list[_Pending[I, R]]) -> None:
        self.batches += 1
        self.items += len(batch)
        try:
            results = self._transaction([p.item for p in batch])
        except Exception as exc:
            if len(batch) == 1:
                log.warning("row item failed", extra={"writer": self.name, "error": repr(exc)})
                _answer(batch[0], error=exc)
                return
            for pending in batch:  # one transaction each: the failing item fails alone
                try:
                    (result,) = self._transaction([pending.item])
                except Exception as alone:
                    log.warning("row item failed", extra={"writer": self.name, "error": repr(alone)})
                    _answer(pending, error=alone)
                else:
                    _answer(pending, result)
            return
        for pending, result in zip(batch, results, strict=True):
            _answer(pending, result)

    def _transaction(self, items: list[I]) -> list[R]:
        with self.database.sessions() as session:
            if session.get_bind().dialect.name == "sqlite":
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            set_actor(session, SYSTEM)
            try:
                results = self.write(session, items)
                session.commit()
            except BaseException:
                session.rollback()
                raise
        if self.after_commit is not None:
            try:
                self.after_commit(results)
            except Exception:  # what the hook wakes is a nicety; the rows are stored either way
                log.exception("after-commit hook failed", extra={"writer": self.name})
        return results


def _answer(pending: _Pending[I, R], result: R | None = None, error: BaseException | None = None) -> None:
    with contextlib.suppress(InvalidStateError):  # the requester may have given up; the write stands
        if error is not None:
            pending.future.set_exception(error)
        else:
            pending.future.set_result(cast(R, result))
    if pending.callback is not None:
        try:
            pending.callback(result, error)
        except Exception:  # a callback (an MQTT ack) must not stop the writer
            log.exception("row callback failed")
