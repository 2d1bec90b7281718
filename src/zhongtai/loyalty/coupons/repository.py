"""Coupon SQL: issuance under the template's row lock, redemption as one conditional UPDATE per coupon."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from zhongtai.db.dialect import any_of
from zhongtai.db.session import Read
from zhongtai.loyalty.coupons.models import Coupon, CouponTemplate

TPL = CouponTemplate


def _one(session: Session, stmt, lock: bool):
    """One row; a locked read refreshes the row even if this session had loaded it before."""
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalar(stmt)


def template(session: Session, template_id: int, *, lock: bool = False) -> CouponTemplate | None:
    return _one(session, select(TPL).where(TPL.id == template_id), lock)


def template_by(session: Session, *, code: str | None = None, claim_code: str | None = None,
                lock: bool = False) -> CouponTemplate | None:
    stmt = select(TPL).where(TPL.code == code if code is not None else TPL.claim_code == claim_code)
    return _one(session, stmt, lock)


def templates_page(session: Session, *, status: str | None, limit: int, offset: int):
    stmt = select(TPL)
    if status:
        stmt = stmt.where(TPL.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(session.scalars(stmt.order_by(TPL.id.desc()).limit(limit).offset(offset))), total


def templates_with_trigger(session: Session, trigger: str) -> list[CouponTemplate]:
    return list(session.scalars(select(TPL).where(TPL.trigger == trigger, TPL.status == "active").order_by(TPL.id)))


def issue_keys(session: Session, template_id: int, member_ids: Collection[int]) -> dict[int, set[str]]:
    """The issue keys each member already holds for a template."""
    out: dict[int, set[str]] = defaultdict(set)
    rows = session.execute(select(Coupon.member_id, Coupon.issue_key).where(
        Coupon.template_id == template_id, Coupon.member_id.in_(sorted(set(member_ids)))))
    for member_id, key in rows:
        out[member_id].add(key)
    return out


def add_coupons(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(Coupon), list(rows))


def with_templates(session: Session, codes: Collection[str]) -> dict[str, tuple[Coupon, CouponTemplate]]:
    """Coupons by code with their templates, in one query."""
    rows = session.execute(select(Coupon, TPL).join(TPL, TPL.id == Coupon.template_id)
                           .where(Coupon.code.in_(sorted(set(codes)))))
    return {c.code: (c, t) for c, t in rows}


_C, _T = Coupon.__table__.c, TPL.__table__.c
# Built once: every quote and order placement reads the coupons presented, and building and keying a
# statement costs more than running it. The coupon's code, owner, status and window, then its template's terms.
_TERMS = (select(_C.code, _C.member_id, _C.status, _C.valid_from, _C.valid_to, _T.code.label("template_code"),
                 _T.kind, _T.threshold_fen, _T.amount_fen, _T.percent_off, _T.cap_fen, _T.sku_codes,
                 _T.category_codes, _T.channels, _T.store_ids, _T.stackable)
          .join(TPL.__table__, _T.id == _C.template_id).where(any_of(_C.code, "codes")))


def terms_read(codes: Collection[str]) -> Read:
    """Coupons by code with their templates' terms, in one query of plain rows."""
    return Read(_TERMS, {"codes": sorted(set(codes))})


def mark_redeemed(session: Session, coupon: Coupon, *, now: datetime, reference: str, channel: str,
                  store_id: int | None) -> bool:
    """issued → redeemed, only if still issued and valid now: of racing redemptions exactly one matches."""
    values = {"status": "redeemed", "redeemed_at": now, "redeemed_ref": reference, "redeemed_channel": channel,
              "redeemed_store_id": store_id}
    stmt = (update(Coupon).where(Coupon.member_id == coupon.member_id, Coupon.id == coupon.id,
                                 Coupon.status == "issued", Coupon.valid_from <= now, Coupon.valid_to > now)
            .values(**values).returning(Coupon.id).execution_options(synchronize_session=False))
    return _applied(session.execute(stmt).scalar_one_or_none() is not None, coupon, values)


def _applied(done: bool, coupon: Coupon, values: dict[str, Any]) -> bool:
    """Keep the loaded coupon in step with a conditional UPDATE that matched (without dirtying it)."""
    if done:
        for name, value in values.items():
            set_committed_value(coupon, name, value)
    return done


def redeemed_for(session: Session, reference: str) -> list[tuple[Coupon, CouponTemplate]]:
    rows = session.execute(select(Coupon, TPL).join(TPL, TPL.id == Coupon.template_id)
                           .where(Coupon.redeemed_ref == reference, Coupon.status == "redeemed")
                           .order_by(Coupon.member_id, Coupon.id).with_for_update(of=Coupon))
    return [(c, t) for c, t in rows]


def put_back(session: Session, coupon: Coupon) -> bool:
    """redeemed → issued (the redemption is kept in nothing but the event and `restored_count`)."""
    values = {"status": "issued", "redeemed_at": None, "redeemed_ref": "", "redeemed_channel": "",
              "redeemed_store_id": None}
    stmt = (update(Coupon).where(Coupon.member_id == coupon.member_id, Coupon.id == coupon.id,
                                 Coupon.status == "redeemed")
            .values(**values, restored_count=Coupon.restored_count + 1)
            .returning(Coupon.restored_count).execution_options(synchronize_session=False))
    count = session.execute(stmt).scalar_one_or_none()
    return _applied(count is not None, coupon, {**values, "restored_count": count})


def member_coupons(session: Session, member_id: int, *, status: str | None, limit: int, offset: int):
    stmt = select(Coupon, TPL).join(TPL, TPL.id == Coupon.template_id).where(Coupon.member_id == member_id)
    if status:
        stmt = stmt.where(Coupon.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(Coupon.valid_to, Coupon.id).limit(limit).offset(offset))
    return [(c, t) for c, t in rows], total


def expire_due(session: Session, now: datetime) -> int:
    stmt = (update(Coupon).where(Coupon.status == "issued", Coupon.valid_to <= now).values(status="expired")
            .execution_options(synchronize_session=False))
    return session.execute(stmt).rowcount


def move(session: Session, *, from_id: int, to_id: int, prefix: str) -> int:
    """Hand a member's unused coupons to another, their issue keys prefixed so they stay unique and
    remember where they came from."""
    stmt = (update(Coupon).where(Coupon.member_id == from_id, Coupon.status == "issued")
            .values(member_id=to_id, issue_key=literal(prefix) + Coupon.issue_key)
            .execution_options(synchronize_session=False))
    return session.execute(stmt).rowcount


def move_back(session: Session, *, from_id: int, to_id: int, prefix: str) -> int:
    """Undo `move` for the coupons still unused."""
    stmt = (update(Coupon).where(Coupon.member_id == from_id, Coupon.status == "issued",
                                 Coupon.issue_key.startswith(prefix, autoescape=True))
            .values(member_id=to_id, issue_key=func.substr(Coupon.issue_key, len(prefix) + 1))
            .execution_options(synchronize_session=False))
    return session.execute(stmt).rowcount


def issued_count_drift(session: Session) -> list[tuple[str, int, int]]:
    """(template code, issued_count, coupons held) wherever they differ."""
    held = select(Coupon.template_id, func.count().label("n")).group_by(Coupon.template_id).subquery()
    stmt = (select(TPL.code, TPL.issued_count, func.coalesce(held.c.n, 0))
            .outerjoin(held, held.c.template_id == TPL.id)
            .where(TPL.issued_count != func.coalesce(held.c.n, 0)))
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]
