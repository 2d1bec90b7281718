"""Coupon templates (what a coupon does and where it may be used) and the coupons issued to members."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhongtai.db.base import Base, BigId, JSONType, TimestampMixin, UTCDateTime
from zhongtai.kernel import clock
from zhongtai.kernel.ids import uuid7

TEMPLATE_KINDS = ("amount_off", "percent_off", "free_delivery")
TRIGGERS = ("first_order", "birthday", "joined")
ISSUED_VIA = ("campaign", "event", "guide", "claim_code")


class CouponTemplate(TimestampMixin, Base):
    """What a coupon is worth and where it may be used.

    `amount_off`: `amount_fen` off once the eligible lines reach `threshold_fen` (满减);
    `percent_off`: `percent_off`% off the eligible lines, at most `cap_fen`;
    `free_delivery`: the delivery fee waived (at most `cap_fen`).
    Empty `sku_codes` and `category_codes` mean the whole cart; empty `channels`/`store_ids` mean everywhere.
    Validity is the window [valid_from, valid_to) or, with `valid_days`, that many days from issue.
    """

    __tablename__ = "coupon_templates"
    __table_args__ = (
        CheckConstraint("kind IN ('amount_off', 'percent_off', 'free_delivery')", name="kind"),
        CheckConstraint("status IN ('active', 'retired')", name="status"),
        CheckConstraint("trigger IS NULL OR trigger IN ('first_order', 'birthday', 'joined')", name="trigger"),
        CheckConstraint("threshold_fen >= 0 AND amount_fen >= 0", name="amounts_nonneg"),
        CheckConstraint("percent_off IS NULL OR percent_off BETWEEN 1 AND 99", name="percent"),
        CheckConstraint("total_limit IS NULL OR issued_count <= total_limit", name="total_limit"),
        CheckConstraint("per_member_limit IS NULL OR per_member_limit > 0", name="member_limit_pos"),
        Index("ix_coupon_templates_trigger", "trigger"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    threshold_fen: Mapped[int] = mapped_column(default=0)
    amount_fen: Mapped[int] = mapped_column(default=0)
    percent_off: Mapped[int | None] = mapped_column(nullable=True)
    cap_fen: Mapped[int | None] = mapped_column(nullable=True)
    sku_codes: Mapped[list] = mapped_column(JSONType, default=list)
    category_codes: Mapped[list] = mapped_column(JSONType, default=list)
    channels: Mapped[list] = mapped_column(JSONType, default=list)
    store_ids: Mapped[list] = mapped_column(JSONType, default=list)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    valid_days: Mapped[int | None] = mapped_column(nullable=True)
    per_member_limit: Mapped[int | None] = mapped_column(nullable=True)
    total_limit: Mapped[int | None] = mapped_column(nullable=True)
    issued_count: Mapped[int] = mapped_column(default=0)
    stackable: Mapped[bool] = mapped_column(default=True)
    restore_on_refund: Mapped[bool] = mapped_column(default=False)
    guide_issuable: Mapped[bool] = mapped_column(default=False)
    trigger: Mapped[str | None] = mapped_column(String(16), nullable=True)
    claim_code: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_by: Mapped[str] = mapped_column(String(100), default="")


class Coupon(Base):
    """One coupon held by a member. Redemption is one conditional UPDATE from `issued`, so it happens once."""

    __tablename__ = "coupons"
    __table_args__ = (
        CheckConstraint("status IN ('issued', 'redeemed', 'expired', 'void')", name="status"),
        CheckConstraint("issued_via IN ('campaign', 'event', 'guide', 'claim_code')", name="issued_via"),
        UniqueConstraint("template_id", "member_id", "issue_key"),
        Index("ix_coupons_code", "code", unique=True),
        Index("ix_coupons_due", "status", "valid_to"),
        Index("ix_coupons_redeemed_ref", "redeemed_ref"),
    )

    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    template_id: Mapped[int] = mapped_column(BigId, ForeignKey("coupon_templates.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), default="issued")
    issued_via: Mapped[str] = mapped_column(String(16))
    # Makes issuance idempotent and enforces the per-member limit: the n-th coupon of a template is "n",
    # an event's coupon names its occasion ("birthday:2026", "first_order").
    issue_key: Mapped[str] = mapped_column(String(80))
    issued_by: Mapped[str] = mapped_column(String(100), default="")
    issued_store_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime] = mapped_column(UTCDateTime)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    redeemed_ref: Mapped[str] = mapped_column(String(100), default="")
    redeemed_channel: Mapped[str] = mapped_column(String(16), default="")
    redeemed_store_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    restored_count: Mapped[int] = mapped_column(default=0)
