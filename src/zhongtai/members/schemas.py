"""Member request and response shapes. Identity values only ever leave masked, except in an export or a
logged reveal."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from zhongtai.kernel import clock
from zhongtai.wallet.schemas import WalletSummary

IdentityKind = Literal["phone", "email", "wechat_unionid", "wechat_openid", "app_user", "pos_card",
                       "ecommerce_buyer"]
Channel = Literal["pos", "mini_program", "app", "ecommerce", "wecom", "guide", "console"]
Purpose = Literal["marketing_messages", "wecom_contact", "personalised_recommendations"]
Gender = Literal["unknown", "female", "male"]
MemberStatus = Literal["active", "merged", "erased"]
TierCode = Literal["regular", "silver", "gold", "diamond"]
RevealField = Literal["phone", "email"]


class IdentityIn(BaseModel):
    """An identity as a channel presents it; `verified` means the channel checked it now (SMS/mail code)."""

    model_config = ConfigDict(extra="forbid")
    kind: IdentityKind
    value: str = Field(min_length=1, max_length=128)
    app_id: str = Field(default="", max_length=64, description="WeChat appid for openids; platform for buyers")
    verified: bool = False


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: Purpose
    granted: bool


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: str = Field(default="", max_length=100)
    gender: Gender = "unknown"
    birthday: date | None = None

    @field_validator("display_name")
    @classmethod
    def _trim(cls, value: str) -> str:
        return value.strip()

    @field_validator("birthday")
    @classmethod
    def _past(cls, value: date | None) -> date | None:
        if value is not None and not date(1900, 1, 1) <= value <= clock.now().date():
            raise ValueError("birthday must be between 1900-01-01 and today")
        return value


class MemberJoin(BaseModel):
    """Join from any channel: finds the member the identities prove, or creates one."""

    model_config = ConfigDict(extra="forbid")
    channel: Channel
    identities: list[IdentityIn] = Field(min_length=1, max_length=10)
    profile: ProfileIn = Field(default_factory=ProfileIn)
    store_id: int | None = Field(default=None, description="Home store for a new member")
    consents: list[ConsentIn] = Field(default_factory=list, max_length=3)

    @model_validator(mode="after")
    def _distinct_purposes(self) -> MemberJoin:
        if len({c.purpose for c in self.consents}) != len(self.consents):
            raise ValueError("each consent purpose at most once")
        return self


class TierRead(BaseModel):
    code: TierCode
    name_zh: str
    min_spend_fen: int
    points_multiplier: Decimal
    free_delivery: bool


class MemberTierRead(TierRead):
    spend_12m_fen: int
    next_tier: TierCode | None
    to_next_tier_fen: int | None


class MemberSummary(BaseModel):
    """What any caller allowed to join a shopper may learn: no personal data."""

    id: int
    member_no: str
    status: MemberStatus
    tier: MemberTierRead
    home_store_id: int | None


class JoinResult(BaseModel):
    member: MemberSummary
    outcome: Literal["created", "matched", "merged", "claimed", "linked"] = Field(
        description="created; matched (proven); merged (proven members became one); claimed (found by an unverified"
                    " phone or e-mail only: nothing changed); linked (an identity was added)")
    merged_member_ids: list[int]
    linked_identities: list[IdentityKind]
    duplicate_candidates: int


class IdentityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: IdentityKind
    app_id: str
    masked: str
    verified: bool
    channel: str
    created_at: datetime


class ConsentRead(BaseModel):
    purpose: Purpose
    granted: bool
    channel: str | None
    recorded_at: datetime | None
    recorded_by: str | None = None


class ConsentHistoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    purpose: Purpose
    granted: bool
    channel: str
    recorded_by: str
    recorded_at: datetime


class ConsentsRead(BaseModel):
    current: list[ConsentRead]
    history: list[ConsentHistoryRead]


class ConsentSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: Purpose
    granted: bool
    channel: Channel


class ConsentCheck(BaseModel):
    member_id: int
    purpose: Purpose
    granted: bool


class MergeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    survivor_id: int
    merged_id: int
    rule: str
    merged_by: str
    merged_at: datetime
    undone_by: str | None
    undone_at: datetime | None


class MemberListItem(BaseModel):
    id: int
    member_no: str
    display_name: str
    status: MemberStatus
    tier: TierCode
    home_store_id: int | None
    merged_into_id: int | None
    phone_masked: str | None
    created_at: datetime


class MemberRead(BaseModel):
    """Customer 360 core: profile, identities (masked), consents in force, tier and benefits, merges."""

    id: int
    member_no: str
    display_name: str
    gender: Gender
    birthday: date | None
    home_store_id: int | None
    joined_channel: str
    status: MemberStatus
    merged_into_id: int | None
    tier: MemberTierRead
    identities: list[IdentityRead]
    consents: list[ConsentRead]
    merges: list[MergeRead]
    created_at: datetime
    updated_at: datetime
    erased_at: datetime | None
    wallet: WalletSummary | None = None  # stored value (principal, bonus) and gift cards


class IdentityLink(IdentityIn):
    channel: Channel


class MergeCreate(BaseModel):
    """Merge two members, named directly or through a duplicate candidate; survivorship picks the survivor."""

    model_config = ConfigDict(extra="forbid")
    member_ids: list[int] | None = Field(default=None, min_length=2, max_length=2)
    candidate_id: int | None = None

    @model_validator(mode="after")
    def _one_way(self) -> MergeCreate:
        if (self.member_ids is None) == (self.candidate_id is None):
            raise ValueError("give exactly one of member_ids or candidate_id")
        return self


class CandidateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    member_a_id: int
    member_b_id: int
    reason: str
    score: int
    status: Literal["open", "merged", "dismissed"]
    created_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None


class RevealRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: RevealField = "phone"
    purpose: str = Field(min_length=2, max_length=200, description="Why the value is needed; logged")


class RevealedValue(BaseModel):
    identity_id: int
    value: str
    verified: bool


class RevealResult(BaseModel):
    member_id: int
    field: RevealField
    values: list[RevealedValue]


class EraseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=2, max_length=200)


class PiiAccessRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    field: str
    purpose: str
    actor_kind: str
    actor_id: int
    actor_name: str
    accessed_at: datetime
