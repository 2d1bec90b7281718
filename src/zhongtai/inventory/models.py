"""Stock per location, batches, the append-only ledger, reservations, allocations, transfers, counts.

Tables that grow with trade carry the location (a store or warehouse id) first in their primary key, so
they can be partitioned or distributed by location later.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhongtai.db.base import Base, BigId, JSONType, UTCDateTime
from zhongtai.kernel import clock
from zhongtai.kernel.ids import uuid7

MOVEMENT_KINDS = ("receipt", "sale", "return", "adjustment", "count", "transfer_out", "transfer_in", "fulfilment")


class StockLevel(Base):
    __tablename__ = "stock_levels"
    __table_args__ = (
        CheckConstraint("reserved >= 0", name="reserved_nonneg"),
        CheckConstraint("safety_stock >= 0", name="safety_nonneg"),
        Index("ix_stock_levels_sku", "sku_id"),
    )

    location_id: Mapped[int] = mapped_column(BigId, ForeignKey("stores.id"), primary_key=True)
    sku_id: Mapped[int] = mapped_column(BigId, ForeignKey("skus.id"), primary_key=True)
    # Base units: pieces, or grams. on_hand may go below zero only through a late till upload (oversell).
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    safety_stock: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class StockBatch(Base):
    """A lot of a fresh SKU with its best-before date; FEFO consumes the earliest first."""

    __tablename__ = "stock_batches"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="qty_nonneg"),
        Index("ix_stock_batches_fefo", "location_id", "sku_id", "best_before"),
    )

    location_id: Mapped[int] = mapped_column(BigId, ForeignKey("stores.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    sku_id: Mapped[int] = mapped_column(BigId, ForeignKey("skus.id"))
    batch_code: Mapped[str] = mapped_column(String(64), default="")
    best_before: Mapped[date | None] = mapped_column(nullable=True)
    quantity: Mapped[int] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class StockMovement(Base):
    """One append-only ledger entry; on hand is always the sum of a location's movements for a SKU."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint("kind IN ('receipt', 'sale', 'return', 'adjustment', 'count', 'transfer_out', "
                        "'transfer_in', 'fulfilment')", name="kind"),
        Index("ix_stock_movements_sku_time", "location_id", "sku_id", "occurred_at"),
    )

    location_id: Mapped[int] = mapped_column(BigId, ForeignKey("stores.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    sku_id: Mapped[int] = mapped_column(BigId, ForeignKey("skus.id"))
    kind: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column()  # signed delta in base units
    reason: Mapped[str] = mapped_column(String(200), default="")
    source_type: Mapped[str] = mapped_column(String(32), default="")
    source_id: Mapped[str] = mapped_column(String(100), default="")
    batch_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    actor: Mapped[str] = mapped_column(String(100), default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Reservation(Base):
    __tablename__ = "reservations"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'confirmed', 'released', 'expired')", name="status"),
        UniqueConstraint("location_id", "idempotency_key"),
        Index("ix_reservations_due", "status", "expires_at"),
    )

    location_id: Mapped[int] = mapped_column(BigId, ForeignKey("stores.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ReservationLine(Base):
    __tablename__ = "reservation_lines"
    __table_args__ = (
        ForeignKeyConstraint(["location_id", "reservation_id"], ["reservations.location_id", "reservations.id"],
                             ondelete="CASCADE"),
        CheckConstraint("quantity > 0", name="qty_pos"),
    )

    location_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reservation_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    sku_id: Mapped[int] = mapped_column(BigId, ForeignKey("skus.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column()
    # The channel allocation rule the line was promised under; on PostgreSQL the stock is taken with it
    # when the transaction commits (see migration 0011), so the row lock is held only for the commit.
    online_percent: Mapped[int] = mapped_column(server_default="100")
    walk_in_buffer: Mapped[int] = mapped_column(server_default="0")


class ChannelAllocation(Base):
    """How much of a store's stock online channels may promise; the rest is kept for walk-in shoppers.

    `category_id` NULL is the store's default; a category's rule covers its whole subtree.
    """

    __tablename__ = "channel_allocations"
    __table_args__ = (
        CheckConstraint("online_percent BETWEEN 0 AND 100", name="percent"),
        CheckConstraint("walk_in_buffer >= 0", name="buffer_nonneg"),
        UniqueConstraint("location_id", "category_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    location_id: Mapped[int] = mapped_column(BigId, ForeignKey("stores.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("categories.id"), nullable=True)
    online_percent: Mapped[int] = mapped_column(default=100)
    walk_in_buffer: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class Transfer(Base):
    __tablename__ = "transfers"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'in_transit', 'received', 'cancelled')", name="status"),
        CheckConstraint("from_location_id <> to_location_id", name="distinct_locations"),
    )

    from_location_id: Mapped[int] = mapped_column(BigId, ForeignKey("stores.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    to_location_id: Mapped[int] = mapped_column(BigId, ForeignKey("stores.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # [{"sku_id": 1, "quantity": 5, "batches": [{"best_before": "2026-12-01", "quantity": 5}]}]
    lines: Mapped[list] = mapped_column(JSONType)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CycleCount(Base):
    """A count entered for a location; posting turns each difference into a `count` movement."""

    __tablename__ = "cycle_counts"

    location_id: Mapped[int] = mapped_column(BigId, ForeignKey("stores.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    reason: Mapped[str] = mapped_column(String(200), default="cycle count")
    # [{"sku_id": 1, "counted": 10, "expected": 12, "difference": -2}]
    lines: Mapped[list] = mapped_column(JSONType)
    counted_by: Mapped[str] = mapped_column(String(100), default="")
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
