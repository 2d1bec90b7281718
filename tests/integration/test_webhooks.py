"""Outbound webhooks end to end: events committed by the domains reach a real local HTTP receiver, signed,
retried until it recovers, dead-lettered after the limit and replayed; every attempt is logged."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests import factories as f
from zhongtai.db.session import session_factory
from zhongtai.kernel import outbox
from zhongtai.kernel.auth import Role
from zhongtai.kernel.outbox import Event, OutboxEvent, ProcessedEvent
from zhongtai.kernel.relay import Relay
from zhongtai.webhooks.models import WebhookAttempt, WebhookDelivery
from zhongtai.webhooks.policies import RetryPolicy
from zhongtai.webhooks.worker import Deliverer


class Noted(Event):
    event_type = "tests.noted"
    n: int


NOW_RETRY = RetryPolicy(base_seconds=0, jitter=0)  # retries fall due at once, so a test can drain them


def _documented_verifier():
    """The partner-side check, taken verbatim from the Python snippet in docs/webhooks.md."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.DOTALL).group(1)
    scope: dict = {}
    exec(code, scope)  # noqa: S102 — our own documentation, run as a partner would
    return scope["verify_signature"]


verify_signature = _documented_verifier()


class Receiver:
    """A partner's endpoint: fails the first `fail` requests (503), then answers 200; dedupes by event id."""

    def __init__(self, fail: int = 0):
        self.fail, self.requests, self.lock = fail, [], threading.Lock()
        self.gate = threading.Event()  # cleared: requests wait (a slow partner) until it is set
        self.gate.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.gate.wait(30)
                with receiver.lock:
                    failing = receiver.fail > 0
                    receiver.fail -= 1 if failing else 0
                    receiver.requests.append((dict(self.headers), body, 503 if failing else 200))
                self.send_response(503 if failing else 200)
                self.end_headers()
                self.wfile.write(b"partner is down for maintenance" if failing else b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/zhongtai"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def accepted_ids(self) -> Counter:
        """Event ids the partner processed, after its dedupe by id (each counted once)."""
        return Counter({h["X-Zhongtai-Event-Id"] for h, _, status in self.requests if status == 200})

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def subscribe(client, db, url: str, **extra) -> dict:
    headers = f.as_role(client, db, Role.HQ_ADMIN)
    body = {"name": "ERP sync", "partner": "用友 ERP", "url": url, "event_types": ["stores.*"], **extra}
    resp = client.post("/api/v1/webhooks/subscriptions", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return {**resp.json(), "headers": headers}


def relay(engine, settings, db=None) -> None:
    Relay(engine, settings, publisher=None).drain()
    if db is not None:
        db.rollback()  # end the test session's read snapshot (SQLite WAL), so it sees what the relay wrote


def deliver(engine, db=None, **kw):
    worker = Deliverer(engine, retry=NOW_RETRY, **kw)
    try:
        return worker.drain()
    finally:
        worker.close()
        if db is not None:
            db.rollback()


class TestFanOut:
    def test_each_event_becomes_one_delivery_per_matching_subscription_in_the_relays_transaction(
            self, client, db, engine, settings, receiver):
        wanted = subscribe(client, db, receiver.url)
        subscribe(client, db, receiver.url, event_types=["orders.order_placed"])
        stores = [f.store(db) for _ in range(3)]
        assert db.scalar(select(func.count()).select_from(WebhookDelivery)) == 0  # only once relayed
        relay(engine, settings, db)
        rows = db.scalars(select(WebhookDelivery)).all()
        assert {r.subscription_id for r in rows} == {wanted["id"]}
        assert sorted(json.loads(r.body)["data"]["store_id"] for r in rows) == sorted(s.id for s in stores)

    def test_a_redelivered_event_adds_no_second_delivery(self, client, db, engine, settings, receiver):
        subscribe(client, db, receiver.url)
        f.store(db)
        relay(engine, settings, db)
        db.execute(OutboxEvent.__table__.update().values(dispatched_at=None))
        db.commit()
        relay(engine, settings, db)
        assert db.scalar(select(func.count()).select_from(WebhookDelivery)) == 1

    def test_fan_out_leaves_no_processed_events_row_behind(self, client, db, engine, settings, receiver):
        """The catch-all handler is idempotent by its unique key, so events gain no bookkeeping row each."""
        subscribe(client, db, receiver.url, event_types=["*"])
        with session_factory(engine)() as session:
            outbox.record(session, Noted(n=1))
            session.commit()
        relay(engine, settings, db)
        assert db.scalar(select(func.count()).select_from(ProcessedEvent)) == 0
        assert db.scalar(select(WebhookDelivery.event_type)) == "tests.noted"

    def test_store_filter_and_paused_subscriptions(self, client, db, engine, settings, receiver):
        mine, other = f.store(db), f.store(db)
        sub = subscribe(client, db, receiver.url, store_ids=[mine.id])
        paused = subscribe(client, db, receiver.url, active=False)
        for s in (mine, other):
            client.patch(f"/api/v1/stores/{s.id}", json={"name": s.name + " 新"}, headers=sub["headers"])
        relay(engine, settings, db)
        rows = db.scalars(select(WebhookDelivery)).all()
        assert [(r.subscription_id, r.store_id) for r in rows] == [(sub["id"], mine.id)]
        assert paused["id"] not in {r.subscription_id for r in rows}


class TestDelivery:
    def test_a_receiver_that_fails_then_recovers_gets_every_event_once_per_id(self, client, db, engine,
                                                                              settings, receiver):
        sub = subscribe(client, db, receiver.url)
        for _ in range(5):
            f.store(db)
        relay(engine, settings, db)
        event_ids = {str(e.id) for e in db.scalars(select(OutboxEvent).where(
            OutboxEvent.event_type == "stores.store_created"))}
        receiver.fail = 4
        stats = deliver(engine, db)
        assert stats.delivered == 5 and stats.dead == 0
        assert receiver.accepted_ids() == Counter(event_ids)  # every event, once each after dedupe by id
        assert len(receiver.requests) == 9
        attempts = db.scalars(select(WebhookAttempt).order_by(WebhookAttempt.started_at)).all()
        assert len(attempts) == 9 and sum(a.ok for a in attempts) == 5
        failed = [a for a in attempts if not a.ok]
        assert all(a.status_code == 503 and "partner is down" in a.error for a in failed)
        assert all(a.latency_ms >= 0 for a in attempts)
        for h, body, _ in receiver.requests:
            assert verify_signature(sub["secret"], h, body)
            assert json.loads(body)["id"] == h["X-Zhongtai-Event-Id"]
            assert h["X-Zhongtai-Event-Type"] == "stores.store_created"

    def test_signature_fails_for_another_secret_or_a_changed_body(self, client, db, engine, settings, receiver):
        sub = subscribe(client, db, receiver.url)
        f.store(db)
        relay(engine, settings, db)
        deliver(engine, db)
        (headers, body, _), = receiver.requests
        assert verify_signature(sub["secret"], headers, body)
        assert not verify_signature("whsec_other", headers, body)
        assert not verify_signature(sub["secret"], headers, body.replace(b"store_id", b"store_iD"))

    def test_an_unreachable_url_is_logged_and_retried_later(self, client, db, engine, settings):
        subscribe(client, db, "http://127.0.0.1:9/nothing-listens-here")
        f.store(db)
        relay(engine, settings, db)
        worker = Deliverer(engine, rand=lambda: 0.5)
        stats = worker.run_once()
        worker.close()
        db.rollback()
        row = db.scalar(select(WebhookDelivery))
        assert stats.failed == 1 and row.status == "pending" and row.last_status_code is None
        assert "ConnectError" in row.last_error and row.attempts == 1
        waited = (row.next_attempt_at - db.scalar(select(WebhookAttempt.started_at))).total_seconds()
        assert 29 <= waited <= 40  # the first retry waits about 30 s


    def test_a_delivery_being_sent_is_not_claimed_again_meanwhile(self, client, db, engine, settings, receiver):
        """The claim leases the row, and no transaction stays open during the HTTP call: a second worker
        running while the first waits on a slow partner finds nothing to do, and the database stays writable."""
        subscribe(client, db, receiver.url)
        f.store(db)
        relay(engine, settings, db)
        receiver.gate.clear()
        first = threading.Thread(target=deliver, args=(engine,))
        first.start()
        for _ in range(500):  # until the first worker has claimed it (10 s at most)
            db.rollback()
            if db.scalar(select(func.count()).where(WebhookDelivery.attempts == 1)):
                break
            time.sleep(0.02)
        assert deliver(engine, db).attempted == 0
        f.store(db)  # a write commits while the first worker is still waiting for the partner
        receiver.gate.set()
        first.join(30)
        assert len(receiver.requests) == 1 and db.scalar(select(WebhookDelivery.status)) == "delivered"


class TestDeadLetters:
    def test_dead_after_the_limit_then_replay_succeeds(self, client, db, engine, settings, receiver):
        sub = subscribe(client, db, receiver.url, max_attempts=3)
        f.store(db)
        relay(engine, settings, db)
        receiver.fail = 100
        stats = deliver(engine, db)
        row = db.scalar(select(WebhookDelivery))
        assert stats.dead == 1 and row.status == "dead" and row.attempts == 3 and row.dead_at is not None
        assert len(receiver.requests) == 3

        receiver.fail = 0
        path = f"/api/v1/webhooks/subscriptions/{sub['id']}"
        dead = client.get(f"{path}/deliveries", params={"status": "dead"}, headers=sub["headers"]).json()
        assert dead["total"] == 1
        resp = client.post(f"{path}/replay-dead-letters", headers=sub["headers"])
        assert resp.status_code == 200 and resp.json() == {"replayed": 1}
        assert deliver(engine, db).delivered == 1
        detail = client.get(f"{path}/deliveries/{row.id}", headers=sub["headers"]).json()
        assert detail["status"] == "delivered" and detail["replays"] == 1 and detail["attempts"] == 4
        assert [a["status_code"] for a in detail["attempt_log"]] == [503, 503, 503, 200]
        assert len(receiver.accepted_ids()) == 1

    def test_a_single_delivery_is_replayed_with_the_same_event_id(self, client, db, engine, settings, receiver):
        sub = subscribe(client, db, receiver.url)
        f.store(db)
        relay(engine, settings, db)
        deliver(engine, db)
        row = db.scalar(select(WebhookDelivery))
        path = f"/api/v1/webhooks/subscriptions/{sub['id']}/deliveries/{row.id}/replay"
        assert client.post(path, headers=sub["headers"]).json()["status"] == "pending"
        conflict = client.post(path, headers=sub["headers"])
        assert conflict.status_code == 409 and conflict.json()["error"] == "webhook_delivery_pending"
        deliver(engine, db)
        ids = [h["X-Zhongtai-Event-Id"] for h, _, _ in receiver.requests]
        assert len(ids) == 2 and len(set(ids)) == 1 and receiver.requests[0][1] == receiver.requests[1][1]


@pytest.mark.postgres_only
class TestConcurrentWorkers:
    def test_two_workers_never_send_the_same_delivery_twice(self, client, db, engine, settings, receiver):
        subscribe(client, db, receiver.url, event_types=["stores.*"])
        for _ in range(60):
            f.store(db)
        relay(engine, settings, db)
        workers = [Deliverer(engine, batch_size=5, concurrency=2) for _ in range(3)]
        threads = [threading.Thread(target=w.drain) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        for w in workers:
            w.close()
        sent = Counter(h["X-Zhongtai-Delivery-Id"] for h, _, _ in receiver.requests)
        assert len(sent) == 60 and set(sent.values()) == {1}
        assert db.scalar(select(func.count()).select_from(WebhookAttempt)) == 60
