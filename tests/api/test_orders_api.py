"""One order flow for every channel, through the HTTP API."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, text

from zhongtai.kernel import clock, signing
from zhongtai.kernel.auth import Role
from zhongtai.kernel.relay import Relay
from tests import factories as f

ALWAYS = {d: [{"open": "00:00", "close": "24:00"}] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
CUSTOMER = {"name": "王女士", "phone": "13812345678", "address": "陆家嘴环路 1000 号",
            "latitude": 31.2397, "longitude": 121.4998}


@pytest.fixture
def shop(client, db):
    """Two open stores near Lujiazui with stock, a warehouse, and an app client."""
    near = f.store(db, code="NEAR", latitude=31.2335, longitude=121.4752, opening_hours=ALWAYS,
                   processing_services=["fish_cleaning"])
    far = f.store(db, code="FAR", latitude=31.2160, longitude=121.5510, opening_hours=ALWAYS, delivery_radius_km=8)
    wh = f.store(db, code="WH", kind="warehouse", latitude=31.35, longitude=121.24, opening_hours=ALWAYS)
    rice, fish = f.catalog_sku(db, price=2990), f.catalog_sku(db, unit="gram", shelf_life_days=2, price=5980)
    for s in (near, far):
        f.stock(db, s, rice, 10)
        f.stock(db, s, fish, 5000)
    f.stock(db, wh, rice, 100)
    app = {"X-API-Key": f.api_client(db, scopes=["orders:read", "orders:write", "inventory:read"],
                                     kind="ecommerce", all_stores=True)}
    return {"near": near, "far": far, "wh": wh, "rice": rice, "fish": fish, "app": app}


def _order(client, shop, *, mode="delivery", lines=None, headers=None, **extra):
    body = {"channel": "app", "mode": mode, "contact": CUSTOMER,
            "lines": lines or [{"sku_code": shop["rice"].code, "quantity": 2},
                               {"sku_code": shop["fish"].code, "weight_g": 500}],
            "payment": {"provider": "wechat_pay", "transaction_id": f"wx{time.time_ns()}", "amount_fen": 0},
            **extra}
    return client.post("/api/v1/orders", json=body, headers=headers or shop["app"])


def _stock(client, db, store, sku):
    hq = f.as_role(client, db, Role.HQ_ADMIN)
    rows = client.get(f"/api/v1/locations/{store.id}/stock?sku={sku.code}", headers=hq).json()["items"]
    return rows[0]


def _verify(client, db):
    report = client.get("/api/v1/inventory/verify", headers=f.as_role(client, db, Role.HQ_ADMIN)).json()
    assert report["ledger_drift"] == [] and report["reserved_drift"] == [], report


def _step(client, headers, order_id, step, body=None, group=1):
    return client.post(f"/api/v1/orders/{order_id}/groups/{group}/{step}", json=body, headers=headers)


class TestQuote:
    def test_options_per_mode_with_promise_and_explanation(self, client, db, shop):
        resp = client.post("/api/v1/orders/quote", headers=shop["app"], json={
            "channel": "app", "contact": CUSTOMER, "lines": [{"sku_code": shop["rice"].code, "quantity": 1}]})
        assert resp.status_code == 200, resp.text
        by_mode = {o["mode"]: o for o in resp.json()["options"]}
        assert by_mode["delivery"]["available"] and by_mode["delivery"]["locations"] == ["NEAR"]
        assert by_mode["delivery"]["subtotal_fen"] == 2990 and by_mode["delivery"]["delivery_fee_fen"] == 700
        assert by_mode["ship"]["locations"] == ["WH"]
        cands = {c["code"]: c for c in by_mode["delivery"]["explanation"]["candidates"]}
        assert cands["NEAR"]["eligible"] and cands["NEAR"]["score"] < cands["FAR"]["score"]


class TestPlaceDelivery:
    def test_routes_reserves_and_explains(self, client, db, shop):
        resp = _order(client, shop)
        assert resp.status_code == 201, resp.text
        order = resp.json()
        assert order["store_id"] == shop["near"].id and order["status"] == "placed"
        assert order["subtotal_fen"] == 2 * 2990 + 2990 and order["delivery_fee_fen"] == 700
        assert order["routing"]["chosen"] == ["NEAR"] and order["routing"]["candidates"]
        assert order["groups"][0]["allowed_next"] == ["accepted", "cancelled"]
        assert _stock(client, db, shop["near"], shop["rice"])["reserved"] == 2
        _verify(client, db)

    def test_same_idempotency_key_creates_one_order(self, client, db, shop):
        headers = {**shop["app"], "Idempotency-Key": "checkout-42"}
        body = {"channel": "app", "mode": "delivery", "contact": CUSTOMER,
                "lines": [{"sku_code": shop["rice"].code, "quantity": 1}]}
        first = client.post("/api/v1/orders", json=body, headers=headers)
        second = client.post("/api/v1/orders", json=body, headers=headers)
        assert first.status_code == second.status_code == 201 and first.json()["id"] == second.json()["id"]
        assert _stock(client, db, shop["near"], shop["rice"])["reserved"] == 1

    def test_nothing_can_fulfil_is_409_with_reasons(self, client, db, shop):
        resp = _order(client, shop, lines=[{"sku_code": shop["rice"].code, "quantity": 50}])
        assert resp.status_code == 409 and resp.json()["error"] == "no_location_can_fulfil"
        reasons = {c["code"]: c["reasons"] for c in resp.json()["detail"]["candidates"]}
        assert any("no stock of" in r for r in reasons["NEAR"])
        assert _stock(client, db, shop["near"], shop["rice"])["reserved"] == 0

    def test_split_when_customer_allows(self, client, db, shop):
        f.stock(db, shop["far"], shop["rice"], 5)  # FAR 15, NEAR 10 rice
        other = f.catalog_sku(db)
        f.stock(db, shop["near"], other, 3)
        lines = [{"sku_code": shop["rice"].code, "quantity": 12}, {"sku_code": other.code, "quantity": 1}]
        assert _order(client, shop, lines=lines).status_code == 409
        resp = _order(client, shop, lines=lines, allow_split=True)
        assert resp.status_code == 201, resp.text
        assert sorted(g["location_id"] for g in resp.json()["groups"]) == sorted([shop["near"].id, shop["far"].id])
        _verify(client, db)

    def test_unknown_field_and_missing_coordinates_are_422(self, client, db, shop):
        bad = client.post("/api/v1/orders", headers=shop["app"], json={
            "channel": "app", "mode": "delivery", "lines": [{"sku_code": shop["rice"].code, "quantity": 1}]})
        assert bad.status_code == 422 and bad.json()["error"] == "validation_error"
        sneaky = _order(client, shop, payable_fen=1)
        assert sneaky.status_code == 422


class TestLifecycle:
    def test_delivery_through_to_signed_rider_callback(self, client, db, shop):
        order = _order(client, shop).json()
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [shop["near"]])
        assert _step(client, mgr, order["id"], "accept").json()["status"] == "accepted"
        illegal = _step(client, mgr, order["id"], "handover", {"rider_name": "x"})
        assert illegal.status_code == 409 and illegal.json()["detail"]["allowed"] == ["picking", "cancelled"]
        _step(client, mgr, order["id"], "start-picking")
        ready = _step(client, mgr, order["id"], "ready", {"picking_minutes": 6})
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        row = _stock(client, db, shop["near"], shop["rice"])
        assert (row["on_hand"], row["reserved"]) == (8, 0)
        _step(client, mgr, order["id"], "handover", {"rider_name": "李师傅", "partner": "达达"})
        courier_key = f.api_client(db, scopes=["delivery:write"], kind="partner", all_stores=True)
        secret = db.execute(text("SELECT signing_secret FROM api_clients WHERE kind = 'partner'")).scalar()
        db.rollback()  # end the read so the test's later writes don't wait on a stale snapshot
        body = json.dumps({"order_id": order["id"], "event": "delivered", "delivery_fee_fen": 650}).encode()
        ts = int(time.time())
        bad = client.post("/api/v1/partners/delivery/events", content=body, headers={
            "X-API-Key": courier_key, "X-Zhongtai-Timestamp": str(ts), "X-Zhongtai-Signature": "sha256=00",
            "Content-Type": "application/json"})
        assert bad.status_code == 401 and bad.json()["error"] == "bad_signature"
        done = client.post("/api/v1/partners/delivery/events", content=body, headers={
            "X-API-Key": courier_key, "X-Zhongtai-Timestamp": str(ts),
            "X-Zhongtai-Signature": signing.sign(secret, ts, body), "Content-Type": "application/json"})
        assert done.status_code == 200, done.text
        final = done.json()
        assert final["status"] == "completed" and final["completed_at"]
        assert final["fulfilment_cost_fen"] == 6 * 50 + 650
        kinds = [e["kind"] for e in final["timeline"]]
        assert kinds[:2] == ["placed", "accepted"] and kinds[-1] == "completed" and "out_for_delivery" in kinds
        _verify(client, db)

    def test_pickup_needs_the_code_and_no_show_cancels(self, client, db, shop):
        from zhongtai.orders import service as orders

        order = _order(client, shop, mode="pickup", store_id=shop["near"].id).json()
        code = order["groups"][0]["pickup_code"]
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [shop["near"]])
        for step in ("accept", "start-picking", "ready"):
            assert _step(client, mgr, order["id"], step).status_code == 200
        wrong = _step(client, mgr, order["id"], "complete", {"pickup_code": "000000" if code != "000000" else "1"})
        assert wrong.status_code == 422 and wrong.json()["error"] == "wrong_pickup_code"
        clock.freeze(clock.now() + timedelta(hours=25))
        try:
            assert orders.cancel_no_shows(db) == 1
            db.commit()
        finally:
            clock.freeze(None)
        got = client.get(f"/api/v1/orders/{order['id']}", headers=mgr).json()
        assert got["status"] == "cancelled" and got["payment_status"] == "refunded"
        assert _stock(client, db, shop["near"], shop["rice"])["on_hand"] == 10  # picked goods back on the shelf
        _verify(client, db)

    def test_pickup_with_processing_at_the_fishmonger(self, client, db, shop):
        resp = _order(client, shop, mode="pickup_with_processing", store_id=shop["near"].id,
                      service="fish_cleaning", lines=[{"sku_code": shop["fish"].code, "weight_g": 800}])
        assert resp.status_code == 201, resp.text
        g = resp.json()["groups"][0]
        assert g["service"] == "fish_cleaning" and g["pickup_code"]

    def test_short_pick_refunds_the_missing_part(self, client, db, shop):
        order = _order(client, shop).json()
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [shop["near"]])
        rice_line = next(ln for ln in order["lines"] if ln["sku_code"] == shop["rice"].code)
        for step in ("accept", "start-picking"):
            _step(client, mgr, order["id"], step)
        resp = _step(client, mgr, order["id"], "ready", {"picked": [{"line_no": rice_line["line_no"], "picked": 1}]})
        assert resp.status_code == 200
        assert resp.json()["refunded_fen"] == 2990
        row = _stock(client, db, shop["near"], shop["rice"])
        assert (row["on_hand"], row["reserved"]) == (9, 0)
        _verify(client, db)

    def test_store_staff_cannot_see_other_stores_orders(self, client, db, shop):
        order = _order(client, shop).json()
        other = f.as_role(client, db, Role.STORE_MANAGER, [shop["far"]])
        assert client.get(f"/api/v1/orders/{order['id']}", headers=other).status_code == 404
        assert _step(client, other, order["id"], "accept").status_code == 404
        mine = f.as_role(client, db, Role.GUIDE, [shop["near"]])
        assert client.get(f"/api/v1/orders/{order['id']}", headers=mine).status_code == 200
        assert [o["id"] for o in client.get("/api/v1/orders", headers=other).json()["items"]] == []


class TestPayments:
    def test_pending_then_failed_payment_cancels_and_releases(self, client, db, shop):
        body = {"channel": "app", "mode": "delivery", "contact": CUSTOMER,
                "lines": [{"sku_code": shop["rice"].code, "quantity": 3}],
                "payment": {"provider": "alipay", "transaction_id": "ali-1", "amount_fen": 9670, "status": "pending"}}
        order = client.post("/api/v1/orders", json=body, headers=shop["app"]).json()
        assert order["payment_status"] == "pending"
        url = f"/api/v1/orders/{order['id']}/payments"
        assert client.post(url, headers=shop["app"], json={
            "provider": "alipay", "transaction_id": "ali-2", "amount_fen": 9670, "status": "pending"}).status_code == 200
        failed = client.post(url, headers=shop["app"], json={
            "provider": "alipay", "transaction_id": "ali-3", "amount_fen": 9670, "status": "failed"})
        assert failed.json()["status"] == "cancelled"
        assert _stock(client, db, shop["near"], shop["rice"])["reserved"] == 0
        _verify(client, db)

    def test_unpaid_order_expires_with_its_reservation(self, client, db, engine, settings, shop):
        from zhongtai.inventory import service as inventory

        body = {"channel": "app", "mode": "delivery", "contact": CUSTOMER,
                "lines": [{"sku_code": shop["rice"].code, "quantity": 3}]}
        order = client.post("/api/v1/orders", json=body, headers=shop["app"]).json()
        clock.freeze(clock.now() + timedelta(minutes=16))
        try:
            assert inventory.expire_due(db) == 1
            db.commit()
            Relay(engine, settings, publisher=None).drain()  # the orders handler reacts to the expiry
        finally:
            clock.freeze(None)
        got = client.get(f"/api/v1/orders/{order['id']}", headers=shop["app"]).json()
        assert got["status"] == "cancelled" and got["cancel_reason"] == "reservation expired"
        _verify(client, db)


class TestInStoreAndReturns:
    def test_till_sale_completes_at_once(self, client, db, shop):
        pos = {"X-API-Key": f.api_client(db, scopes=["orders:write", "orders:read"], stores=[shop["far"]])}
        resp = client.post("/api/v1/orders", headers=pos, json={
            "channel": "pos", "mode": "in_store", "store_id": shop["far"].id,
            "lines": [{"sku_code": shop["rice"].code, "quantity": 2}],
            "payment": {"provider": "cash", "transaction_id": "T9-0001", "amount_fen": 5980}})
        assert resp.status_code == 201, resp.text
        assert resp.json()["status"] == "completed" and resp.json()["payment_status"] == "paid"
        assert _stock(client, db, shop["far"], shop["rice"])["on_hand"] == 8
        other = client.post("/api/v1/orders", headers=pos, json={
            "channel": "pos", "mode": "in_store", "store_id": shop["near"].id,
            "lines": [{"sku_code": shop["rice"].code, "quantity": 1}]})
        assert other.status_code == 404

    def test_online_order_returned_at_another_store(self, client, db, shop):
        pos = {"X-API-Key": f.api_client(db, scopes=["orders:write", "orders:read"], stores=[shop["far"]])}
        sale = client.post("/api/v1/orders", headers=pos, json={
            "channel": "pos", "mode": "in_store", "store_id": shop["far"].id,
            "lines": [{"sku_code": shop["rice"].code, "quantity": 3}]}).json()
        mgr_near = f.as_role(client, db, Role.STORE_MANAGER, [shop["near"]])
        ret = client.post("/api/v1/returns", headers=mgr_near, json={
            "order_id": sale["id"], "location_id": shop["near"].id, "channel": "app",
            "lines": [{"line_no": 1, "quantity": 2}], "condition": "sellable", "reason": "买多了"})
        assert ret.status_code == 201, ret.text
        assert ret.json()["refund_fen"] == 2 * 2990
        assert _stock(client, db, shop["near"], shop["rice"])["on_hand"] == 12
        again = client.post("/api/v1/returns", headers=mgr_near, json={
            "order_id": sale["id"], "location_id": shop["near"].id, "channel": "app",
            "lines": [{"line_no": 1, "quantity": 2}]})
        assert again.status_code == 422 and again.json()["error"] == "return_exceeds_sold"
        _verify(client, db)


class TestFeedback:
    def test_nps_by_store_and_complaint_ticket(self, client, db, shop):
        pos = {"X-API-Key": f.api_client(db, scopes=["orders:write", "orders:read"], stores=[shop["far"]])}
        ids = [client.post("/api/v1/orders", headers=pos, json={
            "channel": "pos", "mode": "in_store", "store_id": shop["far"].id,
            "lines": [{"sku_code": shop["rice"].code, "quantity": 1}]}).json()["id"] for _ in range(3)]
        for oid, score in zip(ids, (10, 9, 3), strict=True):
            r = client.post(f"/api/v1/orders/{oid}/feedback", headers=pos, json={
                "rating": 5 if score > 6 else 1, "nps": score, "complaint": score < 5, "comment": "鱼不新鲜"})
            assert r.status_code == 201, r.text
        assert client.post(f"/api/v1/orders/{ids[0]}/feedback", headers=pos, json={"rating": 3}).status_code == 409
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [shop["far"]])
        rows = client.get("/api/v1/feedback/nps?by=store", headers=mgr).json()
        assert rows == [{"key": str(shop["far"].id), "responses": 3, "nps": 33.3, "average_rating": 3.67}]
        tickets = client.get("/api/v1/feedback/complaints?status=open", headers=mgr).json()
        assert len(tickets) == 1
        done = client.post(f"/api/v1/feedback/{tickets[0]['id']}/resolve", headers=mgr,
                           json={"resolution": "已致电顾客并退款"})
        assert done.json()["ticket_status"] == "resolved"


class TestStatementBudget:
    def test_placing_a_three_line_delivery_order_issues_at_most_15_statements(self, engine, db, shop, settings):
        from zhongtai.inventory.schemas import Qty
        from zhongtai.orders import service as orders
        from zhongtai.orders.schemas import Contact, OrderCreate

        third = f.catalog_sku(db)
        f.stock(db, shop["near"], third, 5)
        order_in = OrderCreate(channel="app", mode="delivery", contact=Contact(**CUSTOMER), lines=[
            Qty(sku_code=shop["rice"].code, quantity=1), Qty(sku_code=shop["fish"].code, weight_g=300),
            Qty(sku_code=third.code, quantity=1)])
        statements: list[str] = []

        def count(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT")):
                statements.append(statement.split()[0] + " " + " ".join(statement.split()[1:4]))

        db.rollback()
        event.listen(engine, "before_cursor_execute", count)
        try:
            orders.place(db, order_in=order_in, actor="test", settings=settings)
            db.commit()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert len(statements) <= 15, "\n".join(statements)


class TestSubstitutionAndShipping:
    def test_short_line_substituted_when_customer_chose_it(self, client, db, shop):
        alt = f.catalog_sku(db, price=3290)
        f.stock(db, shop["near"], alt, 4)
        order = _order(client, shop, substitution="substitute",
                       lines=[{"sku_code": shop["rice"].code, "quantity": 2}]).json()
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [shop["near"]])
        for step in ("accept", "start-picking"):
            _step(client, mgr, order["id"], step)
        resp = _step(client, mgr, order["id"], "ready", {"picked": [
            {"line_no": 1, "picked": 1, "substitute": {"sku_code": alt.code, "quantity": 1}}]})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        sub = next(ln for ln in body["lines"] if ln["substitute_of"] == 1)
        assert sub["sku_code"] == alt.code and sub["amount_fen"] == 2990  # never more than the original
        assert body["refunded_fen"] == 0 and "substituted" in [e["kind"] for e in body["timeline"]]
        assert _stock(client, db, shop["near"], alt)["on_hand"] == 3
        _verify(client, db)

    def test_ship_from_warehouse_to_completion(self, client, db, shop):
        order = _order(client, shop, mode="ship", lines=[{"sku_code": shop["rice"].code, "quantity": 5}]).json()
        assert order["groups"][0]["location_id"] == shop["wh"].id
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        for step in ("accept", "start-picking", "ready", "ship"):
            assert _step(client, hq, order["id"], step).status_code == 200, step
        done = _step(client, hq, order["id"], "complete")
        assert done.json()["status"] == "completed"
        assert _stock(client, db, shop["wh"], shop["rice"])["on_hand"] == 95

    def test_split_order_shows_partial_states(self, client, db, shop):
        f.stock(db, shop["far"], shop["rice"], 5)
        other = f.catalog_sku(db)
        f.stock(db, shop["near"], other, 3)
        order = _order(client, shop, allow_split=True, lines=[
            {"sku_code": shop["rice"].code, "quantity": 12}, {"sku_code": other.code, "quantity": 1}]).json()
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        first = _step(client, hq, order["id"], "accept", group=1)
        assert first.json()["status"] == "placed"  # the order is as far along as its slowest group
        cancel = client.post(f"/api/v1/orders/{order['id']}/cancel", headers=hq, json={"reason": "顾客取消"})
        assert cancel.json()["status"] == "cancelled"
        _verify(client, db)

    def test_board_lists_the_stores_queue_with_pick_lists(self, client, db, shop):
        order = _order(client, shop).json()
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [shop["near"]])
        board = client.get(f"/api/v1/fulfilment/board?location_id={shop['near'].id}", headers=mgr).json()
        assert [b["order_id"] for b in board] == [order["id"]]
        assert len(board[0]["pick_list"]) == 2 and board[0]["allowed_next"] == ["accepted", "cancelled"]
        assert client.get(f"/api/v1/fulfilment/board?location_id={shop['far'].id}", headers=mgr).status_code == 404


class TestStaffLimits:
    def test_staff_never_read_the_pickup_code(self, client, db, shop):
        order = _order(client, shop, mode="pickup", store_id=shop["near"].id).json()
        assert order["groups"][0]["pickup_code"]  # the customer's channel shows it to the customer
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [shop["near"]])
        assert client.get(f"/api/v1/orders/{order['id']}", headers=mgr).json()["groups"][0]["pickup_code"] is None

    def test_a_store_cancels_only_its_own_part_of_a_split_order(self, client, db, shop):
        f.stock(db, shop["far"], shop["rice"], 5)
        other = f.catalog_sku(db)
        f.stock(db, shop["near"], other, 3)
        order = _order(client, shop, allow_split=True, lines=[
            {"sku_code": shop["rice"].code, "quantity": 12}, {"sku_code": other.code, "quantity": 1}]).json()
        mgr_near = f.as_role(client, db, Role.STORE_MANAGER, [shop["near"]])
        resp = client.post(f"/api/v1/orders/{order['id']}/cancel", headers=mgr_near, json={"reason": "缺货"})
        statuses = {g["location_id"]: g["status"] for g in resp.json()["groups"]}
        assert statuses[shop["near"].id] == "cancelled" and statuses[shop["far"].id] == "placed"
        assert resp.json()["status"] == "partially_cancelled"
        _verify(client, db)


class TestRoutingHonoursChannelAllocation:
    def test_an_online_order_only_takes_what_the_store_may_promise_online(self, client, db, shop):
        from zhongtai.inventory import service as inventory

        # NEAR keeps 40% of its rice for walk-in shoppers: online it may promise 6 of its 10
        inventory.set_allocation(db, location_id=shop["near"].id, category_code=None, online_percent=60,
                                 walk_in_buffer=0)
        db.commit()
        seven = _order(client, shop, mode="pickup", store_id=shop["near"].id,
                       lines=[{"sku_code": shop["rice"].code, "quantity": 7}])
        assert seven.status_code == 409, seven.text
        six = _order(client, shop, mode="pickup", store_id=shop["near"].id,
                     lines=[{"sku_code": shop["rice"].code, "quantity": 6}])
        assert six.status_code == 201, six.text
        # FAR keeps nothing back: a delivery of 8 goes there
        eight = _order(client, shop, lines=[{"sku_code": shop["rice"].code, "quantity": 8}])
        assert eight.status_code == 201, eight.text
        assert eight.json()["groups"][0]["location_id"] == shop["far"].id
