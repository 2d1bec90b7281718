"""`zhongtai webhooks …` (send due deliveries, list subscriptions, replay) and `zhongtai events catalogue`."""

from __future__ import annotations

import signal
import threading
import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from zhongtai.cli.common import console, unit_of_work
from zhongtai.kernel.auth import Principal, Role

app = typer.Typer(help="Outbound webhooks: deliveries, subscriptions, replays.", no_args_is_help=True)
events_app = typer.Typer(help="The events the platform publishes.", no_args_is_help=True)
OPERATOR = Principal(kind="user", id=0, name="cli", role=Role.HQ_ADMIN, all_stores=True)


@app.command("deliver")
def deliver(once: bool = typer.Option(False, "--once", help="Send what is due now, then exit."),
            batch: int = typer.Option(50, min=1, max=1000, help="Deliveries claimed per batch"),
            poll_seconds: float = typer.Option(2.0, min=0.1, help="Wait between polls when idle")) -> None:
    """POST due deliveries, signed, retrying with backoff (several workers may run side by side)."""
    from zhongtai.db.session import get_engine
    from zhongtai.registry import load_models
    from zhongtai.webhooks.worker import Deliverer

    load_models()
    worker = Deliverer(get_engine(), batch_size=batch)
    try:
        if once:
            s = worker.drain()
            console.print(f"attempted {s.attempted}: delivered {s.delivered}, failed {s.failed}, dead {s.dead}")
            return
        _loop(worker, poll_seconds)
    finally:
        worker.close()


def _loop(worker, poll_seconds: float) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    console.print("webhook delivery worker running; Ctrl-C to stop")
    while not stop.is_set():
        if worker.run_once().attempted == 0:
            stop.wait(poll_seconds)


@app.command("list")
def list_subscriptions() -> None:
    """Subscriptions with their deliveries by status."""
    from zhongtai.webhooks import service

    with unit_of_work() as session:
        subs, _ = service.list_subscriptions(session, principal=OPERATOR, limit=500, offset=0)
        counts = service.delivery_counts(session, subscription_ids=[s.id for s in subs])
    table = Table("id", "name", "url", "events", "active", "pending", "delivered", "dead")
    for s in subs:
        c = counts.get(s.id, {})
        table.add_row(str(s.id), s.name, s.url, ", ".join(s.event_types), "yes" if s.active else "no",
                      *(str(c.get(k, 0)) for k in ("pending", "delivered", "dead")))
    console.print(table)


@app.command("replay")
def replay(subscription_id: int = typer.Argument(..., min=1),
           delivery: str | None = typer.Option(None, "--delivery", help="One delivery id; default: every dead letter")) -> None:
    """Send a subscription's dead letters (or one delivery) again with a fresh attempt budget."""
    from zhongtai.webhooks import service

    with unit_of_work() as session:
        if delivery:
            service.replay(session, principal=OPERATOR, subscription_id=subscription_id,
                           delivery_id=_uuid(delivery))
            n = 1
        else:
            n = service.replay_dead(session, principal=OPERATOR, subscription_id=subscription_id)
    console.print(f"requeued {n} deliveries")


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise typer.BadParameter(f"not a delivery id: {text}") from None


@events_app.command("catalogue")
def catalogue_cmd(markdown: bool = typer.Option(False, "--markdown", help="The Markdown document (docs/events.md)"),
                  output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file")] = None,
                  ) -> None:
    """Every event type with its JSON schema and an example; `--markdown -o docs/events.md` writes the docs."""
    from zhongtai.config import get_settings
    from zhongtai.kernel import catalogue

    entries = catalogue.catalogue()
    prefix = get_settings().nats_subject_prefix
    if markdown or output:
        text = catalogue.to_markdown(entries)  # the docs describe the default subject prefix
        if output:
            output.write_text(text, encoding="utf-8")
            console.print(f"wrote {len(entries)} event types to {output}")
        else:
            typer.echo(text, nl=False)
        return
    table = Table("event type", "NATS subject", "fields", "description")
    for e in entries:
        table.add_row(e.name, e.subject(prefix), ", ".join(e.schema.get("properties", {})), e.description)
    console.print(table)
