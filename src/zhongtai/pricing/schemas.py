"""Pricing shapes. Money is integer fen; quantities are pieces, or grams for SKUs sold by weight."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from zhongtai.inventory.schemas import Channel, Qty


class QuoteRequest(BaseModel):
    """A cart to price at a store on a channel, optionally for a member with coupons and points."""

    model_config = ConfigDict(extra="forbid")
    store_id: int
    channel: Channel
    member_id: int | None = None
    lines: list[Qty] = Field(min_length=1, max_length=200)
    coupon_codes: list[str] = Field(default_factory=list, max_length=10)
    points_to_redeem: int = Field(default=0, ge=0, le=100_000_000)
    delivery_fee_fen: int = Field(default=0, ge=0, le=1_000_000)


class LineDiscount(BaseModel):
    source: str  # "coupon:<code>" or "points"
    amount_fen: int


class QuoteLine(BaseModel):
    line_no: int
    sku_code: str
    name: str
    unit: str
    quantity: int
    list_price_fen: int
    unit_price_fen: int
    price_source: str
    price_note: str
    list_amount_fen: int
    amount_fen: int
    discounts: list[LineDiscount]
    discount_fen: int
    payable_fen: int
    points_earned: int


class AppliedDiscount(BaseModel):
    kind: str  # markdown | coupon | tier
    code: str | None = None
    template_code: str | None = None
    coupon_kind: str | None = None
    label: str
    amount_fen: int
    reason: str
    lines: dict[int, int] = Field(default_factory=dict, description="line_no -> fen")


class RefusedCoupon(BaseModel):
    code: str
    reason: str
    message: str


class PointsRead(BaseModel):
    balance: int | None
    requested: int
    redeemed: int
    value_fen: int
    note: str


class TierBenefits(BaseModel):
    """What the member's tier gives on this quote: its points multiplier (already in `points_to_earn`) and
    free delivery (already in `delivery_discount_fen`)."""

    code: str
    name_zh: str
    points_multiplier: Decimal
    free_delivery: bool


class QuoteResponse(BaseModel):
    store_id: int
    channel: str
    member_id: int | None
    tier: str | None
    tier_benefits: TierBenefits | None = None
    lines: list[QuoteLine]
    list_subtotal_fen: int
    subtotal_fen: int
    markdown_fen: int
    discounts: list[AppliedDiscount]
    refused_coupons: list[RefusedCoupon]
    coupon_discount_fen: int
    delivery_fee_fen: int
    delivery_discount_fen: int
    points: PointsRead
    payable_fen: int
    points_to_earn: int
    rounding: str = ("weighed lines and percentage markdowns round half up to the fen; percent-off coupons "
                     "round down; cart discounts are spread over lines by largest remainder; points round down")


class MarkdownCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    store_id: int
    sku_code: str
    price_fen: int | None = Field(default=None, ge=0)
    percent_off: int | None = Field(default=None, ge=1, le=99)
    reason: str = Field(default="", max_length=100)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime

    @model_validator(mode="after")
    def _one_kind(self) -> MarkdownCreate:
        if (self.price_fen is None) == (self.percent_off is None):
            raise ValueError("give exactly one of price_fen or percent_off")
        if self.starts_at is not None and self.starts_at >= self.ends_at:
            raise ValueError("starts_at must be before ends_at")
        return self


class MarkdownRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    store_id: int
    sku_id: int
    price_fen: int | None
    percent_off: int | None
    reason: str
    starts_at: datetime
    ends_at: datetime
    created_by: str
    created_at: datetime
