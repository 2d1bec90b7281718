"""`zhongtai outbox …`: deliver committed events."""

from __future__ import annotations

import signal
import threading

import typer

from zhongtai.cli.common import console

app = typer.Typer(help="Transactional outbox.", no_args_is_help=True)


@app.command("relay")
def relay(once: bool = typer.Option(False, "--once", help="Deliver what is due, then exit.")) -> None:
    """Deliver outbox events to handlers and JetStream (several relays may run on PostgreSQL)."""
    from zhongtai.db.session import get_engine
    from zhongtai.kernel.relay import Relay
    from zhongtai.registry import load_handlers

    load_handlers()
    worker = Relay(get_engine())
    try:
        if once:
            stats = worker.drain()
            console.print(f"dispatched {stats.dispatched}, failed {stats.failed}")
            raise typer.Exit(1 if stats.failed else 0)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        console.print("outbox relay running; Ctrl-C to stop")
        worker.serve_forever(stop)
    finally:
        worker.close()


@app.command("status")
def status() -> None:
    """Count pending, failing and delivered events."""
    from sqlalchemy import func, select

    from zhongtai.cli.common import unit_of_work
    from zhongtai.kernel.outbox import OutboxEvent

    with unit_of_work() as session:
        pending = session.scalar(select(func.count()).where(OutboxEvent.dispatched_at.is_(None))) or 0
        failing = session.scalar(select(func.count()).where(OutboxEvent.dispatched_at.is_(None),
                                                            OutboxEvent.attempts > 0)) or 0
        done = session.scalar(select(func.count()).where(OutboxEvent.dispatched_at.is_not(None))) or 0
    console.print(f"pending {pending} (failing {failing}), delivered {done}")
