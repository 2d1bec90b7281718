"""The transactional outbox and its relay: events leave only if the change commits, at least once,
and a handler never applies one event twice."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid

import pytest
from sqlalchemy import func, select

from zhongtai.db.session import session_factory
from zhongtai.kernel import outbox
from zhongtai.kernel.outbox import Event, OutboxEvent, ProcessedEvent
from zhongtai.kernel.relay import Relay


class Pinged(Event):
    event_type = "tests.pinged"
    n: int


class Exploded(Event):
    event_type = "tests.exploded"
    n: int


SEEN: list[int] = []
FAIL_TIMES = {"left": 0}


@outbox.handles("tests.pinged")
def remember(session, evt):
    SEEN.append(evt.payload["n"])


@outbox.handles("tests.exploded")
def flaky(session, evt):
    if FAIL_TIMES["left"] > 0:
        FAIL_TIMES["left"] -= 1
        raise RuntimeError("partner down")
    SEEN.append(evt.payload["n"])


@pytest.fixture(autouse=True)
def _reset():
    SEEN.clear()
    FAIL_TIMES["left"] = 0


def _write(engine, *events: Event, commit: bool = True) -> None:
    with session_factory(engine)() as session:
        for evt in events:
            outbox.record(session, evt)
        session.commit() if commit else session.rollback()


class TestRecord:
    def test_event_is_stored_with_the_change_only_on_commit(self, engine, db):
        _write(engine, Pinged(n=1), commit=False)
        _write(engine, Pinged(n=2))
        assert [e.payload["n"] for e in db.scalars(select(OutboxEvent))] == [2]

    def test_unknown_fields_are_refused(self):
        with pytest.raises(ValueError):
            Pinged(n=1, extra="x")


class TestRelay:
    def test_delivers_committed_events_in_order_once(self, engine, settings, db):
        _write(engine, *(Pinged(n=i) for i in range(5)))
        relay = Relay(engine, settings, publisher=None)
        assert relay.drain().dispatched == 5
        assert relay.drain().dispatched == 0
        assert SEEN == [0, 1, 2, 3, 4]
        assert db.scalar(select(func.count()).where(OutboxEvent.dispatched_at.is_(None))) == 0

    def test_failed_handler_is_retried_later_and_not_lost(self, engine, settings, db):
        FAIL_TIMES["left"] = 1
        _write(engine, Exploded(n=7))
        relay = Relay(engine, settings, publisher=None)
        first = relay.run_once()
        assert first.failed == 1 and SEEN == []
        row = db.scalar(select(OutboxEvent))
        assert row.attempts == 1 and "partner down" in row.last_error and row.next_attempt_at is not None
        row.next_attempt_at = None  # the backoff has passed
        db.commit()
        assert relay.run_once().dispatched == 1 and SEEN == [7]

    def test_handler_never_applies_an_event_twice(self, engine, settings, db):
        """A redelivery (e.g. the relay died after the handler, before marking) is skipped by event id."""
        _write(engine, Pinged(n=9))
        relay = Relay(engine, settings, publisher=None)
        relay.drain()
        db.scalar(select(OutboxEvent)).dispatched_at = None
        db.commit()
        relay.drain()
        assert SEEN == [9]
        assert db.scalar(select(func.count()).select_from(ProcessedEvent)) == 1

    def test_backoff_grows_and_is_capped(self):
        assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3)] == [2, 4, 8]
        assert outbox.backoff(40).total_seconds() == 3600

    @pytest.mark.postgres_only
    def test_concurrent_relays_split_the_work_without_duplicates(self, engine, settings):
        """Two relays on PostgreSQL claim rows with SKIP LOCKED: every event handled exactly once."""
        _write(engine, *(Pinged(n=i) for i in range(300)))
        settings = settings.model_copy(update={"outbox_batch_size": 20})
        relays = [Relay(engine, settings, publisher=None) for _ in range(2)]
        threads = [threading.Thread(target=r.drain) for r in relays]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(SEEN) == list(range(300))


class TestNatsPublish:
    """Publishing to the real JetStream server of this machine and CI (127.0.0.1:4222)."""

    def test_events_reach_jetstream_with_subject_and_id(self, engine, settings):

        import nats

        from zhongtai.kernel.nats import JetStreamPublisher

        tag = uuid.uuid4().hex[:8]
        stream, prefix = f"ZT_TEST_{tag.upper()}", f"zttest{tag}"  # never overlaps a real stream's subjects
        publisher = JetStreamPublisher("nats://127.0.0.1:4222", stream, prefix=prefix)
        try:
            _write(engine, Pinged(n=42))
            relay = Relay(engine, settings, publisher=publisher)
            assert relay.drain().dispatched == 1
            relay.drain()  # nothing republished

            async def fetch():
                nc = await nats.connect("nats://127.0.0.1:4222")
                js = nc.jetstream()
                info = await js.stream_info(stream)
                sub = await js.pull_subscribe(f"{prefix}.tests.pinged", durable=None, stream=stream)
                msgs = await sub.fetch(1, timeout=5)
                await nc.close()
                return info.state.messages, msgs[0]

            count, msg = asyncio.run(fetch())
            body = json.loads(msg.data)
            assert count == 1 and msg.subject == f"{prefix}.tests.pinged"
            assert body["type"] == "tests.pinged" and body["data"] == {"n": 42}
            assert msg.headers["Nats-Msg-Id"] == body["id"]
        finally:
            publisher.close()
            asyncio.run(_delete_stream(stream))


async def _delete_stream(name: str) -> None:
    import nats

    nc = await nats.connect("nats://127.0.0.1:4222")
    try:
        await nc.jetstream().delete_stream(name)
    except Exception:  # noqa: BLE001 — already gone
        pass
    await nc.close()
