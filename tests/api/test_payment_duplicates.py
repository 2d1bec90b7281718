"""A provider reporting the same payment twice, through the HTTP API: a no-op, never a 500."""

from __future__ import annotations

import pytest

from tests import factories as f

ALWAYS = {d: [{"open": "00:00", "close": "24:00"}] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
CUSTOMER = {"name": "王女士", "phone": "13812345678", "address": "陆家嘴环路 1000 号",
            "latitude": 31.2397, "longitude": 121.4998}


@pytest.fixture
def shop(client, db):
    """An open store with rice in stock and an app client that places and pays orders."""
    near = f.store(db, code="NEAR", latitude=31.2335, longitude=121.4752, opening_hours=ALWAYS)
    rice = f.catalog_sku(db, price=2990)
    f.stock(db, near, rice, 20)
    app = {"X-API-Key": f.api_client(db, scopes=["orders:read", "orders:write"], kind="ecommerce", all_stores=True)}
    return {"rice": rice, "app": app}


def _order(client, shop, txn: str) -> dict:
    body = {"channel": "app", "mode": "delivery", "contact": CUSTOMER,
            "lines": [{"sku_code": shop["rice"].code, "quantity": 1}],
            "payment": {"provider": "alipay", "transaction_id": txn, "amount_fen": 3690, "status": "pending"}}
    resp = client.post("/api/v1/orders", json=body, headers=shop["app"])
    assert resp.status_code == 201, resp.text
    return resp.json()


def _pay(client, shop, order_id: str, txn: str, *, amount_fen: int = 3690, status: str = "succeeded"):
    return client.post(f"/api/v1/orders/{order_id}/payments", headers=shop["app"], json={
        "provider": "alipay", "transaction_id": txn, "amount_fen": amount_fen, "status": status})


def _read(client, shop, order_id: str) -> dict:
    return client.get(f"/api/v1/orders/{order_id}", headers=shop["app"]).json()


class TestSamePaymentAgain:
    def test_repeat_is_answered_with_the_order_and_records_nothing(self, client, shop):
        order = _order(client, shop, "ali-place-1")
        first = _pay(client, shop, order["id"], "ali-pay-1")
        assert first.status_code == 200, first.text
        again = _pay(client, shop, order["id"], "ali-pay-1")
        assert again.status_code == 200, again.text
        assert again.json()["payment_status"] == "paid"
        assert len(again.json()["timeline"]) == len(first.json()["timeline"])
        assert _read(client, shop, order["id"])["timeline"] == first.json()["timeline"]

    def test_repeat_of_the_payment_given_at_placement_is_a_no_op(self, client, shop):
        order = _order(client, shop, "ali-place-2")
        again = _pay(client, shop, order["id"], "ali-place-2", status="pending")
        assert again.status_code == 200, again.text
        assert again.json()["payment_status"] == "pending"
        assert len(again.json()["timeline"]) == len(_read(client, shop, order["id"])["timeline"])
        assert again.json()["timeline"] == order["timeline"]


class TestTransactionReused:
    def test_different_amount_is_409_and_changes_nothing(self, client, shop):
        order = _order(client, shop, "ali-place-3")
        _pay(client, shop, order["id"], "ali-pay-3", status="pending")
        before = _read(client, shop, order["id"])
        resp = _pay(client, shop, order["id"], "ali-pay-3", amount_fen=1, status="pending")
        assert resp.status_code == 409 and resp.json()["error"] == "payment_transaction_reused", resp.text
        assert _read(client, shop, order["id"]) == before

    def test_different_status_is_409_and_changes_nothing(self, client, shop):
        order = _order(client, shop, "ali-place-4")
        _pay(client, shop, order["id"], "ali-pay-4", status="pending")
        before = _read(client, shop, order["id"])
        resp = _pay(client, shop, order["id"], "ali-pay-4", status="failed")
        assert resp.status_code == 409 and resp.json()["error"] == "payment_transaction_reused", resp.text
        assert _read(client, shop, order["id"]) == before
        assert before["status"] != "cancelled"

    def test_another_orders_transaction_is_409_and_changes_nothing(self, client, shop):
        first, second = _order(client, shop, "ali-place-5"), _order(client, shop, "ali-place-6")
        assert _pay(client, shop, first["id"], "ali-pay-5").status_code == 200
        before = _read(client, shop, second["id"])
        resp = _pay(client, shop, second["id"], "ali-pay-5")
        assert resp.status_code == 409 and resp.json()["error"] == "payment_transaction_reused", resp.text
        assert _read(client, shop, second["id"]) == before
        assert before["payment_status"] == "pending"

    def test_a_race_past_the_check_is_still_409_not_500(self, client, shop, monkeypatch):
        """Two orders' requests with one transaction at once: the loser passed the check before the winner
        committed, so the unique index decides; simulated by skipping the check."""
        from zhongtai.orders import service

        first, second = _order(client, shop, "ali-place-7"), _order(client, shop, "ali-place-8")
        assert _pay(client, shop, first["id"], "ali-pay-7").status_code == 200
        before = _read(client, shop, second["id"])
        monkeypatch.setattr(service, "_already_recorded", lambda *a, **kw: False)
        resp = _pay(client, shop, second["id"], "ali-pay-7")
        assert resp.status_code == 409 and resp.json()["error"] == "payment_transaction_reused", resp.text
        assert _read(client, shop, second["id"]) == before


class TestPlacedWithAPaymentAlreadyHeld:
    def test_a_second_order_with_the_same_transaction_is_409_and_not_created(self, client, db, shop):
        _order(client, shop, "ali-dup-1")
        body = {"channel": "app", "mode": "delivery", "contact": CUSTOMER,
                "lines": [{"sku_code": shop["rice"].code, "quantity": 1}],
                "payment": {"provider": "alipay", "transaction_id": "ali-dup-1", "amount_fen": 3690,
                            "status": "pending"}}
        again = client.post("/api/v1/orders", json=body, headers=shop["app"])
        assert again.status_code == 409 and again.json()["error"] == "payment_transaction_reused", again.text
        assert len(client.get("/api/v1/orders", headers=shop["app"]).json()["items"]) == 1
