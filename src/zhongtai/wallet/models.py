"""Stored-value accounts with their append-only ledger, top-up bonus rules, gift-card batches, cards and their
ledger.

Like the points ledger, rows that grow with members carry `member_id` first in their key and no foreign key to
`members`: the ledger outlives merges and erasures. Gift-card rows carry the card code first.

Invariants (checked by `service.verify`):
  * an account's principal and bonus each equal the sum of its entries' principal and bonus, never below zero;
  * a gift card's balance equals the sum of its entries, never below zero.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhongtai.db.base import Base, BigId, JSONType, UTCDateTime
from zhongtai.kernel import clock
from zhongtai.kernel.ids import uuid7

ENTRY_KINDS = ("topup", "spend", "refund", "cash_out", "adjust", "merge_in", "merge_out")
CARD_ENTRY_KINDS = ("activate", "spend", "refund", "expire")
CARD_STATUSES = ("issued", "active", "expired", "void")


class WalletAccount(Base):
    """A member's stored value in two buckets; the row every change to the member's wallet locks first."""

    __tablename__ = "wallet_accounts"
    __table_args__ = (
        CheckConstraint("principal_fen >= 0", name="principal_nonneg"),
        CheckConstraint("bonus_fen >= 0", name="bonus_nonneg"),
    )

    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    principal_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    bonus_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class WalletEntry(Base):
    """One append-only movement of stored value, signed per bucket; unique per (member, source, kind)."""

    __tablename__ = "wallet_entries"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in ENTRY_KINDS)})", name="kind"),
        UniqueConstraint("member_id", "source_type", "source_id", "kind"),
        Index("ix_wallet_entries_reference", "reference"),
        Index("ix_wallet_entries_occurred", "occurred_at"),
    )

    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    kind: Mapped[str] = mapped_column(String(16))
    principal_fen: Mapped[int] = mapped_column(BigInteger)  # signed
    bonus_fen: Mapped[int] = mapped_column(BigInteger)  # signed
    source_type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str] = mapped_column(String(120))
    reference: Mapped[str] = mapped_column(String(100), default="")  # the order (or till ticket) it belongs to
    channel: Mapped[str] = mapped_column(String(16), default="")
    store_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    actor: Mapped[str] = mapped_column(String(100), default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class BonusRule(Base):
    """A top-up bonus (充500送50): a fixed amount or a percentage (capped) from a threshold, in a window."""

    __tablename__ = "wallet_bonus_rules"
    __table_args__ = (
        CheckConstraint("min_topup_fen > 0", name="threshold_pos"),
        CheckConstraint("bonus_fen >= 0 AND bonus_percent BETWEEN 0 AND 100", name="bonus_range"),
        CheckConstraint("bonus_fen > 0 OR bonus_percent > 0", name="gives_something"),
    )

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    min_topup_fen: Mapped[int] = mapped_column(BigInteger)
    bonus_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    bonus_percent: Mapped[int] = mapped_column(default=0)
    cap_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class GiftCardBatch(Base):
    """Gift cards printed together: one face value, valid a number of days from activation."""

    __tablename__ = "gift_card_batches"
    __table_args__ = (
        CheckConstraint("face_value_fen > 0", name="face_pos"),
        CheckConstraint("quantity > 0", name="quantity_pos"),
        CheckConstraint("valid_days > 0", name="valid_pos"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    face_value_fen: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int]
    valid_days: Mapped[int]
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class GiftCard(Base):
    """One card: issued (printed, not sold), active once sold, expired when its time has come."""

    __tablename__ = "gift_cards"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(k) for k in CARD_STATUSES)})", name="status"),
        CheckConstraint("balance_fen >= 0", name="balance_nonneg"),
        Index("ix_gift_cards_due", "status", "expires_at"),
        Index("ix_gift_cards_member", "member_id"),
    )

    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    batch_id: Mapped[int] = mapped_column(BigId, ForeignKey("gift_card_batches.id"), index=True)
    pin_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="issued")
    face_value_fen: Mapped[int] = mapped_column(BigInteger)
    balance_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    member_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    store_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # wrong PINs in a row, and until when PIN checks are refused (guessing a 6-digit PIN must not be free)
    pin_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    pin_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class GiftCardEntry(Base):
    """One append-only movement of a gift card's balance; unique per (card, source, kind)."""

    __tablename__ = "gift_card_entries"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in CARD_ENTRY_KINDS)})", name="kind"),
        UniqueConstraint("card_code", "source_type", "source_id", "kind"),
        Index("ix_gift_card_entries_reference", "reference"),
        Index("ix_gift_card_entries_occurred", "occurred_at"),
    )

    card_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    kind: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # signed
    source_type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str] = mapped_column(String(120))
    reference: Mapped[str] = mapped_column(String(100), default="")
    channel: Mapped[str] = mapped_column(String(16), default="")
    store_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    actor: Mapped[str] = mapped_column(String(100), default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
