"""Tiers from the rolling 12-month spend of completed orders: raised by completed orders (via the relay),
lowered by refunds and by time, followed through merges, and their benefits shown in the pricing quote."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from tests import factories as f
from zhongtai.kernel import clock
from zhongtai.kernel.auth import Role
from zhongtai.kernel.relay import Relay

ALWAYS = {d: [{"open": "00:00", "close": "24:00"}] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
TILL_SCOPES = ["orders:read", "orders:write", "members:read", "members:write", "inventory:read"]


@pytest.fixture
def shop(client, db, engine, settings):
    """A store selling a 1,000 yuan hamper, a member, the till and head office."""
    store = f.store(db, code="TS1", opening_hours=ALWAYS)
    hamper = f.catalog_sku(db, price=100_000)
    f.stock(db, store, hamper, 100)
    return SimpleNamespace(store=store, hamper=hamper, member=f.member(db, store=store),
                           till={"X-API-Key": f.api_client(db, scopes=TILL_SCOPES, stores=[store])},
                           hq=f.as_role(client, db, Role.HQ_ADMIN), relay=Relay(engine, settings, publisher=None))


def buy(client, shop, quantity: int, member_id: int | None = None) -> dict:
    resp = client.post("/api/v1/orders", headers=shop.till, json={
        "channel": "pos", "mode": "in_store", "store_id": shop.store.id, "member_id": member_id or shop.member.id,
        "lines": [{"sku_code": shop.hamper.code, "quantity": quantity}]})
    assert resp.status_code == 201, resp.text
    shop.relay.drain()
    return resp.json()


def tier(client, shop, member_id: int | None = None) -> dict:
    resp = client.get(f"/api/v1/members/{member_id or shop.member.id}", headers=shop.hq)
    assert resp.status_code == 200, resp.text
    return resp.json()["tier"]


class TestTiers:
    def test_completed_orders_raise_the_tier_and_refunds_lower_it(self, client, shop):
        order = buy(client, shop, 8)
        assert (tier(client, shop)["code"], tier(client, shop)["spend_12m_fen"]) == ("gold", 800_000)
        resp = client.post("/api/v1/returns", headers=shop.till, json={
            "order_id": order["id"], "location_id": shop.store.id, "channel": "pos",
            "lines": [{"line_no": 1, "quantity": 7}]})
        assert resp.status_code == 201, resp.text
        shop.relay.drain()
        assert (tier(client, shop)["code"], tier(client, shop)["spend_12m_fen"]) == ("regular", 100_000)

    def test_spend_older_than_twelve_months_stops_counting(self, client, db, shop):
        from zhongtai.db.session import session_scope
        from zhongtai.loyalty import service as loyalty

        buy(client, shop, 2)
        assert tier(client, shop)["code"] == "silver"
        try:
            clock.freeze(clock.now() + timedelta(days=366))
            with session_scope() as session:
                assert loyalty.recompute_every_tier(session) == 1
        finally:
            clock.freeze(None)
        assert (tier(client, shop)["code"], tier(client, shop)["spend_12m_fen"]) == ("regular", 0)

    def test_a_merged_members_spend_counts_for_the_survivor(self, client, db, shop):
        other = f.member(db, store=shop.store)
        buy(client, shop, 1)
        buy(client, shop, 1, member_id=other.id)
        resp = client.post("/api/v1/members/merges", headers=shop.hq,
                           json={"member_ids": [shop.member.id, other.id]})
        assert resp.status_code in (200, 201), resp.text
        shop.relay.drain()
        survivor = resp.json()["survivor_id"]
        assert (tier(client, shop, survivor)["code"], tier(client, shop, survivor)["spend_12m_fen"]) == (
            "silver", 200_000)

    def test_the_quote_shows_the_tiers_benefits(self, client, shop):
        buy(client, shop, 8)
        resp = client.post("/api/v1/pricing/quote", headers=shop.till, json={
            "store_id": shop.store.id, "channel": "app", "member_id": shop.member.id, "delivery_fee_fen": 600,
            "lines": [{"sku_code": shop.hamper.code, "quantity": 1}]})
        assert resp.status_code == 200, resp.text
        q = resp.json()
        assert q["tier_benefits"] == {"code": "gold", "name_zh": "金卡会员", "points_multiplier": "1.5",
                                      "free_delivery": True}
        assert q["delivery_discount_fen"] == 600 and q["payable_fen"] == 100_000
        assert q["points_to_earn"] == 1_500
        assert [d["kind"] for d in q["discounts"]] == ["tier"]

    def test_a_regular_member_pays_delivery(self, client, shop):
        resp = client.post("/api/v1/pricing/quote", headers=shop.till, json={
            "store_id": shop.store.id, "channel": "app", "member_id": shop.member.id, "delivery_fee_fen": 600,
            "lines": [{"sku_code": shop.hamper.code, "quantity": 1}]})
        q = resp.json()
        assert q["tier_benefits"]["free_delivery"] is False and q["delivery_discount_fen"] == 0
        assert q["payable_fen"] == 100_600
