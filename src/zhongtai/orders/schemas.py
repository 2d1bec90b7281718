"""Order shapes. Money is integer fen; quantities are pieces or grams as the SKU's unit says."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from zhongtai.inventory.schemas import Channel, Qty

Mode = Literal["in_store", "pickup", "pickup_with_processing", "delivery", "ship"]
Provider = Literal["wechat_pay", "alipay", "card", "cash", "points", "stored_value"]


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=20)
    address: str = Field(default="", max_length=300)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider: Provider
    transaction_id: str = Field(min_length=1, max_length=100)
    amount_fen: int = Field(ge=0)
    status: Literal["succeeded", "pending", "failed"] = "succeeded"


class OrderBase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Channel
    mode: Mode
    lines: list[Qty] = Field(min_length=1, max_length=200)
    store_id: int | None = Field(default=None, description="Till store (in_store) or chosen pickup store")
    contact: Contact = Field(default_factory=Contact)
    service: str | None = Field(default=None, max_length=32, description="On-site processing, e.g. fish_cleaning")
    allow_split: bool = False


class QuoteRequest(OrderBase):
    mode: Mode | None = None  # type: ignore[assignment]  # None: quote every mode that applies


class OrderCreate(OrderBase):
    member_id: int | None = None
    guide_user_id: int | None = None
    external_ref: str = Field(default="", max_length=100)
    substitution: Literal["refund", "substitute"] = "refund"
    coupon_codes: list[str] = Field(default_factory=list, max_length=10,
                                    description="The member's coupons to use; all are redeemed or none")
    points_to_redeem: int = Field(default=0, ge=0, le=100_000_000, description="Points to pay with (member only)")
    payment: PaymentIn | None = None

    @model_validator(mode="after")
    def _needs(self) -> "OrderCreate":
        if self.mode in ("delivery", "ship") and (self.contact.latitude is None or self.contact.longitude is None):
            raise ValueError("delivery and ship orders need contact.latitude and contact.longitude")
        if self.mode == "in_store" and self.store_id is None:
            raise ValueError("an in_store sale needs store_id (the till's store)")
        if self.mode == "pickup_with_processing" and not self.service:
            raise ValueError("pickup_with_processing needs service (e.g. fish_cleaning)")
        return self


class QuoteOption(BaseModel):
    mode: str
    available: bool
    locations: list[str]
    promise_minutes: int | None
    promised_at: datetime | None
    subtotal_fen: int | None
    delivery_fee_fen: int
    explanation: dict


class QuoteResponse(BaseModel):
    options: list[QuoteOption]


class LineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    line_no: int
    group_no: int
    sku_id: int
    sku_code: str
    name: str
    unit: str
    quantity: int
    unit_price_fen: int
    amount_fen: int
    discount_fen: int
    picked_quantity: int | None
    returned_quantity: int
    substitute_of: int | None


class GroupRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    group_no: int
    location_id: int
    mode: str
    status: str
    promised_at: datetime | None
    pickup_code: str | None
    pickup_deadline: datetime | None
    service: str | None
    rider: dict
    picking_minutes: int | None
    delivery_fee_fen: int
    cost_fen: int
    allowed_next: list[str] = []


class TimelineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    kind: str
    group_no: int | None
    detail: dict
    actor: str
    at: datetime


class OrderRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    store_id: int
    number: str
    channel: str
    mode: str
    status: str
    payment_status: str
    member_id: int | None
    external_ref: str
    subtotal_fen: int
    discount_fen: int
    delivery_fee_fen: int
    payable_fen: int
    refunded_fen: int
    fulfilment_cost_fen: int
    routing: dict
    placed_at: datetime
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    lines: list[LineRead] = []
    groups: list[GroupRead] = []
    timeline: list[TimelineRead] = []


class PickedLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_no: int
    picked: int = Field(ge=0)
    substitute: Qty | None = None


class ReadyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    picked: list[PickedLine] | None = Field(default=None, description="Only lines picked short; others in full")
    picking_minutes: int | None = Field(default=None, ge=0, le=600)


class CompleteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pickup_code: str | None = Field(default=None, max_length=12)


class HandoverBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rider_name: str = Field(default="", max_length=100)
    rider_phone: str = Field(default="", max_length=20)
    partner: str = Field(default="", max_length=50)


class CancelBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=2, max_length=200)


class PaymentUpdate(PaymentIn):
    pass


class ReturnLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_no: int
    quantity: int = Field(gt=0)


class ReturnCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_id: UUID
    location_id: int = Field(description="Where the goods are handed back (any store or warehouse)")
    channel: Channel
    lines: list[ReturnLine] = Field(min_length=1, max_length=200)
    condition: Literal["sellable", "damaged"] = "sellable"
    reason: str = Field(default="", max_length=200)


class ReturnRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    location_id: int
    order_store_id: int
    order_id: UUID
    channel: str
    condition: str
    lines: list[dict]
    refund_fen: int
    reason: str
    received_at: datetime


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: int = Field(ge=1, le=5)
    nps: int | None = Field(default=None, ge=0, le=10)
    comment: str = Field(default="", max_length=2000)
    complaint: bool = False


class FeedbackRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    store_id: int
    order_id: UUID
    channel: str
    rating: int
    nps: int | None
    comment: str
    complaint: bool
    ticket_status: str | None
    resolution: str
    submitted_at: datetime


class ResolveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resolution: str = Field(min_length=2, max_length=2000)


class NpsRow(BaseModel):
    key: str
    responses: int
    nps: float | None
    average_rating: float | None


class RiderEvent(BaseModel):
    """A delivery partner's report about a rider, signed with the partner's secret."""

    model_config = ConfigDict(extra="forbid")
    order_id: UUID
    group_no: int = 1
    event: Literal["rider_assigned", "picked_up", "delivered", "failed"]
    rider_name: str = Field(default="", max_length=100)
    rider_phone: str = Field(default="", max_length=20)
    delivery_fee_fen: int | None = Field(default=None, ge=0)
    occurred_at: datetime | None = None
