"""Transactional outbox: events are written with the change and delivered after commit by a relay.

Delivery is at least once; every handler is idempotent because a (handler, event id) pair is recorded
in `processed_events` in the same transaction as the handler's own writes.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Index, String, Text, bindparam, event, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from zhongtai.db.base import Base, BigId, JSONType, UTCDateTime
from zhongtai.kernel import clock
from zhongtai.kernel.ids import uuid7


class Event(BaseModel):
    """A past-tense fact a domain publishes. Subclasses set `event_type` = '<domain>.<event>'."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event_type: ClassVar[str]


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (
        # The relay polls only undelivered rows: a partial index keeps each poll small however many
        # delivered events have piled up (and whether or not autovacuum keeps statistics fresh). It is
        # the only secondary index: every event insert pays for each index, on the hottest write paths.
        Index("ix_outbox_events_undispatched", "id", postgresql_where=text("dispatched_at IS NULL"),
              sqlite_where=text("dispatched_at IS NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    event_type: Mapped[str] = mapped_column(String(100))
    store_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ProcessedEvent(Base):
    """Which handler has applied which event: the idempotency key of every handler."""

    __tablename__ = "processed_events"

    handler: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


Handler = Callable[[Session, OutboxEvent], None]
ANY_EVENT = "*"
_handlers: dict[str, list[tuple[str, Handler]]] = defaultdict(list)
_transient: set[str] = set()
_wakeup = threading.Event()


def record(session: Session, evt: Event, *, store_id: int | None = None) -> OutboxEvent:
    """Write `evt` to the outbox in the caller's transaction; it leaves only if that commits."""
    row = OutboxEvent(
        event_type=evt.event_type,
        store_id=store_id,
        payload=evt.model_dump(mode="json"),
        occurred_at=clock.now(),
    )
    session.add(row)
    session.info["outbox_dirty"] = True
    return row


def prepare(session: Session, evt: Event, *, store_id: int | None = None) -> dict[str, Any]:
    """The outbox row for `evt` as column values, for a statement that inserts it itself (set-based
    paths); like `record`, it leaves only if the caller's transaction commits."""
    session.info["outbox_dirty"] = True
    return {"id": uuid7(), "event_type": evt.event_type, "store_id": store_id,
            "payload": evt.model_dump(mode="json"), "occurred_at": clock.now()}


def handles(event_type: str, *, durable: bool = True) -> Callable[[Handler], Handler]:
    """Register an in-process handler for `event_type` (name = module.function, stable across runs).

    A durable handler writes to the database: it runs in a savepoint and is recorded in
    `processed_events`, so it applies each event once. A non-durable one (e.g. pushing to live
    subscribers) only has effects outside the database, or writes that are idempotent by themselves
    (ON CONFLICT DO NOTHING), and is simply called on every delivery. `event_type` "*" (ANY_EVENT)
    registers a handler for every event (outbound webhooks), called after the specific handlers.
    """

    def register(fn: Handler) -> Handler:
        name = f"{fn.__module__}.{fn.__qualname__}"
        if name not in {n for n, _ in _handlers[event_type]}:
            _handlers[event_type].append((name, fn))
        if not durable:
            _transient.add(name)
        return fn

    return register


def is_durable(handler_name: str) -> bool:
    return handler_name not in _transient


def handlers_for(event_type: str) -> list[tuple[str, Handler]]:
    return [*_handlers.get(event_type, ()), *_handlers.get(ANY_EVENT, ())]


def wakeup_event() -> threading.Event:
    """Set after any commit that wrote outbox rows, so a relay in this process need not wait to poll."""
    return _wakeup


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop("outbox_dirty", False):
        _wakeup.set()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("outbox_dirty", None)


def backoff(attempts: int, *, base_seconds: float = 2.0, cap_seconds: float = 3600.0) -> timedelta:
    """Exponential backoff for the n-th failed attempt: 2s, 4s, 8s … capped at an hour."""
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1)))


def pending_query(*, skip_locked: bool) -> Any:
    """Due events, oldest first, with the bind parameters "now" and "limit" (built once by the relay)."""
    stmt = (
        select(OutboxEvent)
        .where(OutboxEvent.dispatched_at.is_(None))
        .where((OutboxEvent.next_attempt_at.is_(None))
               | (OutboxEvent.next_attempt_at <= bindparam("now", type_=UTCDateTime)))
        .order_by(OutboxEvent.id)
        .limit(bindparam("limit"))
    )
    return stmt.with_for_update(skip_locked=True) if skip_locked else stmt
