"""Points shapes. Points are whole numbers; money is integer fen."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from zhongtai.inventory.schemas import Channel


class PointsSummary(BaseModel):
    member_id: int
    balance: int
    value_fen: int
    expiring_within_days: int
    expiring_points: int
    next_expiry_at: datetime | None
    updated_at: datetime | None


class EntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    member_id: int
    kind: str
    points: int
    remaining: int
    expires_at: datetime | None
    source_type: str
    source_id: str
    reference: str
    channel: str
    store_id: int | None
    detail: dict
    actor: str
    occurred_at: datetime


class PointsRedeem(BaseModel):
    """Spend points (e.g. as payment). `reference` is the order id; the same reference again returns the
    first redemption instead of spending twice."""

    model_config = ConfigDict(extra="forbid")
    points: int = Field(gt=0, le=100_000_000)
    channel: Channel
    store_id: int | None = None
    reference: str = Field(min_length=1, max_length=100)


class PointsAdjust(BaseModel):
    model_config = ConfigDict(extra="forbid")
    points: int = Field(ge=-100_000_000, le=100_000_000)
    reason: str = Field(min_length=2, max_length=200)
    request_id: str | None = Field(default=None, max_length=100, description="Makes a retried adjustment a no-op")

    @model_validator(mode="after")
    def _nonzero(self) -> PointsAdjust:
        if self.points == 0:
            raise ValueError("points must not be zero")
        return self


class ProgrammeRead(BaseModel):
    earn_per_yuan: Decimal
    redeem_points_per_yuan: int
    max_redeem_percent: int
    expiry_days: int
    channel_multipliers: dict[str, Decimal]
    category_multipliers: dict[str, Decimal]
    tier_multipliers: dict[str, Decimal]


class ProgrammeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    earn_per_yuan: Decimal | None = Field(default=None, ge=0, le=100, max_digits=8, decimal_places=3)
    redeem_points_per_yuan: int | None = Field(default=None, ge=1, le=100_000)
    max_redeem_percent: int | None = Field(default=None, ge=0, le=100)
    expiry_days: int | None = Field(default=None, ge=1, le=3650)


class RuleSet(BaseModel):
    """An earning multiplier for a channel, a category code (its whole subtree) or a tier; null removes it."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["channel", "category", "tier"]
    key: str = Field(min_length=1, max_length=64)
    multiplier: Decimal | None = Field(ge=0, le=100, max_digits=6, decimal_places=3)


class VerifyReport(BaseModel):
    accounts_checked: int
    balance_drift: list[dict]
    lot_drift: list[dict]
    coupon_count_drift: list[dict]
