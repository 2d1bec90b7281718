"""Stored-value and gift-card SQL. The account row (or the card row) is the lock: every change locks it first,
reads its buckets under the lock, appends entries and moves the row by exactly their sum."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, literal, select, update
from sqlalchemy.orm import Session

from zhongtai.db import dialect
from zhongtai.kernel import clock
from zhongtai.wallet.models import (
    BonusRule,
    GiftCard,
    GiftCardBatch,
    GiftCardEntry,
    WalletAccount,
    WalletEntry,
)
from zhongtai.wallet.policies import Split

ACC = WalletAccount
ENT = WalletEntry
CARD = GiftCard
CENT = GiftCardEntry


# --- accounts -------------------------------------------------------------------------------------------

def lock_account(session: Session, member_id: int) -> Split:
    """Create the account if needed and lock it; its buckets as they stand under the lock."""
    stmt = dialect.insert(session, ACC).values(member_id=member_id, principal_fen=0, bonus_fen=0, version=0,
                                               updated_at=clock.now())
    stmt = stmt.on_conflict_do_update(index_elements=[ACC.member_id], set_={"version": ACC.version}) \
        .returning(ACC.principal_fen, ACC.bonus_fen)
    return Split(*session.execute(stmt).one())


def move(session: Session, member_id: int, delta: Split) -> Split:
    """principal += Δp, bonus += Δb on a locked account; the new buckets."""
    stmt = (update(ACC).where(ACC.member_id == member_id)
            .values(principal_fen=ACC.principal_fen + delta.principal_fen, bonus_fen=ACC.bonus_fen + delta.bonus_fen,
                    version=ACC.version + 1, updated_at=clock.now())
            .returning(ACC.principal_fen, ACC.bonus_fen))
    return Split(*session.execute(stmt).one())


def account(session: Session, member_id: int) -> WalletAccount | None:
    return session.get(ACC, member_id, populate_existing=True)


def accounts(session: Session, member_ids: Collection[int]) -> list[WalletAccount]:
    return list(session.scalars(select(ACC).where(ACC.member_id.in_(sorted(member_ids))).order_by(ACC.member_id)))


def add_entry(session: Session, row: dict[str, Any]) -> None:
    session.execute(insert(ENT), [row])


def entry(session: Session, member_id: int, source_type: str, source_id: str, kind: str) -> WalletEntry | None:
    return session.scalar(select(ENT).where(ENT.member_id == member_id, ENT.source_type == source_type,
                                            ENT.source_id == source_id, ENT.kind == kind))


def reference_sums(session: Session, reference: str, member_id: int | None = None) -> dict[str, Split]:
    """{kind: (principal, bonus)} summed over the spend and refund entries for one reference (of one member,
    if given: an order id is unique on its own, a till's ticket number may not be)."""
    stmt = (select(ENT.kind, func.sum(ENT.principal_fen), func.sum(ENT.bonus_fen))
            .where(ENT.reference == reference, ENT.kind.in_(("spend", "refund"))).group_by(ENT.kind))
    if member_id is not None:
        stmt = stmt.where(ENT.member_id == member_id)
    return {kind: Split(int(p), int(b)) for kind, p, b in session.execute(stmt)}


def entries_page(session: Session, member_id: int, *, limit: int, offset: int) -> tuple[list[WalletEntry], int]:
    stmt = select(ENT).where(ENT.member_id == member_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(ENT.occurred_at.desc(), ENT.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def all_entries(session: Session, member_ids: Collection[int]) -> list[WalletEntry]:
    stmt = select(ENT).where(ENT.member_id.in_(sorted(member_ids))).order_by(ENT.occurred_at, ENT.id)
    return list(session.scalars(stmt))


def scrub_entries(session: Session, member_ids: Collection[int]) -> int:
    """Erasure: ledger rows stay (amounts, kinds, dates) without free-text detail or the acting person."""
    stmt = update(ENT).where(ENT.member_id.in_(sorted(member_ids))).values(detail={}, actor="")
    return session.execute(stmt).rowcount


def account_drift(session: Session) -> list[tuple[int, int, int, int, int]]:
    """(member, principal, bonus, ledger principal, ledger bonus) wherever they differ (orphans included)."""
    sums = (select(ENT.member_id, func.sum(ENT.principal_fen).label("p"), func.sum(ENT.bonus_fen).label("b"))
            .group_by(ENT.member_id).subquery())
    p, b = func.coalesce(sums.c.p, 0), func.coalesce(sums.c.b, 0)
    left = (select(ACC.member_id, ACC.principal_fen, ACC.bonus_fen, p, b)
            .outerjoin(sums, sums.c.member_id == ACC.member_id)
            .where((ACC.principal_fen != p) | (ACC.bonus_fen != b)))
    orphans = (select(sums.c.member_id, literal(0), literal(0), sums.c.p, sums.c.b)
               .outerjoin(ACC, sums.c.member_id == ACC.member_id)
               .where(ACC.member_id.is_(None), (sums.c.p != 0) | (sums.c.b != 0)))
    return [tuple(r) for r in session.execute(left.union_all(orphans))]  # type: ignore[misc]


def totals(session: Session) -> tuple[int, int, int]:
    """(accounts, principal outstanding, bonus outstanding)."""
    row = session.execute(select(func.count(), func.coalesce(func.sum(ACC.principal_fen), 0),
                                 func.coalesce(func.sum(ACC.bonus_fen), 0))).one()
    return int(row[0]), int(row[1]), int(row[2])


# --- bonus rules ----------------------------------------------------------------------------------------

def bonus_rules(session: Session, *, active_only: bool) -> list[BonusRule]:
    stmt = select(BonusRule)
    if active_only:
        stmt = stmt.where(BonusRule.active.is_(True))
    return list(session.scalars(stmt.order_by(BonusRule.min_topup_fen, BonusRule.code)))


def bonus_rule(session: Session, code: str) -> BonusRule | None:
    return session.get(BonusRule, code)


# --- gift cards -----------------------------------------------------------------------------------------

def batch_by_code(session: Session, code: str) -> GiftCardBatch | None:
    return session.scalar(select(GiftCardBatch).where(GiftCardBatch.code == code))


def batches(session: Session) -> list[GiftCardBatch]:
    return list(session.scalars(select(GiftCardBatch).order_by(GiftCardBatch.id.desc())))


def add_cards(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(CARD), list(rows))


def lock_card(session: Session, code: str) -> GiftCard | None:
    stmt = select(CARD).where(CARD.code == code).with_for_update()
    return session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()


def card(session: Session, code: str) -> GiftCard | None:
    return session.get(CARD, code)


def cards_of(session: Session, member_ids: Collection[int]) -> list[GiftCard]:
    stmt = select(CARD).where(CARD.member_id.in_(sorted(member_ids))).order_by(CARD.activated_at, CARD.code)
    return list(session.scalars(stmt))


def card_counts(session: Session, batch_ids: Collection[int]) -> dict[tuple[int, str], tuple[int, int]]:
    """{(batch, status): (cards, balance)}."""
    stmt = (select(CARD.batch_id, CARD.status, func.count(), func.coalesce(func.sum(CARD.balance_fen), 0))
            .where(CARD.batch_id.in_(sorted(batch_ids))).group_by(CARD.batch_id, CARD.status))
    return {(b, s): (int(n), int(v)) for b, s, n, v in session.execute(stmt)}


def add_card_entry(session: Session, row: dict[str, Any]) -> None:
    session.execute(insert(CENT), [row])


def card_entry(session: Session, code: str, source_type: str, source_id: str, kind: str) -> GiftCardEntry | None:
    return session.scalar(select(CENT).where(CENT.card_code == code, CENT.source_type == source_type,
                                             CENT.source_id == source_id, CENT.kind == kind))


def card_reference_sums(session: Session, code: str, reference: str) -> dict[str, int]:
    stmt = (select(CENT.kind, func.sum(CENT.amount_fen))
            .where(CENT.card_code == code, CENT.reference == reference, CENT.kind.in_(("spend", "refund")))
            .group_by(CENT.kind))
    return {kind: int(n) for kind, n in session.execute(stmt)}


def card_entries(session: Session, code: str) -> list[GiftCardEntry]:
    return list(session.scalars(select(CENT).where(CENT.card_code == code).order_by(CENT.occurred_at, CENT.id)))


def due_cards(session: Session, now: datetime, limit: int) -> list[str]:
    stmt = (select(CARD.code).where(CARD.status == "active", CARD.expires_at <= now)
            .order_by(CARD.code).limit(limit))
    return list(session.scalars(stmt))


def card_drift(session: Session) -> list[tuple[str, int, int]]:
    """(card, balance, ledger sum) wherever they differ."""
    sums = select(CENT.card_code, func.sum(CENT.amount_fen).label("total")).group_by(CENT.card_code).subquery()
    total = func.coalesce(sums.c.total, 0)
    stmt = (select(CARD.code, CARD.balance_fen, total).outerjoin(sums, sums.c.card_code == CARD.code)
            .where(CARD.balance_fen != total))
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def card_totals(session: Session) -> tuple[int, int]:
    """(active cards, their outstanding balance)."""
    active = case((CARD.status == "active", 1), else_=0)
    row = session.execute(select(func.coalesce(func.sum(active), 0),
                                 func.coalesce(func.sum(CARD.balance_fen), 0))).one()
    return int(row[0]), int(row[1])


def unbind_cards(session: Session, member_ids: Collection[int]) -> int:
    stmt = update(CARD).where(CARD.member_id.in_(sorted(member_ids))).values(member_id=None, updated_at=clock.now())
    return session.execute(stmt).rowcount


def rebind_codes(session: Session, codes: Collection[str], from_member_id: int, to_member_id: int) -> int:
    if not codes:
        return 0
    stmt = (update(CARD).where(CARD.code.in_(sorted(codes)), CARD.member_id == from_member_id)
            .values(member_id=to_member_id, updated_at=clock.now()))
    return session.execute(stmt).rowcount


def rebind_cards(session: Session, from_member_id: int, to_member_id: int) -> int:
    stmt = update(CARD).where(CARD.member_id == from_member_id).values(member_id=to_member_id,
                                                                        updated_at=clock.now())
    return session.execute(stmt).rowcount


def monthly_movements(session: Session) -> list[tuple[str, str, int, int]]:
    """(month, kind, principal, bonus) summed over the stored-value ledger."""
    m = dialect.month(session, ENT.occurred_at)
    stmt = (select(m, ENT.kind, func.sum(ENT.principal_fen), func.sum(ENT.bonus_fen))
            .group_by(m, ENT.kind).order_by(m))
    return [(mo, kind, int(p), int(b)) for mo, kind, p, b in session.execute(stmt)]


def card_monthly_movements(session: Session) -> list[tuple[str, str, int]]:
    """(month, kind, fen) summed over the gift-card ledger."""
    m = dialect.month(session, CENT.occurred_at)
    stmt = select(m, CENT.kind, func.sum(CENT.amount_fen)).group_by(m, CENT.kind).order_by(m)
    return [(mo, kind, int(n)) for mo, kind, n in session.execute(stmt)]
