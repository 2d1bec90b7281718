"""E-commerce applier: canonical platform events → the orders service.

created → place an `ecommerce` order (ship, delivery or pickup, as mapped; the buyer joins as a member by
their platform buyer id); paid → record the payment; cancelled → cancel what is still open (refunding
what was paid); refunded → cancel an open order, or take all its goods back if it was completed.
A later event about an order zhongtai has not placed (paid before created) is quarantined as
`order_unknown` and applied by itself as soon as the created event arrives (or by a replay).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from zhongtai.config import get_settings
from zhongtai.integration import links
from zhongtai.integration.appliers_support import (
    Refused,
    actor,
    amount,
    each,
    known_skus,
    location_ids,
    location_of,
    sku_of,
    system_principal,
)
from zhongtai.integration.formats.base import Parsed
from zhongtai.inventory import service as inventory
from zhongtai.inventory.schemas import Qty
from zhongtai.members import service as members
from zhongtai.members.schemas import IdentityIn
from zhongtai.orders import service as orders
from zhongtai.orders.schemas import Contact, OrderCreate, PaymentIn, ReturnCreate, ReturnLine

CANCELLABLE = ("placed", "accepted", "picking", "ready")
IN_TRANSIT = ("shipped", "out_for_delivery")


def apply_orders(session: Session, *, source: Any, batch: Any, records: list[Parsed]) -> dict[str, str]:
    """Apply each platform event in the order received. An event that came before its order's `created`
    (earlier in this chunk, or quarantined as `order_unknown` by an earlier batch) is applied as soon as
    the order is placed."""
    _take_stock_as_placed(session)
    refused: dict[str, str] = {}
    early: dict[str, list[Parsed]] = defaultdict(list)
    held = _held_for_orders(session, source)
    for record in records:
        reason = _apply_one(session, source, record)
        if reason:
            refused[record.external_id] = reason
            if reason == "order_unknown":
                early[record.data["order_id"]].append(record)
        elif record.data["event"] == "created":
            _catch_up(session, source, early.pop(record.data["order_id"], []), refused,
                      held.pop(record.data["order_id"], []))
    return refused


def _take_stock_as_placed(session: Session) -> None:
    """A batch places many orders in one transaction: each takes its stock as it is placed, so a shortage
    refuses that order alone, inside its savepoint, not the whole batch at commit."""
    inventory.reserve_at_once(session)


def _held_for_orders(session: Session, source: Any) -> dict[str, list[str]]:
    """Events earlier batches quarantined as `order_unknown`, by the platform order they wait for."""
    from zhongtai.integration import service

    rows, _total = service.quarantined(session, source=source, reason="order_unknown", limit=100_000, offset=0)
    held: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        held[(row.data or {}).get("order_id", "")].append(row.external_id)
    return held


def _apply_one(session: Session, source: Any, record: Parsed) -> str | None:
    return each(session, [record], lambda r: HANDLERS[r.data["event"]](session, source, r.data)).get(
        record.external_id)


def _catch_up(session: Session, source: Any, waiting: list[Parsed], refused: dict[str, str],
              held: list[str]) -> None:
    """The order was just placed: apply the events that were waiting for it."""
    for record in waiting:
        reason = _apply_one(session, source, record)
        if reason:
            refused[record.external_id] = reason
        else:
            refused.pop(record.external_id, None)
    if held:
        from zhongtai.integration import service

        service.replay(session, source=source, external_ids=held)


# --- created -----------------------------------------------------------------------------------------

def _created(session: Session, source: Any, data: dict) -> None:
    if links.find(session, source_id=source.id, kind="order", external_ref=data["order_id"]):
        return  # placed already (the platform sent "created" twice under two event ids)
    order = orders.place(session, order_in=_order_in(session, source, data), actor=actor(source),
                         settings=get_settings())
    links.add(session, source_id=source.id, kind="order", external_ref=data["order_id"], target_id=order.id,
              store_id=order.store_id)


def _order_in(session: Session, source: Any, data: dict) -> OrderCreate:
    skus = known_skus(session, {ln["sku_code"] for ln in data["lines"]})
    lines = [Qty(sku_code=ln["sku_code"], **amount(sku_of(skus, ln["sku_code"]), ln["quantity"]))
             for ln in data["lines"]]
    store_id = None
    if data.get("store_code"):
        store_id = location_of(location_ids(session, {data["store_code"]}), data["store_code"])
    if data.get("mode") == "pickup" and store_id is None:
        raise Refused("missing_field")
    contact = Contact(**{k: v for k, v in (data.get("contact") or {}).items() if v is not None})
    return OrderCreate(channel="ecommerce", mode=data.get("mode") or "ship", lines=lines, store_id=store_id,
                       contact=contact, member_id=_buyer(session, source, data),
                       external_ref=f"{data['platform']}:{data['order_id']}"[:100])


def _buyer(session: Session, source: Any, data: dict) -> int | None:
    """The buyer as a member, proven by the platform's buyer id (a logged-in identity)."""
    if not data.get("buyer_id"):
        return None
    try:
        buyer = IdentityIn(kind="ecommerce_buyer", value=data["buyer_id"][:128], app_id=data["platform"],
                           verified=True)
        members.present([buyer])
    except (members.IdentityInvalid, ValidationError):
        return None  # a buyer id zhongtai cannot keep (e.g. a nickname): the order stands without a member
    return members.join(session, channel="ecommerce", actor=actor(source), identities=[buyer]).member.id


# --- later events ------------------------------------------------------------------------------------

def _order(session: Session, source: Any, data: dict):
    link = links.find(session, source_id=source.id, kind="order", external_ref=data["order_id"])
    if link is None:
        raise Refused("order_unknown")
    return orders.get(session, principal=system_principal(source), order_id=link.target_id, lock=True)


def _paid(session: Session, source: Any, data: dict) -> None:
    order = _order(session, source, data)
    if order.payment_status in ("paid", "refunded"):
        return
    if order.status == "cancelled":
        raise Refused("invalid_state")  # money for an order already given up: a person must refund it
    pay = data.get("payment") or {}
    if not pay.get("provider"):
        raise Refused("missing_field")
    payment = PaymentIn(provider=pay["provider"], transaction_id=pay.get("transaction_id") or data["order_id"],
                        amount_fen=pay["amount_fen"] if pay.get("amount_fen") is not None else order.payable_fen)
    orders.record_payment(session, principal=system_principal(source), order_id=order.id, payment_in=payment,
                          actor=actor(source), settings=get_settings())


def _cancelled(session: Session, source: Any, data: dict) -> None:
    order = _order(session, source, data)
    if order.status == "cancelled":
        return
    orders.cancel_by_request(session, principal=system_principal(source), order_id=order.id,
                             reason=(data.get("reason") or "cancelled on the platform")[:200], actor=actor(source))


def _refunded(session: Session, source: Any, data: dict) -> None:
    """Cancel what is still open (paid money goes back) and take back the goods of completed parts."""
    order = _order(session, source, data)
    if order.status == "cancelled":
        return
    groups = orders.detail(session, order=order)["groups"]
    if any(g["status"] in IN_TRANSIT for g in groups):
        raise Refused("invalid_state")  # on its way: refundable once delivered (replay then)
    reason = (data.get("reason") or "refunded on the platform")[:200]
    if any(g["status"] in CANCELLABLE for g in groups):
        orders.cancel_by_request(session, principal=system_principal(source), order_id=order.id, reason=reason,
                                 actor=actor(source))
    done = {g["group_no"]: g["location_id"] for g in groups if g["status"] == "completed"}
    for group_no, location_id in done.items():
        _return_group(session, source, order.id, group_no, location_id, reason)


def _return_group(session: Session, source: Any, order_id: uuid.UUID, group_no: int, location_id: int,
                  reason: str) -> None:
    order = orders.get(session, principal=system_principal(source), order_id=order_id)
    back = [ReturnLine(line_no=ln.line_no, quantity=left) for ln in orders.detail(session, order=order)["lines"]
            if ln.group_no == group_no and (left := (ln.picked_quantity if ln.picked_quantity is not None
                                                    else ln.quantity) - ln.returned_quantity) > 0]
    if back:
        orders.return_goods(session, principal=system_principal(source), actor=actor(source), return_in=ReturnCreate(
            order_id=order_id, location_id=location_id, channel="ecommerce", lines=back, reason=reason))


HANDLERS = {"created": _created, "paid": _paid, "cancelled": _cancelled, "refunded": _refunded,
            "ignore": lambda *_: None}
