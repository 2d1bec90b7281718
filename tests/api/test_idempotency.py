"""Idempotency-Key on creating POSTs: retries replay, misuse is refused clearly."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from tests import factories as f
from zhongtai.kernel.auth import Role
from zhongtai.stores.models import Store

BODY = {"code": "IDEM1", "name": "幂等店", "latitude": 31.2, "longitude": 121.4}


def _count_stores(db) -> int:
    db.rollback()
    return db.scalar(select(func.count(Store.id)))


class TestIdempotencyKey:
    def test_retry_replays_first_response_and_creates_once(self, client, db):
        hq = {**f.as_role(client, db, Role.HQ_ADMIN), "Idempotency-Key": "k-1"}
        first = client.post("/api/v1/stores", json=BODY, headers=hq)
        second = client.post("/api/v1/stores", json=BODY, headers=hq)
        assert first.status_code == second.status_code == 201
        assert second.json() == first.json()
        assert second.headers["idempotent-replayed"] == "true"
        assert _count_stores(db) == 1

    def test_same_key_other_body_is_refused(self, client, db):
        hq = {**f.as_role(client, db, Role.HQ_ADMIN), "Idempotency-Key": "k-2"}
        client.post("/api/v1/stores", json=BODY, headers=hq)
        resp = client.post("/api/v1/stores", json={**BODY, "name": "别的"}, headers=hq)
        assert resp.status_code == 422 and resp.json()["error"] == "idempotency_key_reused"
        assert _count_stores(db) == 1

    def test_keys_are_per_caller(self, client, db):
        a = {**f.as_role(client, db, Role.HQ_ADMIN), "Idempotency-Key": "shared"}
        b = {**f.as_role(client, db, Role.HQ_ADMIN), "Idempotency-Key": "shared"}
        assert client.post("/api/v1/stores", json=BODY, headers=a).status_code == 201
        resp = client.post("/api/v1/stores", json={**BODY, "code": "IDEM2"}, headers=b)
        assert resp.status_code == 201 and "idempotent-replayed" not in resp.headers

    def test_client_errors_are_replayed_too(self, client, db):
        hq = {**f.as_role(client, db, Role.HQ_ADMIN), "Idempotency-Key": "k-3"}
        bad = {**BODY, "latitude": 200}
        first = client.post("/api/v1/stores", json=bad, headers=hq)
        again = client.post("/api/v1/stores", json=bad, headers=hq)
        assert first.status_code == again.status_code == 422 and again.headers["idempotent-replayed"] == "true"

    def test_without_key_each_post_is_new(self, client, db):
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        client.post("/api/v1/stores", json=BODY, headers=hq)
        assert client.post("/api/v1/stores", json=BODY, headers=hq).status_code == 409

    def test_overlong_key_is_refused(self, client, db):
        hq = {**f.as_role(client, db, Role.HQ_ADMIN), "Idempotency-Key": "x" * 300}
        resp = client.post("/api/v1/stores", json=BODY, headers=hq)
        assert resp.status_code == 422 and resp.json()["error"] == "invalid_input"

    def test_duplicate_while_first_is_running_gets_409(self, app, client, db):
        """A slow first request holds the key; the concurrent duplicate is told to wait (409)."""
        from zhongtai.deps import require_roles
        from zhongtai.kernel.auth import Role as R

        started, release = threading.Event(), threading.Event()

        @app.post("/api/v1/_test/slow", status_code=201)
        def slow(_=__import__("fastapi").Depends(require_roles(R.HQ_ADMIN))):
            started.set()
            release.wait(10)
            return {"ok": True}

        hq = {**f.as_role(client, db, Role.HQ_ADMIN), "Idempotency-Key": "slow-1"}
        results: list[int] = []
        worker = threading.Thread(target=lambda: results.append(
            client.post("/api/v1/_test/slow", json={}, headers=hq).status_code))
        worker.start()
        assert started.wait(10)
        dup = client.post("/api/v1/_test/slow", json={}, headers=hq)
        release.set()
        worker.join(10)
        assert dup.status_code == 409 and dup.json()["error"] == "idempotency_in_progress"
        assert results == [201]
        replay = client.post("/api/v1/_test/slow", json={}, headers=hq)
        assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
