"""The webhooks domain listens to every event: each becomes a delivery row per matching subscription, in the
relay's transaction, so an event is marked dispatched only together with its deliveries (none is lost).

Registered non-durable: the rows are idempotent by themselves (unique per subscription and event, inserted
ON CONFLICT DO NOTHING), which spares every event in the system a `processed_events` row."""

from __future__ import annotations

from sqlalchemy.orm import Session

from zhongtai.kernel import outbox
from zhongtai.kernel.outbox import OutboxEvent
from zhongtai.webhooks import service


@outbox.handles(outbox.ANY_EVENT, durable=False)
def queue_deliveries(session: Session, evt: OutboxEvent) -> None:
    """Queue the event for every active subscription that wants it."""
    service.fan_out(session, event=evt)
