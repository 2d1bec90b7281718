"""Orders from every channel, their fulfilment groups, payments, timeline, returns and feedback.

Every table carries the order's store (`store_id`, the location that owns the order) first in its key,
so order data can be partitioned by store. A group may be fulfilled at another location (split orders).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zhongtai.db.base import Base, BigId, JSONType, UTCDateTime
from zhongtai.kernel import clock
from zhongtai.kernel.ids import uuid7

ORDER_FK = lambda: ForeignKeyConstraint(["store_id", "order_id"], ["orders.store_id", "orders.id"],  # noqa: E731
                                        ondelete="CASCADE")


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("channel IN ('pos', 'app', 'mini_program', 'ecommerce', 'guide')", name="channel"),
        CheckConstraint("payable_fen >= 0", name="payable_nonneg"),
        Index("ix_orders_member", "member_id"),
        Index("ix_orders_placed", "store_id", "placed_at"),
        Index("ix_orders_number", "number", unique=True),
    )

    store_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    number: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), default="placed")
    payment_status: Mapped[str] = mapped_column(String(16), default="pending")
    member_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    # Set when a member merge moved this order to the survivor, so an undone merge can move it back.
    merged_from_member_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    guide_user_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    external_ref: Mapped[str] = mapped_column(String(100), default="")
    contact: Mapped[dict] = mapped_column(JSONType, default=dict)  # name, phone, address, lat/lon
    substitution: Mapped[str] = mapped_column(String(16), default="refund")  # refund | substitute
    allow_split: Mapped[bool] = mapped_column(default=False)
    subtotal_fen: Mapped[int] = mapped_column(default=0)
    discount_fen: Mapped[int] = mapped_column(default=0)
    delivery_fee_fen: Mapped[int] = mapped_column(default=0)
    payable_fen: Mapped[int] = mapped_column(default=0)
    refunded_fen: Mapped[int] = mapped_column(default=0)
    fulfilment_cost_fen: Mapped[int] = mapped_column(default=0)
    routing: Mapped[dict] = mapped_column(JSONType, default=dict)  # the explanation of where and why
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (ORDER_FK(), CheckConstraint("quantity > 0", name="qty_pos"))

    store_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    line_no: Mapped[int] = mapped_column(primary_key=True)
    group_no: Mapped[int] = mapped_column()
    sku_id: Mapped[int] = mapped_column(BigId)
    sku_code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[int] = mapped_column()  # base units: pieces or grams
    unit_price_fen: Mapped[int] = mapped_column()  # per piece, or per kilogram
    amount_fen: Mapped[int] = mapped_column()
    discount_fen: Mapped[int] = mapped_column(default=0)  # this line's share of order-level discounts
    picked_quantity: Mapped[int | None] = mapped_column(nullable=True)
    returned_quantity: Mapped[int] = mapped_column(default=0)
    substitute_of: Mapped[int | None] = mapped_column(nullable=True)  # line_no this line replaces


class FulfilmentGroup(Base):
    """The lines one location fulfils in one mode; each group has its own lifecycle and reservation."""

    __tablename__ = "fulfilment_groups"
    __table_args__ = (ORDER_FK(), Index("ix_fulfilment_groups_board", "location_id", "status"))

    store_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    group_no: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(BigId)
    mode: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), default="placed")
    reservation_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    promised_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    pickup_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    pickup_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    service: Mapped[str | None] = mapped_column(String(32), nullable=True)
    rider: Mapped[dict] = mapped_column(JSONType, default=dict)
    picking_minutes: Mapped[int | None] = mapped_column(nullable=True)
    delivery_fee_fen: Mapped[int] = mapped_column(default=0)
    cost_fen: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (ORDER_FK(), Index("ix_payments_txn", "provider", "transaction_id", unique=True))

    store_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    provider: Mapped[str] = mapped_column(String(16))  # wechat_pay, alipay, card, cash, points, stored_value
    transaction_id: Mapped[str] = mapped_column(String(100))
    amount_fen: Mapped[int] = mapped_column()  # negative for refunds
    status: Mapped[str] = mapped_column(String(16))  # pending, succeeded, failed, refunded
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class OrderEvent(Base):
    """The order's timeline: each step with its time and who did it."""

    __tablename__ = "order_events"
    __table_args__ = (ORDER_FK(),)

    store_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    group_no: Mapped[int | None] = mapped_column(nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict] = mapped_column(JSONType, default=dict)
    actor: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Return(Base):
    """Goods handed back at any location, against an order of any store."""

    __tablename__ = "order_returns"
    __table_args__ = (Index("ix_order_returns_order", "order_store_id", "order_id"),)

    location_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    order_store_id: Mapped[int] = mapped_column(BigId)
    order_id: Mapped[uuid.UUID] = mapped_column()
    channel: Mapped[str] = mapped_column(String(16))
    condition: Mapped[str] = mapped_column(String(16))
    lines: Mapped[list] = mapped_column(JSONType)  # [{line_no, sku_id, quantity, refund_fen}]
    refund_fen: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(200), default="")
    actor: Mapped[str] = mapped_column(String(100), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Feedback(Base):
    __tablename__ = "order_feedback"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
        CheckConstraint("nps IS NULL OR nps BETWEEN 0 AND 10", name="nps"),
        Index("ix_order_feedback_order", "store_id", "order_id", unique=True),
    )

    store_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    order_id: Mapped[uuid.UUID] = mapped_column()
    channel: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    rating: Mapped[int] = mapped_column()
    nps: Mapped[int | None] = mapped_column(nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    complaint: Mapped[bool] = mapped_column(default=False)
    ticket_status: Mapped[str | None] = mapped_column(String(16), nullable=True)  # open, resolved
    resolution: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
