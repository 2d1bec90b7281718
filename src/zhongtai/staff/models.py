"""Staff users (with roles and stores) and integration clients (with API keys and scopes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from zhongtai.db.base import Base, BigId, JSONType, TimestampMixin


class User(TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('hq_admin', 'store_manager', 'guide')", name="role"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    is_active: Mapped[bool] = mapped_column(default=True)
    # Bumped to revoke every token issued before (logout everywhere, password change, deactivation).
    token_version: Mapped[int] = mapped_column(default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(nullable=True)


class UserStore(Base):
    __tablename__ = "user_stores"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    store_id: Mapped[int] = mapped_column(BigId, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True,
                                          index=True)


class ApiClient(TimestampMixin, Base):
    """A connected system (POS fleet, ERP, e-commerce platform, CRM, partner) calling with an API key."""

    __tablename__ = "api_clients"
    __table_args__ = (
        CheckConstraint("kind IN ('pos', 'erp', 'ecommerce', 'crm', 'partner')", name="kind"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    key_prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(128))
    # Shared secret for HMAC-signed callbacks from this partner (and webhooks to it); shown once.
    signing_secret: Mapped[str] = mapped_column(String(100), default="")
    scopes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    all_stores: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ApiClientStore(Base):
    __tablename__ = "api_client_stores"

    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("api_clients.id", ondelete="CASCADE"), primary_key=True)
    store_id: Mapped[int] = mapped_column(BigId, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True)
