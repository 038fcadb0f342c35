"""The in-process scheduler: a job runs each interval, at once when woken, and a burst of wakes is one run
per floor."""

from __future__ import annotations

import threading
import time

from gridgov.kit.periodic import Periodic


def test_a_wake_runs_the_job_now_and_a_burst_of_wakes_runs_it_once_per_floor() -> None:
    runs: list[float] = []
    ran = threading.Event()

    def job() -> None:
        runs.append(time.monotonic())
        ran.set()

    periodic = Periodic("test", 60.0, job, floor=0.3)
    periodic.start()
    try:
        time.sleep(0.2)
        assert runs == [], "nothing runs before the interval or a wake"
        woken = time.monotonic()
        periodic.wake()
        assert ran.wait(2), "a wake runs the job without waiting for the 60 s interval"
        assert runs[0] - woken < 1.0
        for _ in range(200):  # a stream of commits waking it
            periodic.wake()
            time.sleep(0.005)
        time.sleep(0.5)
        assert 2 <= len(runs) <= 6, runs  # ~1 s of wakes at a 0.3 s floor, not 200 runs
        gaps = [b - a for a, b in zip(runs, runs[1:], strict=False)]
        assert min(gaps) >= 0.29
    finally:
        began = time.monotonic()
        periodic.stop()
        assert time.monotonic() - began < 2, "stop does not wait out the interval"
