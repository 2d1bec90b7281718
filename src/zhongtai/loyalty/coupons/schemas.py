"""Coupon shapes. Money is integer fen; times are timezone-aware UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from zhongtai.inventory.schemas import Channel

Kind = Literal["amount_off", "percent_off", "free_delivery"]
Trigger = Literal["first_order", "birthday", "joined"]
CodeStr = Field(pattern=r"^[A-Za-z0-9_-]{2,32}$")


class TemplateCreate(BaseModel):
    """A coupon template: an offer (满减, percent off with a cap, free delivery), where and when it may be
    used, how many may be issued, and whether it stacks or comes back when the order is refunded."""

    model_config = ConfigDict(extra="forbid")
    code: str = CodeStr
    name: str = Field(min_length=1, max_length=100)
    kind: Kind
    threshold_fen: int = Field(default=0, ge=0, description="Eligible lines must reach this (满)")
    amount_fen: int = Field(default=0, ge=0, description="amount_off: fen off (减)")
    percent_off: int | None = Field(default=None, ge=1, le=99, description="percent_off: 15 = 15% off (85折)")
    cap_fen: int | None = Field(default=None, ge=1, description="Largest discount (percent_off, free_delivery)")
    sku_codes: list[str] = Field(default_factory=list, max_length=500)
    category_codes: list[str] = Field(default_factory=list, max_length=100)
    channels: list[Channel] = Field(default_factory=list, description="Empty: every channel")
    store_ids: list[int] = Field(default_factory=list, max_length=1000, description="Empty: every store")
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None
    valid_days: int | None = Field(default=None, ge=1, le=3650, description="Valid this many days from issue")
    per_member_limit: int | None = Field(default=1, ge=1, le=1000, description="None: unlimited")
    total_limit: int | None = Field(default=None, ge=1)
    stackable: bool = True
    restore_on_refund: bool = False
    guide_issuable: bool = False
    trigger: Trigger | None = None
    claim_code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{4,32}$")

    @model_validator(mode="after")
    def _consistent(self) -> TemplateCreate:
        if self.kind == "amount_off" and self.amount_fen <= 0:
            raise ValueError("amount_off needs amount_fen > 0")
        if self.kind == "percent_off" and self.percent_off is None:
            raise ValueError("percent_off needs percent_off")
        if self.kind != "percent_off" and self.percent_off is not None:
            raise ValueError("percent_off is only for percent_off templates")
        if self.valid_to is None and self.valid_days is None:
            raise ValueError("give valid_to or valid_days")
        if self.valid_from and self.valid_to and self.valid_from >= self.valid_to:
            raise ValueError("valid_from must be before valid_to")
        return self


class TemplateUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=100)
    status: Literal["active", "retired"] | None = None
    valid_to: AwareDatetime | None = None
    per_member_limit: int | None = Field(default=None, ge=1, le=1000)
    total_limit: int | None = Field(default=None, ge=1)
    channels: list[Channel] | None = None
    store_ids: list[int] | None = Field(default=None, max_length=1000)
    stackable: bool | None = None
    restore_on_refund: bool | None = None
    guide_issuable: bool | None = None
    claim_code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{4,32}$")


class TemplateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    label: str = ""
    kind: str
    threshold_fen: int
    amount_fen: int
    percent_off: int | None
    cap_fen: int | None
    sku_codes: list[str]
    category_codes: list[str]
    channels: list[str]
    store_ids: list[int]
    valid_from: datetime | None
    valid_to: datetime | None
    valid_days: int | None
    per_member_limit: int | None
    total_limit: int | None
    issued_count: int
    stackable: bool
    restore_on_refund: bool
    guide_issuable: bool
    trigger: str | None
    claim_code: str | None
    status: str
    created_at: datetime


class CouponRead(BaseModel):
    id: UUID
    code: str
    member_id: int
    template_code: str
    name: str
    label: str
    kind: str
    status: str
    issued_via: str
    issued_at: datetime
    valid_from: datetime
    valid_to: datetime
    redeemed_at: datetime | None
    redeemed_ref: str
    redeemed_channel: str
    redeemed_store_id: int | None


class IssueRequest(BaseModel):
    """Issue to a segment (a list of members). `campaign` names the campaign: running it again issues
    nobody a second coupon."""

    model_config = ConfigDict(extra="forbid")
    template_code: str
    member_ids: list[int] = Field(min_length=1, max_length=5000)
    campaign: str | None = Field(default=None, min_length=1, max_length=60)


class TriggerIssue(BaseModel):
    """Issue the templates of a trigger (e.g. birthday) to members for one occasion (e.g. 'birthday:2026')."""

    model_config = ConfigDict(extra="forbid")
    trigger: Trigger
    member_ids: list[int] = Field(min_length=1, max_length=5000)
    occasion: str = Field(min_length=1, max_length=60)


class GuideIssue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template_code: str
    member_id: int
    store_id: int


class ClaimRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    claim_code: str = Field(min_length=4, max_length=32)
    member_id: int


class Skipped(BaseModel):
    member_id: int
    reason: str


class IssueResult(BaseModel):
    issued: list[CouponRead]
    skipped: list[Skipped]


class RedeemRequest(BaseModel):
    """Use coupons on an order: all of them or none. `reference` is the order id; the same coupons with the
    same reference again succeed without a second redemption."""

    model_config = ConfigDict(extra="forbid")
    member_id: int
    codes: list[str] = Field(min_length=1, max_length=10)
    channel: Channel
    store_id: int | None = None
    reference: str = Field(min_length=1, max_length=100)


class ReleaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: str = Field(min_length=1, max_length=100)
    reason: str = Field(default="order not completed", max_length=100)
