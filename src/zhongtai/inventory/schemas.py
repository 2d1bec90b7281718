"""Inventory shapes. Quantities are integers in base units: pieces, or grams for SKUs sold by weight."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

Channel = Literal["pos", "app", "mini_program", "ecommerce", "guide"]
MAX_QTY = 10_000_000


class Qty(BaseModel):
    """A SKU and an amount: `quantity` (pieces) for piece SKUs, `weight_g` (grams) for weighed SKUs."""

    model_config = ConfigDict(extra="forbid")
    sku_code: str = Field(min_length=1, max_length=64)
    quantity: int | None = Field(default=None, gt=0, le=MAX_QTY)
    weight_g: int | None = Field(default=None, gt=0, le=MAX_QTY)

    @model_validator(mode="after")
    def _one_amount(self) -> Qty:
        if (self.quantity is None) == (self.weight_g is None):
            raise ValueError("give exactly one of quantity (pieces) or weight_g (grams)")
        return self

    @property
    def amount(self) -> int:
        return self.quantity if self.quantity is not None else self.weight_g  # type: ignore[return-value]

    @property
    def unit(self) -> str:
        return "piece" if self.quantity is not None else "gram"


class ReceiptLine(Qty):
    best_before: date | None = None
    batch_code: str = Field(default="", max_length=64)


class ReceiptCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[ReceiptLine] = Field(min_length=1, max_length=1000)
    source_id: str = Field(default="", max_length=100, description="Delivery note or purchase order number")
    occurred_at: datetime | None = None


class AdjustmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku_code: str
    delta: int = Field(description="Signed change in base units", ge=-MAX_QTY, le=MAX_QTY)
    reason: str = Field(min_length=2, max_length=200)

    @model_validator(mode="after")
    def _nonzero(self) -> AdjustmentCreate:
        if self.delta == 0:
            raise ValueError("delta must not be zero")
        return self


class SaleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[Qty] = Field(min_length=1, max_length=1000)
    source_id: str = Field(default="", max_length=100, description="Till receipt number")
    occurred_at: datetime | None = None


class ReturnCreate(SaleCreate):
    condition: Literal["sellable", "damaged"] = "sellable"


class ReservationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[Qty] = Field(min_length=1, max_length=200)
    channel: Channel
    ttl_seconds: int = Field(default=900, ge=10, le=7 * 24 * 3600)
    idempotency_key: str = Field(min_length=1, max_length=128)
    reference: str = Field(default="", max_length=100, description="e.g. the order number")


class ConfirmBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    picked: list[Qty] | None = Field(default=None, description="Picked amounts if short; the rest is released")


class ExtendBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ttl_seconds: int = Field(ge=10, le=7 * 24 * 3600)


class ReservationLineRead(BaseModel):
    sku_id: int
    quantity: int


class ReservationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    location_id: int
    idempotency_key: str
    channel: str
    reference: str
    status: str
    expires_at: datetime
    created_at: datetime
    closed_at: datetime | None
    lines: list[ReservationLineRead]


class StockRead(BaseModel):
    location_id: int
    sku_id: int
    sku_code: str
    name_zh: str
    unit: str
    on_hand: int
    reserved: int
    safety_stock: int
    available: int


class SafetyStockSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    safety_stock: int = Field(ge=0, le=MAX_QTY)


class MovementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    location_id: int
    sku_id: int
    kind: str
    quantity: int
    reason: str
    source_type: str
    source_id: str
    batch_id: UUID | None
    actor: str
    occurred_at: datetime
    recorded_at: datetime


class BatchRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    location_id: int
    sku_id: int
    batch_code: str
    best_before: date | None
    quantity: int


class AtpRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[Qty] = Field(min_length=1, max_length=200)
    channel: Channel = "app"
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    max_distance_km: float | None = Field(default=None, gt=0, le=5000)
    include_warehouses: bool = True


class AtpLine(BaseModel):
    sku_id: int
    sku_code: str
    requested: int
    promisable: int


class AtpOption(BaseModel):
    location_id: int
    code: str
    name: str
    kind: str
    distance_km: float | None
    complete: bool
    lines: list[AtpLine]


class AtpResponse(BaseModel):
    channel: str
    options: list[AtpOption]


class AllocationSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category_code: str | None = Field(default=None, description="None sets the store default")
    online_percent: int = Field(default=100, ge=0, le=100)
    walk_in_buffer: int = Field(default=0, ge=0, le=MAX_QTY)


class AllocationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    location_id: int
    category_id: int | None
    online_percent: int
    walk_in_buffer: int


class TransferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_location_id: int
    to_location_id: int
    lines: list[Qty] = Field(min_length=1, max_length=1000)
    note: str = Field(default="", max_length=200)


class TransferRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    from_location_id: int
    to_location_id: int
    status: str
    lines: list[dict]
    note: str
    created_by: str
    created_at: datetime
    shipped_at: datetime | None
    received_at: datetime | None


class CountLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku_code: str
    counted: int = Field(ge=0, le=MAX_QTY, description="Counted amount in base units (pieces or grams)")


class CountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[CountLine] = Field(min_length=1, max_length=5000)
    reason: str = Field(default="cycle count", min_length=2, max_length=200)


class CountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    location_id: int
    reason: str
    lines: list[dict]
    counted_by: str
    posted_at: datetime


class VerifyReport(BaseModel):
    levels_checked: int
    ledger_drift: list[dict]
    reserved_drift: list[dict]

    @property
    def ok(self) -> bool:
        return not self.ledger_drift and not self.reserved_drift
