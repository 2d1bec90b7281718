"""Pricing SQL: the markdowns in force for a cart, in one query."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from zhongtai.catalog.models import Sku
from zhongtai.db.dialect import any_of
from zhongtai.db.session import Read
from zhongtai.pricing.models import Markdown

_MD = Markdown.__table__.c
# Built once, with bind parameters: every quote and every order placement runs it, and building and keying a
# statement costs more than running it. Plain rows: (sku_id, price_fen, percent_off, reason).
# By SKU code, so that a quote reads it together with its SKUs rather than after them.
_ACTIVE = (select(_MD.sku_id, _MD.price_fen, _MD.percent_off, _MD.reason)
           .join(Sku.__table__, Sku.__table__.c.id == _MD.sku_id)
           .where(_MD.store_id == bindparam("store_id"), any_of(Sku.__table__.c.code, "codes"),
                  _MD.starts_at <= bindparam("now"), _MD.ends_at > bindparam("now"))
           .order_by(_MD.sku_id, _MD.id))


def active_markdowns_read(store_id: int, codes: Collection[str], now: datetime) -> Read:
    """The markdowns in force at a store for some SKUs (by code), by SKU then id, as plain rows."""
    return Read(_ACTIVE, {"store_id": store_id, "codes": sorted(set(codes)), "now": now})


def markdowns(session: Session, store_id: int, *, current_only: bool, now: datetime) -> list[Markdown]:
    stmt = select(Markdown).where(Markdown.store_id == store_id)
    if current_only:
        stmt = stmt.where(Markdown.ends_at > now)
    return list(session.scalars(stmt.order_by(Markdown.ends_at.desc(), Markdown.id)))


def delete_markdown(session: Session, store_id: int, markdown_id: uuid.UUID) -> bool:
    return session.execute(delete(Markdown).where(Markdown.store_id == store_id,
                                                  Markdown.id == markdown_id)).rowcount > 0
