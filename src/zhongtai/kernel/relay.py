"""The outbox relay: claims committed events, runs in-process handlers, publishes to JetStream."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from zhongtai.config import Settings, get_settings
from zhongtai.db.session import session_factory
from zhongtai.kernel import clock
from zhongtai.kernel.nats import JetStreamPublisher
from zhongtai.kernel.outbox import (
    OutboxEvent,
    ProcessedEvent,
    backoff,
    handlers_for,
    is_durable,
    pending_query,
    wakeup_event,
)

log = logging.getLogger("zhongtai.outbox")

# The relay's claim, built once per backend flavour (SKIP LOCKED on PostgreSQL), with bind parameters.
_PENDING = {skip: pending_query(skip_locked=skip) for skip in (False, True)}


@dataclass
class RelayStats:
    dispatched: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    failed_ids: set = field(default_factory=set)


class Relay:
    """Delivers outbox events at least once. Several relays may run: PostgreSQL rows are SKIP LOCKED."""

    def __init__(self, engine: Engine, settings: Settings | None = None, publisher: JetStreamPublisher | None = None):
        self.settings = settings or get_settings()
        self.engine = engine
        self.sessions = session_factory(engine)
        self.publisher = publisher
        if publisher is None and self.settings.nats_url:
            self.publisher = JetStreamPublisher(self.settings.nats_url, self.settings.nats_stream,
                                                prefix=self.settings.nats_subject_prefix)

    def run_once(self) -> RelayStats:
        """Process one batch of due events in one transaction; returns what happened."""
        stats = RelayStats()
        skip_locked = self.engine.dialect.name == "postgresql"
        with self.sessions() as session, session.begin():
            batch = list(session.scalars(_PENDING[skip_locked], {"now": clock.now(),
                                                                 "limit": self.settings.outbox_batch_size}))
            done = self._already_processed(session, batch)
            published: list = []
            for evt in batch:
                self._deliver(session, evt, stats, done, published)
            # What went out is marked in two statements for the batch, not one UPDATE per event.
            now, out = clock.now(), [e.id for e in batch if e.id not in stats.failed_ids]
            if published:
                session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(published)).values(published_at=now),
                                execution_options={"synchronize_session": False})
            if out:
                session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(out)).values(dispatched_at=now),
                                execution_options={"synchronize_session": False})
        return stats

    def drain(self, max_batches: int = 1000) -> RelayStats:
        """Run batches until nothing is due (or a batch made no progress)."""
        total = RelayStats()
        for _ in range(max_batches):
            stats = self.run_once()
            total.dispatched += stats.dispatched
            total.failed += stats.failed
            total.errors += stats.errors
            if stats.dispatched == 0:
                break
        return total

    @staticmethod
    def _already_processed(session: Session, batch: list[OutboxEvent]) -> set[tuple[str, object]]:
        """(handler, event id) pairs already applied, for the whole batch in one query."""
        ids = [e.id for e in batch if any(is_durable(n) for n, _ in handlers_for(e.event_type))]
        if not ids:
            return set()
        rows = session.execute(select(ProcessedEvent.handler, ProcessedEvent.event_id)
                               .where(ProcessedEvent.event_id.in_(ids)))
        return {(h, i) for h, i in rows}

    def _deliver(self, session: Session, evt: OutboxEvent, stats: RelayStats, done: set, published: list) -> None:
        try:
            for name, handler in handlers_for(evt.event_type):
                if not is_durable(name):
                    handler(session, evt)
                elif (name, evt.id) not in done:
                    self._apply(session, name, handler, evt)
            if self.publisher is not None and evt.published_at is None:
                body = json.dumps({"id": str(evt.id), "type": evt.event_type, "store_id": evt.store_id,
                                   "occurred_at": evt.occurred_at.isoformat(), "data": evt.payload})
                self.publisher.publish(evt.event_type, body.encode(), msg_id=str(evt.id))
                published.append(evt.id)
        except Exception as exc:  # noqa: BLE001 — any handler failure is retried later, never lost
            evt.attempts += 1
            evt.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            evt.next_attempt_at = clock.now() + backoff(evt.attempts)
            stats.failed += 1
            stats.failed_ids.add(evt.id)
            stats.errors.append(evt.last_error)
            log.warning("outbox event %s (%s) failed: %s", evt.id, evt.event_type, evt.last_error)
            return
        stats.dispatched += 1  # marked dispatched with the rest of the batch

    @staticmethod
    def _apply(session: Session, name: str, handler, evt: OutboxEvent) -> None:
        with session.begin_nested():
            handler(session, evt)
            session.execute(insert(ProcessedEvent).values(handler=name, event_id=evt.id, processed_at=clock.now()))

    def serve_forever(self, stop: threading.Event) -> None:
        """Loop until `stop` is set, waking early when this process commits new events."""
        wake = wakeup_event()
        while not stop.is_set():
            try:
                stats = self.run_once()
            except Exception:
                log.exception("outbox relay batch failed")
                stats = RelayStats()
            if stats.dispatched == 0:
                wake.wait(self.settings.outbox_poll_seconds)
                wake.clear()
            if stats.dispatched < self.settings.outbox_batch_size:
                stop.wait(self.settings.outbox_linger_seconds)  # let concurrent commits join the next batch

    def close(self) -> None:
        if self.publisher is not None:
            self.publisher.close()


def start_background_relay(engine: Engine, settings: Settings | None = None) -> tuple[threading.Thread, threading.Event, Relay]:
    """Start a relay thread (used by `serve`); set the returned event to stop it."""
    relay = Relay(engine, settings)
    stop = threading.Event()
    thread = threading.Thread(target=relay.serve_forever, args=(stop,), name="outbox-relay", daemon=True)
    thread.start()
    return thread, stop, relay
