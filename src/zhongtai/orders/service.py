"""Order use cases: quote, place (routed, reserved), move through the lifecycle, pay, cancel, return,
collect feedback. One order = one or more fulfilment groups, each reserved at its location."""

from __future__ import annotations

import secrets
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhongtai.catalog import service as catalog
from zhongtai.catalog.models import Sku
from zhongtai.config import Settings
from zhongtai.db.session import insert_now, read_all
from zhongtai.fulfillment import policies as routing
from zhongtai.inventory import service as inventory
from zhongtai.kernel import clock, outbox
from zhongtai.kernel.auth import Principal
from zhongtai.kernel.errors import Conflict, InvalidInput, NotFound
from zhongtai.kernel.ids import uuid7
from zhongtai.loyalty import service as loyalty
from zhongtai.loyalty.coupons import service as coupons
from zhongtai.orders import policies, repository
from zhongtai.orders.events import OrderCancelled, OrderCompleted, OrderPlaced
from zhongtai.orders.models import FulfilmentGroup, Order, OrderEvent, OrderLine, Payment
from zhongtai.orders.schemas import OrderBase, OrderCreate, PaymentIn
from zhongtai.pricing import service as pricing
from zhongtai.stores import policies as store_policies
from zhongtai.stores import service as stores
from zhongtai.wallet import service as wallet


class OrderNotFound(NotFound):
    code, message = "order_not_found", "Order not found"


class NoRoute(Conflict):
    code, message = "no_location_can_fulfil", "No store or warehouse can fulfil this order now"


class IllegalTransition(Conflict):
    code, message = "illegal_transition", "The order cannot move to that status from where it is"


class WrongPickupCode(InvalidInput):
    code, message = "wrong_pickup_code", "The pickup code does not match"


class CouponNotApplicable(InvalidInput):
    code, message = "coupon_not_applicable", "A chosen coupon does not apply to this order"


class NeedsLocation(InvalidInput):
    code, message = "location_required", "Give the customer's coordinates or a store"


# --- routing ------------------------------------------------------------------------------------------

def _origin(order_in: OrderBase) -> tuple[float, float] | None:
    c = order_in.contact
    return (c.latitude, c.longitude) if c.latitude is not None and c.longitude is not None else None


@dataclass
class Routed:
    """Everything placing or quoting needs: the decision, the candidates, the cart and its prices."""

    decision: routing.Decision
    candidates: dict[int, routing.Candidate]
    lines: list
    allocs: dict
    overrides: dict[tuple[int, int], int]

    def cart(self) -> list[tuple[int, int, Sku, int]]:
        """(group no, location, SKU, amount) for every line, group by group."""
        return [(no, a.location_id, sku, qty) for no, a in enumerate(self.decision.assignments, start=1)
                for sku, qty in _group_lines(self, a)]

    def price(self, session: Session, *, channel: str, member_id: int | None = None, coupon_codes=(),
              points: int = 0, delivery_fee_fen: int = 0):
        """The pricing engine's quote for the cart, each line at its location's price and markdown."""
        return pricing.price_order(
            session, store_id=self.decision.assignments[0].location_id, channel=channel, member_id=member_id,
            lines=[(loc, sku, qty, self.overrides.get((loc, sku.id))) for _, loc, sku, qty in self.cart()],
            coupon_codes=coupon_codes, points=points, delivery_fee_fen=delivery_fee_fen)


def _route(session: Session, order_in: OrderBase, mode: str, settings: Settings) -> Routed:
    """Candidates (one read), then their stock, queue and prices (one round trip), then the pure decision."""
    origin = _origin(order_in)
    chosen_store = order_in.store_id if mode in ("in_store", "pickup", "pickup_with_processing") else None
    if origin is None and chosen_store is None:
        raise NeedsLocation(detail={"mode": mode})
    kinds = ("warehouse",) if mode == "ship" else ("store",)
    radius = 5000.0 if mode == "ship" else settings.routing_radius_km
    locs = stores.near(session, origin=origin, radius_km=radius, kinds=kinds, store_id=chosen_store)
    ids, codes = [s.id for s in locs], {ln.sku_code for ln in order_in.lines}
    # Then the candidates' SKU prices, stock, allocation rules and queues, in one round trip.
    reads = {"skus": catalog.skus_with_prices_read(codes=codes, store_ids=ids),
             "stock": inventory.promisable_read(location_ids=ids, channel=order_in.channel, codes=codes)}
    if ids and mode != "in_store":
        reads["queue"] = repository.open_queue_read(ids)
    rows = dict(zip(reads, read_all(session, list(reads.values())), strict=True))
    skus, overrides = catalog.skus_with_prices_from(rows["skus"], codes=codes)
    lines = inventory.resolve_lines(session, order_in.lines, skus=skus)
    promisable, allocs = inventory.promisable_from(session, rows["stock"], location_ids=ids,
                                                   channel=order_in.channel, lines=lines)
    queue = dict(rows.get("queue", []))
    now = clock.now()
    candidates = [routing.Candidate(
        location_id=s.id, code=s.code, name=s.name, kind=s.kind,
        distance_km=round(store_policies.distance_km(*origin, s.latitude, s.longitude), 2) if origin else None,
        is_open=store_policies.is_open(s.opening_hours, now, s.timezone), pickup_enabled=s.pickup_enabled,
        delivery_radius_km=s.delivery_radius_km, services=frozenset(s.processing_services), queue=queue.get(s.id, 0),
        capacity=s.order_capacity, promisable=promisable.get(s.id, {})) for s in locs]
    req = routing.Request(mode=mode, lines=tuple(routing.Line(s.id, s.code, q, s.is_fresh) for s, q in lines),
                          store_id=chosen_store, service=order_in.service,
                          service_minutes=_service_minutes(order_in.service), allow_split=order_in.allow_split)
    return Routed(routing.route(req, candidates), {c.location_id: c for c in candidates}, lines, allocs, overrides)


SERVICE_MINUTES = {"fish_cleaning": 15, "meat_cutting": 10, "fruit_cutting": 8}


def _service_minutes(service: str | None) -> int:
    return SERVICE_MINUTES.get(service or "", 10 if service else 0)


def _delivery_fee(mode: str, candidate, settings: Settings) -> int:
    if mode != "delivery":
        return 0
    return policies.delivery_fee(candidate.distance_km, settings.delivery_base_fee_fen, settings.delivery_fee_per_km_fen)


def quote(session: Session, *, quote_in, settings: Settings) -> list[dict]:
    """Options for each mode (or the one asked): where, when, how much, and why; writes nothing."""
    modes = [quote_in.mode] if quote_in.mode else [m for m in routing.MODES if m != "in_store"]
    options = []
    for mode in modes:
        if _origin(quote_in) is None and not (quote_in.store_id and mode.startswith("pickup")):
            continue
        if mode == "pickup_with_processing" and not quote_in.service:
            continue
        options.append(_option(session, _route(session, quote_in, mode, settings), quote_in.channel, settings))
    return options


def _group_lines(routed: Routed, assignment) -> list:
    wanted = {ln.sku_id for ln in assignment.lines}
    return [(s, q) for s, q in routed.lines if s.id in wanted]


def _option(session: Session, routed: Routed, channel: str, settings: Settings) -> dict:
    decision = routed.decision
    minutes = max((a.promise_minutes for a in decision.assignments), default=None)
    subtotal = routed.price(session, channel=channel).quote.subtotal_fen if decision.ok else None
    fee = sum(_delivery_fee(decision.mode, routed.candidates[a.location_id], settings) for a in decision.assignments)
    return {"mode": decision.mode, "available": decision.ok, "locations": [a.code for a in decision.assignments],
            "promise_minutes": minutes, "promised_at": clock.now() + timedelta(minutes=minutes) if minutes is not None
            else None, "subtotal_fen": subtotal, "delivery_fee_fen": fee, "explanation": decision.explanation()}


# --- placing ------------------------------------------------------------------------------------------

def place(session: Session, *, order_in: OrderCreate, actor: str, settings: Settings) -> Order:
    """Route, price and reserve an order; nothing is accepted that is not reserved (in-store: sold)."""
    routed = _route(session, order_in, order_in.mode, settings)
    decision, lines = routed.decision, routed.lines
    if not decision.ok:
        raise NoRoute(detail=decision.explanation())
    order = Order(store_id=decision.assignments[0].location_id, id=uuid7(), channel=order_in.channel,
                  mode=order_in.mode, member_id=order_in.member_id, guide_user_id=order_in.guide_user_id,
                  external_ref=order_in.external_ref, contact=order_in.contact.model_dump(),
                  substitution=order_in.substitution, allow_split=order_in.allow_split,
                  routing=decision.explanation(), placed_at=clock.now(), status="placed", discount_fen=0,
                  refunded_fen=0, fulfilment_cost_fen=0, cancel_reason="")
    order.number = _number(order)
    groups, order_lines = _build(session, order, order_in, routed, settings)
    if order_in.mode == "in_store":
        return _sell_at_till(session, order, lines, actor)
    _reserve_groups(session, order, groups, routed, settings)
    outbox.record(session, OrderPlaced(
        store_id=order.store_id, order_id=str(order.id), number=order.number, channel=order.channel,
        mode=order.mode, member_id=order.member_id, payable_fen=order.payable_fen,
        locations=[a.location_id for a in decision.assignments],
        lines=[{"sku_id": s.id, "quantity": q} for s, q in lines]), store_id=order.store_id)
    _remember_placed(session, order, order_lines, list(groups.values()))
    return order


_JUST_PLACED = "orders.just_placed"


def _remember_placed(session: Session, order: Order, lines: list[OrderLine],
                     groups: list[FulfilmentGroup]) -> None:
    """What placing wrote, so that `detail` answers from it instead of reading the rows back (same
    transaction only; `_record`, which every later change of an order goes through, forgets it)."""
    session.info[_JUST_PLACED] = (session.get_transaction(), order.id, lines, groups)


def _just_placed(session: Session, order: Order) -> tuple[list[OrderLine], list[FulfilmentGroup]] | None:
    txn, order_id, lines, groups = session.info.pop(_JUST_PLACED, (None, None, None, None))
    if txn is None or txn is not session.get_transaction() or order_id != order.id:
        return None
    return lines, groups


def _number(order: Order) -> str:
    return f"{order.placed_at:%y%m%d}{order.id.hex[-10:].upper()}"


def _build(session: Session, order: Order, order_in: OrderCreate, routed: Routed,
           settings: Settings) -> tuple[dict[int, FulfilmentGroup], list[OrderLine]]:
    """Price the order with the pricing engine (each line at its location's price and markdown; the
    member's tier, coupons and points), use its coupons and points, then write the order, lines, groups."""
    now, assigned, cart = clock.now(), list(enumerate(routed.decision.assignments, start=1)), routed.cart()
    fees = {no: _delivery_fee(order.mode, routed.candidates[a.location_id], settings) for no, a in assigned}
    priced = routed.price(session, channel=order.channel, member_id=order_in.member_id,
                          coupon_codes=order_in.coupon_codes, points=order_in.points_to_redeem,
                          delivery_fee_fen=sum(fees.values()))
    q = priced.quote
    _refuse_coupons(q.refused)
    order.member_id = priced.member_id
    order.subtotal_fen, order.delivery_fee_fen, order.payable_fen = q.subtotal_fen, q.delivery_fee_fen, q.payable_fen
    order.discount_fen = order.subtotal_fen + order.delivery_fee_fen - order.payable_fen
    order.payment_status = _initial_payment(session, order, order_in.payment)
    lines = [OrderLine(store_id=order.store_id, order_id=order.id, line_no=n, group_no=no, sku_id=sku.id,
                       sku_code=sku.code, name=sku.name_zh, unit=sku.unit, quantity=qty,
                       unit_price_fen=ln.unit_price_fen, amount_fen=ln.amount_fen, discount_fen=ln.discount_fen,
                       returned_quantity=0)
             for n, ((no, _loc, sku, qty), ln) in enumerate(zip(cart, q.lines, strict=True), start=1)]
    groups = {no: FulfilmentGroup(
        store_id=order.store_id, order_id=order.id, group_no=no, location_id=a.location_id,
        mode=order.mode, status="completed" if order.mode == "in_store" else "placed",
        promised_at=now + timedelta(minutes=a.promise_minutes), service=order_in.service,
        pickup_code=f"{secrets.randbelow(10**6):06d}" if order.mode.startswith("pickup") else None,
        reservation_id=None if order.mode == "in_store" else uuid7(),
        delivery_fee_fen=fees[no], cost_fen=0, rider={}, updated_at=now) for no, a in assigned}
    insert_now(session, [order, *lines, *groups.values()])  # three statements, not the unit of work's round
    _first_payment(session, order, order_in.payment)
    _use_coupons_and_points(session, order, order_in, q)
    return groups, lines


def _refuse_coupons(refused) -> None:
    """A chosen coupon that cannot be used refuses the order, with the coupon's own error (as redeeming does)."""
    if refused:
        r = refused[0]
        raise coupons.REFUSED.get(r.reason, CouponNotApplicable)(r.message, detail={
            "code": r.code, "reason": r.reason, "message": r.message,
            "refused": [{"code": x.code, "reason": x.reason, "message": x.message} for x in refused]})


def _use_coupons_and_points(session: Session, order: Order, order_in: OrderCreate, q) -> None:
    """Redeem the order's coupons (each exactly once) and points; cancelling the order gives them back."""
    ref = str(order.id)
    if order_in.coupon_codes:
        coupons.redeem(session, codes=order_in.coupon_codes, member_id=order.member_id, channel=order.channel,
                       store_id=order.store_id, reference=ref)
    if q.points.points:
        loyalty.redeem(session, member_id=order.member_id, points=q.points.points, source=loyalty.Source(
            "order", ref, ref, order.channel, order.store_id, "order"))


def _initial_payment(session: Session, order: Order, payment: PaymentIn | None) -> str:
    if payment is None:
        return "pending"
    if payment.provider == "stored_value":  # debited now: not enough stored value refuses the whole order
        wallet.pay_order(session, member_id=order.member_id, order_id=str(order.id), status=payment.status,
                         transaction_id=payment.transaction_id, amount_fen=payment.amount_fen,
                         channel=order.channel, store_id=order.store_id, actor="order")
    return {"succeeded": "paid", "pending": "pending", "failed": "failed"}[payment.status]


def _first_payment(session: Session, order: Order, payment: PaymentIn | None) -> None:
    """The payment the order was placed with; a transaction id another order holds refuses the order (409)."""
    if payment is not None:
        _add_payment(session, order, payment)


def _reserve_groups(session: Session, order: Order, groups, routed: Routed, settings: Settings) -> None:
    ttl = (settings.fulfilment_hold_hours * 3600 if order.payment_status == "paid"
           else settings.payment_window_minutes * 60)
    for group_no, a in enumerate(routed.decision.assignments, start=1):
        group_lines = _group_lines(routed, a)
        inventory.reserve_lines(
            session, location_id=a.location_id, lines=group_lines, channel=order.channel,
            idempotency_key=f"order:{order.id}:{group_no}", reference=f"order:{order.id}", ttl_seconds=ttl,
            allocs={s.id: routed.allocs[(a.location_id, s.id)] for s, _ in group_lines},
            reservation_id=groups[group_no].reservation_id)


def _sell_at_till(session: Session, order: Order, lines, actor: str) -> Order:
    inventory.sell(session, location_id=order.store_id, lines=_as_qty(lines),
                   doc=inventory.Doc(source_type="order", source_id=order.number, actor=actor))
    order.status, order.completed_at = "completed", clock.now()
    if order.payment_status == "pending":
        order.payment_status = "paid"  # a till sale is paid at the till
    _record(session, order, None, "completed", {"mode": "in_store"}, actor)
    session.flush()
    _completed_event(session, order)
    return order


def _as_qty(lines) -> list:
    from zhongtai.inventory.schemas import Qty

    return [Qty(sku_code=s.code, **({"quantity": q} if s.unit == "piece" else {"weight_g": q})) for s, q in lines]


def _record(session: Session, order: Order, group_no: int | None, kind: str, detail: dict, actor: str) -> None:
    session.info.pop(_JUST_PLACED, None)  # the order changes after placing: `detail` reads it back
    session.add(OrderEvent(store_id=order.store_id, order_id=order.id, id=uuid7(), group_no=group_no, kind=kind,
                           detail=detail, actor=actor, at=clock.now()))


def _completed_event(session: Session, order: Order) -> None:
    lines = repository.lines(session, order)
    outbox.record(session, OrderCompleted(
        store_id=order.store_id, order_id=str(order.id), number=order.number, channel=order.channel,
        member_id=order.member_id, guide_user_id=order.guide_user_id, paid_fen=order.payable_fen - order.refunded_fen,
        lines=[{"line_no": ln.line_no, "sku_id": ln.sku_id, "quantity": ln.picked_quantity if ln.picked_quantity
                is not None else ln.quantity, "amount_fen": ln.amount_fen, "discount_fen": ln.discount_fen}
               for ln in lines]), store_id=order.store_id)


# --- reading ------------------------------------------------------------------------------------------

def visible_to(principal: Principal, order: Order, groups: Sequence[FulfilmentGroup]) -> bool:
    """Staff see orders of their stores, or with a group fulfilled at one of them."""
    return principal.can_see_store(order.store_id) or any(principal.can_see_store(g.location_id) for g in groups)


def get(session: Session, *, principal: Principal, order_id: uuid.UUID, lock: bool = False) -> Order:
    """An order the caller may see; any other answers 404."""
    order = repository.find(session, order_id, lock=lock)
    if order is None or not visible_to(principal, order, repository.groups(session, order)):
        raise OrderNotFound(detail={"order_id": str(order_id)})
    return order


def detail(session: Session, *, order: Order) -> dict:
    """Lines, groups (with the moves each may make next) and the timeline."""
    fresh = _just_placed(session, order)  # just placed in this transaction: nothing to read back
    lines, groups = fresh or (repository.lines(session, order), repository.groups(session, order))
    placed = {"kind": "placed", "group_no": None, "detail": {"routing": order.routing.get("decision", "")},
              "actor": "", "at": order.placed_at}  # placing writes no timeline row: one statement fewer
    return {"lines": lines, "timeline": [placed, *([] if fresh else repository.timeline(session, order))],
            "groups": [{**{c: getattr(g, c) for c in ("group_no", "location_id", "mode", "status", "promised_at",
                                                      "pickup_code", "pickup_deadline", "service", "rider",
                                                      "picking_minutes", "delivery_fee_fen", "cost_fen")},
                        "allowed_next": policies.allowed_next(g.mode, g.status) if g.status in policies.FLOW[g.mode]
                        or g.status == "cancelled" else []} for g in groups]}


def list_orders(session: Session, *, principal: Principal, status, channel, member_id, limit: int, offset: int):
    return repository.page(session, location_ids=stores.visible_store_ids(principal), status=status,
                           channel=channel, member_id=member_id, limit=limit, offset=offset)


def board(session: Session, *, location_id: int) -> list[dict]:
    """A store's open fulfilment work: each group with its order and pick list, soonest promise first."""
    rows = repository.board(session, location_id)
    all_lines = repository.lines_of_groups(session, {(o.store_id, o.id) for _, o in rows})
    out = []
    for group, order in rows:
        pick = [ln for ln in all_lines if ln.order_id == order.id and ln.group_no == group.group_no]
        out.append({"order_id": order.id, "number": order.number, "channel": order.channel, "group": group,
                    "allowed_next": policies.allowed_next(group.mode, group.status), "lines": pick,
                    "contact_name": order.contact.get("name", "")})
    return out


# --- lifecycle ----------------------------------------------------------------------------------------

def _group(session: Session, order: Order, group_no: int) -> FulfilmentGroup:
    for g in repository.groups(session, order):
        if g.group_no == group_no:
            return g
    raise OrderNotFound("Fulfilment group not found", detail={"order_id": str(order.id), "group_no": group_no})


def _move(session: Session, order: Order, group: FulfilmentGroup, target: str, actor: str, **detail) -> None:
    if not policies.can_move(group.mode, group.status, target):
        raise IllegalTransition(detail={"from": group.status, "to": target,
                                        "allowed": policies.allowed_next(group.mode, group.status)})
    group.status, group.updated_at = target, clock.now()
    _record(session, order, group.group_no, target, detail, actor)
    session.flush()
    _refresh_status(session, order)


def _refresh_status(session: Session, order: Order) -> None:
    before, groups = order.status, repository.groups(session, order)
    order.status = policies.order_status([g.status for g in groups])
    if order.status == "completed" and before != "completed":
        order.completed_at = clock.now()
        order.fulfilment_cost_fen = sum(g.cost_fen for g in groups)
        _completed_event(session, order)
    elif order.status == "cancelled" and before != "cancelled":
        order.cancelled_at = clock.now()
        outbox.record(session, OrderCancelled(store_id=order.store_id, order_id=str(order.id), number=order.number,
                                              member_id=order.member_id, reason=order.cancel_reason),
                      store_id=order.store_id)


def advance(session: Session, *, principal: Principal, order_id: uuid.UUID, group_no: int, target: str,
            actor: str) -> Order:
    """Move a group one step (accept, start picking, ship) where no extra facts are needed."""
    order = get(session, principal=principal, order_id=order_id, lock=True)
    group = _group(session, order, group_no)
    _check_location(principal, group)
    if target == "picking":
        _record(session, order, group_no, "picking_started", {}, actor)
    _move(session, order, group, target, actor)
    return order


def _check_location(principal: Principal, group: FulfilmentGroup) -> None:
    """Only the fulfilling location's staff (or head office) works a group."""
    if not principal.can_see_store(group.location_id):
        raise OrderNotFound(detail={"group_no": group.group_no})


def ready(session: Session, *, principal: Principal, order_id: uuid.UUID, group_no: int, picked, picking_minutes,
          actor: str, settings: Settings) -> Order:
    """Picked and packed: the reservation is confirmed (stock leaves), short lines refunded or substituted."""
    order = get(session, principal=principal, order_id=order_id, lock=True)
    group = _group(session, order, group_no)
    _check_location(principal, group)
    if not policies.can_move(group.mode, group.status, "ready"):
        raise IllegalTransition(detail={"from": group.status, "to": "ready",
                                        "allowed": policies.allowed_next(group.mode, group.status)})
    lines = [ln for ln in repository.lines(session, order) if ln.group_no == group_no]
    picks = _picks(lines, picked)
    if any(picks.values()):
        taken = [(_sku(session, ln.sku_id), picks[ln.line_no]) for ln in lines if picks[ln.line_no] > 0]
        inventory.confirm(session, location_id=group.location_id, reservation_id=group.reservation_id,
                          picked=_as_qty(taken), actor=actor)
    else:  # nothing could be picked: the whole reservation goes back
        inventory.release(session, location_id=group.location_id, reservation_id=group.reservation_id, actor=actor)
    _settle_short(session, order, group, lines, picks, picked or [], actor)
    group.picking_minutes = picking_minutes if picking_minutes is not None else _minutes_since_pick(session, order, group)
    group.cost_fen = policies.fulfilment_cost(group.picking_minutes, settings.picking_cost_fen_per_minute,
                                              group.delivery_fee_fen)
    if group.mode.startswith("pickup"):
        group.pickup_deadline = clock.now() + timedelta(hours=settings.pickup_window_hours)
        _record(session, order, group_no, "ready_notice_sent", {"pickup_code_hint": group.pickup_code[-2:]}, actor)
    _move(session, order, group, "ready", actor, picked={str(k): v for k, v in picks.items()})
    return order


def _sku(session: Session, sku_id: int):
    return catalog.get_sku(session, sku_id=sku_id)


def _picks(lines: Sequence[OrderLine], picked) -> dict[int, int]:
    given = {p.line_no: p.picked for p in picked or []}
    unknown = sorted(set(given) - {ln.line_no for ln in lines})
    if unknown:
        raise InvalidInput("Unknown line numbers for this group", detail={"line_nos": unknown})
    over = [ln.line_no for ln in lines if given.get(ln.line_no, ln.quantity) > ln.quantity]
    if over:
        raise InvalidInput("Picked more than ordered", detail={"line_nos": over})
    return {ln.line_no: given.get(ln.line_no, ln.quantity) for ln in lines}


def _settle_short(session: Session, order: Order, group, lines, picks, picked, actor: str) -> None:
    """Short lines: substitute if the customer chose that and the picker offers one, else refund."""
    subs = {p.line_no: p.substitute for p in picked if p.substitute is not None}
    refund = 0
    for ln in lines:
        ln.picked_quantity = picks[ln.line_no]
        short = ln.quantity - ln.picked_quantity
        if short <= 0:
            continue
        if order.substitution == "substitute" and ln.line_no in subs:
            _substitute(session, order, group, ln, subs[ln.line_no], actor)
        else:
            refund += policies.refund_for(ln.amount_fen, ln.discount_fen, ln.quantity, 0, short)
    if refund:
        _refund(session, order, refund, "short_pick", actor)


def _substitute(session: Session, order: Order, group, line: OrderLine, sub, actor: str) -> None:
    """Sell a substitute from the shelf at no more than the original line's price for the short amount."""
    sku = catalog.sku_by_code(session, code=sub.sku_code)
    inventory.sell(session, location_id=group.location_id, lines=[sub],
                   doc=inventory.Doc(source_type="order", source_id=order.number, actor=actor, reason="substitution"))
    short_value = policies.refund_for(line.amount_fen, line.discount_fen, line.quantity, 0,
                                      line.quantity - line.picked_quantity)
    next_no = max(ln.line_no for ln in repository.lines(session, order)) + 1
    session.add(OrderLine(store_id=order.store_id, order_id=order.id, line_no=next_no, group_no=group.group_no,
                          sku_id=sku.id, sku_code=sku.code, name=sku.name_zh, unit=sku.unit, quantity=sub.amount,
                          unit_price_fen=0, amount_fen=short_value, picked_quantity=sub.amount,
                          substitute_of=line.line_no))
    line.amount_fen -= short_value
    _record(session, order, group.group_no, "substituted", {"line_no": line.line_no, "with": sku.code}, actor)


def _refund(session: Session, order: Order, amount: int, why: str, actor: str) -> None:
    order.refunded_fen += amount
    txn = f"{why}:{uuid7()}"
    session.add(Payment(store_id=order.store_id, order_id=order.id, provider="refund", transaction_id=txn,
                        amount_fen=-amount, status="refunded", recorded_at=clock.now()))
    # Stored value gets back its share of the refunds (pro rata by tender), to the buckets it was paid from.
    wallet.refund_order(session, member_id=order.member_id, order_id=str(order.id), refund_id=txn,
                        paid_fen=order.payable_fen, refunded_after_fen=order.refunded_fen, actor=actor)
    _record(session, order, None, "refunded", {"amount_fen": amount, "why": why}, actor)


def _minutes_since_pick(session: Session, order: Order, group) -> int:
    started = [e.at for e in repository.timeline(session, order)
               if e.group_no == group.group_no and e.kind == "picking_started"]
    return max(1, int((clock.now() - started[-1]).total_seconds() // 60)) if started else 1


def handover(session: Session, *, principal: Principal, order_id: uuid.UUID, group_no: int, rider: dict,
             actor: str) -> Order:
    """Hand a delivery to a rider (out for delivery) or a parcel to the carrier (shipped)."""
    order = get(session, principal=principal, order_id=order_id, lock=True)
    group = _group(session, order, group_no)
    _check_location(principal, group)
    group.rider = {**group.rider, **{k: v for k, v in rider.items() if v}}
    _move(session, order, group, "out_for_delivery" if group.mode == "delivery" else "shipped", actor, **rider)
    return order


def complete(session: Session, *, principal: Principal, order_id: uuid.UUID, group_no: int,
             pickup_code: str | None, actor: str) -> Order:
    """Hand over to the customer: pickup needs the right code; deliveries complete when delivered."""
    order = get(session, principal=principal, order_id=order_id, lock=True)
    group = _group(session, order, group_no)
    _check_location(principal, group)
    if group.mode.startswith("pickup") and not secrets.compare_digest(pickup_code or "", group.pickup_code or ""):
        raise WrongPickupCode(detail={"group_no": group_no})
    _move(session, order, group, "completed", actor)
    return order


def cancel(session: Session, *, order: Order, reason: str, actor: str) -> Order:
    """Cancel every open group: reservations released, anything paid refunded."""
    return _cancel_groups(session, order, [g for g in repository.groups(session, order)
                                           if g.status in policies.CANCELLABLE], reason, actor)


def _cancel_groups(session: Session, order: Order, groups, reason: str, actor: str) -> Order:
    """Cancel some groups: stock released (or restocked if picked) and their part of the payment refunded."""
    order.cancel_reason = reason
    lines = repository.lines(session, order)
    value = 0
    for group in groups:
        _release_group(session, group, actor)
        _move(session, order, group, "cancelled", actor, reason=reason)
        value += group.delivery_fee_fen + sum(ln.amount_fen - ln.discount_fen for ln in lines
                                              if ln.group_no == group.group_no)
    if order.payment_status == "paid":
        remaining = order.payable_fen - order.refunded_fen
        refund = remaining if order.status == "cancelled" else min(value, remaining)
        if refund > 0:
            _refund(session, order, refund, "cancelled", actor)
        if order.status == "cancelled":
            order.payment_status = "refunded"
    return order


def _release_group(session: Session, group, actor: str) -> None:
    if group.reservation_id is None or group.status == "ready":
        if group.status == "ready":  # goods were picked: put them back on the shelf
            _restock_picked(session, group, actor)
        return
    res = inventory.get_reservation(session, location_id=group.location_id, reservation_id=group.reservation_id)
    if res.status == "active":
        inventory.release(session, location_id=group.location_id, reservation_id=group.reservation_id, actor=actor)


def _restock_picked(session: Session, group, actor: str) -> None:
    order = repository.find(session, group.order_id)
    lines = [ln for ln in repository.lines(session, order) if ln.group_no == group.group_no and ln.picked_quantity]
    if lines:
        inventory.take_back(session, location_id=group.location_id, condition="sellable",
                            lines=_as_qty([(_sku(session, ln.sku_id), ln.picked_quantity) for ln in lines]),
                            doc=inventory.Doc(source_type="order_cancel", source_id=order.number, actor=actor))


def cancel_by_request(session: Session, *, principal: Principal, order_id: uuid.UUID, reason: str,
                      actor: str) -> Order:
    """Cancel at the customer's or the store's request."""
    order = get(session, principal=principal, order_id=order_id, lock=True)
    # Store staff cancel only the part fulfilled at their stores; the customer's channel cancels it all.
    groups = [g for g in repository.groups(session, order)
              if g.status in policies.CANCELLABLE and principal.can_see_store(g.location_id)]
    if not groups:
        raise IllegalTransition(detail={"from": order.status, "to": "cancelled", "allowed": []})
    return _cancel_groups(session, order, groups, reason, actor)


class PaymentTransactionReused(Conflict):
    code, message = "payment_transaction_reused", "This provider transaction was already recorded differently"


def _already_recorded(session: Session, order: Order, payment_in: PaymentIn) -> bool:
    """True when this exact payment is on the order already; the same transaction used otherwise is 409."""
    known = session.scalar(select(Payment).where(Payment.provider == payment_in.provider,
                                                 Payment.transaction_id == payment_in.transaction_id))
    if known is None:
        return False
    same = (known.store_id, known.order_id, known.amount_fen, known.status) == (
        order.store_id, order.id, payment_in.amount_fen, payment_in.status)
    if not same:
        raise PaymentTransactionReused(detail={"provider": payment_in.provider,
                                               "transaction_id": payment_in.transaction_id})
    return True


def _add_payment(session: Session, order: Order, payment_in: PaymentIn) -> None:
    """Record a payment; if another order holds its transaction id (the unique index decides, also against a
    concurrent twin), 409 and nothing is written."""
    if not repository.insert_payment_if_new(
            session, store_id=order.store_id, order_id=order.id, id=uuid7(), provider=payment_in.provider,
            transaction_id=payment_in.transaction_id, amount_fen=payment_in.amount_fen, status=payment_in.status,
            recorded_at=clock.now()):
        raise PaymentTransactionReused(detail={"provider": payment_in.provider,
                                               "transaction_id": payment_in.transaction_id})


def record_payment(session: Session, *, principal: Principal, order_id: uuid.UUID, payment_in: PaymentIn,
                   actor: str, settings: Settings) -> Order:
    """A payment provider's result: pending extends the hold, failure cancels, success holds for fulfilment."""
    order = get(session, principal=principal, order_id=order_id, lock=True)
    if _already_recorded(session, order, payment_in):  # a provider's retry of the same result
        return order
    if payment_in.provider == "stored_value":  # debited now; not enough is 409 and nothing is recorded
        wallet.pay_order(session, member_id=order.member_id, order_id=str(order.id), status=payment_in.status,
                         transaction_id=payment_in.transaction_id, amount_fen=payment_in.amount_fen,
                         channel=order.channel, store_id=order.store_id, actor=actor)
    _add_payment(session, order, payment_in)
    _record(session, order, None, f"payment_{payment_in.status}", {"provider": payment_in.provider,
                                                                   "amount_fen": payment_in.amount_fen}, actor)
    if payment_in.status == "failed":
        order.payment_status = "failed"
        return cancel(session, order=order, reason="payment failed", actor=actor)
    ttl = settings.payment_window_minutes * 60 if payment_in.status == "pending" else settings.fulfilment_hold_hours * 3600
    for group in repository.groups(session, order):
        if group.reservation_id and group.status == "placed":
            inventory.extend(session, location_id=group.location_id, reservation_id=group.reservation_id,
                             ttl_seconds=ttl)
    order.payment_status = "paid" if payment_in.status == "succeeded" else "pending"
    session.flush()
    return order


def rider_update(session: Session, *, order_id: uuid.UUID, group_no: int, event: str, rider: dict,
                 delivery_fee_fen: int | None, actor: str) -> Order:
    """A delivery partner's signed report: rider assigned, picked up, delivered or failed."""
    order = repository.find(session, order_id, lock=True)
    if order is None:
        raise OrderNotFound(detail={"order_id": str(order_id)})
    group = _group(session, order, group_no)
    group.rider = {**group.rider, **{k: v for k, v in rider.items() if v}}
    if delivery_fee_fen is not None:  # the partner's actual fee replaces the estimate in the cost
        group.cost_fen += delivery_fee_fen - group.delivery_fee_fen
        group.delivery_fee_fen = delivery_fee_fen
    target = {"picked_up": "out_for_delivery", "delivered": "completed"}.get(event)
    if target:
        _move(session, order, group, target, actor, rider=group.rider)
    else:
        _record(session, order, group_no, event, {"rider": group.rider}, actor)
    return order


def expire_order_for_reservation(session: Session, *, reference: str) -> bool:
    """A reservation expired (payment never came, or the hold ran out): cancel what is left of its order."""
    if not reference.startswith("order:"):
        return False
    order = repository.find(session, uuid.UUID(reference.split(":", 1)[1]), lock=True)
    if order is None or order.status in policies.TERMINAL:
        return False
    cancel(session, order=order, reason="reservation expired", actor="system")
    return True


def cancel_no_shows(session: Session, *, limit: int = 200) -> int:
    """Pickups not collected within their window are cancelled; the picked goods go back to stock."""
    groups = repository.overdue_pickups(session, clock.now(), limit)
    for group in groups:
        order = repository.find(session, group.order_id, lock=True)
        _cancel_groups(session, order, [group], "not collected (no-show)", "system")
    return len(groups)


# --- returns and feedback -----------------------------------------------------------------------------

class ReturnTooMuch(InvalidInput):
    code, message = "return_exceeds_sold", "More returned than was sold on that line"


class FeedbackNotAllowed(Conflict):
    code, message = "feedback_not_allowed", "Feedback is taken once, after the order is completed"


def return_goods(session: Session, *, principal: Principal, return_in, actor: str):
    """Goods back at any location: refund pro-rated (discounts included), stock back sellable or written off."""
    from zhongtai.orders.events import ReturnReceived
    from zhongtai.orders.models import Return

    stores.get(session, principal=principal, store_id=return_in.location_id)  # the counter must be the caller's
    order = repository.find(session, return_in.order_id, lock=True)
    if order is None or order.status not in ("completed", "partially_completed", "partially_cancelled"):
        raise OrderNotFound("No completed order with this id", detail={"order_id": str(return_in.order_id)})
    by_no = {ln.line_no: ln for ln in repository.lines(session, order)}
    out, refund, back = [], 0, []
    for rl in return_in.lines:
        ln = by_no.get(rl.line_no)
        sold = (ln.picked_quantity if ln and ln.picked_quantity is not None else ln.quantity) if ln else 0
        if ln is None or ln.returned_quantity + rl.quantity > sold:
            raise ReturnTooMuch(detail={"line_no": rl.line_no, "sold": sold,
                                        "already_returned": ln.returned_quantity if ln else 0})
        amount = policies.refund_for(ln.amount_fen, ln.discount_fen, sold, ln.returned_quantity, rl.quantity)
        ln.returned_quantity += rl.quantity
        refund += amount
        out.append({"line_no": ln.line_no, "sku_id": ln.sku_id, "quantity": rl.quantity, "refund_fen": amount})
        back.append((_sku(session, ln.sku_id), rl.quantity))
    inventory.take_back(session, location_id=return_in.location_id, lines=_as_qty(back),
                        condition=return_in.condition,
                        doc=inventory.Doc(source_type="return", source_id=order.number, actor=actor,
                                          reason=return_in.reason))
    ret = Return(location_id=return_in.location_id, id=uuid7(), order_store_id=order.store_id, order_id=order.id,
                 channel=return_in.channel, condition=return_in.condition, lines=out, refund_fen=refund,
                 reason=return_in.reason, actor=actor, received_at=clock.now())
    session.add(ret)
    _refund(session, order, refund, "return", actor)
    full = all(ln.returned_quantity >= (ln.picked_quantity if ln.picked_quantity is not None else ln.quantity)
               for ln in by_no.values())
    outbox.record(session, ReturnReceived(
        location_id=ret.location_id, return_id=str(ret.id), store_id=order.store_id, order_id=str(order.id),
        number=order.number, member_id=order.member_id, channel=ret.channel, refund_fen=refund, lines=out,
        full_return=full), store_id=ret.location_id)
    session.flush()
    return ret


def returns_of(session: Session, *, order: Order):
    return repository.returns_of(session, order)


def submit_feedback(session: Session, *, principal: Principal, order_id: uuid.UUID, feedback_in):
    """Rating and NPS after completion; a complaint opens a ticket for the store."""
    from zhongtai.orders.events import FeedbackReceived
    from zhongtai.orders.models import Feedback

    order = get(session, principal=principal, order_id=order_id)
    if order.status not in ("completed", "partially_completed") or repository.feedback_of(session, order):
        raise FeedbackNotAllowed(detail={"status": order.status})
    fb = Feedback(store_id=order.store_id, id=uuid7(), order_id=order.id, channel=order.channel,
                  member_id=order.member_id, rating=feedback_in.rating, nps=feedback_in.nps,
                  comment=feedback_in.comment, complaint=feedback_in.complaint,
                  ticket_status="open" if feedback_in.complaint else None, submitted_at=clock.now())
    session.add(fb)
    _record(session, order, None, "feedback", {"rating": fb.rating, "nps": fb.nps, "complaint": fb.complaint}, "")
    outbox.record(session, FeedbackReceived(store_id=order.store_id, order_id=str(order.id), channel=order.channel,
                                            rating=fb.rating, nps=fb.nps, complaint=fb.complaint),
                  store_id=order.store_id)
    session.flush()
    return fb


def nps_report(session: Session, *, principal: Principal, by: str) -> list[dict]:
    """NPS and average rating per store or per channel, over the caller's stores."""
    groups: dict[str, list[tuple[int | None, int]]] = {}
    for key, score, rating in repository.nps_rows(session, by, stores.visible_store_ids(principal)):
        groups.setdefault(str(key), []).append((score, rating))
    return [{"key": k, "responses": len(v), "nps": policies.nps(s for s, _ in v if s is not None),
             "average_rating": round(sum(r for _, r in v) / len(v), 2)} for k, v in sorted(groups.items())]


def complaints(session: Session, *, principal: Principal, status: str | None):
    return repository.complaints(session, stores.visible_store_ids(principal), status)


def resolve_complaint(session: Session, *, principal: Principal, feedback_id: uuid.UUID, resolution: str):
    """Close a complaint ticket with what the store did."""
    fb = repository.get_feedback(session, feedback_id)
    if fb is None or not fb.complaint or not principal.can_see_store(fb.store_id):
        raise NotFound("Complaint not found", detail={"feedback_id": str(feedback_id)})
    fb.ticket_status, fb.resolution = "resolved", resolution
    session.flush()
    return fb


# --- members ------------------------------------------------------------------------------------------

def move_member_orders(session: Session, *, from_member_id: int, to_member_id: int) -> int:
    """Set-based: every order of one member moves to another (a merge)."""
    return repository.move_member(session, from_member_id, to_member_id)


def unmove_member_orders(session: Session, *, survivor_id: int, merged_id: int) -> int:
    """Undo `move_member_orders` for the orders that came from `merged_id`."""
    return repository.unmove_member(session, survivor_id, merged_id)


def anonymise_member_orders(session: Session, *, member_ids: Sequence[int]) -> int:
    """Remove personal contact data from the orders of erased members; amounts and lines stay."""
    return repository.anonymise(session, member_ids)


# --- till uploads (bulk) --------------------------------------------------------------------------------

class TillOrder(NamedTuple):
    """A till transaction seen for the first time; it becomes a completed, paid in-store POS order."""

    store_id: int
    id: uuid.UUID
    placed_at: datetime
    external_ref: str  # unique per source and transaction: also the till payment's transaction id
    member_id: int | None
    tender: str


class TillLine(NamedTuple):
    """One sold line of a till order (new or recorded before); `sku` is the catalogue SKU."""

    store_id: int
    order_id: uuid.UUID
    line_no: int
    sku: Any
    quantity: int
    unit_price_fen: int
    amount_fen: int


def till_order_number(order: TillOrder) -> str:
    return f"{order.placed_at:%y%m%d}{order.id.hex[-12:].upper()}"


def record_till_sales(session: Session, *, orders: Sequence[TillOrder], lines: Sequence[TillLine],
                      actor: str) -> dict[uuid.UUID, str]:
    """Bulk: till transactions as completed in-store orders at their own time (new ones) and their lines."""
    totals: dict[uuid.UUID, int] = defaultdict(int)
    for ln in lines:
        totals[ln.order_id] += ln.amount_fen
    numbers = {o.id: till_order_number(o) for o in orders}
    repository.copy_till_orders(session, orders, totals, numbers, actor, clock.now())
    repository.copy_till_lines(session, lines)
    later = {(ln.store_id, ln.order_id): totals[ln.order_id] for ln in lines if ln.order_id not in numbers}
    repository.add_to_till_totals(session, later)
    _till_completed_events(session, orders, lines, totals, numbers)
    return numbers


def _till_completed_events(session: Session, orders, lines, totals, numbers) -> None:
    """Members' till orders earn points like any completed order; anonymous ones concern no handler."""
    by_order: dict[uuid.UUID, list] = defaultdict(list)
    for ln in lines:
        by_order[ln.order_id].append(ln)
    for o in (o for o in orders if o.member_id is not None):
        outbox.record(session, OrderCompleted(
            store_id=o.store_id, order_id=str(o.id), number=numbers[o.id], channel="pos", member_id=o.member_id,
            guide_user_id=None, paid_fen=totals[o.id],
            lines=[{"line_no": ln.line_no, "sku_id": ln.sku.id, "quantity": ln.quantity, "amount_fen": ln.amount_fen,
                    "discount_fen": 0} for ln in by_order[o.id]]), store_id=o.store_id)


def record_till_sales_staged(session: Session, *, orders: str, lines: str, actor: str) -> None:
    """Bulk, set-based (PostgreSQL): like `record_till_sales`, with the new orders and the sold lines in scratch
    tables or views named `orders` and `lines` (columns: see `repository.insert_till_sales`)."""
    import json

    repository.insert_till_sales(session, orders=orders, lines=lines, actor=actor, now=clock.now(),
                                 routing=json.dumps({"mode": "in_store", "source": "till"}))
    by_order: dict[uuid.UUID, list] = defaultdict(list)
    for row in repository.till_member_sales(session, orders=orders, lines=lines):
        by_order[row[1]].append(row)
    for order_id, rows in by_order.items():
        store_id, _id, number, member_id, paid = rows[0][:5]
        outbox.record(session, OrderCompleted(
            store_id=store_id, order_id=str(order_id), number=number, channel="pos", member_id=member_id,
            guide_user_id=None, paid_fen=paid,
            lines=[{"line_no": r[5], "sku_id": r[6], "quantity": r[7], "amount_fen": r[8], "discount_fen": 0}
                   for r in rows]), store_id=store_id)
