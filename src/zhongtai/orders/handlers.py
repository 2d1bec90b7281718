"""Reactions of the orders domain to other domains' events."""

from __future__ import annotations

from sqlalchemy.orm import Session

from zhongtai.kernel import outbox
from zhongtai.kernel.outbox import OutboxEvent
from zhongtai.orders import service


@outbox.handles("inventory.reservation_closed")
def cancel_when_reservation_expires(session: Session, evt: OutboxEvent) -> None:
    """An order whose reservation expired (unpaid, or held too long) is cancelled, never left half-alive."""
    if evt.payload["status"] == "expired":
        service.expire_order_for_reservation(session, reference=evt.payload["reference"])
