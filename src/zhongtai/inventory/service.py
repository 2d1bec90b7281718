"""Inventory use cases. Every stock change goes through `_post` (ledger + level + batches + event) or the
reservation statements, so on hand always equals the ledger and reserved the active reservations."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from zhongtai.catalog import service as catalog
from zhongtai.catalog.models import Sku
from zhongtai.db import dialect
from zhongtai.db.session import Read, raises_as, read_all
from zhongtai.inventory import policies, repository
from zhongtai.inventory.events import ReservationClosed, ReservationCreated, StockChanged, StockOversold
from zhongtai.inventory.models import ChannelAllocation, CycleCount, Reservation, Transfer
from zhongtai.inventory.schemas import Qty, ReservationCreate
from zhongtai.kernel import clock, outbox
from zhongtai.kernel.errors import Conflict, InvalidInput, NotFound


class UnitMismatch(InvalidInput):
    code, message = "unit_mismatch", "Amount given in the wrong unit for this SKU"


class BestBeforeNotTracked(InvalidInput):
    code, message = "best_before_not_tracked", "Best-before dates are kept only for SKUs with a shelf life"


class InsufficientStock(Conflict):
    code, message = "insufficient_stock", "Not enough stock to promise"


def _short_at_commit(diag) -> InsufficientStock:
    """The stock trigger's refusal (PostgreSQL, at commit) as the same 409 the SQLite path raises."""
    d = json.loads(diag.message_detail)
    can = policies.promisable(d["on_hand"], d["reserved"], d["safety_stock"],
                              policies.Allocation(d["online_percent"], d["walk_in_buffer"]))
    return InsufficientStock(detail={"location_id": d["location_id"], "lines": [
        {"sku_code": d["sku_code"], "requested": d["requested"], "promisable": can}]})


raises_as("ZT409", _short_at_commit)


class ReservationNotFound(NotFound):
    code, message = "reservation_not_found", "Reservation not found"


class ReservationClosedError(Conflict):
    code, message = "reservation_not_active", "The reservation is no longer active"


class IdempotencyMismatch(Conflict):
    code, message = "reservation_key_reused", "This idempotency key was used for different lines"


class PickExceedsReservation(InvalidInput):
    code, message = "pick_exceeds_reservation", "Picked more than was reserved"


@dataclass(frozen=True)
class Doc:
    """Where a movement comes from: kind of document, its id, who, when, why."""

    source_type: str = ""
    source_id: str = ""
    actor: str = ""
    reason: str = ""
    occurred_at: datetime | None = None


def resolve_lines(session: Session, lines: Sequence[Qty], skus: dict[str, Sku] | None = None) -> list[tuple[Sku, int]]:
    """(SKU, amount) per distinct SKU, in SKU id order; refuses unknown SKUs and amounts in the wrong unit.

    `skus` (by code) may be given when the caller already loaded them."""
    skus = skus if skus is not None else catalog.skus_by_codes(session, codes={line.sku_code for line in lines})
    wrong = sorted({line.sku_code for line in lines if skus[line.sku_code].unit != line.unit})
    if wrong:
        raise UnitMismatch(detail={"sku_codes": wrong, "hint": "use weight_g for gram SKUs, quantity for piece SKUs"})
    totals: dict[int, int] = defaultdict(int)
    for line in lines:
        totals[skus[line.sku_code].id] += line.amount
    by_id = {s.id: s for s in skus.values()}
    return [(by_id[sku_id], totals[sku_id]) for sku_id in sorted(totals)]


def _changed(session: Session, location_id: int, sku_id: int, kind: str, d_on_hand: int, d_reserved: int,
             level: tuple[int, int, int], doc: Doc) -> None:
    on_hand, reserved, safety = level
    outbox.record(session, StockChanged(
        location_id=location_id, sku_id=sku_id, kind=kind, delta_on_hand=d_on_hand, delta_reserved=d_reserved,
        on_hand=on_hand, reserved=reserved, safety_stock=safety,
        available=policies.available(on_hand, reserved, safety),
        source_type=doc.source_type, source_id=doc.source_id), store_id=location_id)
    if on_hand < reserved or on_hand < 0:
        outbox.record(session, StockOversold(location_id=location_id, sku_id=sku_id, on_hand=on_hand,
                                             reserved=reserved, source_type=doc.source_type,
                                             source_id=doc.source_id), store_id=location_id)


def _post(session: Session, *, location_id: int, sku: Sku, delta: int, kind: str, doc: Doc,
          best_before: date | None = None, batch_code: str = "", reserved_delta: int = 0,
          track_batches: bool = True) -> tuple[int, int, int]:
    """Append ledger rows for one change, move on hand (and fresh batches, FEFO) and record the event.

    Batches are kept for fresh SKUs (those with a shelf life); `track_batches=False` books a change that
    concerns no batch on the shelf (goods returned damaged and written off at once)."""
    batched = sku.is_fresh and track_batches
    base = {"location_id": location_id, "sku_id": sku.id, "kind": kind, "reason": doc.reason, "source_type": doc.source_type,
                "source_id": doc.source_id, "actor": doc.actor, "occurred_at": doc.occurred_at or clock.now()}
    rows = []
    if delta < 0 and batched:
        # The level row first: a SKU's batches are only locked by whoever holds its level, so no deadlocks.
        repository.lock_levels(session, location_id, [sku.id])
        takes, left = policies.fefo_take(repository.open_batches(session, location_id, sku.id), -delta)
        for batch_id, taken in takes:
            repository.take_from_batch(session, location_id, batch_id, taken)
            rows.append(dict(base, quantity=-taken, batch_id=batch_id))
        if left:
            rows.append(dict(base, quantity=-left, batch_id=None))
    elif delta > 0 and batched:
        batch_id = repository.add_batch(session, location_id=location_id, sku_id=sku.id, batch_code=batch_code,
                                        best_before=best_before or _default_best_before(sku), quantity=delta)
        rows.append(dict(base, quantity=delta, batch_id=batch_id))
    else:
        rows.append(dict(base, quantity=delta, batch_id=None))
    repository.add_movements(session, rows)
    level = repository.add_on_hand(session, location_id, sku.id, delta, reserved_delta)
    _changed(session, location_id, sku.id, kind, delta, reserved_delta, level, doc)
    return level


def _default_best_before(sku: Sku) -> date | None:
    return (clock.now() + timedelta(days=sku.shelf_life_days)).date() if sku.shelf_life_days else None


def receive(session: Session, *, location_id: int, lines: Sequence, doc: Doc) -> int:
    """Goods in (purchase receipt): on hand up, fresh goods as dated batches. Returns lines posted."""
    resolved = dict(resolve_lines(session, lines))
    by_code = {s.code: s for s in resolved}
    untracked = sorted({ln.sku_code for ln in lines if getattr(ln, "best_before", None) and not by_code[ln.sku_code].is_fresh})
    if untracked:
        raise BestBeforeNotTracked(detail={"sku_codes": untracked,
                                           "hint": "give the SKU a shelf life to track its batches"})
    for line in sorted(lines, key=lambda ln: by_code[ln.sku_code].id):  # key order: no deadlocks
        _post(session, location_id=location_id, sku=by_code[line.sku_code], delta=line.amount, kind="receipt",
              doc=doc, best_before=getattr(line, "best_before", None), batch_code=getattr(line, "batch_code", ""))
    return len(lines)


def adjust(session: Session, *, location_id: int, sku_code: str, delta: int, doc: Doc) -> tuple[int, int, int]:
    """A signed correction with a reason (damage, theft, found goods)."""
    sku = catalog.sku_by_code(session, code=sku_code)
    return _post(session, location_id=location_id, sku=sku, delta=delta, kind="adjustment", doc=doc)


def sell(session: Session, *, location_id: int, lines: Sequence[Qty], doc: Doc) -> list[int]:
    """A till sale: goods already left with the shopper, so it always posts; returns SKU ids now oversold."""
    oversold = []
    for sku, amount in resolve_lines(session, lines):
        on_hand, reserved, _ = _post(session, location_id=location_id, sku=sku, delta=-amount, kind="sale", doc=doc)
        if on_hand < reserved or on_hand < 0:
            oversold.append(sku.id)
    return oversold


def take_back(session: Session, *, location_id: int, lines: Sequence[Qty], condition: str, doc: Doc) -> None:
    """A customer return at this location; damaged goods are written off straight away."""
    for sku, amount in resolve_lines(session, lines):
        sellable = condition != "damaged"
        _post(session, location_id=location_id, sku=sku, delta=amount, kind="return", doc=doc, track_batches=sellable)
        if not sellable:  # written off as it came in: the batches on the shelf are untouched
            _post(session, location_id=location_id, sku=sku, delta=-amount, kind="adjustment",
                  doc=Doc(**{**doc.__dict__, "reason": "returned damaged"}), track_batches=False)


# --- reservations -------------------------------------------------------------------------------------

def reserve(session: Session, *, location_id: int, reservation_in: ReservationCreate,
            actor: str = "") -> tuple[Reservation, bool]:
    """Hold stock for a channel until confirmed, released or expired; all lines or none.

    Returns (reservation, created). The same idempotency key returns the same reservation.
    """
    channel = reservation_in.channel
    if dialect.is_postgres(session):
        made = _reserve_by_codes(session, location_id, reservation_in)
        if made is not None:
            return made
    # SQLite, or a line PostgreSQL could not resolve (found again here, to name what is wrong): one read
    # of plain rows (the SKUs and the store's allocation rules), then the write.
    skus, rules = repository.reservation_facts(session, {ln.sku_code for ln in reservation_in.lines}, location_id,
                                               with_rules=channel in policies.ONLINE_CHANNELS)
    missing = sorted({ln.sku_code for ln in reservation_in.lines} - skus.keys())
    if missing:
        raise catalog.UnknownSkus(detail={"unknown": missing})
    lines = resolve_lines(session, reservation_in.lines, skus=skus)  # type: ignore[arg-type]
    by_path = {rule.category_path: policies.Allocation(rule.online_percent, rule.walk_in_buffer) for rule in rules}
    allocs = {sku.id: policies.allocation_for(channel, sku.category_path, by_path) for sku, _ in lines}
    res = reserve_lines(session, location_id=location_id, lines=lines, channel=channel,  # type: ignore[arg-type]
                        idempotency_key=reservation_in.idempotency_key, reference=reservation_in.reference,
                        ttl_seconds=reservation_in.ttl_seconds, allocs=allocs)
    if res is None:  # the key was used before, or a concurrent twin has just used it
        twin = repository.reservation_by_key(session, location_id, reservation_in.idempotency_key)
        return _same_reservation(session, twin, lines), False
    return res, True


def _reserve_by_codes(session: Session, location_id: int,
                      reservation_in: ReservationCreate) -> tuple[Reservation, bool] | None:
    """PostgreSQL's path for a reservation by SKU codes: one statement resolves, reserves and records it
    (the hot path of every channel's hold on a hot SKU). None if a line could not be resolved, so that
    the caller names what is wrong; a repeated key returns the earlier reservation as `reserve` does."""
    now = clock.now()
    values = {"location_id": location_id, "id": _new_id(), "idempotency_key": reservation_in.idempotency_key,
              "channel": reservation_in.channel, "reference": reservation_in.reference, "created_at": now,
              "expires_at": now + timedelta(seconds=reservation_in.ttl_seconds)}
    event = ReservationCreated(location_id=location_id, reservation_id=str(values["id"]),
                               reference=reservation_in.reference, channel=reservation_in.channel,
                               expires_at=values["expires_at"].isoformat(), lines=[])  # the statement adds them
    made = repository.reserve_by_codes(
        session, values, [(ln.sku_code, ln.unit, ln.amount) for ln in reservation_in.lines],
        online=reservation_in.channel in policies.ONLINE_CHANNELS,
        event=outbox.prepare(session, event, store_id=location_id))
    if made is None:
        return None
    if made:
        session.info["reservations_pending"] = True
        return Reservation(status="active", **values), True
    twin = repository.reservation_by_key(session, location_id, reservation_in.idempotency_key)
    return _same_reservation(session, twin, resolve_lines(session, reservation_in.lines)), False


def reserve_lines(session: Session, *, location_id: int, lines: Sequence[tuple[Sku, int]], channel: str,
                  idempotency_key: str, reference: str, ttl_seconds: int,
                  allocs: dict[int, policies.Allocation] | None = None,
                  reservation_id: uuid.UUID | None = None) -> Reservation | None:
    """Reserve resolved (SKU, amount) lines in a few statements; the reservation, or None if the key
    already exists. Raises InsufficientStock (the caller's transaction must roll back)."""
    if allocs is None:
        allocs = _allocations(session, location_id, channel, [s for s, _ in lines])
    now = clock.now()
    values = {"location_id": location_id, "id": reservation_id or _new_id(), "idempotency_key": idempotency_key,
              "channel": channel, "reference": reference, "status": "active", "created_at": now,
              "expires_at": now + timedelta(seconds=ttl_seconds)}
    rows = [{"sku_id": s.id, "quantity": q, "online_percent": allocs[s.id].online_percent,
             "walk_in_buffer": allocs[s.id].walk_in_buffer} for s, q in lines]
    event = ReservationCreated(location_id=location_id, reservation_id=str(values["id"]), reference=reference,
                               channel=channel, expires_at=values["expires_at"].isoformat(),
                               lines=[{"sku_id": s.id, "quantity": q} for s, q in lines])
    if dialect.is_postgres(session):
        # One statement; the lines' trigger takes the stock (same condition, same event) as the
        # transaction commits, so the hot row is locked only for the commit itself.
        made = repository.reserve_at_commit(session, values, rows, outbox.prepare(session, event, store_id=location_id))
        if made:  # a repeated key adds no lines; an earlier reservation's pending stock still counts
            session.info["reservations_pending"] = True
        return Reservation(**values) if made else None
    # SQLite serialises writers: the stock is taken now, the lines' rows in SKU order.
    res = repository.insert_reservation_if_new(session, values)  # the key check too: no read first
    if res is None:
        return None
    repository.add_reservation_lines(session, [dict(location_id=location_id, reservation_id=values["id"], **r)
                                               for r in rows])
    _take_stock(session, location_id, lines, allocs, values["id"])
    outbox.record(session, event, store_id=location_id)
    return res


def reserve_at_once(session: Session) -> None:
    """Make reservations in this transaction take their stock when made, not at commit (PostgreSQL): for
    a batch that places many orders in one transaction, a shortage then fails that order's savepoint
    alone instead of the whole batch at commit."""
    repository.take_reserved_stock_at_once(session)


def promisable_read(*, location_ids: Sequence[int], channel: str, codes: Collection[str]) -> Read:
    """The stock and allocation rules `promisable_from` needs, to run with other reads."""
    return repository.levels_and_rules_read(codes, location_ids, with_rules=channel in policies.ONLINE_CHANNELS)


def promisable_from(session: Session, stock_rows: Sequence[Any], *, location_ids: Sequence[int], channel: str,
                    lines: Sequence[tuple[Sku, int]]):
    """What each location may promise the channel now, per SKU id, and the allocation rules used, from the
    rows of `promisable_read`; pass the rules on to `reserve_lines`."""
    skus = [s for s, _ in lines]
    rows, rules = repository.levels_and_rules_from(stock_rows)
    allocs = _allocations_many(session, location_ids, channel, skus, rows=rules)
    out: dict[int, dict[int, int]] = {loc: {} for loc in location_ids}
    for loc, sku_id, on_hand, reserved, safety in rows:
        out[loc][sku_id] = policies.promisable(on_hand, reserved, safety, allocs[(loc, sku_id)])
    return out, allocs


def _take_stock(session: Session, location_id: int, lines, allocs, reservation_id) -> None:
    doc = Doc(source_type="reservation", source_id=str(reservation_id))
    with session.no_autoflush:  # the events go out with the commit, in one statement
        _take_each(session, location_id, lines, allocs, doc)


def _take_each(session: Session, location_id: int, lines, allocs, doc: Doc) -> None:
    for sku, qty in lines:  # SKU id order: concurrent multi-line reservations lock rows in one order
        alloc = allocs[sku.id]
        level = repository.try_reserve(session, location_id, sku.id, qty, alloc.online_percent, alloc.walk_in_buffer)
        if level is None:
            raise InsufficientStock(detail={"location_id": location_id,
                                            "lines": _shortages(session, location_id, lines, allocs)})
        _changed(session, location_id, sku.id, "reserve", 0, qty, tuple(level), doc)


def _new_id() -> uuid.UUID:
    from zhongtai.kernel.ids import uuid7

    return uuid7()


def _allocations(session: Session, location_id: int, channel: str, skus: Sequence[Sku]) -> dict[int, policies.Allocation]:
    """The allocation rule per SKU id at one location (see `_allocations_many`)."""
    return {sku_id: alloc for (_loc, sku_id), alloc in _allocations_many(session, [location_id], channel, skus).items()}


def _shortages(session: Session, location_id: int, lines, allocs) -> list[dict]:
    levels = repository.levels(session, location_id, [s.id for s, _ in lines])
    out = []
    for sku, qty in lines:
        lvl = levels.get(sku.id)
        can = policies.promisable(lvl.on_hand, lvl.reserved, lvl.safety_stock, allocs[sku.id]) if lvl else 0
        if can < qty:
            out.append({"sku_code": sku.code, "requested": qty, "promisable": can})
    return out


def _same_reservation(session: Session, existing: Reservation, lines) -> Reservation:
    have = {(ln.sku_id, ln.quantity) for ln in repository.reservation_lines(session, existing.location_id, existing.id)}
    if have != {(s.id, q) for s, q in lines}:
        raise IdempotencyMismatch(detail={"reservation_id": str(existing.id)})
    return existing


def get_reservation(session: Session, *, location_id: int, reservation_id: uuid.UUID, lock: bool = False):
    """A reservation at a location (404 if it is not there)."""
    res = repository.get_reservation(session, location_id, reservation_id, lock=lock)
    if res is None:
        raise ReservationNotFound(detail={"reservation_id": str(reservation_id)})
    return res


def reservation_lines(session: Session, *, reservation: Reservation):
    return repository.reservation_lines(session, reservation.location_id, reservation.id)


def _active(session: Session, location_id: int, reservation_id: uuid.UUID) -> Reservation:
    res = get_reservation(session, location_id=location_id, reservation_id=reservation_id, lock=True)
    if res.status != "active":
        raise ReservationClosedError(detail={"reservation_id": str(res.id), "status": res.status,
                                             "allowed_from": ["active"]})
    return res


def confirm(session: Session, *, location_id: int, reservation_id: uuid.UUID, picked: Sequence[Qty] | None = None,
            actor: str = "") -> Reservation:
    """Goods picked: reserved stock leaves as a fulfilment movement (FEFO); anything not picked is released."""
    res = _active(session, location_id, reservation_id)
    lines = reservation_lines(session, reservation=res)
    picks = _picked(session, lines, picked)
    skus = catalog.skus_by_ids(session, ids=[ln.sku_id for ln in lines])
    doc = Doc(source_type="reservation", source_id=str(res.id), actor=actor, reason=res.reference)
    for line in lines:
        take = picks.get(line.sku_id, line.quantity)
        if take:
            _post(session, location_id=location_id, sku=skus[line.sku_id], delta=-take, kind="fulfilment",
                  doc=doc, reserved_delta=-take)
        if take < line.quantity:
            level = repository.unreserve(session, location_id, line.sku_id, line.quantity - take, consume=False)
            _changed(session, location_id, line.sku_id, "release", 0, take - line.quantity, level, doc)
    return _close(session, res, "confirmed")


def _picked(session: Session, lines, picked: Sequence[Qty] | None) -> dict[int, int]:
    if picked is None:
        return {}
    amounts = {s.id: q for s, q in resolve_lines(session, picked)}
    reserved = {ln.sku_id: ln.quantity for ln in lines}
    over = [sid for sid, q in amounts.items() if q > reserved.get(sid, 0)]
    if over:
        raise PickExceedsReservation(detail={"sku_ids": over})
    return {sid: amounts.get(sid, 0) for sid in reserved}


def release(session: Session, *, location_id: int, reservation_id: uuid.UUID, actor: str = "") -> Reservation:
    """Give reserved stock back (order cancelled, payment failed)."""
    res = _active(session, location_id, reservation_id)
    doc = Doc(source_type="reservation", source_id=str(res.id), actor=actor)
    for line in reservation_lines(session, reservation=res):
        level = repository.unreserve(session, location_id, line.sku_id, line.quantity, consume=False)
        _changed(session, location_id, line.sku_id, "release", 0, -line.quantity, level, doc)
    return _close(session, res, "released")


def extend(session: Session, *, location_id: int, reservation_id: uuid.UUID, ttl_seconds: int) -> Reservation:
    """Keep a reservation alive longer (an asynchronous payment is still pending)."""
    res = _active(session, location_id, reservation_id)
    res.expires_at = max(res.expires_at, clock.now() + timedelta(seconds=ttl_seconds))
    session.flush()
    return res


def _close(session: Session, res: Reservation, status: str) -> Reservation:
    res.status, res.closed_at = status, clock.now()
    session.flush()
    outbox.record(session, ReservationClosed(location_id=res.location_id, reservation_id=str(res.id),
                                             reference=res.reference, status=status), store_id=res.location_id)
    return res


def expire_due(session: Session, *, limit: int = 500) -> int:
    """Expire active reservations past their time, set-based; returns how many expired."""
    due = repository.claim_due_reservations(session, clock.now(), limit)
    if not due:
        return 0
    keys = [(r.location_id, r.id) for r in due]
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for line in repository.lines_for(session, keys):
        totals[(line.location_id, line.sku_id)] += line.quantity
    for (location_id, sku_id), qty in sorted(totals.items()):
        level = repository.unreserve(session, location_id, sku_id, qty, consume=False)
        _changed(session, location_id, sku_id, "expire", 0, -qty, level, Doc(source_type="reservation_expiry"))
    now = clock.now()
    for res in due:
        res.status, res.closed_at = "expired", now
        outbox.record(session, ReservationClosed(location_id=res.location_id, reservation_id=str(res.id),
                                                 reference=res.reference, status="expired"), store_id=res.location_id)
    session.flush()
    return len(due)


def set_safety_stock(session: Session, *, location_id: int, sku_code: str, qty: int) -> tuple[int, int, int]:
    """Set the stock a location keeps back from every promise."""
    sku = catalog.sku_by_code(session, code=sku_code)
    level = repository.set_safety_stock(session, location_id, sku.id, qty)
    _changed(session, location_id, sku.id, "safety_stock", 0, 0, level, Doc(source_type="safety_stock"))
    return level



# --- transfers and counts -----------------------------------------------------------------------------

class TransferNotFound(NotFound):
    code, message = "transfer_not_found", "Transfer not found"


class TransferStateError(Conflict):
    code, message = "illegal_transfer_transition", "The transfer is not in a state that allows this"


def create_transfer(session: Session, *, from_location_id: int, to_location_id: int, lines: Sequence[Qty],
                    note: str, actor: str) -> Transfer:
    """Draft a transfer of goods between two locations."""
    if from_location_id == to_location_id:
        raise InvalidInput("A transfer needs two different locations", detail={"location_id": to_location_id})
    resolved = resolve_lines(session, lines)
    transfer = Transfer(from_location_id=from_location_id, to_location_id=to_location_id, status="draft",
                        lines=[{"sku_id": s.id, "sku_code": s.code, "quantity": q} for s, q in resolved],
                        note=note, created_by=actor, created_at=clock.now())
    repository.add(session, transfer)
    return transfer


def get_transfer(session: Session, *, transfer_id: uuid.UUID, lock: bool = False) -> Transfer:
    transfer = repository.find_transfer(session, transfer_id, lock=lock)
    if transfer is None:
        raise TransferNotFound(detail={"transfer_id": str(transfer_id)})
    return transfer


def _transition(transfer: Transfer, allowed_from: str) -> None:
    if transfer.status != allowed_from:
        raise TransferStateError(detail={"status": transfer.status, "allowed_from": [allowed_from]})


def ship_transfer(session: Session, *, transfer_id: uuid.UUID, actor: str) -> Transfer:
    """Goods leave the sending location (FEFO); the batches taken travel with the transfer."""
    transfer = get_transfer(session, transfer_id=transfer_id, lock=True)
    _transition(transfer, "draft")
    skus = catalog.skus_by_ids(session, ids=[ln["sku_id"] for ln in transfer.lines])
    repository.lock_levels(session, transfer.from_location_id, list(skus))  # levels before batches, as in _post
    doc = Doc(source_type="transfer", source_id=str(transfer.id), actor=actor)
    shipped = []
    for line in transfer.lines:
        before = _batch_snapshot(session, transfer.from_location_id, skus[line["sku_id"]])
        _post(session, location_id=transfer.from_location_id, sku=skus[line["sku_id"]], delta=-line["quantity"],
              kind="transfer_out", doc=doc)
        shipped.append({**line, "batches": _taken(session, transfer.from_location_id, skus[line["sku_id"]], before)})
    transfer.lines, transfer.status, transfer.shipped_at = shipped, "in_transit", clock.now()
    session.flush()
    return transfer


def _batch_snapshot(session: Session, location_id: int, sku: Sku) -> dict:
    if not sku.is_fresh:
        return {}
    return {bid: (bb, qty) for bid, bb, qty in repository.open_batches(session, location_id, sku.id)}


def _taken(session: Session, location_id: int, sku: Sku, before: dict) -> list[dict]:
    after = {bid: qty for bid, _bb, qty in repository.open_batches(session, location_id, sku.id)} if before else {}
    taken = [(bb, qty - after.get(bid, 0)) for bid, (bb, qty) in before.items() if qty - after.get(bid, 0) > 0]
    return [{"best_before": bb.isoformat() if bb else None, "quantity": q} for bb, q in sorted(
        taken, key=lambda t: (t[0] is None, t[0] or date.max))]


def receive_transfer(session: Session, *, transfer_id: uuid.UUID, actor: str) -> Transfer:
    """Goods arrive: stock rises at the receiving location, with the batches' best-before dates."""
    transfer = get_transfer(session, transfer_id=transfer_id, lock=True)
    _transition(transfer, "in_transit")
    skus = catalog.skus_by_ids(session, ids=[ln["sku_id"] for ln in transfer.lines])
    doc = Doc(source_type="transfer", source_id=str(transfer.id), actor=actor)
    for line in transfer.lines:
        sku, dated = skus[line["sku_id"]], sum(b["quantity"] for b in line.get("batches", []))
        for batch in line.get("batches", []):
            bb = date.fromisoformat(batch["best_before"]) if batch["best_before"] else None
            _post(session, location_id=transfer.to_location_id, sku=sku, delta=batch["quantity"],
                  kind="transfer_in", doc=doc, best_before=bb)
        if line["quantity"] - dated > 0:
            _post(session, location_id=transfer.to_location_id, sku=sku, delta=line["quantity"] - dated,
                  kind="transfer_in", doc=doc)
    transfer.status, transfer.received_at = "received", clock.now()
    session.flush()
    return transfer


def cancel_transfer(session: Session, *, transfer_id: uuid.UUID) -> Transfer:
    """Drop a transfer that has not left yet."""
    transfer = get_transfer(session, transfer_id=transfer_id, lock=True)
    _transition(transfer, "draft")
    transfer.status = "cancelled"
    session.flush()
    return transfer


def list_transfers(session: Session, *, location_ids, limit: int, offset: int):
    return repository.transfers_page(session, location_ids, limit=limit, offset=offset)


def post_count(session: Session, *, location_id: int, lines: Sequence, reason: str, actor: str) -> CycleCount:
    """Record counted amounts; each difference from on hand posts as a `count` movement with the reason."""
    skus = catalog.skus_by_codes(session, codes={ln.sku_code for ln in lines})
    counted = {skus[ln.sku_code].id: ln.counted for ln in lines}
    levels = repository.lock_levels(session, location_id, counted)
    doc = Doc(source_type="cycle_count", actor=actor, reason=reason)
    out = []
    for sku_id in sorted(counted):
        expected = levels[sku_id].on_hand if sku_id in levels else 0
        diff = counted[sku_id] - expected
        if diff:
            sku = next(s for s in skus.values() if s.id == sku_id)
            _post(session, location_id=location_id, sku=sku, delta=diff, kind="count", doc=doc)
        out.append({"sku_id": sku_id, "counted": counted[sku_id], "expected": expected, "difference": diff})
    count = CycleCount(location_id=location_id, reason=reason, lines=out, counted_by=actor, posted_at=clock.now())
    repository.add(session, count)
    return count


def list_counts(session: Session, *, location_id: int, limit: int, offset: int):
    return repository.counts_page(session, location_id, limit=limit, offset=offset)


# --- queries ------------------------------------------------------------------------------------------

def stock(session: Session, *, location_id: int, sku_ids=None, low_only: bool = False, limit: int, offset: int):
    """A page of stock rows at a location with their SKUs."""
    rows, total = repository.stock_page(session, location_id, sku_ids=sku_ids, low_only=low_only, limit=limit,
                                        offset=offset)
    skus = catalog.skus_by_ids(session, ids=[r.sku_id for r in rows])
    return [(r, skus[r.sku_id]) for r in rows], total


def movements(session: Session, *, location_id: int, sku_id: int | None, limit: int, offset: int):
    """Ledger entries at a location, newest first."""
    return repository.movements_page(session, location_id, sku_id, limit=limit, offset=offset)


def near_expiry(session: Session, *, location_id: int, within_hours: int):
    """Batches at a location whose best-before falls within the next `within_hours`."""
    until = (clock.now() + timedelta(hours=within_hours)).date()
    return repository.expiring_batches(session, location_id, until)


def set_allocation(session: Session, *, location_id: int, category_code: str | None, online_percent: int,
                   walk_in_buffer: int) -> ChannelAllocation:
    """Set how much of a store's stock (whole store, or one category subtree) online channels may promise."""
    category_id = catalog.category(session, code=category_code).id if category_code else None
    row = repository.allocation(session, location_id, category_id)
    if row is None:
        row = ChannelAllocation(location_id=location_id, category_id=category_id)
        session.add(row)
    row.online_percent, row.walk_in_buffer = online_percent, walk_in_buffer
    session.flush()
    return row


def list_allocations(session: Session, *, location_id: int) -> list[ChannelAllocation]:
    return repository.allocations(session, [location_id])


def available_to_promise(session: Session, *, lines: Sequence[Qty], channel: str, locations,
                         origin: tuple[float, float] | None, max_distance_km: float | None):
    """Which locations can supply which lines now, for a channel, nearest and most complete first.

    `locations` are (id, code, name, kind, latitude, longitude) of the candidate stores and warehouses.
    """
    from zhongtai.stores.policies import distance_km

    resolved = resolve_lines(session, lines)
    ids = [loc[0] for loc in locations]
    stock_rows, rules = repository.levels_and_rules_from(read_all(session, [promisable_read(
        location_ids=ids, channel=channel, codes={s.code for s, _ in resolved})])[0])
    levels = {(r[0], r[1]): r[2:] for r in stock_rows}
    allocs = _allocations_many(session, ids, channel, [s for s, _ in resolved], rows=rules)
    options = []
    for loc_id, code, name, kind, lat, lon in locations:
        dist = round(distance_km(origin[0], origin[1], lat, lon), 2) if origin else None
        if max_distance_km is not None and dist is not None and dist > max_distance_km:
            continue
        opt = policies.SourceOption(location_id=loc_id, code=code, name=name, kind=kind, distance_km=dist)
        for sku, qty in resolved:
            on_hand, reserved, safety = levels.get((loc_id, sku.id), (0, 0, 0))
            can = policies.promisable(on_hand, reserved, safety, allocs[(loc_id, sku.id)])
            opt.lines.append({"sku_id": sku.id, "sku_code": sku.code, "requested": qty, "promisable": can})
        options.append(opt)
    return policies.rank_sources(options)


def _allocations_many(session: Session, location_ids, channel: str, skus: Sequence[Sku], rows=None):
    """The allocation rule per (location, SKU id); `rows` are the locations' rules when already read."""
    if rows is None:
        rows = repository.allocation_rows(session, location_ids) if channel in policies.ONLINE_CHANNELS else []
    if not rows or channel not in policies.ONLINE_CHANNELS:  # what `allocation_for` answers then: everything
        return dict.fromkeys(((loc, s.id) for loc in location_ids for s in skus), policies.FULL)
    paths = catalog.category_paths(session, category_ids={r.category_id for r in rows if r.category_id} |
                                   {s.category_id for s in skus})
    rules: dict[int, dict] = defaultdict(dict)
    for r in rows:
        rules[r.location_id][paths.get(r.category_id) if r.category_id else None] = policies.Allocation(
            r.online_percent, r.walk_in_buffer)
    return {(loc, s.id): policies.allocation_for(channel, paths.get(s.category_id, ""), rules.get(loc, {}))
            for loc in location_ids for s in skus}


def verify(session: Session) -> dict:
    """Check on hand = ledger sum and reserved = active reservations, for every stock row."""
    ledger = repository.ledger_drift(session)
    reserved = repository.reserved_drift(session)
    return {
        "levels_checked": repository.count_levels(session),
        "ledger_drift": [{"location_id": a, "sku_id": b, "on_hand": c, "ledger_sum": d} for a, b, c, d in ledger],
        "reserved_drift": [{"location_id": a, "sku_id": b, "reserved": c, "active_reservations": d}
                           for a, b, c, d in reserved],
    }


# --- till uploads (bulk) --------------------------------------------------------------------------------

class TillMovement(NamedTuple):
    """A till line's stock effect: a sale (delta < 0) or a return (delta > 0) at its own time."""

    location_id: int
    sku: Sku
    delta: int
    kind: str  # sale | return
    occurred_at: datetime
    source_id: str


def post_till_movements(session: Session, *, movements: Sequence[TillMovement], source_type: str, reference: str,
                        actor: str) -> list[tuple[int, int, int]]:
    """Bulk: till sales/returns into the ledger at their own time, stock may go below zero (late uploads);
    one event per location, SKU and kind. Returns (location_id, sku_id, on_hand) now oversold."""
    from zhongtai.db.bulk import uuid7_many

    now, ids = clock.now(), uuid7_many(len(movements))
    repository.copy_movements(session, ((m.location_id, ids[i], m.sku.id, m.kind, m.delta, "", source_type,
                                         m.source_id, None, actor, m.occurred_at, now)
                                        for i, m in enumerate(movements)))
    by_kind: dict[tuple[int, int, str], int] = defaultdict(int)
    skus: dict[int, Sku] = {}
    for m in movements:
        by_kind[(m.location_id, m.sku.id, m.kind)] += m.delta
        skus[m.sku.id] = m.sku
    return _post_till_levels(session, by_kind, skus, Doc(source_type=source_type, source_id=reference, actor=actor))


def post_till_movements_staged(session: Session, *, movements: str, skus: Mapping[int, Sku], source_type: str,
                               reference: str, actor: str) -> list[tuple[int, int, int]]:
    """Bulk, set-based (PostgreSQL): like `post_till_movements`, with the movements in a scratch table or view
    named `movements` (location_id, sku_id, kind, delta, occurred_at, source_id, seq — seq unique per row);
    `skus` has every SKU in it. Returns (location_id, sku_id, on_hand) now oversold."""
    by_kind = repository.insert_till_movements(session, movements=movements, source_type=source_type, actor=actor,
                                               now=clock.now())
    return _post_till_levels(session, by_kind, skus, Doc(source_type=source_type, source_id=reference, actor=actor))


def _post_till_levels(session: Session, by_kind: dict[tuple[int, int, str], int], skus: Mapping[int, Sku],
                      doc: Doc) -> list[tuple[int, int, int]]:
    """Stock levels, fresh batches and events after till movements summed per location, SKU and kind."""
    net: dict[tuple[int, int], int] = defaultdict(int)
    for (loc, sku_id, _kind), delta in by_kind.items():
        net[(loc, sku_id)] += delta
    levels = repository.add_on_hand_many(session, net)
    _till_batches(session, net, skus)
    repository.copy_events(session, _till_events(session, by_kind, levels, doc))
    return [(loc, sku_id, lv[0]) for (loc, sku_id), lv in sorted(levels.items()) if lv[0] < lv[1] or lv[0] < 0]


def _till_events(session: Session, by_kind, levels, doc: Doc) -> list[dict]:
    """The events `_changed` would record, one StockChanged per location, SKU and kind (and one StockOversold
    per location and SKU where stock no longer covers what it must), as outbox rows written in one go."""
    rows, oversold = [], set()
    for (loc, sku_id, kind), delta in sorted(by_kind.items()):
        on_hand, reserved, safety = levels[(loc, sku_id)]
        rows.append(outbox.prepare(session, StockChanged(
            location_id=loc, sku_id=sku_id, kind=kind, delta_on_hand=delta, delta_reserved=0, on_hand=on_hand,
            reserved=reserved, safety_stock=safety, available=policies.available(on_hand, reserved, safety),
            source_type=doc.source_type, source_id=doc.source_id), store_id=loc))
        if (on_hand < reserved or on_hand < 0) and (loc, sku_id) not in oversold:
            oversold.add((loc, sku_id))
            rows.append(outbox.prepare(session, StockOversold(
                location_id=loc, sku_id=sku_id, on_hand=on_hand, reserved=reserved, source_type=doc.source_type,
                source_id=doc.source_id), store_id=loc))
    return rows


def _till_batches(session: Session, net: dict[tuple[int, int], int], skus: Mapping[int, Sku]) -> None:
    """Fresh SKUs: sold goods leave their batches first-expiry-first-out, returned goods come back as a batch."""
    for (loc, sku_id), delta in sorted(net.items()):
        sku = skus[sku_id]
        if not sku.is_fresh or delta == 0:
            continue
        if delta > 0:
            repository.add_batch(session, location_id=loc, sku_id=sku_id, batch_code="till-return",
                                 best_before=_default_best_before(sku), quantity=delta)
            continue
        takes, _left = policies.fefo_take(repository.open_batches(session, loc, sku_id), -delta)
        for batch_id, taken in takes:
            repository.take_from_batch(session, loc, batch_id, taken)
