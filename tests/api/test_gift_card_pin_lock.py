"""Guessing a gift card's 6-digit PIN through the HTTP API: five wrong in a row pause the card's PIN checks
for fifteen minutes (kept on the card row, so a restart or another process does not reset it)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from tests import factories as f
from zhongtai.kernel import clock
from zhongtai.kernel.auth import Role

ALWAYS = {d: [{"open": "00:00", "close": "24:00"}] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture
def shop(client, db):
    """A store's till, head office, and one sold card worth 100 yuan."""
    store = f.store(db, code="PIN1", opening_hours=ALWAYS)
    shop = SimpleNamespace(store=store, hq=f.as_role(client, db, Role.HQ_ADMIN), till={"X-API-Key": f.api_client(
        db, scopes=["members:read", "members:write"], stores=[store])})
    issued = client.post("/api/v1/gift-cards/batches", headers=shop.hq, json={
        "code": "PINLOCK", "name": "礼品卡", "face_value_fen": 10_000, "quantity": 1, "valid_days": 30})
    assert issued.status_code == 201, issued.text
    shop.card = issued.json()["cards"][0]
    shop.wrong = "000000" if shop.card["pin"] != "000000" else "111111"
    sold = client.post(f"/api/v1/gift-cards/{shop.card['code']}/activate", headers=shop.till, json={
        "sale_id": "SALE-1", "store_id": store.id})
    assert sold.status_code == 200, sold.text
    return shop


def balance(client, shop, pin: str):
    return client.post(f"/api/v1/gift-cards/{shop.card['code']}/balance", headers=shop.till, json={"pin": pin})


def pay(client, shop, pin: str, reference: str = "T-1"):
    return client.post(f"/api/v1/gift-cards/{shop.card['code']}/spends", headers=shop.till, json={
        "pin": pin, "amount_fen": 1_000, "reference": reference, "transaction_id": f"GC-{reference}",
        "channel": "pos", "store_id": shop.store.id})


def guess_wrong(client, shop, times: int) -> None:
    for n in range(times):
        resp = balance(client, shop, shop.wrong) if n % 2 else pay(client, shop, shop.wrong, f"W-{n}")
        assert resp.status_code == 404 and resp.json()["error"] == "gift_card_not_found", resp.text


class TestPinLock:
    def test_five_wrong_pins_lock_balance_and_spend_with_retry_after(self, client, shop):
        guess_wrong(client, shop, 5)
        for resp in (balance(client, shop, shop.card["pin"]), pay(client, shop, shop.card["pin"])):
            assert resp.status_code == 429 and resp.json()["error"] == "gift_card_pin_locked", resp.text
            assert 0 < int(resp.headers["Retry-After"]) <= 15 * 60
        assert balance(client, shop, shop.wrong).status_code == 429
        clock.freeze(clock.now() + timedelta(minutes=15, seconds=1))
        try:
            check = balance(client, shop, shop.card["pin"])
        finally:
            clock.freeze(None)
        assert check.status_code == 200 and check.json()["balance_fen"] == 10_000, check.text

    def test_a_right_pin_resets_the_count(self, client, shop):
        guess_wrong(client, shop, 4)
        assert pay(client, shop, shop.card["pin"]).status_code == 201
        guess_wrong(client, shop, 4)
        assert balance(client, shop, shop.card["pin"]).json()["balance_fen"] == 9_000
        guess_wrong(client, shop, 5)
        assert balance(client, shop, shop.card["pin"]).status_code == 429

    def test_the_count_survives_a_new_app_process(self, client, shop, settings):
        from zhongtai.app import create_app

        guess_wrong(client, shop, 3)
        with TestClient(create_app(settings)) as other:
            guess_wrong(other, shop, 2)
            assert balance(other, shop, shop.card["pin"]).status_code == 429
        assert balance(client, shop, shop.card["pin"]).status_code == 429

    def test_an_unknown_card_is_still_404(self, client, shop):
        resp = client.post("/api/v1/gift-cards/GC0000000000000000/balance", headers=shop.till, json={"pin": "123456"})
        assert resp.status_code == 404 and resp.json()["error"] == "gift_card_not_found"
