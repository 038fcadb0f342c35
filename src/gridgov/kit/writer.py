"""One writer per process that runs write jobs in shared transactions (group commit).

A request hands its unit of work (a function of a session) to the writer and awaits the result; the
writer runs every job waiting at that moment in one transaction and commits once, and only then
answers them all, so an answered request is durable. On SQLite this replaces a lock hand-over per
request (and a thread-pool hop per step) with one ``BEGIN IMMEDIATE`` per batch; on PostgreSQL it
saves commits. Jobs stay independent: if one raises, the batch is rolled back and its jobs run again
one transaction each, so the failing job fails alone and the others still land
(:class:`gridgov.kit.rowwriter.RowWriter` does the batching; here each item is a job).

Jobs must therefore be safe to run twice from scratch (everything they did was rolled back), and
must not touch the event loop. They may leave their writes pending: the batch flushes them together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar, cast

from sqlalchemy.orm import Session

from gridgov.db import Database
from gridgov.kit.actor import SYSTEM, Actor, set_actor
from gridgov.kit.rowwriter import RowWriter

T = TypeVar("T")
Job = tuple[Callable[[Session], Any], Actor]


def _run_jobs(session: Session, jobs: Sequence[Job]) -> list[Any]:
    results = []
    for index, (job, actor) in enumerate(jobs):
        # a flush's audit rows name the actor in place when it runs: flush before the actor changes
        if index and actor != jobs[index - 1][1]:
            session.flush()
        set_actor(session, actor)
        results.append(job(session))
    return results


class BatchWriter:
    def __init__(self, database: Database, *, max_batch: int = 64, name: str = "gridgov-writer") -> None:
        self._rows: RowWriter[Job, Any] = RowWriter(database, _run_jobs, max_weight=max_batch, name=name)

    def submit(self, job: Callable[[Session], T], actor: Actor = SYSTEM) -> Future[T]:
        """Queue a job; the future resolves after the commit that made it durable."""
        return cast(Future[T], self._rows.submit((job, actor)))

    async def run(self, job: Callable[[Session], T], actor: Actor = SYSTEM) -> T:
        return await asyncio.wrap_future(self.submit(job, actor))

    def stop(self, timeout: float = 10.0) -> None:
        self._rows.stop(timeout)

    @property
    def batches(self) -> int:
        return self._rows.batches

    @property
    def jobs(self) -> int:
        return self._rows.items
