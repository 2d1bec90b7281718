"""Running clients at the same instant, for the race tests (PostgreSQL row locks, exactly-once redemptions)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def race(clients: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(n)` for n in range(clients) on as many threads, released together; re-raise any error
    (a deadlock or serialisation failure fails the test)."""
    start, results, errors = threading.Barrier(clients), [None] * clients, []

    def client(n: int) -> None:
        try:
            start.wait(timeout=30)
            results[n] = work(n)
        except BaseException as exc:  # noqa: BLE001 — collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a client hung"
    if errors:
        raise errors[0]
    return results
