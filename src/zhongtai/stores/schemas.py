"""Store request and response shapes."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

_HHMM = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
StoreKind = Literal["store", "warehouse"]
StoreFormat = Literal["supermarket", "fresh", "convenience", "apparel", "department", "warehouse"]
StoreStatus = Literal["active", "inactive"]


class Span(BaseModel):
    model_config = ConfigDict(extra="forbid")
    open: str
    close: str

    @field_validator("open", "close")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError("time must be HH:MM (00:00-24:00)")
        return value


OpeningHours = dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[Span]]


class StoreBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: StoreKind = "store"
    format: StoreFormat = "supermarket"
    city: str = Field(default="", max_length=64)
    district: str = Field(default="", max_length=64)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=32)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    timezone: str = "Asia/Shanghai"
    opening_hours: OpeningHours = Field(default_factory=dict)
    pickup_enabled: bool = True
    delivery_radius_km: float = Field(default=0.0, ge=0, le=100)
    processing_services: list[str] = Field(default_factory=list, max_length=20)
    order_capacity: int = Field(default=40, ge=0, le=10_000)


class StoreCreate(StoreBase):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")


class StoreUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    format: StoreFormat | None = None
    status: StoreStatus | None = None
    city: str | None = Field(default=None, max_length=64)
    district: str | None = Field(default=None, max_length=64)
    address: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=32)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    opening_hours: OpeningHours | None = None
    pickup_enabled: bool | None = None
    delivery_radius_km: float | None = Field(default=None, ge=0, le=100)
    processing_services: list[str] | None = Field(default=None, max_length=20)
    order_capacity: int | None = Field(default=None, ge=0, le=10_000)


class StoreRead(StoreBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    status: StoreStatus
    created_at: datetime
    updated_at: datetime


class StoreFilter(BaseModel):
    kind: StoreKind | None = None
    status: StoreStatus | None = None
    city: str | None = None
    q: str | None = None


