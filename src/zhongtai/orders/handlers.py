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


@outbox.handles("members.member_merged")
def move_orders_to_survivor(session: Session, evt: OutboxEvent) -> None:
    """The merged member's orders now belong to the survivor (and remember where they came from)."""
    service.move_member_orders(session, from_member_id=evt.payload["merged_id"],
                               to_member_id=evt.payload["survivor_id"])


@outbox.handles("members.merge_undone")
def move_orders_back(session: Session, evt: OutboxEvent) -> None:
    """An undone merge gives the orders back to the member they came from."""
    service.unmove_member_orders(session, survivor_id=evt.payload["survivor_id"],
                                 merged_id=evt.payload["merged_id"])


@outbox.handles("members.member_erased")
def anonymise_orders(session: Session, evt: OutboxEvent) -> None:
    """Erased members' orders stay for accounting, without name, phone or address."""
    service.anonymise_member_orders(session, member_ids=evt.payload["member_ids"])
