"""Members and their identities, consents, merges, duplicate candidates and the personal-data access log.

Identity values are never stored in clear: `value_hash` (keyed HMAC) finds them, `value_encrypted`
recovers them for the member's own export or an authorised, logged reveal, `masked` is what staff see.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhongtai.db.base import Base, BigId, JSONType, TimestampMixin, UTCDateTime
from zhongtai.kernel import clock
from zhongtai.kernel.ids import uuid7


class Member(TimestampMixin, Base):
    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'merged', 'erased')", name="status"),
        CheckConstraint("gender IN ('unknown', 'female', 'male')", name="gender"),
        CheckConstraint("tier IN ('regular', 'silver', 'gold', 'diamond')", name="tier"),
        CheckConstraint("spend_12m_fen >= 0", name="spend_nonneg"),
        Index("ix_members_name", "display_name"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    member_no: Mapped[str] = mapped_column(String(20), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    gender: Mapped[str] = mapped_column(String(8), default="unknown")
    birthday: Mapped[date | None] = mapped_column(nullable=True)
    home_store_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("stores.id"), nullable=True, index=True)
    joined_channel: Mapped[str] = mapped_column(String(16), default="")
    tier: Mapped[str] = mapped_column(String(16), default="regular")
    spend_12m_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    merged_into_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("members.id"), nullable=True, index=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MemberIdentity(Base):
    """One way to recognise a member (phone, WeChat unionid/openid, app user, POS card, platform buyer, e-mail)."""

    __tablename__ = "member_identities"
    __table_args__ = (
        CheckConstraint("kind IN ('phone', 'email', 'wechat_unionid', 'wechat_openid', 'app_user', 'pos_card', "
                        "'ecommerce_buyer')", name="kind"),
        UniqueConstraint("kind", "value_hash"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    app_id: Mapped[str] = mapped_column(String(64), default="")
    value_hash: Mapped[str] = mapped_column(String(64))
    value_encrypted: Mapped[str] = mapped_column(Text)
    masked: Mapped[str] = mapped_column(String(80), index=True)
    verified: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class MemberConsent(Base):
    """One consent decision; history is kept and the latest per purpose is in force."""

    __tablename__ = "member_consents"
    __table_args__ = (
        CheckConstraint("purpose IN ('marketing_messages', 'wecom_contact', 'personalised_recommendations')",
                        name="purpose"),
        Index("ix_member_consents_latest", "member_id", "purpose", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id"))
    purpose: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool] = mapped_column()
    channel: Mapped[str] = mapped_column(String(16))
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class MemberMerge(Base):
    """Audit of one merge: who, why, and exactly which rows moved, so head office can undo it."""

    __tablename__ = "member_merges"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    survivor_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id"), index=True)
    merged_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    # {"identity_ids": [...], "consent_ids": [...], "filled": {...}, "survivor_before": {...}, "evidence": {...}}
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    merged_by: Mapped[str] = mapped_column(String(100))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    undone_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MemberDuplicateCandidate(Base):
    """Two members that may be one shopper, unproven: listed for review, never merged automatically."""

    __tablename__ = "member_duplicate_candidates"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'merged', 'dismissed')", name="status"),
        CheckConstraint("member_a_id < member_b_id", name="ordered_pair"),
        UniqueConstraint("member_a_id", "member_b_id"),
        Index("ix_member_duplicate_candidates_status", "status", "score"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    member_a_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id"))
    member_b_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    score: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    resolved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PiiAccessLog(Base):
    """Every read of a member's personal data in clear (reveal, export): who, what, why, when."""

    __tablename__ = "pii_access_log"
    __table_args__ = (Index("ix_pii_access_log_member", "member_id", "accessed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id"))
    field: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(200))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int] = mapped_column(BigId)
    actor_name: Mapped[str] = mapped_column(String(100))
    accessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
