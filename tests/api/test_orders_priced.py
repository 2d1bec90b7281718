"""Orders are priced by the one pricing engine when they are placed: each line at its store's price and
markdown, the member's coupons and points used exactly once, and given back when the order is cancelled."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests import factories as f
from tests.api.test_orders_api import CUSTOMER, shop  # noqa: F401 — the shared stores-with-stock fixture
from zhongtai.catalog import service as catalog
from zhongtai.kernel import clock
from zhongtai.kernel.auth import Role
from zhongtai.kernel.relay import Relay


@pytest.fixture
def buyer(client, db, shop):  # noqa: F811
    member = f.member(db, store=shop["near"])
    f.points(db, member.id, 5000)
    tpl = f.coupon_template(db, restore_on_refund=True)  # 满100减20
    return {"member": member, "coupon": f.coupon(db, tpl, member.id), "hq": f.as_role(client, db, Role.HQ_ADMIN)}


def _place(client, shop, buyer, **extra):  # noqa: F811
    body = {"channel": "app", "mode": "delivery", "contact": CUSTOMER, "member_id": buyer["member"].id,
            "lines": [{"sku_code": shop["rice"].code, "quantity": 4}],
            "payment": {"provider": "wechat_pay", "transaction_id": f"wx-{clock.now().timestamp()}", "amount_fen": 0},
            **extra}
    return client.post("/api/v1/orders", json=body, headers=shop["app"])


def _points(client, buyer) -> int:
    return client.get(f"/api/v1/loyalty/members/{buyer['member'].id}/points", headers=buyer["hq"]).json()["balance"]


def _coupon_status(client, buyer) -> str:
    rows = client.get(f"/api/v1/loyalty/members/{buyer['member'].id}/coupons", headers=buyer["hq"]).json()["items"]
    return next(r["status"] for r in rows if r["code"] == buyer["coupon"])


class TestPricedAtPlacement:
    def test_coupon_and_points_priced_like_a_quote_and_used_once(self, client, db, shop, buyer):  # noqa: F811
        quote = client.post("/api/v1/pricing/quote", headers=shop["app"], json={
            "store_id": shop["near"].id, "channel": "app", "member_id": buyer["member"].id,
            "lines": [{"sku_code": shop["rice"].code, "quantity": 4}], "coupon_codes": [buyer["coupon"]],
            "points_to_redeem": 500, "delivery_fee_fen": 0}).json()
        assert quote["points"]["value_fen"] > 0, quote
        resp = _place(client, shop, buyer, coupon_codes=[buyer["coupon"]], points_to_redeem=500)
        assert resp.status_code == 201, resp.text
        order = resp.json()
        assert order["store_id"] == shop["near"].id
        assert order["payable_fen"] == quote["payable_fen"] + order["delivery_fee_fen"]
        assert order["subtotal_fen"] == 4 * 2990
        line = order["lines"][0]
        assert line["discount_fen"] == 2000 + quote["points"]["value_fen"]
        assert order["discount_fen"] == line["discount_fen"]
        assert _coupon_status(client, buyer) == "redeemed"
        assert _points(client, buyer) == 5000 - 500

    def test_the_same_coupon_cannot_pay_for_two_orders(self, client, db, shop, buyer):  # noqa: F811
        assert _place(client, shop, buyer, coupon_codes=[buyer["coupon"]]).status_code == 201
        again = _place(client, shop, buyer, coupon_codes=[buyer["coupon"]])
        assert again.status_code == 409 and again.json()["error"] == "coupon_already_redeemed"

    def test_a_refused_coupon_refuses_the_order_and_changes_nothing(self, client, db, shop, buyer):  # noqa: F811
        small = _place(client, shop, buyer, lines=[{"sku_code": shop["rice"].code, "quantity": 1}],
                       coupon_codes=[buyer["coupon"]], points_to_redeem=100)
        assert small.status_code == 422 and small.json()["error"] == "coupon_not_applicable", small.text
        assert small.json()["detail"]["code"] == buyer["coupon"]
        over = _place(client, shop, buyer, points_to_redeem=999_999)
        assert over.status_code == 409 and over.json()["error"] == "points_insufficient"
        listed = client.get("/api/v1/orders", headers=buyer["hq"]).json()["items"]
        assert listed == [] and _coupon_status(client, buyer) == "issued" and _points(client, buyer) == 5000

    def test_cancelling_gives_back_points_and_the_coupon(self, client, db, engine, settings, shop, buyer):  # noqa: F811
        order = _place(client, shop, buyer, coupon_codes=[buyer["coupon"]], points_to_redeem=300).json()
        cancel = client.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer["hq"], json={"reason": "顾客取消"})
        assert cancel.status_code == 200, cancel.text
        Relay(engine, settings, publisher=None).drain()
        assert _points(client, buyer) == 5000 and _coupon_status(client, buyer) == "issued"

    def test_store_price_and_markdown_of_the_fulfilling_store(self, client, db, shop, buyer):  # noqa: F811
        catalog.set_store_price(db, store_id=shop["near"].id, sku_id=shop["rice"].id, price_fen=2790)
        db.commit()
        md = client.post("/api/v1/pricing/markdowns", headers=buyer["hq"], json={
            "store_id": shop["near"].id, "sku_code": shop["rice"].code, "percent_off": 20, "reason": "临期",
            "ends_at": (clock.now() + timedelta(hours=6)).isoformat()})
        assert md.status_code == 201, md.text
        order = _place(client, shop, buyer).json()
        assert order["store_id"] == shop["near"].id
        assert order["lines"][0]["unit_price_fen"] == 2232  # 2790 × 80 %
        assert order["subtotal_fen"] == 4 * 2232
