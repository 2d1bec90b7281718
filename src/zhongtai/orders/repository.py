"""Order queries."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from zhongtai.orders.models import Feedback, FulfilmentGroup, Order, OrderEvent, OrderLine, Return
from zhongtai.orders.policies import OPEN

# Read for every order and quote: built once (no statement or cache key to rebuild per call).
_OPEN_QUEUE = (select(FulfilmentGroup.location_id, func.count())
               .where(FulfilmentGroup.location_id.in_(bindparam("location_ids", expanding=True)),
                      FulfilmentGroup.status.in_(["placed", "accepted", "picking"]))
               .group_by(FulfilmentGroup.location_id))


def open_queue(session: Session, location_ids: Collection[int]) -> dict[int, int]:
    """Open online groups per location (the store's current queue)."""
    return dict(session.execute(_OPEN_QUEUE, {"location_ids": list(location_ids)}).all())


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
