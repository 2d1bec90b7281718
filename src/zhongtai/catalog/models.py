"""Catalogue: category tree, products, SKUs (by piece or by weight) and per-store prices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from zhongtai.db.base import Base, BigId, TimestampMixin, UTCDateTime
from zhongtai.kernel import clock


class Category(TimestampMixin, Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    parent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("categories.id"), nullable=True, index=True)
    # Materialised path of codes ("FRESH/FRESH-SEAFOOD/"), so a subtree is one LIKE 'prefix%' query.
    path: Mapped[str] = mapped_column(String(500), index=True)


class Product(TimestampMixin, Base):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint("status IN ('active', 'inactive')", name="status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    brand: Mapped[str] = mapped_column(String(100), default="")
    category_id: Mapped[int] = mapped_column(BigId, ForeignKey("categories.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")


class Sku(TimestampMixin, Base):
    __tablename__ = "skus"
    __table_args__ = (
        CheckConstraint("unit IN ('piece', 'gram')", name="unit"),
        CheckConstraint("status IN ('active', 'inactive')", name="status"),
        CheckConstraint("list_price_fen >= 0", name="price_nonneg"),
        CheckConstraint("shelf_life_days IS NULL OR shelf_life_days > 0", name="shelf_life_pos"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    barcode: Mapped[str | None] = mapped_column(String(13), unique=True, nullable=True)
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id"), index=True)
    category_id: Mapped[int] = mapped_column(BigId, ForeignKey("categories.id"), index=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    spec: Mapped[str] = mapped_column(String(100), default="")  # size, colour, pack
    # 'piece': quantities count pieces, price per piece. 'gram': quantities in grams, price per kilogram.
    unit: Mapped[str] = mapped_column(String(8), default="piece")
    list_price_fen: Mapped[int] = mapped_column()
    shelf_life_days: Mapped[int | None] = mapped_column(nullable=True)
    cold_chain: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)

    @property
    def is_fresh(self) -> bool:
        return self.shelf_life_days is not None


class StorePrice(Base):
    """A store's own price for a SKU, overriding the list price."""

    __tablename__ = "store_prices"
    __table_args__ = (CheckConstraint("price_fen >= 0", name="price_nonneg"), Index("ix_store_prices_sku", "sku_id"))

    store_id: Mapped[int] = mapped_column(BigId, ForeignKey("stores.id"), primary_key=True)
    sku_id: Mapped[int] = mapped_column(BigId, ForeignKey("skus.id"), primary_key=True)
    price_fen: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
