"""Reactions of the loyalty domain to orders and members. Each handler runs once per event (the relay records
it) and is idempotent by itself too (ledger entries are unique per source)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import Session

from zhongtai.kernel import outbox
from zhongtai.kernel.outbox import OutboxEvent
from zhongtai.loyalty import service
from zhongtai.loyalty.coupons import service as coupons


@outbox.handles("orders.order_completed")
def accrue_points(session: Session, evt: OutboxEvent) -> None:
    """A completed order earns its member points; a member's first completed order triggers its coupons."""
    result = service.accrue_order(session, order=evt.payload)
    if result is not None and result.first_order:
        coupons.issue_on_trigger(session, trigger="first_order", member_ids=[result.member_id],
                                 occasion="first_order")


@outbox.handles("orders.return_received")
def reverse_points(session: Session, evt: OutboxEvent) -> None:
    """Refunded lines give back the points they earned (pro rata; see the reversal policy)."""
    p = evt.payload
    refunds: dict[int, int] = defaultdict(int)
    for line in p["lines"]:
        refunds[line["line_no"]] += line["refund_fen"]
    service.reverse_refund(session, order_id=p["order_id"], return_id=p["return_id"], refunds=refunds,
                           store_id=p.get("location_id"))


@outbox.handles("orders.return_received")
def restore_coupons_on_full_return(session: Session, evt: OutboxEvent) -> None:
    """A fully returned order gives back the coupons it used, where their template says so."""
    if evt.payload.get("full_return"):
        coupons.restore(session, reference=evt.payload["order_id"], why="refunded")


@outbox.handles("orders.order_cancelled")
def restore_on_cancel(session: Session, evt: OutboxEvent) -> None:
    """A cancelled order gives back the points it was paid with, and its coupons where the template says so."""
    coupons.restore(session, reference=evt.payload["order_id"], why="cancelled")
    service.restore_order(session, order_id=evt.payload["order_id"])


@outbox.handles("members.member_merged")
def move_to_survivor(session: Session, evt: OutboxEvent) -> None:
    """Merged members' points (lots with their expiry, or a debt) and unused coupons go to the survivor."""
    p = evt.payload
    service.merge(session, merge_id=p["merge_id"], survivor_id=p["survivor_id"], merged_id=p["merged_id"])
    coupons.merge(session, survivor_id=p["survivor_id"], merged_id=p["merged_id"])


@outbox.handles("members.merge_undone")
def move_back(session: Session, evt: OutboxEvent) -> None:
    """An undone merge takes back what it moved and is still unused."""
    p = evt.payload
    service.undo_merge(session, merge_id=p["merge_id"], survivor_id=p["survivor_id"], merged_id=p["merged_id"])
    coupons.undo_merge(session, survivor_id=p["survivor_id"], merged_id=p["merged_id"])


@outbox.handles("members.member_joined")
def welcome_coupons(session: Session, evt: OutboxEvent) -> None:
    """A new member receives the templates triggered on joining."""
    coupons.issue_on_trigger(session, trigger="joined", member_ids=[evt.payload["member_id"]], occasion="joined")


@outbox.handles("orders.order_completed")
def count_toward_tier(session: Session, evt: OutboxEvent) -> None:
    """A completed order counts toward the member's rolling 12-month spend, which sets the tier."""
    service.record_completed(session, order=evt.payload, completed_at=evt.occurred_at)


@outbox.handles("orders.return_received")
def refund_lowers_tier_spend(session: Session, evt: OutboxEvent) -> None:
    """A refund takes its amount off the order's spend; the tier may go down."""
    service.record_refund(session, order_id=evt.payload["order_id"], refund_fen=evt.payload["refund_fen"])


@outbox.handles("members.member_merged")
def tier_spend_follows_merge(session: Session, evt: OutboxEvent) -> None:
    """The merged member's spend counts for the survivor's tier."""
    service.move_spend(session, survivor_id=evt.payload["survivor_id"], merged_id=evt.payload["merged_id"])


@outbox.handles("members.merge_undone")
def tier_spend_back_on_undo(session: Session, evt: OutboxEvent) -> None:
    """An undone merge takes back the spend the merged member brought."""
    service.move_spend(session, survivor_id=evt.payload["survivor_id"], merged_id=evt.payload["merged_id"],
                       undo=True)
