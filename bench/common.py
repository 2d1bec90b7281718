"""Shared bits of the benchmarks: a scratch PostgreSQL database, client processes started together, the
result line `bench NAME: ours V UNIT, baseline V UNIT, ratio R, target T, met|not met`."""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def postgres_url() -> str:
    """The server to benchmark on (ZHONGTAI_DATABASE_URL); the benchmarks need PostgreSQL."""
    url = os.environ.get("ZHONGTAI_DATABASE_URL") or DEFAULT_URL
    if not url.startswith("postgresql"):
        raise SystemExit(f"this benchmark needs PostgreSQL; ZHONGTAI_DATABASE_URL is {url!r}")
    return url


def libpq_dsn(url: str) -> str:
    """The SQLAlchemy URL as a plain libpq URL, for bare psycopg connections."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def scratch_database(url: str, prefix: str) -> Iterator[str]:
    """Create an empty database next to `url`'s, yield its URL, drop it afterwards (even on failure)."""
    base = make_url(url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass(frozen=True)
class Run:
    """What a set of clients did: wall-clock seconds from the common start to the last finish, and each
    client's result."""

    seconds: float
    results: list[Any]


def run_clients(target: Callable[..., Any], args_per_client: Sequence[tuple]) -> Run:
    """Run `target(*args, start=barrier)` in one process per client and time them from a common start.

    Each client connects and warms up, then waits on the barrier; the clock starts when all have arrived
    (process start-up and warm-up are not measured) and stops when the last result is back.
    """
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(len(args_per_client) + 1), ctx.Queue()
    procs = [ctx.Process(target=_client, args=(target, args, barrier, results)) for args in args_per_client]
    for p in procs:
        p.start()
    try:
        try:
            barrier.wait(timeout=300)
        except threading.BrokenBarrierError:
            failure = results.get(timeout=60)[1]
            raise RuntimeError("a benchmark client failed before the start:\n" + failure) from None
        started = time.perf_counter()
        out = [results.get(timeout=900) for _ in procs]
        seconds = time.perf_counter() - started
    finally:
        for p in procs:
            p.join(timeout=30)
    failures = [r[1] for r in out if r[0] == "error"]
    if failures:
        raise RuntimeError("a benchmark client failed:\n" + failures[0])
    return Run(seconds=seconds, results=[r[1] for r in out])


def _client(target: Callable[..., Any], args: tuple, barrier: Any, results: Any) -> None:
    try:
        results.put(("ok", target(*args, start=barrier)))
    except Exception:  # noqa: BLE001 — reported to the parent; the others waiting on the barrier are released
        barrier.abort()
        results.put(("error", traceback.format_exc()))


def result_line(name: str, *, ours: float, ours_unit: str, baseline: float, baseline_unit: str,
                target: float, ok: bool = True) -> tuple[str, bool]:
    """The last line every benchmark prints, and whether the target was met (and nothing else failed)."""
    ratio = ours / baseline if baseline else 0.0
    met = ok and ratio >= target
    line = (f"bench {name}: ours {ours:.0f} {ours_unit}, baseline {baseline:.0f} {baseline_unit}, "
            f"ratio {ratio:.2f}, target {target:g}, {'met' if met else 'not met'}")
    return line, met
