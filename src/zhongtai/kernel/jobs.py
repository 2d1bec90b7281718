"""Periodic background jobs run by `zhongtai serve` (e.g. the reservation expiry sweeper)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from zhongtai.db.session import session_scope

log = logging.getLogger("zhongtai.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Session], int]  # returns how much it did, for the log
    every_seconds: float


def run_once(engine: Engine, job: Job) -> int:
    """Run a job in its own unit of work."""
    with session_scope(engine) as session:
        return job.run(session)


def _loop(engine: Engine, job: Job, stop: threading.Event) -> None:
    while not stop.wait(job.every_seconds):
        try:
            done = run_once(engine, job)
            if done:
                log.info("job %s did %s", job.name, done)
        except Exception:  # noqa: BLE001 — a failing sweep is logged and retried on the next tick
            log.exception("job %s failed", job.name)


def start(engine: Engine, jobs: list[Job]) -> tuple[list[threading.Thread], threading.Event]:
    """Start one daemon thread per job; set the returned event to stop them all."""
    stop = threading.Event()
    threads = [threading.Thread(target=_loop, args=(engine, job, stop), name=f"job-{job.name}", daemon=True)
               for job in jobs]
    for t in threads:
        t.start()
    return threads, stop
