"""Pricing SQL: the markdowns in force for a cart, in one query."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from zhongtai.pricing.models import Markdown


def active_markdowns(session: Session, store_id: int, sku_ids: Collection[int], now: datetime) -> list[Markdown]:
    stmt = (select(Markdown).where(Markdown.store_id == store_id, Markdown.sku_id.in_(sorted(set(sku_ids))),
                                   Markdown.starts_at <= now, Markdown.ends_at > now)
            .order_by(Markdown.sku_id, Markdown.id))
    return list(session.scalars(stmt))


def markdowns(session: Session, store_id: int, *, current_only: bool, now: datetime) -> list[Markdown]:
    stmt = select(Markdown).where(Markdown.store_id == store_id)
    if current_only:
        stmt = stmt.where(Markdown.ends_at > now)
    return list(session.scalars(stmt.order_by(Markdown.ends_at.desc(), Markdown.id)))


def delete_markdown(session: Session, store_id: int, markdown_id: uuid.UUID) -> bool:
    return session.execute(delete(Markdown).where(Markdown.store_id == store_id,
                                                  Markdown.id == markdown_id)).rowcount > 0
