"""Webhook subscriptions, their deliveries (one per subscription and event) and every delivery attempt.

Deliveries and attempts grow with trade; both carry `subscription_id` in their keys, the natural partition
(a partner's traffic), and `(subscription_id, event_id)` is unique: one event reaches one subscription once
as a row, however often the relay redelivers it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from zhongtai.db.base import Base, BigId, JSONType, TimestampMixin, UTCDateTime
from zhongtai.kernel import clock
from zhongtai.kernel.ids import uuid7

DELIVERY_STATUSES = ("pending", "delivered", "dead")


class WebhookSubscription(TimestampMixin, Base):
    """A partner's URL, the event types it wants (exact names or `domain.*`), and the secret that signs them."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (CheckConstraint("max_attempts BETWEEN 1 AND 50", name="max_attempts"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    partner: Mapped[str] = mapped_column(String(100), default="")
    # Set when an integration client subscribed itself; it then sees only its own subscriptions.
    api_client_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("api_clients.id", ondelete="SET NULL"),
                                                      nullable=True, index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(100))  # needed in clear to sign; shown to the partner once
    event_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    store_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)  # empty: every store
    active: Mapped[bool] = mapped_column(default=True)
    max_attempts: Mapped[int] = mapped_column(default=10)
    created_by: Mapped[str] = mapped_column(String(100), default="")


class WebhookDelivery(Base):
    """One event to one subscription: the exact body sent (so a replay is byte-identical) and where it stands.

    `attempts` counts every attempt ever made; `round_attempts` those since the last replay, which the
    dead-letter limit applies to. While a worker is sending, `next_attempt_at` is its lease.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in DELIVERY_STATUSES)})", name="status"),
        UniqueConstraint("subscription_id", "event_id"),
        # Workers poll only pending rows: a partial index keeps each poll small however many were delivered.
        Index("ix_webhook_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'"),
              sqlite_where=text("status = 'pending'")),
        Index("ix_webhook_deliveries_subscription_status", "subscription_id", "status", "created_at"),
    )

    subscription_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    event_id: Mapped[uuid.UUID] = mapped_column()
    event_type: Mapped[str] = mapped_column(String(100))
    store_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    round_attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    replays: Mapped[int] = mapped_column(default=0)


class WebhookAttempt(Base):
    """One HTTP attempt of a delivery: when, the answer's status code (none if it never came), how long it
    took, and the start of the error or of the answer's body."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (
        ForeignKeyConstraint(["subscription_id", "delivery_id"],
                             ["webhook_deliveries.subscription_id", "webhook_deliveries.id"],
                             name="fk_webhook_attempts_delivery", ondelete="CASCADE"),
    )

    subscription_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ok: Mapped[bool] = mapped_column(default=False)
    status_code: Mapped[int | None] = mapped_column(nullable=True)
    latency_ms: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
