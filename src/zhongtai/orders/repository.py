"""Order queries."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from zhongtai.db.dialect import any_of
from zhongtai.db.session import Read
from zhongtai.orders.models import Feedback, FulfilmentGroup, Order, OrderEvent, OrderLine, Payment, Return
from zhongtai.orders.policies import OPEN

# Read for every order and quote: built once (no statement or cache key to rebuild per call).
_FG = FulfilmentGroup.__table__.c  # table columns and the connection: plain rows, no ORM layer per order
_OPEN_QUEUE = (select(_FG.location_id, func.count())
               .where(any_of(_FG.location_id, "location_ids", "bigint"),
                      any_of(_FG.status, "statuses"))
               .group_by(_FG.location_id))


def open_queue_read(location_ids: Collection[int]) -> Read:
    """Open online groups per location (the store's current queue), as (location_id, count) rows."""
    return Read(_OPEN_QUEUE, {"location_ids": list(location_ids), "statuses": ["placed", "accepted", "picking"]})


def find(session: Session, order_id: uuid.UUID, *, lock: bool = False) -> Order | None:
    stmt = select(Order).where(Order.id == order_id)
    return session.scalar(stmt.with_for_update() if lock else stmt)


def by_number(session: Session, number: str) -> Order | None:
    return session.scalar(select(Order).where(Order.number == number))


def lines(session: Session, order: Order) -> list[OrderLine]:
    return list(session.scalars(select(OrderLine).where(OrderLine.store_id == order.store_id,
                                                        OrderLine.order_id == order.id).order_by(OrderLine.line_no)))


def groups(session: Session, order: Order) -> list[FulfilmentGroup]:
    return list(session.scalars(select(FulfilmentGroup).where(
        FulfilmentGroup.store_id == order.store_id, FulfilmentGroup.order_id == order.id)
        .order_by(FulfilmentGroup.group_no)))


def timeline(session: Session, order: Order) -> list[OrderEvent]:
    return list(session.scalars(select(OrderEvent).where(OrderEvent.store_id == order.store_id,
                                                         OrderEvent.order_id == order.id).order_by(OrderEvent.id)))


def page(session: Session, *, location_ids: Collection[int] | None, status: str | None, channel: str | None,
         member_id: int | None, limit: int, offset: int):
    stmt = select(Order)
    if location_ids is not None:
        visible = select(FulfilmentGroup.order_id).where(FulfilmentGroup.location_id.in_(list(location_ids)))
        stmt = stmt.where(Order.store_id.in_(list(location_ids)) | Order.id.in_(visible))
    if status:
        stmt = stmt.where(Order.status == status)
    if channel:
        stmt = stmt.where(Order.channel == channel)
    if member_id is not None:
        stmt = stmt.where(Order.member_id == member_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(session.scalars(stmt.order_by(Order.placed_at.desc()).limit(limit).offset(offset))), total


def board(session: Session, location_id: int) -> list[tuple[FulfilmentGroup, Order]]:
    stmt = (select(FulfilmentGroup, Order)
            .join(Order, (Order.store_id == FulfilmentGroup.store_id) & (Order.id == FulfilmentGroup.order_id))
            .where(FulfilmentGroup.location_id == location_id, FulfilmentGroup.status.in_(list(OPEN)))
            .order_by(FulfilmentGroup.promised_at, Order.placed_at))
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def lines_of_groups(session: Session, keys: Collection[tuple[int, uuid.UUID]]) -> list[OrderLine]:
    if not keys:
        return []
    from sqlalchemy import tuple_

    stmt = select(OrderLine).where(tuple_(OrderLine.store_id, OrderLine.order_id).in_(list(keys)))
    return list(session.scalars(stmt.order_by(OrderLine.order_id, OrderLine.line_no)))


def overdue_pickups(session: Session, now: datetime, limit: int) -> list[FulfilmentGroup]:
    stmt = (select(FulfilmentGroup).where(FulfilmentGroup.status == "ready",
                                          FulfilmentGroup.pickup_deadline.is_not(None),
                                          FulfilmentGroup.pickup_deadline < now).limit(limit))
    return list(session.scalars(stmt))


def returns_of(session: Session, order: Order) -> list[Return]:
    return list(session.scalars(select(Return).where(Return.order_store_id == order.store_id,
                                                     Return.order_id == order.id).order_by(Return.id)))


def feedback_of(session: Session, order: Order) -> Feedback | None:
    return session.scalar(select(Feedback).where(Feedback.store_id == order.store_id,
                                                 Feedback.order_id == order.id))


def nps_rows(session: Session, by: str, location_ids: Collection[int] | None):
    key = Feedback.store_id if by == "store" else Feedback.channel
    stmt = select(key, Feedback.nps, Feedback.rating)
    if location_ids is not None:
        stmt = stmt.where(Feedback.store_id.in_(list(location_ids)))
    return session.execute(stmt).all()


def complaints(session: Session, location_ids: Collection[int] | None, status: str | None):
    stmt = select(Feedback).where(Feedback.complaint.is_(True))
    if location_ids is not None:
        stmt = stmt.where(Feedback.store_id.in_(list(location_ids)))
    if status:
        stmt = stmt.where(Feedback.ticket_status == status)
    return list(session.scalars(stmt.order_by(Feedback.submitted_at.desc())))


def get_feedback(session: Session, feedback_id: uuid.UUID) -> Feedback | None:
    return session.scalar(select(Feedback).where(Feedback.id == feedback_id))


def move_member(session: Session, from_id: int, to_id: int) -> int:
    from sqlalchemy import func as f
    from sqlalchemy import update

    stmt = (update(Order).where(Order.member_id == from_id)
            .values(member_id=to_id, merged_from_member_id=f.coalesce(Order.merged_from_member_id, from_id)))
    return session.execute(stmt, execution_options={"synchronize_session": False}).rowcount or 0


def unmove_member(session: Session, survivor_id: int, merged_id: int) -> int:
    from sqlalchemy import update

    stmt = (update(Order).where(Order.member_id == survivor_id, Order.merged_from_member_id == merged_id)
            .values(member_id=merged_id, merged_from_member_id=None))
    return session.execute(stmt, execution_options={"synchronize_session": False}).rowcount or 0


def anonymise(session: Session, member_ids: Collection[int]) -> int:
    from sqlalchemy import update

    stmt = update(Order).where(Order.member_id.in_(list(member_ids))).values(contact={})
    return session.execute(stmt, execution_options={"synchronize_session": False}).rowcount or 0


# --- till uploads (bulk) --------------------------------------------------------------------------------

_ORDER_COLS = ("store_id", "id", "number", "channel", "mode", "status", "payment_status", "member_id",
               "merged_from_member_id", "guide_user_id", "external_ref", "contact", "substitution", "allow_split",
               "subtotal_fen", "discount_fen", "delivery_fee_fen", "payable_fen", "refunded_fen",
               "fulfilment_cost_fen", "routing", "placed_at", "completed_at", "cancelled_at", "cancel_reason")
_LINE_COLS = ("store_id", "order_id", "line_no", "group_no", "sku_id", "sku_code", "name", "unit", "quantity",
              "unit_price_fen", "amount_fen", "discount_fen", "picked_quantity", "returned_quantity", "substitute_of")
_GROUP_COLS = ("store_id", "order_id", "group_no", "location_id", "mode", "status", "reservation_id", "promised_at",
               "pickup_code", "pickup_deadline", "service", "rider", "picking_minutes", "delivery_fee_fen", "cost_fen",
               "updated_at")
_PAYMENT_COLS = ("store_id", "order_id", "id", "provider", "transaction_id", "amount_fen", "status", "recorded_at")
_EVENT_COLS = ("store_id", "order_id", "id", "group_no", "kind", "detail", "actor", "at")


def copy_till_orders(session: Session, orders: Collection, totals: dict[uuid.UUID, int], numbers: dict,
                     actor: str, now: datetime) -> None:
    """Completed, paid in-store orders with their one fulfilment group, payment and timeline entry."""
    from zhongtai.db.bulk import copy_rows
    from zhongtai.kernel.ids import uuid7
    from zhongtai.orders.models import Payment

    routing = {"mode": "in_store", "source": "till"}
    copy_rows(session, Order.__table__, _ORDER_COLS, (
        (o.store_id, o.id, numbers[o.id], "pos", "in_store", "completed", "paid", o.member_id, None, None,
         o.external_ref, {}, "refund", False, totals[o.id], 0, 0, totals[o.id], 0, 0, routing, o.placed_at,
         o.placed_at, None, "") for o in orders), json_columns=("contact", "routing"))
    copy_rows(session, FulfilmentGroup.__table__, _GROUP_COLS, (
        (o.store_id, o.id, 1, o.store_id, "in_store", "completed", None, o.placed_at, None, None, None, {}, None,
         0, 0, now) for o in orders), json_columns=("rider",))
    copy_rows(session, Payment.__table__, _PAYMENT_COLS, (
        (o.store_id, o.id, uuid7(), o.tender, o.external_ref, totals[o.id], "succeeded", o.placed_at)
        for o in orders))
    copy_rows(session, OrderEvent.__table__, _EVENT_COLS, (
        (o.store_id, o.id, uuid7(), None, "completed", routing, actor, o.placed_at) for o in orders),
        json_columns=("detail",))


def copy_till_lines(session: Session, lines: Collection) -> None:
    from zhongtai.db.bulk import copy_rows

    copy_rows(session, OrderLine.__table__, _LINE_COLS, (
        (ln.store_id, ln.order_id, ln.line_no, 1, ln.sku.id, ln.sku.code, ln.sku.name_zh, ln.sku.unit, ln.quantity,
         ln.unit_price_fen, ln.amount_fen, 0, None, 0, None) for ln in lines))


def add_to_till_totals(session: Session, amounts: dict[tuple[int, uuid.UUID], int]) -> None:
    """Later lines of a till order already recorded: its totals and its till payment grow."""
    from sqlalchemy import update

    from zhongtai.orders.models import Payment

    for (store_id, order_id), amount in sorted(amounts.items()):
        session.execute(update(Order).where(Order.store_id == store_id, Order.id == order_id).values(
            subtotal_fen=Order.subtotal_fen + amount, payable_fen=Order.payable_fen + amount),
            execution_options={"synchronize_session": False})
        session.execute(update(Payment).where(Payment.store_id == store_id, Payment.order_id == order_id).values(
            amount_fen=Payment.amount_fen + amount), execution_options={"synchronize_session": False})


# Plain SQL both backends speak, compiled once (a dialect insert() built per call is compiled per call).
_PAYMENT_COLS = [c.name for c in Payment.__table__.columns]
_INSERT_PAYMENT_IF_NEW = text(
    f"INSERT INTO payments ({', '.join(_PAYMENT_COLS)}) VALUES ({', '.join(':' + c for c in _PAYMENT_COLS)}) "
    "ON CONFLICT (provider, transaction_id) DO NOTHING RETURNING id"
).bindparams(*[bindparam(c.name, type_=c.type) for c in Payment.__table__.columns])


def insert_payment_if_new(session: Session, **values) -> bool:
    """INSERT the payment unless its (provider, transaction id) is already held; False if it is.
    `values` names every column."""
    return session.execute(_INSERT_PAYMENT_IF_NEW, values).first() is not None


# Set-based till sales (PostgreSQL): new orders and sold lines come from scratch tables or views named by the
# caller — `orders` (store_id, id, placed_at, external_ref, member_id, tender) and `lines` (store_id, order_id,
# line_no, sku_id, sku_code, sku_name, unit, quantity, unit_price_fen, amount_fen).
_TILL_TOTALS = ("INSERT INTO tmp_till_totals (store_id, order_id, total, is_new) "
                "SELECT l.store_id, l.order_id, sum(l.amount_fen), bool_or(o.id IS NOT NULL) FROM {lines} l "
                "LEFT JOIN {orders} o ON o.store_id = l.store_id AND o.id = l.order_id GROUP BY l.store_id, l.order_id")
_TILL_ORDERS = (
    "INSERT INTO orders (" + ", ".join(_ORDER_COLS) + ") "
    "SELECT o.store_id, o.id, to_char(o.placed_at AT TIME ZONE 'UTC', 'YYMMDD') || upper(right(replace(o.id::text, "
    "'-', ''), 12)), 'pos', 'in_store', 'completed', 'paid', o.member_id, NULL, NULL, o.external_ref, '{{}}', "
    "'refund', false, coalesce(t.total, 0), 0, 0, coalesce(t.total, 0), 0, 0, CAST(:routing AS jsonb), o.placed_at, "
    "o.placed_at, NULL, '' FROM {orders} o LEFT JOIN tmp_till_totals t ON t.store_id = o.store_id AND t.order_id = o.id "
    "ORDER BY o.store_id, o.id")
_TILL_GROUPS = (
    "INSERT INTO fulfilment_groups (" + ", ".join(_GROUP_COLS) + ") "
    "SELECT store_id, id, 1, store_id, 'in_store', 'completed', NULL, placed_at, NULL, NULL, NULL, '{{}}', NULL, 0, 0, "
    ":now FROM {orders} ORDER BY store_id, id")
_TILL_PAYMENTS = (
    "INSERT INTO payments (" + ", ".join(_PAYMENT_COLS) + ") "
    "SELECT o.store_id, o.id, {uuid}, o.tender, o.external_ref, coalesce(t.total, 0), 'succeeded', o.placed_at "
    "FROM (SELECT *, row_number() OVER () AS seq FROM {orders}) o "
    "LEFT JOIN tmp_till_totals t ON t.store_id = o.store_id AND t.order_id = o.id ORDER BY o.store_id, o.id")
_TILL_EVENTS = (
    "INSERT INTO order_events (" + ", ".join(_EVENT_COLS) + ") "
    "SELECT store_id, id, {uuid}, NULL, 'completed', CAST(:routing AS jsonb), :actor, placed_at "
    "FROM (SELECT *, row_number() OVER () AS seq FROM {orders}) o ORDER BY store_id, id")
_TILL_LINES = (
    "INSERT INTO order_lines (" + ", ".join(_LINE_COLS) + ") "
    "SELECT store_id, order_id, line_no, 1, sku_id, sku_code, sku_name, unit, quantity, unit_price_fen, amount_fen, "
    "0, NULL, 0, NULL FROM {lines} ORDER BY store_id, order_id, line_no")


def insert_till_sales(session: Session, *, orders: str, lines: str, routing: str, actor: str, now: datetime) -> None:
    """Completed, paid in-store orders (with group, payment and timeline entry) and their lines, from the scratch
    tables `orders` and `lines` in a few INSERT … SELECT; lines of orders made before add to their totals."""
    from sqlalchemy import text

    from zhongtai.db.base import UTCDateTime
    from zhongtai.db.bulk import temp_table, uuid7_sql

    temp_table(session, "tmp_till_totals", "store_id BIGINT, order_id UUID, total BIGINT, is_new BOOLEAN")
    names = {"orders": orders, "lines": lines, "uuid": uuid7_sql("seq")}
    session.execute(text(_TILL_TOTALS.format(**names)))
    params = {"routing": routing, "actor": actor, "now": now}
    for sql in (_TILL_ORDERS, _TILL_GROUPS, _TILL_PAYMENTS, _TILL_EVENTS, _TILL_LINES):
        stmt = text(sql.format(**names))
        if ":now" in sql:
            stmt = stmt.bindparams(bindparam("now", type_=UTCDateTime))
        session.execute(stmt, {k: v for k, v in params.items() if f":{k}" in sql})
    # Orders made before are few (a transaction split across chunks or files): by key, not a join the planner
    # cannot size (scratch tables have no statistics, so it would scan every payment).
    later = session.execute(text("SELECT store_id, order_id, total FROM tmp_till_totals WHERE NOT is_new"))
    add_to_till_totals(session, {(store_id, order_id): int(total) for store_id, order_id, total in later})


def till_member_sales(session: Session, *, orders: str, lines: str) -> list[tuple]:
    """(store_id, order_id, number, member_id, paid_fen, line_no, sku_id, quantity, amount_fen) of the new till
    orders of members in the scratch tables, line by line (for their OrderCompleted events)."""
    from sqlalchemy import text

    return list(session.execute(text(
        f"SELECT o.store_id, o.id, r.number, o.member_id, r.payable_fen, l.line_no, l.sku_id, l.quantity, "
        f"l.amount_fen FROM {orders} o JOIN orders r ON r.store_id = o.store_id AND r.id = o.id "
        f"JOIN {lines} l ON l.store_id = o.store_id AND l.order_id = o.id WHERE o.member_id IS NOT NULL "
        f"ORDER BY o.store_id, o.id, l.line_no")))
