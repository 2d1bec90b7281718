"""Markdowns: a store's temporary reduction of a SKU (near-expiry fresh goods, clearance)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from zhongtai.db.base import Base, BigId, UTCDateTime
from zhongtai.kernel import clock
from zhongtai.kernel.ids import uuid7


class Markdown(Base):
    """A fixed unit price or a percentage off a SKU at one store during [starts_at, ends_at)."""

    __tablename__ = "markdowns"
    __table_args__ = (
        CheckConstraint("(price_fen IS NULL) <> (percent_off IS NULL)", name="one_kind"),
        CheckConstraint("price_fen IS NULL OR price_fen >= 0", name="price_nonneg"),
        CheckConstraint("percent_off IS NULL OR percent_off BETWEEN 1 AND 99", name="percent"),
        CheckConstraint("starts_at < ends_at", name="window"),
        Index("ix_markdowns_active", "store_id", "sku_id", "ends_at"),
    )

    store_id: Mapped[int] = mapped_column(BigId, ForeignKey("stores.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    sku_id: Mapped[int] = mapped_column(BigId, ForeignKey("skus.id"))
    price_fen: Mapped[int | None] = mapped_column(nullable=True)
    percent_off: Mapped[int | None] = mapped_column(nullable=True)
    reason: Mapped[str] = mapped_column(String(100), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
