"""A revoked API client's webhook subscriptions stop receiving: no new deliveries at fan-out, and those already
queued are refused (dead with `owner_revoked`, never sent, never retried). Real local HTTP receivers."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.integration.test_webhooks import Receiver, deliver, relay
from zhongtai.kernel.auth import Role


@pytest.fixture
def receivers():
    partner, office = Receiver(), Receiver()
    yield partner, office
    partner.close()
    office.close()


def _subscribe(client, headers, url: str) -> dict:
    resp = client.post("/api/v1/webhooks/subscriptions", headers=headers, json={
        "name": "partner sync", "url": url, "event_types": ["stores.*"]})
    assert resp.status_code == 201, resp.text
    return resp.json()


def _deliveries(client, hq, sub: dict) -> list[dict]:
    resp = client.get(f"/api/v1/webhooks/subscriptions/{sub['id']}/deliveries", headers=hq)
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


class TestOwnerRevoked:
    @pytest.fixture
    def subs(self, client, db, receivers):
        partner_rx, office_rx = receivers
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        key = {"X-API-Key": f.api_client(db, scopes=["webhooks:admin"], kind="partner", all_stores=True)}
        partner = _subscribe(client, key, partner_rx.url)
        assert partner["api_client_id"] is not None
        return {"hq": hq, "partner": partner, "office": _subscribe(client, hq, office_rx.url)}

    def _revoke(self, client, subs) -> None:
        resp = client.delete(f"/api/v1/api-clients/{subs['partner']['api_client_id']}", headers=subs["hq"])
        assert resp.status_code == 204, resp.text

    def test_queued_deliveries_are_refused_not_sent_nor_retried(self, client, db, engine, settings, receivers,
                                                                subs):
        partner_rx, office_rx = receivers
        f.store(db)
        relay(engine, settings, db)
        assert len(_deliveries(client, subs["hq"], subs["partner"])) == 1  # queued while the client was active
        self._revoke(client, subs)
        deliver(engine, db)
        assert partner_rx.requests == [] and len(office_rx.requests) == 1
        [refused] = _deliveries(client, subs["hq"], subs["partner"])
        assert (refused["status"], refused["last_error"], refused["attempts"]) == ("dead", "owner_revoked", 0)
        assert refused["next_attempt_at"] is None
        deliver(engine, db)
        assert partner_rx.requests == []

    def test_no_new_deliveries_after_revocation(self, client, db, engine, settings, receivers, subs):
        partner_rx, office_rx = receivers
        self._revoke(client, subs)
        f.store(db)
        relay(engine, settings, db)
        deliver(engine, db)
        assert _deliveries(client, subs["hq"], subs["partner"]) == []
        assert partner_rx.requests == [] and len(office_rx.requests) == 1
        assert [d["status"] for d in _deliveries(client, subs["hq"], subs["office"])] == ["delivered"]

    def test_an_active_clients_subscription_still_receives(self, client, db, engine, settings, receivers, subs):
        partner_rx, _ = receivers
        f.store(db)
        relay(engine, settings, db)
        deliver(engine, db)
        assert len(partner_rx.requests) == 1
        assert [d["status"] for d in _deliveries(client, subs["hq"], subs["partner"])] == ["delivered"]
