"""Webhook subscriptions and the event catalogue through the HTTP API: who may manage them, what is refused,
and that the secret is shown only when it is made."""

from __future__ import annotations

import pytest

from tests import factories as f
from zhongtai.kernel.auth import Role

SUBS = "/api/v1/webhooks/subscriptions"
BODY = {"name": "CRM sync", "partner": "Salesforce", "url": "https://partner.example.com/hooks",
        "event_types": ["orders.*", "members.member_joined"]}


@pytest.fixture
def hq(client, db):
    return f.as_role(client, db, Role.HQ_ADMIN)


def key_headers(db, scopes, **kw) -> dict[str, str]:
    return {"X-API-Key": f.api_client(db, scopes=scopes, kind="partner", **kw)}


class TestSubscribe:
    def test_head_office_subscribes_and_sees_the_secret_only_once(self, client, hq):
        resp = client.post(SUBS, json=BODY, headers=hq)
        assert resp.status_code == 201, resp.text
        sub = resp.json()
        assert sub["secret"].startswith("whsec_") and sub["event_types"] == ["members.member_joined", "orders.*"]
        assert sub["active"] is True and sub["max_attempts"] == 10 and sub["store_ids"] == []
        again = client.get(f"{SUBS}/{sub['id']}", headers=hq).json()
        assert "secret" not in again and again["url"] == BODY["url"]
        listed = client.get(SUBS, headers=hq).json()
        assert listed["total"] == 1 and "secret" not in listed["items"][0]

    def test_rotating_gives_a_new_secret(self, client, hq):
        sub = client.post(SUBS, json=BODY, headers=hq).json()
        rotated = client.post(f"{SUBS}/{sub['id']}/rotate-secret", headers=hq).json()
        assert rotated["secret"].startswith("whsec_") and rotated["secret"] != sub["secret"]

    @pytest.mark.parametrize(("change", "code"), [
        ({"event_types": ["orders.order_shipped"]}, "webhook_event_type_unknown"),
        ({"event_types": ["billing.*"]}, "webhook_event_type_unknown"),
        ({"event_types": []}, "validation_error"),
        ({"url": "ftp://partner.example.com/x"}, "validation_error"),
        ({"url": "not a url"}, "validation_error"),
        ({"max_attempts": 0}, "validation_error"),
        ({"secret": "mine"}, "validation_error"),
    ])
    def test_bad_input_is_422_with_a_stable_code_and_nothing_saved(self, client, hq, change, code):
        resp = client.post(SUBS, json={**BODY, **change}, headers=hq)
        assert resp.status_code == 422 and resp.json()["error"] == code
        assert client.get(SUBS, headers=hq).json()["total"] == 0

    def test_an_unknown_store_in_the_filter_is_refused(self, client, db, hq):
        resp = client.post(SUBS, json={**BODY, "store_ids": [999999]}, headers=hq)
        assert resp.status_code == 422 and resp.json()["error"] == "webhook_store_not_allowed"

    def test_update_and_pause(self, client, db, hq):
        shop = f.store(db)
        sub = client.post(SUBS, json=BODY, headers=hq).json()
        resp = client.patch(f"{SUBS}/{sub['id']}", json={"active": False, "store_ids": [shop.id],
                                                         "event_types": ["*"]}, headers=hq)
        assert resp.status_code == 200
        assert resp.json()["active"] is False and resp.json()["store_ids"] == [shop.id]
        paused = client.post(f"{SUBS}/{sub['id']}/replay-dead-letters", headers=hq)
        assert paused.status_code == 409 and paused.json()["error"] == "webhook_subscription_inactive"

    def test_missing_subscription_and_delivery_are_404(self, client, hq):
        assert client.get(f"{SUBS}/424242", headers=hq).json()["error"] == "webhook_subscription_not_found"
        sub = client.post(SUBS, json=BODY, headers=hq).json()
        resp = client.get(f"{SUBS}/{sub['id']}/deliveries/0193b0c2-7a1e-7c3e-9f00-2a4c5d6e7f80", headers=hq)
        assert resp.status_code == 404 and resp.json()["error"] == "webhook_delivery_not_found"


class TestWhoMay:
    def test_needs_authentication(self, client):
        assert client.get(SUBS).status_code == 401

    @pytest.mark.parametrize("role", [Role.STORE_MANAGER, Role.GUIDE])
    def test_store_staff_are_refused(self, client, db, role):
        shop = f.store(db)
        headers = f.as_role(client, db, role, [shop])
        assert client.get(SUBS, headers=headers).status_code == 403
        resp = client.post(SUBS, json=BODY, headers=headers)
        assert resp.status_code == 403 and resp.json()["error"] == "forbidden"

    def test_an_api_key_without_the_scope_is_refused(self, client, db):
        resp = client.post(SUBS, json=BODY, headers=key_headers(db, ["orders:read"]))
        assert resp.status_code == 403 and resp.json()["detail"]["required_scope"] == "webhooks:admin"

    def test_a_partner_key_manages_only_its_own_subscriptions(self, client, db, hq):
        theirs = client.post(SUBS, json=BODY, headers=hq).json()
        partner = key_headers(db, ["webhooks:admin"], all_stores=True)
        mine = client.post(SUBS, json=BODY, headers=partner)
        assert mine.status_code == 201 and mine.json()["api_client_id"] is not None
        assert [s["id"] for s in client.get(SUBS, headers=partner).json()["items"]] == [mine.json()["id"]]
        assert client.get(f"{SUBS}/{theirs['id']}", headers=partner).status_code == 404
        assert client.get(SUBS, headers=hq).json()["total"] == 2

    def test_a_store_bound_partner_gets_its_stores_and_no_others(self, client, db):
        mine, other = f.store(db), f.store(db)
        partner = key_headers(db, ["webhooks:admin"], stores=[mine])
        sub = client.post(SUBS, json=BODY, headers=partner)
        assert sub.status_code == 201 and sub.json()["store_ids"] == [mine.id]
        refused = client.post(SUBS, json={**BODY, "store_ids": [other.id]}, headers=partner)
        assert refused.status_code == 422 and refused.json()["error"] == "webhook_store_not_allowed"


class TestCatalogue:
    def test_lists_every_event_type_with_schema_and_example(self, client, hq):
        resp = client.get("/api/v1/events/catalogue", headers=hq)
        assert resp.status_code == 200
        by_name = {e["name"]: e for e in resp.json()}
        placed = by_name["orders.order_placed"]
        assert placed["nats_subject"] == "zhongtai.orders.order_placed" and placed["domain"] == "orders"
        assert placed["schema"]["properties"]["payable_fen"]["type"] == "integer"
        assert set(placed["example"]) == set(placed["schema"]["properties"])

    def test_filters_by_domain_and_reads_one_type(self, client, hq):
        names = {e["name"] for e in client.get("/api/v1/events/catalogue?domain=stores", headers=hq).json()}
        assert names == {"stores.store_created", "stores.store_updated"}
        one = client.get("/api/v1/events/catalogue/stores.store_created", headers=hq)
        assert one.status_code == 200 and one.json()["name"] == "stores.store_created"
        missing = client.get("/api/v1/events/catalogue/stores.store_burnt", headers=hq)
        assert missing.status_code == 404 and missing.json()["error"] == "event_type_not_found"

    def test_api_keys_need_events_read(self, client, db):
        assert client.get("/api/v1/events/catalogue", headers=key_headers(db, ["orders:read"])).status_code == 403
        assert client.get("/api/v1/events/catalogue", headers=key_headers(db, ["events:read"])).status_code == 200
