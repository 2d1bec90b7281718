"""Points accounts, the append-only points ledger, the earning programme, coupon templates and coupons.

Rows that grow with members carry `member_id` first in their key, so they can be partitioned by member.
`member_id` has no foreign key to `members` (like `orders.member_id`): the ledger outlives merges and
erasures, and a member merged away keeps its history under its own id.

Invariants (checked by `service.verify`):
  * an account's balance equals the sum of its entries' points;
  * the points still open in its lots (positive entries' `remaining`) equal max(balance, 0).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhongtai.db.base import Base, BigId, JSONType, UTCDateTime
from zhongtai.kernel import clock
from zhongtai.kernel.ids import uuid7
from zhongtai.loyalty.coupons.models import Coupon, CouponTemplate  # noqa: F401 — one domain, one metadata

ENTRY_KINDS = ("accrue", "redeem", "expire", "reverse", "adjust", "restore", "merge_in", "merge_out")


class PointsAccount(Base):
    """A member's points balance: the one row every change to the member's points updates first (its lock)."""

    __tablename__ = "points_accounts"

    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)  # below zero only after a reversal (see policies)
    orders_completed: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class PointsEntry(Base):
    """One append-only ledger entry. A positive entry is also a lot: `remaining` of it is still spendable
    until `expires_at`; redemption, expiry and clawback consume lots first-in-first-out."""

    __tablename__ = "points_entries"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in ENTRY_KINDS)})", name="kind"),
        CheckConstraint("remaining >= 0 AND (remaining = 0 OR remaining <= points)", name="remaining"),
        UniqueConstraint("member_id", "source_type", "source_id", "kind"),
        Index("ix_points_entries_due", "expires_at"),
        Index("ix_points_entries_reference", "reference"),
    )

    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(BigInteger)  # signed
    remaining: Mapped[int] = mapped_column(BigInteger, default=0)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    source_type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str] = mapped_column(String(120))
    reference: Mapped[str] = mapped_column(String(100), default="")  # the order an entry belongs to, if any
    channel: Mapped[str] = mapped_column(String(16), default="")
    store_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    actor: Mapped[str] = mapped_column(String(100), default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class PointsProgramme(Base):
    """The programme's scalars (one row, id 1): earning base, redemption rate and cap, expiry horizon."""

    __tablename__ = "points_programme"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("earn_per_yuan >= 0", name="earn_nonneg"),
        CheckConstraint("redeem_points_per_yuan > 0", name="rate_pos"),
        CheckConstraint("max_redeem_percent BETWEEN 0 AND 100", name="cap_percent"),
        CheckConstraint("expiry_days > 0", name="expiry_pos"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1, autoincrement=False)
    earn_per_yuan: Mapped[Decimal] = mapped_column(Numeric(8, 3), default=Decimal(1))
    redeem_points_per_yuan: Mapped[int] = mapped_column(default=100)
    max_redeem_percent: Mapped[int] = mapped_column(default=50)
    expiry_days: Mapped[int] = mapped_column(default=365)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class PointsRule(Base):
    """An earning multiplier by channel, category (code; covers its subtree) or tier."""

    __tablename__ = "points_rules"
    __table_args__ = (
        CheckConstraint("kind IN ('channel', 'category', 'tier')", name="kind"),
        CheckConstraint("multiplier >= 0", name="multiplier_nonneg"),
    )

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    multiplier: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class TierSpend(Base):
    """What one completed order counts toward its member's rolling 12-month spend (tiers): paid less refunded.
    `member_id` follows merges; `buyer_id` is who bought it, so an undone merge can move it back."""

    __tablename__ = "tier_spend"
    __table_args__ = (
        CheckConstraint("paid_fen >= 0 AND refunded_fen >= 0", name="amounts_nonneg"),
        Index("ix_tier_spend_order", "order_id", unique=True),
        Index("ix_tier_spend_window", "member_id", "completed_at"),
    )

    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    order_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    buyer_id: Mapped[int] = mapped_column(BigInteger)
    store_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_fen: Mapped[int] = mapped_column(BigInteger)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
