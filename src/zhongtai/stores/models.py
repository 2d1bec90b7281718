"""Stores and warehouses: the organisation every other domain hangs on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CheckConstraint, Double, String
from sqlalchemy.orm import Mapped, mapped_column

from zhongtai.db.base import Base, BigId, JSONType, TimestampMixin


class Store(TimestampMixin, Base):
    __tablename__ = "stores"
    __table_args__ = (
        CheckConstraint("kind IN ('store', 'warehouse')", name="kind"),
        CheckConstraint("status IN ('active', 'inactive')", name="status"),
        CheckConstraint("delivery_radius_km >= 0", name="delivery_radius_nonneg"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="store")
    format: Mapped[str] = mapped_column(String(32), default="supermarket")
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    city: Mapped[str] = mapped_column(String(64), default="")
    district: Mapped[str] = mapped_column(String(64), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    latitude: Mapped[float] = mapped_column(Double)
    longitude: Mapped[float] = mapped_column(Double)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # {"mon": [{"open": "08:00", "close": "22:00"}], ...}; a missing day is closed.
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    pickup_enabled: Mapped[bool] = mapped_column(default=True)
    delivery_radius_km: Mapped[float] = mapped_column(Double, default=0.0)
    # e.g. ["fish_cleaning", "meat_cutting"]
    processing_services: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Open online orders the store can work at once; routing skips a store at capacity (0: no limit).
    order_capacity: Mapped[int] = mapped_column(default=40)
