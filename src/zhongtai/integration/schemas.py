"""Integration API shapes: sources, batches, quarantined records, replays, oversell exceptions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SourceType = Literal["pos", "erp", "ecommerce", "crm"]


class SourceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=2, max_length=60, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=200)
    type: SourceType
    store_code: str | None = Field(default=None, description="A POS source feeds one store; others feed any")
    config: dict[str, Any] = Field(default_factory=dict, description="Per-format settings (e.g. timezone, mapping)")


class SourceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    type: str
    store_id: int | None
    api_client_id: int
    config: dict[str, Any]
    is_active: bool
    created_at: datetime


class SourceCreated(SourceRead):
    api_key: str = Field(description="Shown once: the source's own API key (scope ingest:write).")
    signing_secret: str = Field(description="Shown once: HMAC-SHA256 key for signed webhook bodies.")


class BatchRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    source_id: int
    payload_id: uuid.UUID
    kind: str
    format: str
    status: str
    records: int
    accepted: int
    duplicates: int
    quarantined: int
    error: str
    started_at: datetime
    finished_at: datetime | None


class RecordRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    source_id: int
    external_id: str
    batch_id: uuid.UUID
    line_no: int
    status: str
    reason: str | None
    raw: str | None
    data: dict[str, Any] | None
    replays: int
    recorded_at: datetime


class ReasonCount(BaseModel):
    source_id: int
    source_code: str
    reason: str
    count: int


class ReplayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_ids: list[str] | None = Field(default=None, max_length=10_000)
    reason: str | None = Field(default=None, description="Replay every record quarantined for this reason")


class ReplayResult(BaseModel):
    replayed: int
    accepted: int
    still_quarantined: int
    not_replayable: int


class OversellRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: int
    sku_id: int
    source_id: int
    batch_id: uuid.UUID
    on_hand: int
    status: str
    note: str
    flagged_at: datetime
    resolved_at: datetime | None
    resolved_by: str


class OversellResolve(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=200)
