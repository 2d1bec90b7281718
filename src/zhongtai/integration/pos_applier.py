"""Applies till lines (any POS format) through the owning domains' bulk services: catalog and stores
resolve codes, orders records each transaction as a completed in-store order, inventory posts the sales
and returns to the ledger at their own time, members recognise loyalty cards. Set-based per chunk."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from zhongtai.catalog import service as catalog
from zhongtai.catalog.models import Sku
from zhongtai.db.bulk import uuid7_many
from zhongtai.db.dialect import is_postgres
from zhongtai.integration import repository, service
from zhongtai.integration.appliers_support import known_skus
from zhongtai.integration.formats.base import Parsed
from zhongtai.integration.models import Batch, Source
from zhongtai.inventory import service as inventory
from zhongtai.kernel.errors import NotFound
from zhongtai.members import service as members
from zhongtai.orders import service as orders
from zhongtai.stores import service as stores


@dataclass
class _Refs:
    """Reference data for one chunk: stores by code, SKUs by code and barcode, members by card."""

    stores: dict[str, int]
    skus: dict[str, Sku]
    by_barcode: dict[str, Sku]
    cards: dict[str, int]
    source_store: int | None


@dataclass
class _Posting:
    orders: dict[str, orders.TillOrder] = field(default_factory=dict)
    known: dict[str, tuple[int, uuid.UUID]] = field(default_factory=dict)
    lines: list[orders.TillLine] = field(default_factory=list)
    moves: list[inventory.TillMovement] = field(default_factory=list)


def apply_till_lines(session: Session, *, source: Source, batch: Batch, records: list[Parsed]) -> Mapping[str, str]:
    """Post a chunk of till lines; returns the refused ones (unknown store or SKU, wrong store) by external id."""
    live = [r for r in records if r.data["type"] != "void"]  # a voided line is accepted and posts nothing
    refs = _refs(session, source, live)
    refused: dict[str, str] = {}
    resolved = []
    for r in live:
        store_id, sku, reason = _resolve(r.data, refs)
        if reason:
            refused[r.external_id] = reason
        else:
            resolved.append((r.data, store_id, sku))
    posting = _posting(session, source, resolved, refs)
    _post(session, source, batch, posting)
    return refused


def claim_till_records(session: Session, *, source_id: int, batch_id: uuid.UUID, records: list[Parsed]) -> set[str]:
    """The new till records among `records` (external ids). PostgreSQL keys a till line in its transaction's
    `till_transactions` row (line numbers taken), SQLite and unreadable records in `inbound_records`."""
    if not is_postgres(session):
        return repository.claim_keys(session, source_id=source_id, batch_id=batch_id,
                                     keys=[(r.external_id, r.line_no) for r in records])
    by_line: dict[tuple[str, int], Parsed] = {}
    others = []
    for r in records:
        if r.data is None or len(r.data["txn"]) > 100:
            others.append(r)
        else:  # "T/1" and "T/01" are the same line: the first one stands for both
            by_line.setdefault((r.data["txn"], r.data["line"]), r)
    new = repository.claim_keys(session, source_id=source_id, batch_id=batch_id,
                                keys=[(r.external_id, r.line_no) for r in others]) if others else set()
    taken = repository.claim_till_lines(session, source_id=source_id, lines=[
        (txn, line, datetime.fromisoformat(r.data["at"])) for (txn, line), r in by_line.items()])
    return new | {r.external_id for key, r in by_line.items() if key in taken}


def _refs(session: Session, source: Source, records: Sequence[Parsed]) -> _Refs:
    codes = {r.data["sku"] for r in records if r.data["sku"]}
    barcodes = {r.data["barcode"] for r in records if r.data["barcode"] and not r.data["sku"]}
    cards = sorted({r.data["card"] for r in records if r.data["card"]})
    return _Refs(stores=stores.ids_for_codes(session, codes={r.data["store"] for r in records if r.data["store"]}),
                 skus=known_skus(session, codes), by_barcode=_by_barcode(session, barcodes),
                 cards=members.member_ids_by_identity(session, kind="pos_card", values=cards) if cards else {},
                 source_store=source.store_id)


def _by_barcode(session: Session, barcodes: set[str]) -> dict[str, Sku]:
    found = {}
    for code in barcodes:
        try:
            found[code] = catalog.sku_by_barcode(session, barcode=code)
        except NotFound:
            continue
    return found


def _resolve(d: dict[str, Any], refs: _Refs) -> tuple[int | None, Sku | None, str | None]:
    store_id = refs.stores.get(d["store"]) if d["store"] else refs.source_store
    if store_id is None:
        return None, None, "unknown_store"
    if refs.source_store is not None and store_id != refs.source_store:
        return None, None, "wrong_store"
    sku = refs.skus.get(d["sku"]) if d["sku"] else refs.by_barcode.get(d["barcode"])
    if sku is None:
        return None, None, "unknown_sku"
    return store_id, sku, None


def _amount(d: dict[str, Any], sku: Sku) -> int:
    if d["amount"] is not None:
        return d["amount"]
    return d["qty"] * d["price"] if sku.unit == "piece" else (d["qty"] * d["price"] + 500) // 1000


def _posting(session: Session, source: Source, resolved, refs: _Refs) -> _Posting:
    p = _Posting()
    _claim_orders(session, source, resolved, refs, p)
    for d, store_id, sku in resolved:
        at, ref = datetime.fromisoformat(d["at"]), f"{source.code}:{d['txn']}"
        if d["type"] == "return":
            p.moves.append(inventory.TillMovement(store_id, sku, d["qty"], "return", at, ref))
            continue
        order_id = p.known[d["txn"]][1]
        p.lines.append(orders.TillLine(store_id, order_id, d["line"], sku, d["qty"], d["price"], _amount(d, sku)))
        p.moves.append(inventory.TillMovement(store_id, sku, -d["qty"], "sale", at, ref))
    return p


def _claim_orders(session: Session, source: Source, resolved, refs: _Refs, p: _Posting) -> None:
    """Which order each sold transaction goes to. Every transaction is claimed with a fresh order id; the
    ones claimed before (earlier chunks, files, or a concurrent upload) keep the order they have."""
    wanted: dict[str, tuple[dict, int]] = {}
    for d, store_id, _sku in resolved:
        if d["type"] == "sale" and d["txn"] not in wanted:
            wanted[d["txn"]] = (d, store_id)
    if not wanted:
        return
    ids = uuid7_many(len(wanted))
    fresh = {txn: orders.TillOrder(store_id=store_id, id=ids[i], placed_at=datetime.fromisoformat(d["at"]),
                                   external_ref=f"{source.code}:{txn}"[:100], tender=d["tender"],
                                   member_id=refs.cards.get(d["card"]) if d["card"] else None)
             for i, (txn, (d, store_id)) in enumerate(wanted.items())}
    won = repository.claim_till_orders(session, source_id=source.id, rows=[
        (txn, o.store_id, o.id, o.placed_at) for txn, o in fresh.items()])
    p.orders = {txn: o for txn, o in fresh.items() if txn in won}
    p.known = {txn: (o.store_id, o.id) for txn, o in p.orders.items()}
    if len(won) < len(fresh):
        p.known |= repository.till_orders(session, source_id=source.id, transaction_ids=set(fresh) - won)


def _post(session: Session, source: Source, batch: Batch, p: _Posting) -> None:
    actor = f"source:{source.code}"
    if p.lines:
        orders.record_till_sales(session, orders=list(p.orders.values()), lines=p.lines, actor=actor)
    if p.moves:
        oversold = inventory.post_till_movements(session, movements=p.moves, source_type="till",
                                                 reference=str(batch.id), actor=actor)
        repository.flag_oversells(session, source_id=source.id, batch_id=batch.id, rows=oversold)
        service.oversells_flagged(session, source=source, batch=batch, rows=oversold)
