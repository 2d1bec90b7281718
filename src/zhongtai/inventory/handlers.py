"""Reactions of the inventory domain to committed events."""

from __future__ import annotations

from sqlalchemy.orm import Session

from zhongtai.kernel import live, outbox
from zhongtai.kernel.outbox import OutboxEvent


def stock_topic(location_id: int) -> str:
    return f"stock:{location_id}"


@outbox.handles("inventory.stock_changed", durable=False)
def push_live_stock(_session: Session, evt: OutboxEvent) -> None:
    """Forward committed stock changes to the console's live feed for that location."""
    live.publish(stock_topic(evt.payload["location_id"]), {"type": "stock_changed", "event_id": str(evt.id),
                                                          **evt.payload})
