"""Webhook shapes: subscriptions (the secret appears only in the answer that creates or rotates it),
deliveries with their attempts, replay results and the event catalogue."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

DeliveryStatus = Literal["pending", "delivered", "dead"]
Pattern = Field(min_length=1, max_length=100)


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    partner: str = Field(default="", max_length=100, description="Who receives it (head office subscriptions)")
    url: AnyHttpUrl = Field(description="http or https URL the events are POSTed to")
    event_types: list[str] = Field(min_length=1, max_length=100,
                                   description="Exact event types, `<domain>.*`, or `*` for every event")
    store_ids: list[int] = Field(default_factory=list, max_length=1000,
                                 description="Only events of these stores; empty: every store")
    max_attempts: int = Field(default=10, ge=1, le=50, description="Attempts before a delivery is dead-lettered")
    active: bool = True


class SubscriptionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=100)
    partner: str | None = Field(default=None, max_length=100)
    url: AnyHttpUrl | None = None
    event_types: list[str] | None = Field(default=None, min_length=1, max_length=100)
    store_ids: list[int] | None = Field(default=None, max_length=1000)
    max_attempts: int | None = Field(default=None, ge=1, le=50)
    active: bool | None = None


class SubscriptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    partner: str
    api_client_id: int | None
    url: str
    event_types: list[str]
    store_ids: list[int]
    active: bool
    max_attempts: int
    created_by: str
    created_at: datetime
    updated_at: datetime


class SubscriptionWithSecret(SubscriptionRead):
    secret: str = Field(description="Signs every delivery (HMAC-SHA256); shown only now, keep it safe")


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    number: int
    started_at: datetime
    ok: bool
    status_code: int | None
    latency_ms: int
    error: str


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    subscription_id: int
    event_id: UUID
    event_type: str
    store_id: int | None
    status: DeliveryStatus
    attempts: int
    round_attempts: int
    replays: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    dead_at: datetime | None


class DeliveryDetail(DeliveryRead):
    body: str
    attempt_log: list[AttemptRead]


class ReplayResult(BaseModel):
    replayed: int


class DeliverResult(BaseModel):
    attempted: int
    delivered: int
    failed: int
    dead: int


class EventTypeRead(BaseModel):
    name: str
    domain: str
    description: str
    nats_subject: str
    json_schema: dict[str, Any] = Field(serialization_alias="schema")
    example: dict[str, Any]
