"""Staff and API client shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from zhongtai.kernel.auth import Role

ClientKind = Literal["pos", "erp", "ecommerce", "crm", "partner"]
SCOPES = (
    "stores:read", "catalog:read", "catalog:write", "inventory:read", "inventory:write",
    "orders:read", "orders:write", "members:read", "members:write", "ingest:write", "events:read",
    "delivery:write", "webhooks:admin",
)
Scope = Literal[SCOPES]  # type: ignore[valid-type]


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=200)
    display_name: str = Field(default="", max_length=100)
    role: Role
    store_codes: list[str] = Field(default_factory=list, max_length=1000)
    locale: Literal["zh", "en"] = "zh"


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, max_length=100)
    password: str | None = Field(default=None, min_length=8, max_length=200)
    role: Role | None = None
    store_codes: list[str] | None = Field(default=None, max_length=1000)
    is_active: bool | None = None
    locale: Literal["zh", "en"] | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: Role
    locale: str
    is_active: bool
    store_ids: list[int]
    created_at: datetime
    last_login_at: datetime | None


class ApiClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=200)
    kind: ClientKind
    scopes: list[Scope] = Field(min_length=1)  # type: ignore[valid-type]
    store_codes: list[str] = Field(default_factory=list, max_length=5000)
    all_stores: bool = False


class ApiClientRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    kind: ClientKind
    key_prefix: str
    scopes: list[str]
    all_stores: bool
    store_ids: list[int]
    is_active: bool
    created_at: datetime
    last_used_at: datetime | None


class ApiClientCreated(ApiClientRead):
    api_key: str = Field(description="Shown once; store it in the connected system's secret store.")
    signing_secret: str = Field(description="Shown once; HMAC-SHA256 key for signed callbacks and webhooks.")
