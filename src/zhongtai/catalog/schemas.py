"""Catalogue shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from zhongtai.catalog.policies import is_valid_ean13

Unit = Literal["piece", "gram"]
Status = Literal["active", "inactive"]
CODE = r"^[A-Za-z0-9_.-]+$"


class CategoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=32, pattern=CODE)
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = Field(default="", max_length=100)
    parent_code: str | None = None


class CategoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name_zh: str
    name_en: str
    parent_id: int | None
    path: str


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=64, pattern=CODE)
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    brand: str = Field(default="", max_length=100)
    category_code: str


class ProductRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name_zh: str
    name_en: str
    brand: str
    category_id: int
    status: Status


class SkuCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=64, pattern=CODE)
    product_code: str
    barcode: str | None = None
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    spec: str = Field(default="", max_length=100)
    unit: Unit = "piece"
    list_price_fen: int = Field(ge=0, le=100_000_000, description="Per piece, or per kilogram for gram SKUs")
    shelf_life_days: int | None = Field(default=None, gt=0, le=3650)
    cold_chain: bool = False

    @field_validator("barcode")
    @classmethod
    def _ean13(cls, value: str | None) -> str | None:
        if value is not None and not is_valid_ean13(value):
            raise ValueError("barcode must be a valid EAN-13 (13 digits, correct check digit)")
        return value


class SkuUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_zh: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    spec: str | None = Field(default=None, max_length=100)
    list_price_fen: int | None = Field(default=None, ge=0, le=100_000_000)
    shelf_life_days: int | None = Field(default=None, gt=0, le=3650)
    cold_chain: bool | None = None
    status: Status | None = None


class SkuRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    barcode: str | None
    product_id: int
    category_id: int
    name_zh: str
    name_en: str
    spec: str
    unit: Unit
    list_price_fen: int
    shelf_life_days: int | None
    cold_chain: bool
    status: Status
    created_at: datetime


class StorePriceSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    price_fen: int = Field(ge=0, le=100_000_000)


class StorePriceRead(BaseModel):
    store_id: int
    sku_id: int
    sku_code: str
    list_price_fen: int
    price_fen: int
    updated_at: datetime | None = None
