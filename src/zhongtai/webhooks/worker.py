"""The delivery worker: claim due deliveries in one short transaction, POST them with no transaction open,
record every attempt in another short transaction.

A claim moves `next_attempt_at` forward by a lease (the HTTP timeout and a margin), so no other worker
takes the delivery while it is being sent; on PostgreSQL concurrent claims skip each other's locked rows,
on SQLite the write lock serialises them. If a worker dies mid-send the lease runs out and the delivery is
attempted again: delivery is at least once, and partners deduplicate by event id.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import Engine

from zhongtai.db.session import session_scope
from zhongtai.kernel import clock, signing
from zhongtai.webhooks import policies, repository

log = logging.getLogger("zhongtai.webhooks")
USER_AGENT = "zhongtai-webhooks/1"


@dataclass(frozen=True)
class Claim:
    subscription_id: int
    delivery_id: uuid.UUID
    attempt: int  # the delivery's attempt number this claim makes
    round_attempt: int
    max_attempts: int
    event_id: uuid.UUID
    event_type: str
    url: str
    secret: str
    body: str


@dataclass(frozen=True)
class Outcome:
    claim: Claim
    started_at: datetime
    status_code: int | None
    latency_ms: int
    error: str

    @property
    def ok(self) -> bool:
        return policies.delivered(self.status_code)


@dataclass
class DeliverStats:
    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0

    def add(self, other: DeliverStats) -> None:
        for key in ("attempted", "delivered", "failed", "dead"):
            setattr(self, key, getattr(self, key) + getattr(other, key))


def headers_for(claim: Claim, timestamp: int) -> dict[str, str]:
    """The headers of one attempt: the signature over `<timestamp>.<body>` and the event's id and type."""
    return {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
            "X-Zhongtai-Event-Id": str(claim.event_id), "X-Zhongtai-Event-Type": claim.event_type,
            "X-Zhongtai-Delivery-Id": str(claim.delivery_id), "X-Zhongtai-Attempt": str(claim.attempt),
            "X-Zhongtai-Timestamp": str(timestamp),
            "X-Zhongtai-Signature": signing.sign(claim.secret, timestamp, claim.body.encode())}


class Deliverer:
    """Sends due webhook deliveries; several may run side by side (one per process or thread)."""

    def __init__(self, engine: Engine, *, retry: policies.RetryPolicy | None = None, batch_size: int = 50,
                 timeout_seconds: float = 10.0, concurrency: int = 8, client: httpx.Client | None = None,
                 rand: Callable[[], float] = random.random):
        self.engine, self.retry, self.batch_size = engine, retry or policies.RetryPolicy(), batch_size
        self.timeout, self.concurrency, self.rand = timeout_seconds, concurrency, rand
        self.lease = timedelta(seconds=timeout_seconds + 30)
        self.client = client or httpx.Client(timeout=timeout_seconds, follow_redirects=False)
        self._own_client = client is None

    def run_once(self) -> DeliverStats:
        """Claim one batch of due deliveries, send them, record the outcomes."""
        claims = self._claim()
        if not claims:
            return DeliverStats()
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(claims))) as pool:
            outcomes = list(pool.map(self._send, claims))
        return self._settle(outcomes)

    def drain(self, max_batches: int = 1000) -> DeliverStats:
        """Run batches until nothing is due now."""
        total = DeliverStats()
        for _ in range(max_batches):
            stats = self.run_once()
            total.add(stats)
            if stats.attempted == 0:
                break
        return total

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def _claim(self) -> list[Claim]:
        now = clock.now()
        with session_scope(self.engine) as session:
            refused = repository.refuse_revoked(session, now)
            if refused:
                log.warning("webhooks: %s deliveries refused, their API client was revoked", refused)
            claims = []
            for d, sub in repository.due(session, now, self.batch_size):
                d.attempts, d.round_attempts, d.next_attempt_at = d.attempts + 1, d.round_attempts + 1, now + self.lease
                claims.append(Claim(sub.id, d.id, d.attempts, d.round_attempts, sub.max_attempts, d.event_id,
                                    d.event_type, sub.url, sub.secret, d.body))
        return claims

    def _send(self, claim: Claim) -> Outcome:
        started, t0 = clock.now(), time.perf_counter()
        try:
            resp = self.client.post(claim.url, content=claim.body.encode(),
                                    headers=headers_for(claim, int(started.timestamp())))
            status, error = resp.status_code, "" if policies.delivered(resp.status_code) else resp.text
        except httpx.HTTPError as exc:
            status, error = None, f"{type(exc).__name__}: {exc}"
        latency = int((time.perf_counter() - t0) * 1000)
        return Outcome(claim, started, status, latency, policies.snippet(error))

    def _settle(self, outcomes: list[Outcome]) -> DeliverStats:
        stats, now = DeliverStats(attempted=len(outcomes)), clock.now()
        with session_scope(self.engine) as session:
            for o in outcomes:
                c = o.claim
                repository.add_attempt(session, {"subscription_id": c.subscription_id, "delivery_id": c.delivery_id,
                                                 "number": c.attempt, "started_at": o.started_at, "ok": o.ok,
                                                 "status_code": o.status_code, "latency_ms": o.latency_ms,
                                                 "error": o.error})
                values, kind = self._next_state(o, now)
                repository.settle(session, c.subscription_id, c.delivery_id, c.attempt, values)
                setattr(stats, kind, getattr(stats, kind) + 1)
        if stats.failed or stats.dead:
            log.warning("webhooks: %s delivered, %s failed, %s dead-lettered", stats.delivered, stats.failed, stats.dead)
        return stats

    def _next_state(self, o: Outcome, now: datetime) -> tuple[dict, str]:
        last = {"last_status_code": o.status_code, "last_error": o.error}
        if o.ok:
            return {**last, "status": "delivered", "delivered_at": now, "next_attempt_at": None}, "delivered"
        if policies.is_dead(o.claim.round_attempt, o.claim.max_attempts):
            return {**last, "status": "dead", "dead_at": now, "next_attempt_at": None}, "dead"
        return {**last, "next_attempt_at": now + self.retry.delay(o.claim.round_attempt, self.rand())}, "failed"


def deliver_due(engine: Engine) -> int:
    """One pass of the worker (the `serve` job): attempts made."""
    deliverer = Deliverer(engine)
    try:
        return deliverer.drain(max_batches=20).attempted
    finally:
        deliverer.close()
