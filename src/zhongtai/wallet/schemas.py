"""Stored-value and gift-card shapes. Money is integer fen."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from zhongtai.inventory.schemas import Channel

Fen = Field(gt=0, le=100_000_000)
Ref = Field(min_length=1, max_length=100)


class TopUp(BaseModel):
    """Money paid in at a till or in an app. `transaction_id` (the payment's) makes a retry a no-op."""

    model_config = ConfigDict(extra="forbid")
    amount_fen: int = Fen
    transaction_id: str = Ref
    channel: Channel
    store_id: int | None = None


class Spend(BaseModel):
    """Pay with stored value for `reference` (an order or till ticket); `transaction_id` identifies this spend."""

    model_config = ConfigDict(extra="forbid")
    amount_fen: int = Fen
    reference: str = Ref
    transaction_id: str = Ref
    channel: Channel
    store_id: int | None = None


class Refund(BaseModel):
    """Give back what was spent for `reference`; `refund_id` makes a retry a no-op."""

    model_config = ConfigDict(extra="forbid")
    amount_fen: int = Fen
    reference: str = Ref
    refund_id: str = Ref
    store_id: int | None = None


class CashOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request_id: str = Ref
    reason: str = Field(min_length=2, max_length=200)
    store_id: int | None = None


class EntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    member_id: int
    kind: str
    principal_fen: int
    bonus_fen: int
    source_type: str
    source_id: str
    reference: str
    channel: str
    store_id: int | None
    detail: dict
    actor: str
    occurred_at: datetime


class GiftCardRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    status: str
    face_value_fen: int
    balance_fen: int
    member_id: int | None
    store_id: int | None
    activated_at: datetime | None
    expires_at: datetime | None


class WalletSummary(BaseModel):
    member_id: int
    principal_fen: int
    bonus_fen: int
    balance_fen: int
    updated_at: datetime | None
    gift_cards: list[GiftCardRead]
    gift_card_balance_fen: int


class BonusRuleCreate(BaseModel):
    """充500送50 is {min_topup_fen: 50000, bonus_fen: 5000}; a percentage may be capped."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    min_topup_fen: int = Fen
    bonus_fen: int = Field(default=0, ge=0, le=100_000_000)
    bonus_percent: int = Field(default=0, ge=0, le=100)
    cap_fen: int | None = Field(default=None, ge=0)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _gives(self) -> BonusRuleCreate:
        if not (self.bonus_fen or self.bonus_percent):
            raise ValueError("give bonus_fen or bonus_percent")
        if self.starts_at and self.ends_at and self.starts_at >= self.ends_at:
            raise ValueError("starts_at must be before ends_at")
        return self


class BonusRuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    min_topup_fen: int
    bonus_fen: int
    bonus_percent: int
    cap_fen: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    active: bool
    created_by: str
    created_at: datetime


class BatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=100)
    face_value_fen: int = Fen
    quantity: int = Field(gt=0, le=10_000)
    valid_days: int = Field(default=365, gt=0, le=3660)


class IssuedCard(BaseModel):
    code: str
    pin: str


class BatchRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    face_value_fen: int
    quantity: int
    valid_days: int
    created_by: str
    created_at: datetime


class BatchIssued(BatchRead):
    cards: list[IssuedCard] = Field(description="Codes with their PINs: shown this once")


class BatchSummary(BatchRead):
    by_status: dict[str, dict[str, int]]


class Activate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sale_id: str = Ref
    store_id: int
    member_id: int | None = None


class CardBalance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pin: str = Field(min_length=4, max_length=12)


class CardSpend(Spend):
    pin: str = Field(min_length=4, max_length=12)


class CardEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    card_code: str
    kind: str
    amount_fen: int
    source_type: str
    source_id: str
    reference: str
    channel: str
    store_id: int | None
    actor: str
    occurred_at: datetime


class VerifyReport(BaseModel):
    accounts_checked: int
    account_drift: list[dict]
    card_drift: list[dict]
