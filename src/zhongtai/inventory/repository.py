"""Inventory SQL: set-based statements, each row change in one round trip, locks taken in key order."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, func, insert, literal, select, text, tuple_, union_all, update
from sqlalchemy.orm import Session

from zhongtai.catalog.models import Sku
from zhongtai.db import dialect
from zhongtai.db.base import UTCDateTime
from zhongtai.db.session import Read, autoflush, plain_rows
from zhongtai.inventory.models import (
    ChannelAllocation,
    CycleCount,
    Reservation,
    ReservationLine,
    StockBatch,
    StockLevel,
    StockMovement,
    Transfer,
)
from zhongtai.kernel import clock
from zhongtai.kernel.ids import uuid7
from zhongtai.kernel.outbox import OutboxEvent

LEVEL_COLS = (StockLevel.on_hand, StockLevel.reserved, StockLevel.safety_stock)


# Plain SQL that SQLite and PostgreSQL both speak: the dialect insert() constructs are not cached by
# SQLAlchemy, and this statement runs once for every line of every receipt, sale and transfer.
_ADD_ON_HAND = text(
    "INSERT INTO stock_levels (location_id, sku_id, on_hand, reserved, safety_stock, updated_at) "
    "VALUES (:location_id, :sku_id, :delta, 0, 0, :now) "
    "ON CONFLICT (location_id, sku_id) DO UPDATE SET on_hand = stock_levels.on_hand + :delta, "
    "reserved = stock_levels.reserved + :reserved_delta, updated_at = :now "
    "RETURNING on_hand, reserved, safety_stock"
).bindparams(bindparam("now", type_=UTCDateTime))


def settle_reservations(session: Session) -> None:
    """PostgreSQL: take the stock of reservations made earlier in this transaction now (their deferred
    trigger would at commit), so a later change in the same transaction sees it, as on SQLite."""
    if session.info.pop("reservations_pending", False):
        session.execute(text("SET CONSTRAINTS reservation_lines_take_stock IMMEDIATE"))
        session.execute(text("SET CONSTRAINTS reservation_lines_take_stock DEFERRED"))


def take_reserved_stock_at_once(session: Session) -> None:
    """PostgreSQL: for the rest of this transaction, reservations take their stock as they are made."""
    if dialect.is_postgres(session):
        session.execute(text("SET CONSTRAINTS reservation_lines_take_stock IMMEDIATE"))


def add_on_hand(session: Session, location_id: int, sku_id: int, delta: int,
                reserved_delta: int = 0) -> tuple[int, int, int]:
    """on_hand += delta (creating the row if needed); returns (on_hand, reserved, safety_stock)."""
    settle_reservations(session)
    row = session.execute(_ADD_ON_HAND, {"location_id": location_id, "sku_id": sku_id, "delta": delta,
                                         "reserved_delta": reserved_delta, "now": clock.now()}).one()
    return tuple(row)  # type: ignore[return-value]


# Runs once for every line of every reservation: a cached statement (the ORM UPDATE would build it and
# compile a Python evaluator of its WHERE clause on every call, several times the cost of the SQL itself).
_TRY_RESERVE = text(
    "UPDATE stock_levels SET reserved = reserved + :qty, updated_at = :now "
    "WHERE location_id = :location_id AND sku_id = :sku_id AND on_hand - safety_stock - reserved >= :qty "
    "AND (on_hand - safety_stock - :buffer) * :percent >= (reserved + :qty) * 100 "
    "RETURNING on_hand, reserved, safety_stock"
).bindparams(bindparam("now", type_=UTCDateTime))


def try_reserve(session: Session, location_id: int, sku_id: int, qty: int, percent: int, buffer: int):
    """Reserve `qty` if the channel may still promise it; one conditional UPDATE, None if not enough."""
    params = {"location_id": location_id, "sku_id": sku_id, "qty": qty, "percent": percent, "buffer": buffer,
              "now": clock.now()}
    return session.execute(_TRY_RESERVE, params).one_or_none()


def unreserve(session: Session, location_id: int, sku_id: int, qty: int, consume: bool) -> tuple[int, int, int]:
    """reserved -= qty, and on_hand -= qty too when the goods leave (`consume`)."""
    settle_reservations(session)
    lvl = StockLevel
    values: dict[str, Any] = {"reserved": lvl.reserved - qty, "updated_at": clock.now()}
    if consume:
        values["on_hand"] = lvl.on_hand - qty
    stmt = (update(lvl).where(lvl.location_id == location_id, lvl.sku_id == sku_id).values(**values)
            .returning(*LEVEL_COLS))
    return tuple(session.execute(stmt).one())  # type: ignore[return-value]


def levels(session: Session, location_id: int, sku_ids: Collection[int]) -> dict[int, StockLevel]:
    settle_reservations(session)
    # populate_existing: reservations move `reserved` in plain SQL; rows already in the session are re-read.
    rows = session.scalars(select(StockLevel).where(StockLevel.location_id == location_id,
                                                    StockLevel.sku_id.in_(list(sku_ids)))
                           .execution_options(populate_existing=True))
    return {r.sku_id: r for r in rows}


def lock_levels(session: Session, location_id: int, sku_ids: Collection[int]) -> dict[int, StockLevel]:
    """Stock rows locked FOR UPDATE in primary-key order (SQLite: the write transaction serialises)."""
    settle_reservations(session)
    stmt = (select(StockLevel).where(StockLevel.location_id == location_id, StockLevel.sku_id.in_(sorted(sku_ids)))
            .order_by(StockLevel.sku_id).with_for_update())
    return {r.sku_id: r for r in session.scalars(stmt)}


# Routing reads these for every order and quote: built once, so SQLAlchemy need not rebuild the statement
# and its cache key on each call.
_LVL = StockLevel.__table__.c  # table columns and the connection: plain rows, no ORM layer on the hot path
_ALLOC = ChannelAllocation.__table__.c
_ALLOCATIONS = select(ChannelAllocation).where(ChannelAllocation.location_id.in_(bindparam("location_ids",
                                                                                            expanding=True)))


# Stock rows, then (with a marker) the allocation rules of the same locations: routing reads both for
# every order, in one round trip.
_LEVELS_AND_RULES = union_all(
    select(literal(0).label("rule"), _LVL.location_id, _LVL.sku_id, _LVL.on_hand, _LVL.reserved, _LVL.safety_stock)
    .join(Sku.__table__, Sku.__table__.c.id == _LVL.sku_id)
    .where(dialect.any_of(Sku.__table__.c.code, "codes"), dialect.any_of(_LVL.location_id, "location_ids", "bigint")),
    select(literal(1), _ALLOC.location_id, _ALLOC.category_id, _ALLOC.online_percent, _ALLOC.walk_in_buffer,
           literal(0))
    .where(dialect.any_of(_ALLOC.location_id, "rule_location_ids", "bigint")))


class _Rule(NamedTuple):
    location_id: int
    category_id: int | None
    online_percent: int
    walk_in_buffer: int


def levels_and_rules_read(codes: Collection[str], location_ids: Collection[int], *, with_rules: bool) -> Read:
    """Stock of the SKUs (by code) at the locations and (if asked) the locations' allocation rules, in one
    statement; `levels_and_rules_from` sorts the rows."""
    return Read(_LEVELS_AND_RULES, {"codes": sorted(codes), "location_ids": list(location_ids),
                                    "rule_location_ids": list(location_ids) if with_rules else []})


def levels_and_rules_from(rows: Sequence[Any]) -> tuple[list, list]:
    """([(location, sku, on_hand, reserved, safety)], [(location_id, category_id, online_percent, walk_in_buffer)])
    from the rows of `levels_and_rules_read`."""
    levels, rules = [], []
    for rule, loc, a, b, c, d in rows:
        if rule:
            rules.append(_Rule(loc, a, b, c))
        else:
            levels.append((loc, a, b, c, d))
    return levels, rules



def set_safety_stock(session: Session, location_id: int, sku_id: int, qty: int) -> tuple[int, int, int]:
    settle_reservations(session)
    stmt = dialect.insert(session, StockLevel).values(
        location_id=location_id, sku_id=sku_id, on_hand=0, reserved=0, safety_stock=qty, updated_at=clock.now())
    stmt = stmt.on_conflict_do_update(index_elements=[StockLevel.location_id, StockLevel.sku_id],
                                      set_={"safety_stock": qty, "updated_at": clock.now()}).returning(*LEVEL_COLS)
    return tuple(session.execute(stmt).one())  # type: ignore[return-value]


def add_movements(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(StockMovement), [dict(r, recorded_at=clock.now()) for r in rows])


def open_batches(session: Session, location_id: int, sku_id: int) -> list[tuple[uuid.UUID, date | None, int]]:
    stmt = (select(StockBatch.id, StockBatch.best_before, StockBatch.quantity)
            .where(StockBatch.location_id == location_id, StockBatch.sku_id == sku_id, StockBatch.quantity > 0)
            .order_by(StockBatch.id).with_for_update())
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def take_from_batch(session: Session, location_id: int, batch_id: uuid.UUID, qty: int) -> None:
    session.execute(update(StockBatch).where(StockBatch.location_id == location_id, StockBatch.id == batch_id)
                    .values(quantity=StockBatch.quantity - qty))


def add_batch(session: Session, **values: Any) -> uuid.UUID:
    batch_id = uuid7()
    session.execute(insert(StockBatch).values(id=batch_id, received_at=clock.now(), **values))
    return batch_id


def batch_best_before(session: Session, location_id: int, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, date | None]:
    rows = session.execute(select(StockBatch.id, StockBatch.best_before)
                           .where(StockBatch.location_id == location_id, StockBatch.id.in_(list(ids))))
    return dict(rows.all())


_RES_COLS = [c for c in Reservation.__table__.columns if c.name != "closed_at"]
_INSERT_RESERVATION = select(Reservation).from_statement(text(
    f"INSERT INTO reservations ({', '.join(c.name for c in _RES_COLS)}) "
    f"VALUES ({', '.join(':' + c.name for c in _RES_COLS)}) "
    "ON CONFLICT (location_id, idempotency_key) DO NOTHING "
    f"RETURNING {', '.join(c.name for c in Reservation.__table__.columns)}"
).bindparams(*[bindparam(c.name, type_=c.type) for c in _RES_COLS]).columns(*Reservation.__table__.columns))


def insert_reservation_if_new(session: Session, values: dict[str, Any]) -> Reservation | None:
    """INSERT … ON CONFLICT DO NOTHING on (location, idempotency key) RETURNING the row: the new
    reservation, loaded (no second read), or None if the key was already used. `values` names every
    column but `closed_at`. Plain SQL, like `_ADD_ON_HAND`, so that it is compiled once."""
    return session.scalars(_INSERT_RESERVATION, values).one_or_none()


_RESERVE_AT_COMMIT = text(
    f"WITH res AS (INSERT INTO reservations ({', '.join(c.name for c in _RES_COLS)}) "
    f"VALUES ({', '.join(':' + c.name for c in _RES_COLS)}) "
    "ON CONFLICT (location_id, idempotency_key) DO NOTHING RETURNING location_id, id), "
    "lines AS (INSERT INTO reservation_lines (location_id, reservation_id, sku_id, quantity, online_percent, "
    "walk_in_buffer) SELECT res.location_id, res.id, t.sku_id, t.quantity, t.percent, t.buffer FROM res, "
    "unnest(CAST(:sku_ids AS bigint[]), CAST(:quantities AS integer[]), CAST(:percents AS integer[]), "
    "CAST(:buffers AS integer[])) WITH ORDINALITY AS t(sku_id, quantity, percent, buffer, n) ORDER BY t.n), "
    "event AS (INSERT INTO outbox_events (id, event_type, store_id, payload, occurred_at, attempts) "
    "SELECT :event_id, :event_event_type, :event_store_id, :event_payload, :event_occurred_at, 0 FROM res) "
    "SELECT count(*) FROM res"
).bindparams(*[bindparam(c.name, type_=c.type) for c in _RES_COLS],
             bindparam("event_id", type_=OutboxEvent.__table__.c.id.type),
             bindparam("event_payload", type_=OutboxEvent.__table__.c.payload.type),
             bindparam("event_occurred_at", type_=UTCDateTime))


def reserve_at_commit(session: Session, values: dict[str, Any], lines: Sequence[dict[str, int]],
                      event: dict[str, Any]) -> bool:
    """PostgreSQL: the reservation, its lines (in the given order) and its event in one statement; the
    lines' deferred trigger takes the stock as the transaction commits. False if the key was used."""
    params = {**values, **{f"event_{k}": v for k, v in event.items()},
              **{col: [ln[key] for ln in lines] for col, key in (
                  ("sku_ids", "sku_id"), ("quantities", "quantity"), ("percents", "online_percent"),
                  ("buffers", "walk_in_buffer"))}}
    return session.execute(_RESERVE_AT_COMMIT, params).scalar_one() == 1


# The whole reservation in one statement (PostgreSQL), for `inventory.service.reserve`: the SKUs are
# resolved by code, each line's allocation rule is chosen as `policies.allocation_for` chooses it (the
# longest category path that prefixes the SKU's, else the store default, else all of it; only for
# online channels; tests hold the two to the same answers), and nothing is written unless every code is
# known and in its unit. The lines' deferred trigger takes the stock at commit, as for `reserve_at_commit`.
_RESERVE_BY_CODES = (
    "WITH req AS (SELECT t.code, t.unit, t.amount FROM unnest(CAST(%(codes)s AS text[]), "
    "CAST(%(units)s AS text[]), CAST(%(amounts)s AS integer[])) AS t(code, unit, amount)), "
    "sku AS (SELECT req.*, s.id, s.unit AS sku_unit, coalesce(c.path, '') AS path FROM req "
    "LEFT JOIN skus s ON s.code = req.code LEFT JOIN categories c ON c.id = s.category_id), "
    "ok AS (SELECT coalesce(bool_and(id IS NOT NULL AND sku_unit = unit), false) AS ok FROM sku), "
    "line AS (SELECT g.id AS sku_id, g.quantity, coalesce(r.online_percent, 100) AS percent, "
    "coalesce(r.walk_in_buffer, 0) AS buffer FROM (SELECT id, sum(amount) AS quantity, min(path) AS path "
    "FROM sku GROUP BY id) g LEFT JOIN LATERAL (SELECT a.online_percent, a.walk_in_buffer "
    "FROM channel_allocations a LEFT JOIN categories ac ON ac.id = a.category_id "
    "WHERE %(online)s AND a.location_id = %(location_id)s "
    "AND (a.category_id IS NULL OR starts_with(g.path, ac.path)) "
    "ORDER BY a.category_id IS NULL, length(ac.path) DESC LIMIT 1) r ON true WHERE (SELECT ok FROM ok)), "
    "res AS (INSERT INTO reservations (location_id, id, idempotency_key, channel, reference, status, "
    "expires_at, created_at) SELECT %(location_id)s, %(id)s, %(idempotency_key)s, %(channel)s, %(reference)s, "
    "'active', %(expires_at)s, %(created_at)s WHERE (SELECT ok FROM ok) "
    "ON CONFLICT (location_id, idempotency_key) DO NOTHING RETURNING location_id, id), "
    "lines AS (INSERT INTO reservation_lines (location_id, reservation_id, sku_id, quantity, online_percent, "
    "walk_in_buffer) SELECT res.location_id, res.id, line.sku_id, line.quantity, line.percent, line.buffer "
    "FROM res, line ORDER BY line.sku_id), "
    "event AS (INSERT INTO outbox_events (id, event_type, store_id, payload, occurred_at, attempts) "
    "SELECT %(event_id)s, %(event_type)s, %(location_id)s, jsonb_set(CAST(%(event_payload)s AS jsonb), '{lines}', "
    "(SELECT jsonb_agg(jsonb_build_object('sku_id', sku_id, 'quantity', quantity) ORDER BY sku_id) FROM line)), "
    "%(created_at)s, 0 FROM res) "
    "SELECT (SELECT ok FROM ok), (SELECT count(*) FROM res)")


def reserve_by_codes(session: Session, values: dict[str, Any], lines: Sequence[tuple[str, str, int]], *,
                     online: bool, event: dict[str, Any]) -> bool | None:
    """PostgreSQL: resolve and reserve (code, unit, amount) lines and record the event, in one round trip;
    the reservation's `values` name every column but `status` and `closed_at`, the event's payload is
    filled with the lines. True if made, False if the key was used, None (nothing written) if a code is
    unknown or an amount is in the wrong unit."""
    params = {**values, "codes": [c for c, _, _ in lines], "units": [u for _, u, _ in lines],
              "amounts": [a for _, _, a in lines], "online": online, "event_id": event["id"],
              "event_type": event["event_type"], "event_payload": json.dumps(event["payload"])}
    autoflush(session)
    ok, made = session.connection().exec_driver_sql(_RESERVE_BY_CODES, params).one()
    return bool(made) if ok else None


def reservation_by_key(session: Session, location_id: int, key: str) -> Reservation | None:
    return session.scalar(select(Reservation).where(Reservation.location_id == location_id,
                                                    Reservation.idempotency_key == key))


def get_reservation(session: Session, location_id: int, reservation_id: uuid.UUID, *, lock: bool = False):
    stmt = select(Reservation).where(Reservation.location_id == location_id, Reservation.id == reservation_id)
    return session.scalar(stmt.with_for_update() if lock else stmt)


def reservation_lines(session: Session, location_id: int, reservation_id: uuid.UUID) -> list[ReservationLine]:
    return list(session.scalars(select(ReservationLine).where(
        ReservationLine.location_id == location_id, ReservationLine.reservation_id == reservation_id)
        .order_by(ReservationLine.sku_id)))


def add_reservation_lines(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    session.execute(insert(ReservationLine), list(rows))


def claim_due_reservations(session: Session, now: datetime, limit: int) -> list[Reservation]:
    stmt = (select(Reservation).where(Reservation.status == "active", Reservation.expires_at <= now)
            .order_by(Reservation.location_id, Reservation.id).limit(limit))
    if dialect.is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def lines_for(session: Session, keys: Collection[tuple[int, uuid.UUID]]) -> list[ReservationLine]:
    if not keys:
        return []
    stmt = select(ReservationLine).where(tuple_(ReservationLine.location_id, ReservationLine.reservation_id)
                                         .in_(list(keys))).order_by(ReservationLine.location_id,
                                                                   ReservationLine.sku_id)
    return list(session.scalars(stmt))


class SkuFacts(NamedTuple):
    """What a reservation needs of a SKU, read as a plain row rather than a loaded entity."""

    id: int
    code: str
    unit: str
    category_path: str


class AllocationRule(NamedTuple):
    """A location's channel allocation: `category_path` None is the store default."""

    category_path: str | None
    online_percent: int
    walk_in_buffer: int


def _facts_statement(codes_in: str) -> Any:
    """SKUs by code with their category path, then the location's allocation rules (when :with_rules):
    plain SQL, each dialect with its own way of taking the list of codes as one parameter."""
    return text(
        "SELECT 's', s.id, s.code, s.unit, c.path, NULL, NULL FROM skus s "
        f"LEFT JOIN categories c ON c.id = s.category_id WHERE s.code {codes_in} "
        "UNION ALL SELECT 'a', a.category_id, NULL, NULL, c.path, a.online_percent, a.walk_in_buffer "
        "FROM channel_allocations a LEFT JOIN categories c ON c.id = a.category_id "
        "WHERE a.location_id = :location_id AND :with_rules")


_FACTS = {"postgresql": _facts_statement("= ANY(CAST(:codes AS text[]))"),
          "sqlite": _facts_statement("IN (SELECT value FROM json_each(:codes))")}


def reservation_facts(session: Session, codes: Collection[str], location_id: int, *,
                      with_rules: bool) -> tuple[dict[str, SkuFacts], list[AllocationRule]]:
    """The SKUs named by `codes` (with their category path) and, if asked, the location's allocation
    rules: one round trip of plain rows for the reservation's hot path."""
    postgres = dialect.is_postgres(session)
    stmt = _FACTS["postgresql" if postgres else "sqlite"]
    params = {"codes": list(codes) if postgres else json.dumps(list(codes)), "location_id": location_id,
              "with_rules": with_rules}
    skus: dict[str, SkuFacts] = {}
    rules: list[AllocationRule] = []
    for kind, sku_id, code, unit, path, percent, buffer in plain_rows(session, stmt, params):
        if kind == "s":
            skus[code] = SkuFacts(sku_id, code, unit, path or "")
        else:
            rules.append(AllocationRule(path if sku_id is not None else None, percent, buffer))
    return skus, rules


_ALLOCATION_ROWS = select(_ALLOC.location_id, _ALLOC.category_id, _ALLOC.online_percent, _ALLOC.walk_in_buffer).where(
    _ALLOC.location_id.in_(bindparam("location_ids", expanding=True)))


def allocation_rows(session: Session, location_ids: Collection[int]) -> list:
    """The allocation rules of these locations as plain rows (location_id, category_id, online_percent,
    walk_in_buffer), for routing and reserving, which read them on every order."""
    return list(plain_rows(session, _ALLOCATION_ROWS, {"location_ids": list(location_ids)}))


def allocations(session: Session, location_ids: Collection[int]) -> list[ChannelAllocation]:
    return list(session.scalars(_ALLOCATIONS, {"location_ids": list(location_ids)}))


def allocation(session: Session, location_id: int, category_id: int | None) -> ChannelAllocation | None:
    cond = ChannelAllocation.category_id.is_(None) if category_id is None else \
        ChannelAllocation.category_id == category_id
    return session.scalar(select(ChannelAllocation).where(ChannelAllocation.location_id == location_id, cond))


def stock_page(session: Session, location_id: int, *, sku_ids: Collection[int] | None, low_only: bool,
               limit: int, offset: int):
    lvl = StockLevel
    stmt = select(lvl).where(lvl.location_id == location_id)
    if sku_ids is not None:
        stmt = stmt.where(lvl.sku_id.in_(list(sku_ids)))
    if low_only:
        stmt = stmt.where(lvl.on_hand - lvl.reserved <= lvl.safety_stock)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(session.scalars(stmt.order_by(lvl.sku_id).limit(limit).offset(offset))), total


def movements_page(session: Session, location_id: int, sku_id: int | None, *, limit: int, offset: int):
    stmt = select(StockMovement).where(StockMovement.location_id == location_id)
    if sku_id is not None:
        stmt = stmt.where(StockMovement.sku_id == sku_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(StockMovement.occurred_at.desc(), StockMovement.id.desc())
                           .limit(limit).offset(offset))
    return list(rows), total


def expiring_batches(session: Session, location_id: int, until: date):
    stmt = (select(StockBatch).where(StockBatch.location_id == location_id, StockBatch.quantity > 0,
                                     StockBatch.best_before.is_not(None), StockBatch.best_before <= until)
            .order_by(StockBatch.best_before, StockBatch.sku_id))
    return list(session.scalars(stmt))


def ledger_drift(session: Session) -> list[tuple[int, int, int, int]]:
    """(location, sku, on_hand, ledger sum) wherever they differ, including ledger rows with no level."""
    sums = (select(StockMovement.location_id, StockMovement.sku_id, func.sum(StockMovement.quantity).label("total"))
            .group_by(StockMovement.location_id, StockMovement.sku_id).subquery())
    lvl = StockLevel
    left = (select(lvl.location_id, lvl.sku_id, lvl.on_hand, func.coalesce(sums.c.total, 0))
            .outerjoin(sums, and_(sums.c.location_id == lvl.location_id, sums.c.sku_id == lvl.sku_id))
            .where(lvl.on_hand != func.coalesce(sums.c.total, 0)))
    orphans = (select(sums.c.location_id, sums.c.sku_id, literal(0), sums.c.total)
               .outerjoin(lvl, and_(sums.c.location_id == lvl.location_id, sums.c.sku_id == lvl.sku_id))
               .where(lvl.sku_id.is_(None), sums.c.total != 0))
    return [tuple(r) for r in session.execute(left.union_all(orphans))]  # type: ignore[misc]


def reserved_drift(session: Session) -> list[tuple[int, int, int, int]]:
    """(location, sku, reserved, sum of active reservation lines) wherever they differ."""
    active = (select(ReservationLine.location_id, ReservationLine.sku_id,
                     func.sum(ReservationLine.quantity).label("total"))
              .join(Reservation, and_(Reservation.location_id == ReservationLine.location_id,
                                      Reservation.id == ReservationLine.reservation_id))
              .where(Reservation.status == "active")
              .group_by(ReservationLine.location_id, ReservationLine.sku_id).subquery())
    lvl = StockLevel
    stmt = (select(lvl.location_id, lvl.sku_id, lvl.reserved, func.coalesce(active.c.total, 0))
            .outerjoin(active, and_(active.c.location_id == lvl.location_id, active.c.sku_id == lvl.sku_id))
            .where(lvl.reserved != func.coalesce(active.c.total, 0)))
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def count_levels(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StockLevel)) or 0


def get_transfer(session: Session, from_location_id: int, transfer_id: uuid.UUID, *, lock: bool = False):
    stmt = select(Transfer).where(Transfer.from_location_id == from_location_id, Transfer.id == transfer_id)
    return session.scalar(stmt.with_for_update() if lock else stmt)


def find_transfer(session: Session, transfer_id: uuid.UUID, *, lock: bool = False) -> Transfer | None:
    stmt = select(Transfer).where(Transfer.id == transfer_id)
    return session.scalar(stmt.with_for_update() if lock else stmt)


def transfers_page(session: Session, location_ids: Collection[int] | None, *, limit: int, offset: int):
    stmt = select(Transfer)
    if location_ids is not None:
        ids = list(location_ids)
        stmt = stmt.where(Transfer.from_location_id.in_(ids) | Transfer.to_location_id.in_(ids))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(session.scalars(stmt.order_by(Transfer.created_at.desc()).limit(limit).offset(offset))), total


def add(session: Session, obj: Any) -> None:
    session.add(obj)
    session.flush()


def counts_page(session: Session, location_id: int, *, limit: int, offset: int):
    stmt = select(CycleCount).where(CycleCount.location_id == location_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(session.scalars(stmt.order_by(CycleCount.posted_at.desc()).limit(limit).offset(offset))), total


# --- till uploads (bulk) --------------------------------------------------------------------------------

_MOVEMENT_COLS = ("location_id", "id", "sku_id", "kind", "quantity", "reason", "source_type", "source_id",
                  "batch_id", "actor", "occurred_at", "recorded_at")
_ADD_ON_HAND_MANY = text(
    "INSERT INTO stock_levels (location_id, sku_id, on_hand, reserved, safety_stock, updated_at) "
    "SELECT location_id, sku_id, delta, 0, 0, :now FROM tmp_stock_deltas WHERE true ORDER BY location_id, sku_id "
    "ON CONFLICT (location_id, sku_id) DO UPDATE SET on_hand = stock_levels.on_hand + excluded.on_hand, "
    "updated_at = excluded.updated_at "
    "RETURNING location_id, sku_id, on_hand, reserved, safety_stock"
).bindparams(bindparam("now", type_=UTCDateTime))


def copy_movements(session: Session, rows) -> int:
    """Append ledger rows (tuples in `_MOVEMENT_COLS` order) in one COPY / executemany."""
    from zhongtai.db.bulk import copy_rows

    return copy_rows(session, StockMovement.__table__, _MOVEMENT_COLS, rows)


def add_on_hand_many(session: Session, deltas: dict[tuple[int, int], int]) -> dict[tuple[int, int], tuple[int, int, int]]:
    """on_hand += delta for many (location, SKU) rows in one statement, rows taken in key order; the levels after."""
    from zhongtai.db.bulk import copy_temp, temp_table

    temp_table(session, "tmp_stock_deltas", "location_id BIGINT, sku_id BIGINT, delta BIGINT")
    copy_temp(session, "tmp_stock_deltas", ("location_id", "sku_id", "delta"),
              ((loc, sku, d) for (loc, sku), d in sorted(deltas.items())))
    rows = session.execute(_ADD_ON_HAND_MANY, {"now": clock.now()}).all()
    return {(loc, sku): (on_hand, reserved, safety) for loc, sku, on_hand, reserved, safety in rows}


def copy_events(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Outbox rows made by `outbox.prepare`, written in one COPY / executemany with the stock change."""
    from zhongtai.db.bulk import copy_rows
    from zhongtai.kernel.outbox import OutboxEvent

    cols = ("id", "event_type", "store_id", "payload", "occurred_at", "attempts")
    copy_rows(session, OutboxEvent.__table__, cols, ((r["id"], r["event_type"], r["store_id"], r["payload"],
                                                       r["occurred_at"], 0) for r in rows), json_columns=("payload",))


# Till movements from a scratch table or view (PostgreSQL): one ledger row each, then their sums per location,
# SKU and kind for the levels and events.
_TILL_MOVEMENTS = (
    "INSERT INTO stock_movements (" + ", ".join(_MOVEMENT_COLS) + ") "
    "SELECT location_id, {uuid}, sku_id, kind, delta, '', :source_type, source_id, NULL, :actor, occurred_at, :now "
    "FROM {movements} ORDER BY location_id, seq")
_TILL_MOVEMENT_SUMS = "SELECT location_id, sku_id, kind, sum(delta) FROM {movements} GROUP BY location_id, sku_id, kind"


def insert_till_movements(session: Session, *, movements: str, source_type: str, actor: str,
                          now: datetime) -> dict[tuple[int, int, str], int]:
    """Append the till movements of the scratch table `movements` to the ledger; their sums by (location, SKU, kind)."""
    from zhongtai.db.bulk import uuid7_sql

    stmt = text(_TILL_MOVEMENTS.format(uuid=uuid7_sql("seq"), movements=movements)).bindparams(
        bindparam("now", type_=UTCDateTime))
    session.execute(stmt, {"source_type": source_type, "actor": actor, "now": now})
    sums = session.execute(text(_TILL_MOVEMENT_SUMS.format(movements=movements)))
    return {(loc, sku, kind): int(delta) for loc, sku, kind, delta in sums}
