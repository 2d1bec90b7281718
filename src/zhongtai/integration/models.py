"""The data hub's tables: connected sources, landed payloads, batches, inbound record keys (and the
quarantine), the till transactions already turned into orders, and oversell exceptions.

Rows that grow with trade carry their source (or store) first in the key. `inbound_records` is the
idempotency ledger: one row per `(source_id, external_id)` ever seen, accepted or quarantined.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from zhongtai.db.base import Base, BigId, JSONType, UTCDateTime
from zhongtai.kernel import clock
from zhongtai.kernel.ids import uuid7

SOURCE_TYPES = ("pos", "erp", "ecommerce", "crm")


class Source(Base):
    """A connected system (a store's POS fleet, the ERP, a shop platform, the CRM) with its own API client."""

    __tablename__ = "integration_sources"
    __table_args__ = (CheckConstraint("type IN ('pos', 'erp', 'ecommerce', 'crm')", name="type"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    store_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("stores.id"), nullable=True)
    api_client_id: Mapped[int] = mapped_column(BigId, ForeignKey("api_clients.id"), unique=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # per-format settings, field mappings
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Payload(Base):
    """A raw inbound payload exactly as received, landed before parsing: inline if small, else a gzip file."""

    __tablename__ = "inbound_payloads"
    __table_args__ = (
        CheckConstraint("storage IN ('inline', 'file')", name="storage"),
        Index("ix_inbound_payloads_sha256", "source_id", "sha256"),
    )

    source_id: Mapped[int] = mapped_column(BigId, ForeignKey("integration_sources.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    kind: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(16))
    via: Mapped[str] = mapped_column(String(16))  # api, cli, webhook
    filename: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigId)
    storage: Mapped[str] = mapped_column(String(8))
    body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    path: Mapped[str | None] = mapped_column(String(500), nullable=True)  # gzip file under the landing dir
    actor: Mapped[str] = mapped_column(String(100), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Batch(Base):
    """One processing run of a payload; accepted + duplicates + quarantined == records."""

    __tablename__ = "inbound_batches"
    __table_args__ = (
        CheckConstraint("status IN ('processing', 'done', 'failed')", name="status"),
        Index("ix_inbound_batches_started", "source_id", "started_at"),
    )

    source_id: Mapped[int] = mapped_column(BigId, ForeignKey("integration_sources.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    payload_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="processing")
    records: Mapped[int] = mapped_column(default=0)
    accepted: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    quarantined: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class InboundRecord(Base):
    """Every record key ever seen from a source; quarantined ones keep their raw text, data and reason."""

    __tablename__ = "inbound_records"
    __table_args__ = (
        CheckConstraint("status IN ('accepted', 'quarantined')", name="status"),
        Index("ix_inbound_records_quarantine", "source_id", "reason", "line_no",
              postgresql_where=text("status = 'quarantined'"), sqlite_where=text("status = 'quarantined'")),
    )

    source_id: Mapped[int] = mapped_column(BigId, ForeignKey("integration_sources.id"), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    batch_id: Mapped[uuid.UUID] = mapped_column()
    line_no: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    raw: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    replays: Mapped[int] = mapped_column(default=0)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class TillTransaction(Base):
    """A till transaction seen from a source: the order its sales went to (later lines join it) and, on
    PostgreSQL, the line numbers taken from it — the idempotency ledger of till lines (one row per
    transaction instead of one `inbound_records` row per line). A transaction seen only through returns,
    voids or refused lines has no order (yet)."""

    __tablename__ = "till_transactions"

    source_id: Mapped[int] = mapped_column(BigId, ForeignKey("integration_sources.id"), primary_key=True)
    transaction_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    store_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    order_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    line_nos: Mapped[list[int] | None] = mapped_column(ARRAY(Integer).with_variant(JSON(), "sqlite"), nullable=True)


class OversellException(Base):
    """Stock of a SKU went below zero at a store because of a (late) till sale: for the store to resolve."""

    __tablename__ = "oversell_exceptions"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'resolved')", name="status"),
        UniqueConstraint("store_id", "sku_id", "batch_id"),
        Index("ix_oversell_exceptions_open", "status", "store_id"),
    )

    store_id: Mapped[int] = mapped_column(BigId, ForeignKey("stores.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    sku_id: Mapped[int] = mapped_column(BigId, ForeignKey("skus.id"))
    source_id: Mapped[int] = mapped_column(BigId)
    batch_id: Mapped[uuid.UUID] = mapped_column()
    on_hand: Mapped[int] = mapped_column()  # stock after the batch posted
    status: Mapped[str] = mapped_column(String(16), default="open")
    note: Mapped[str] = mapped_column(String(200), default="")
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_by: Mapped[str] = mapped_column(String(100), default="")
