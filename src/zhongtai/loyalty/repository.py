"""Points SQL. The account row is each member's lock: every change updates it first (one conditional UPDATE
for a redemption), and only then touches that member's lots, locked in primary-key order."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Numeric,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from zhongtai.db import dialect
from zhongtai.db.session import Read
from zhongtai.kernel import clock
from zhongtai.loyalty.models import PointsAccount, PointsEntry, PointsProgramme, PointsRule, TierSpend
from zhongtai.loyalty.policies import Lot

ACC = PointsAccount
ENT = PointsEntry


def lock_account(session: Session, member_id: int) -> tuple[int, int]:
    """Create the account if needed and lock it; (balance, orders completed)."""
    stmt = dialect.insert(session, ACC).values(member_id=member_id, balance=0, orders_completed=0, version=0,
                                               updated_at=clock.now())
    stmt = stmt.on_conflict_do_update(index_elements=[ACC.member_id], set_={"version": ACC.version}) \
        .returning(ACC.balance, ACC.orders_completed)
    return tuple(session.execute(stmt).one())  # type: ignore[return-value]


def try_debit(session: Session, member_id: int, points: int) -> int | None:
    """balance -= points only if the balance covers it (exactly one of racing redemptions wins); the new
    balance, or None."""
    stmt = (update(ACC).where(ACC.member_id == member_id, ACC.balance >= points)
            .values(balance=ACC.balance - points, version=ACC.version + 1, updated_at=clock.now())
            .returning(ACC.balance))
    return session.execute(stmt).scalar_one_or_none()


def add_balance(session: Session, member_id: int, delta: int, orders_delta: int = 0) -> int:
    """balance += delta on a locked account; the new balance."""
    stmt = (update(ACC).where(ACC.member_id == member_id)
            .values(balance=ACC.balance + delta, orders_completed=ACC.orders_completed + orders_delta,
                    version=ACC.version + 1, updated_at=clock.now())
            .returning(ACC.balance))
    return session.execute(stmt).scalar_one()


def account(session: Session, member_id: int) -> PointsAccount | None:
    return session.get(ACC, member_id, populate_existing=True)


def balance_of(session: Session, member_id: int) -> int:
    return session.scalar(select(ACC.balance).where(ACC.member_id == member_id)) or 0


def open_lots(session: Session, member_id: int, *, due_by: datetime | None = None) -> list[Lot]:
    """A member's lots with points left (only those due by `due_by`, if given), locked in key order."""
    stmt = select(ENT.id, ENT.remaining, ENT.expires_at).where(ENT.member_id == member_id, ENT.remaining > 0)
    if due_by is not None:
        stmt = stmt.where(ENT.expires_at <= due_by)
    return [Lot(*row) for row in session.execute(stmt.order_by(ENT.id).with_for_update())]


def merged_lots(session: Session, member_id: int, merge_id: str) -> list[Lot]:
    """The open lots a merge brought a member, locked in key order."""
    stmt = (select(ENT.id, ENT.remaining, ENT.expires_at)
            .where(ENT.member_id == member_id, ENT.kind == "merge_in", ENT.source_type == "merge",
                   ENT.source_id.startswith(f"{merge_id}#", autoescape=True), ENT.remaining > 0)
            .order_by(ENT.id).with_for_update())
    return [Lot(*row) for row in session.execute(stmt)]


def lots_by_ids(session: Session, member_id: int, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, datetime | None]:
    rows = session.execute(select(ENT.id, ENT.expires_at).where(ENT.member_id == member_id, ENT.id.in_(list(ids))))
    return dict(rows.all())  # type: ignore[arg-type]


def take_from_lots(session: Session, member_id: int, takes: Sequence[tuple[uuid.UUID, int]]) -> None:
    if not takes:
        return
    table = ENT.__table__
    stmt = (update(table).where(table.c.member_id == bindparam("m"), table.c.id == bindparam("lot"))
            .values(remaining=table.c.remaining - bindparam("n")))
    session.execute(stmt, [{"m": member_id, "lot": lot, "n": n} for lot, n in takes])


def add_entries(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(ENT), list(rows))


def insert_entry_if_new(session: Session, row: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on (member, source, kind); True if this call wrote it."""
    stmt = dialect.insert(session, ENT).values(**row).on_conflict_do_nothing(
        index_elements=[ENT.member_id, ENT.source_type, ENT.source_id, ENT.kind]).returning(ENT.id)
    return session.execute(stmt).scalar_one_or_none() is not None


def entry(session: Session, member_id: int, source_type: str, source_id: str, kind: str) -> PointsEntry | None:
    return session.scalar(select(ENT).where(ENT.member_id == member_id, ENT.source_type == source_type,
                                            ENT.source_id == source_id, ENT.kind == kind))


def entries_for_reference(session: Session, reference: str, kinds: Collection[str]) -> list[PointsEntry]:
    return list(session.scalars(select(ENT).where(ENT.reference == reference, ENT.kind.in_(list(kinds)))
                                .order_by(ENT.occurred_at, ENT.id)))


def entries_page(session: Session, member_id: int, *, limit: int, offset: int) -> tuple[list[PointsEntry], int]:
    stmt = select(ENT).where(ENT.member_id == member_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(ENT.occurred_at.desc(), ENT.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def expiring(session: Session, member_id: int, until: datetime) -> list[tuple[datetime, int]]:
    """(expiry, points) of a member's open lots expiring by `until`, soonest first."""
    stmt = (select(ENT.expires_at, ENT.remaining)
            .where(ENT.member_id == member_id, ENT.remaining > 0, ENT.expires_at <= until)
            .order_by(ENT.expires_at))
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def members_with_due_lots(session: Session, now: datetime, limit: int) -> list[int]:
    stmt = (select(ENT.member_id).where(ENT.remaining > 0, ENT.expires_at <= now).distinct()
            .order_by(ENT.member_id).limit(limit))
    return list(session.scalars(stmt))


def balance_drift(session: Session) -> list[tuple[int, int, int]]:
    """(member, balance, ledger sum) wherever they differ, including entries with no account."""
    sums = select(ENT.member_id, func.sum(ENT.points).label("total")).group_by(ENT.member_id).subquery()
    left = (select(ACC.member_id, ACC.balance, func.coalesce(sums.c.total, 0))
            .outerjoin(sums, sums.c.member_id == ACC.member_id)
            .where(ACC.balance != func.coalesce(sums.c.total, 0)))
    orphans = (select(sums.c.member_id, literal(0), sums.c.total)
               .outerjoin(ACC, sums.c.member_id == ACC.member_id)
               .where(ACC.member_id.is_(None), sums.c.total != 0))
    return [tuple(r) for r in session.execute(left.union_all(orphans))]  # type: ignore[misc]


def lot_drift(session: Session) -> list[tuple[int, int, int]]:
    """(member, balance, open lot points) wherever open lots differ from max(balance, 0)."""
    lots = (select(ENT.member_id, func.sum(ENT.remaining).label("open")).where(ENT.remaining > 0)
            .group_by(ENT.member_id).subquery())
    spendable = case((ACC.balance > 0, ACC.balance), else_=0)
    stmt = (select(ACC.member_id, ACC.balance, func.coalesce(lots.c.open, 0))
            .outerjoin(lots, lots.c.member_id == ACC.member_id)
            .where(spendable != func.coalesce(lots.c.open, 0)))
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def count_accounts(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ACC)) or 0


def negative_total(session: Session) -> tuple[int, int]:
    """(accounts below zero, the points they owe)."""
    owed = func.coalesce(func.sum(-ACC.balance), 0)
    row = session.execute(select(func.count(), owed).where(ACC.balance < 0)).one()
    return int(row[0]), int(row[1])


def open_lots_by_expiry(session: Session) -> list[tuple[datetime | None, int]]:
    """(expiry, open points) of every open lot (grouped by month in the service: portable across backends)."""
    stmt = select(ENT.expires_at, func.sum(ENT.remaining)).where(ENT.remaining > 0).group_by(ENT.expires_at)
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def programme(session: Session) -> PointsProgramme | None:
    return session.get(PointsProgramme, 1)


def rules(session: Session) -> list[PointsRule]:
    return list(session.scalars(select(PointsRule).order_by(PointsRule.kind, PointsRule.key)))


def upsert_rule(session: Session, kind: str, key: str, multiplier: Any) -> None:
    stmt = dialect.insert(session, PointsRule).values(kind=kind, key=key, multiplier=multiplier,
                                                      updated_at=clock.now())
    session.execute(stmt.on_conflict_do_update(index_elements=[PointsRule.kind, PointsRule.key],
                                               set_={"multiplier": multiplier, "updated_at": clock.now()}))


def delete_rule(session: Session, kind: str, key: str) -> bool:
    stmt = delete(PointsRule).where(and_(PointsRule.kind == kind, PointsRule.key == key))
    return session.execute(stmt).rowcount > 0


# --- tier spend -----------------------------------------------------------------------------------------

def record_spend(session: Session, row: dict[str, Any]) -> bool:
    """One completed order's spend, once (ON CONFLICT DO NOTHING on the order); True if this call wrote it."""
    stmt = dialect.insert(session, TierSpend).values(**row).on_conflict_do_nothing(
        index_elements=[TierSpend.order_id]).returning(TierSpend.order_id)
    return session.execute(stmt).scalar_one_or_none() is not None


def add_refund(session: Session, order_id: str, refund_fen: int) -> int | None:
    """refunded += refund (never above paid) on an order's spend; its member, or None if it has no row."""
    after = TierSpend.refunded_fen + refund_fen
    stmt = (update(TierSpend).where(TierSpend.order_id == order_id)
            .values(refunded_fen=case((after > TierSpend.paid_fen, TierSpend.paid_fen), else_=after))
            .returning(TierSpend.member_id))
    return session.execute(stmt).scalar_one_or_none()


def spend_since(session: Session, member_id: int, since: datetime) -> int:
    stmt = select(func.coalesce(func.sum(TierSpend.paid_fen - TierSpend.refunded_fen), 0)).where(
        TierSpend.member_id == member_id, TierSpend.completed_at >= since)
    return int(session.scalar(stmt) or 0)


def spenders(session: Session, *, after_id: int, limit: int) -> list[int]:
    stmt = (select(TierSpend.member_id).where(TierSpend.member_id > after_id).distinct()
            .order_by(TierSpend.member_id).limit(limit))
    return list(session.scalars(stmt))


def move_spend(session: Session, from_member_id: int, to_member_id: int) -> int:
    stmt = update(TierSpend).where(TierSpend.member_id == from_member_id).values(member_id=to_member_id)
    return session.execute(stmt).rowcount


def unmove_spend(session: Session, survivor_id: int, merged_id: int) -> int:
    stmt = (update(TierSpend).where(TierSpend.member_id == survivor_id, TierSpend.buyer_id == merged_id)
            .values(member_id=merged_id))
    return session.execute(stmt).rowcount


def monthly_movements(session: Session) -> list[tuple[str, str, int]]:
    """(month, kind, points) summed over the whole ledger: the points side of the finance view."""
    m = dialect.month(session, ENT.occurred_at)
    stmt = select(m, ENT.kind, func.sum(ENT.points)).group_by(m, ENT.kind).order_by(m)
    return [(mo, kind, int(n)) for mo, kind, n in session.execute(stmt)]


def total_balance(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(ACC.balance), 0))) or 0)


PROGRAMME_SCALARS = ("earn_per_yuan", "redeem_points_per_yuan", "max_redeem_percent", "expiry_days")


def _programme_selects() -> list:
    value = Numeric(12, 3)
    p = PointsProgramme
    scalars = [select(literal("programme"), literal(name), cast(getattr(p, name), value)).where(p.id == 1)
               for name in PROGRAMME_SCALARS]
    return [select(PointsRule.kind, PointsRule.key, cast(PointsRule.multiplier, value)), *scalars]


# Built once: a quote and every order read them, and building and keying a five-part UNION costs more
# than running it. The second adds a member's balance as ('balance', '', points) (no row: no account).
_PROGRAMME = union_all(*_programme_selects())
_PROGRAMME_AND_BALANCE = union_all(*_programme_selects(), select(literal("balance"), literal(""), ACC.balance)
                                   .where(ACC.member_id == bindparam("member_id")))


def programme_and_rules(session: Session) -> list[tuple[str, str, Any]]:
    """The programme's scalars (as ('programme', name, value)) and every rule (kind, key, multiplier), in one
    round trip: a quote reads them on every call."""
    return [tuple(r) for r in session.execute(_PROGRAMME)]  # type: ignore[misc]


def programme_rules_and_balance_read(member_id: int) -> Read:
    """`programme_and_rules` and the member's balance as ('balance', '', points), in one statement."""
    return Read(_PROGRAMME_AND_BALANCE, {"member_id": member_id})

