"""Inventory through the HTTP API: stock, ledger, reservations, ATP, allocation, transfers, counts."""

from __future__ import annotations

from datetime import date, timedelta

from zhongtai.kernel.auth import Role
from tests import factories as f


def _reserve(client, headers, store, lines, key="r-1", channel="app", ttl=900):
    return client.post(f"/api/v1/locations/{store.id}/reservations", headers=headers, json={
        "lines": lines, "channel": channel, "idempotency_key": key, "ttl_seconds": ttl})


def _stock(client, headers, store, sku):
    items = client.get(f"/api/v1/locations/{store.id}/stock?sku={sku.code}", headers=headers).json()["items"]
    return items[0] if items else None


def _verify(client, db):
    report = client.get("/api/v1/inventory/verify", headers=f.as_role(client, db, Role.HQ_ADMIN)).json()
    assert report["ledger_drift"] == [] and report["reserved_drift"] == [], report
    return report


class TestReceiptsAndLedger:
    def test_receipt_raises_on_hand_and_writes_the_ledger(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [store])
        resp = client.post(f"/api/v1/locations/{store.id}/receipts", headers=mgr, json={
            "lines": [{"sku_code": sku.code, "quantity": 12}], "source_id": "PO-1"})
        assert resp.status_code == 201, resp.text
        row = _stock(client, mgr, store, sku)
        assert (row["on_hand"], row["reserved"], row["available"]) == (12, 0, 12)
        moves = client.get(f"/api/v1/locations/{store.id}/movements?sku={sku.code}", headers=mgr).json()["items"]
        assert [(m["kind"], m["quantity"], m["source_id"]) for m in moves] == [("receipt", 12, "PO-1")]
        _verify(client, db)

    def test_adjustment_needs_a_reason_and_nonzero_delta(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [store])
        url = f"/api/v1/locations/{store.id}/adjustments"
        assert client.post(url, headers=mgr, json={"sku_code": sku.code, "delta": 0, "reason": "x"}).status_code == 422
        ok = client.post(url, headers=mgr, json={"sku_code": sku.code, "delta": -2, "reason": "damaged"})
        assert ok.status_code == 201 and ok.json()["on_hand"] == -2

    def test_unknown_sku_is_422_and_changes_nothing(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [store])
        resp = client.post(f"/api/v1/locations/{store.id}/receipts", headers=mgr, json={
            "lines": [{"sku_code": sku.code, "quantity": 5}, {"sku_code": "NOPE", "quantity": 1}]})
        assert resp.status_code == 422 and resp.json()["detail"]["unknown"] == ["NOPE"]
        assert _stock(client, mgr, store, sku) is None

    def test_negative_or_zero_quantity_is_422(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [store])
        for qty in (0, -3):
            resp = client.post(f"/api/v1/locations/{store.id}/receipts", headers=mgr, json={
                "lines": [{"sku_code": sku.code, "quantity": qty}]})
            assert resp.status_code == 422 and resp.json()["error"] == "validation_error"

    def test_weight_on_a_piece_sku_is_refused(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db, unit="piece")
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [store])
        resp = client.post(f"/api/v1/locations/{store.id}/receipts", headers=mgr, json={
            "lines": [{"sku_code": sku.code, "weight_g": 500}]})
        assert resp.status_code == 422 and resp.json()["error"] == "unit_mismatch"

    def test_other_stores_stock_is_404(self, client, db):
        mine, other = f.store(db), f.store(db)
        sku = f.catalog_sku(db)
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [mine])
        assert client.get(f"/api/v1/locations/{other.id}/stock", headers=mgr).status_code == 404
        resp = client.post(f"/api/v1/locations/{other.id}/counts", headers=mgr, json={
            "lines": [{"sku_code": sku.code, "counted": 3}]})
        assert resp.status_code == 404


class TestFreshBatches:
    def test_sales_consume_first_expiring_first(self, client, db):
        store = f.store(db)
        fish = f.catalog_sku(db, unit="gram", shelf_life_days=3, price=5980)
        soon, later = date.today() + timedelta(days=1), date.today() + timedelta(days=3)
        f.stock(db, store, fish, 1000, best_before=later)
        f.stock(db, store, fish, 800, best_before=soon)
        pos = {"X-API-Key": f.api_client(db, scopes=["inventory:write", "inventory:read"], stores=[store])}
        resp = client.post(f"/api/v1/locations/{store.id}/sales", headers=pos, json={
            "lines": [{"sku_code": fish.code, "weight_g": 1000}], "source_id": "T1-0001"})
        assert resp.status_code == 201 and resp.json()["oversold_sku_ids"] == []
        batches = client.get(f"/api/v1/locations/{store.id}/near-expiry?hours=240", headers=pos).json()
        assert [(b["best_before"], b["quantity"]) for b in batches] == [(later.isoformat(), 800)]
        _verify(client, db)

    def test_near_expiry_lists_what_expires_within_the_window(self, client, db):
        store = f.store(db)
        milk = f.catalog_sku(db, shelf_life_days=7)
        f.stock(db, store, milk, 10, best_before=date.today() + timedelta(days=1))
        f.stock(db, store, milk, 20, best_before=date.today() + timedelta(days=6))
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [store])
        soon = client.get(f"/api/v1/locations/{store.id}/near-expiry?hours=48", headers=mgr).json()
        assert [b["quantity"] for b in soon] == [10]


class TestReservations:
    def test_reserve_confirm_moves_stock_out(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 5)
        app = {"X-API-Key": f.api_client(db, scopes=["inventory:write", "inventory:read"], all_stores=True)}
        resp = _reserve(client, app, store, [{"sku_code": sku.code, "quantity": 3}])
        assert resp.status_code == 201, resp.text
        rid = resp.json()["id"]
        assert _stock(client, app, store, sku)["available"] == 2
        done = client.post(f"/api/v1/locations/{store.id}/reservations/{rid}/confirm", headers=app)
        assert done.status_code == 200 and done.json()["status"] == "confirmed"
        row = _stock(client, app, store, sku)
        assert (row["on_hand"], row["reserved"]) == (2, 0)
        _verify(client, db)

    def test_insufficient_stock_is_409_all_or_nothing(self, client, db):
        store, a, b = f.store(db), f.catalog_sku(db), f.catalog_sku(db)
        f.stock(db, store, a, 5)
        f.stock(db, store, b, 1)
        app = f.as_role(client, db, Role.HQ_ADMIN)
        resp = _reserve(client, app, store, [{"sku_code": a.code, "quantity": 2}, {"sku_code": b.code, "quantity": 2}])
        assert resp.status_code == 409 and resp.json()["error"] == "insufficient_stock"
        assert resp.json()["detail"]["lines"] == [{"sku_code": b.code, "requested": 2, "promisable": 1}]
        assert _stock(client, app, store, a)["reserved"] == 0
        _verify(client, db)

    def test_same_key_returns_same_reservation(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 5)
        app = f.as_role(client, db, Role.HQ_ADMIN)
        first = _reserve(client, app, store, [{"sku_code": sku.code, "quantity": 2}], key="order-9")
        again = _reserve(client, app, store, [{"sku_code": sku.code, "quantity": 2}], key="order-9")
        assert first.status_code == 201 and again.status_code == 200
        assert first.json()["id"] == again.json()["id"]
        assert _stock(client, app, store, sku)["reserved"] == 2
        other = _reserve(client, app, store, [{"sku_code": sku.code, "quantity": 1}], key="order-9")
        assert other.status_code == 409 and other.json()["error"] == "reservation_key_reused"

    def test_release_gives_stock_back_and_is_not_repeatable(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 5)
        app = f.as_role(client, db, Role.HQ_ADMIN)
        rid = _reserve(client, app, store, [{"sku_code": sku.code, "quantity": 5}]).json()["id"]
        url = f"/api/v1/locations/{store.id}/reservations/{rid}"
        assert client.post(f"{url}/release", headers=app).json()["status"] == "released"
        again = client.post(f"{url}/release", headers=app)
        assert again.status_code == 409 and again.json()["detail"]["allowed_from"] == ["active"]
        assert _stock(client, app, store, sku)["available"] == 5

    def test_short_pick_releases_the_rest(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 5)
        app = f.as_role(client, db, Role.HQ_ADMIN)
        rid = _reserve(client, app, store, [{"sku_code": sku.code, "quantity": 4}]).json()["id"]
        resp = client.post(f"/api/v1/locations/{store.id}/reservations/{rid}/confirm", headers=app,
                           json={"picked": [{"sku_code": sku.code, "quantity": 3}]})
        assert resp.status_code == 200
        row = _stock(client, app, store, sku)
        assert (row["on_hand"], row["reserved"], row["available"]) == (2, 0, 2)
        _verify(client, db)

    def test_expired_reservations_are_swept(self, client, db):
        from zhongtai.inventory import service
        from zhongtai.kernel import clock

        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 5)
        app = f.as_role(client, db, Role.HQ_ADMIN)
        rid = _reserve(client, app, store, [{"sku_code": sku.code, "quantity": 5}], ttl=10).json()["id"]
        clock.freeze(clock.now() + timedelta(seconds=11))
        try:
            assert service.expire_due(db) == 1
            db.commit()
        finally:
            clock.freeze(None)
        res = client.get(f"/api/v1/locations/{store.id}/reservations/{rid}", headers=app).json()
        assert res["status"] == "expired" and _stock(client, app, store, sku)["reserved"] == 0
        _verify(client, db)

    def test_safety_stock_is_never_promised(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 5)
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [store])
        client.put(f"/api/v1/locations/{store.id}/stock/{sku.code}/safety-stock", headers=mgr,
                   json={"safety_stock": 2})
        assert _reserve(client, mgr, store, [{"sku_code": sku.code, "quantity": 4}]).status_code == 409
        assert _reserve(client, mgr, store, [{"sku_code": sku.code, "quantity": 3}], key="k2").status_code == 201


class TestChannelAllocation:
    def test_online_gets_only_its_share_walk_in_keeps_the_rest(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 10)
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [store])
        resp = client.put(f"/api/v1/locations/{store.id}/channel-allocations", headers=mgr,
                          json={"online_percent": 60})
        assert resp.status_code == 200
        assert _reserve(client, mgr, store, [{"sku_code": sku.code, "quantity": 7}], key="a").status_code == 409
        assert _reserve(client, mgr, store, [{"sku_code": sku.code, "quantity": 6}], key="b").status_code == 201
        pos = _reserve(client, mgr, store, [{"sku_code": sku.code, "quantity": 4}], key="c", channel="pos")
        assert pos.status_code == 201

    def test_category_buffer_overrides_store_default(self, client, db):
        store = f.store(db)
        sku = f.catalog_sku(db, category="FRESH")
        f.stock(db, store, sku, 10)
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [store])
        client.put(f"/api/v1/locations/{store.id}/channel-allocations", headers=mgr, json={"online_percent": 10})
        client.put(f"/api/v1/locations/{store.id}/channel-allocations", headers=mgr,
                   json={"category_code": "FRESH", "walk_in_buffer": 3})
        assert _reserve(client, mgr, store, [{"sku_code": sku.code, "quantity": 7}]).status_code == 201


class TestAvailableToPromise:
    def test_nearest_complete_store_first_with_distance(self, client, db):
        near = f.store(db, latitude=31.2335, longitude=121.4752)
        far = f.store(db, latitude=31.3005, longitude=121.5133)
        sku = f.catalog_sku(db)
        f.stock(db, store=near, sku=sku, amount=1)
        f.stock(db, store=far, sku=sku, amount=5)
        guide = f.as_role(client, db, Role.GUIDE, [near])
        resp = client.post("/api/v1/atp", headers=guide, json={
            "lines": [{"sku_code": sku.code, "quantity": 2}], "latitude": 31.2397, "longitude": 121.4998})
        assert resp.status_code == 200, resp.text
        options = resp.json()["options"]
        assert [o["code"] for o in options] == [far.code, near.code]
        assert options[0]["complete"] and not options[1]["complete"]
        assert options[1]["distance_km"] < options[0]["distance_km"]
        assert options[1]["lines"][0]["promisable"] == 1

    def test_max_distance_filters(self, client, db):
        near = f.store(db, latitude=31.2335, longitude=121.4752)
        f.store(db, latitude=39.9, longitude=116.4)
        sku = f.catalog_sku(db)
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.post("/api/v1/atp", headers=hq, json={
            "lines": [{"sku_code": sku.code, "quantity": 1}], "latitude": 31.24, "longitude": 121.5,
            "max_distance_km": 10})
        assert [o["code"] for o in resp.json()["options"]] == [near.code]


class TestTransfersAndCounts:
    def test_transfer_moves_batches_with_their_dates(self, client, db):
        a, b = f.store(db), f.store(db)
        milk = f.catalog_sku(db, shelf_life_days=7)
        bb = date.today() + timedelta(days=2)
        f.stock(db, a, milk, 10, best_before=bb)
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        t = client.post("/api/v1/transfers", headers=hq, json={
            "from_location_id": a.id, "to_location_id": b.id, "lines": [{"sku_code": milk.code, "quantity": 4}]})
        assert t.status_code == 201, t.text
        tid = t.json()["id"]
        assert client.post(f"/api/v1/transfers/{tid}/receive", headers=hq).status_code == 409
        assert client.post(f"/api/v1/transfers/{tid}/ship", headers=hq).json()["status"] == "in_transit"
        assert _stock(client, hq, a, milk)["on_hand"] == 6
        assert client.post(f"/api/v1/transfers/{tid}/receive", headers=hq).json()["status"] == "received"
        assert _stock(client, hq, b, milk)["on_hand"] == 4
        batches = client.get(f"/api/v1/locations/{b.id}/near-expiry?hours=72", headers=hq).json()
        assert [(x["best_before"], x["quantity"]) for x in batches] == [(bb.isoformat(), 4)]
        _verify(client, db)

    def test_receiving_store_manager_cannot_ship(self, client, db):
        a, b = f.store(db), f.store(db)
        sku = f.catalog_sku(db)
        f.stock(db, a, sku, 3)
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        tid = client.post("/api/v1/transfers", headers=hq, json={
            "from_location_id": a.id, "to_location_id": b.id, "lines": [{"sku_code": sku.code, "quantity": 1}]}
        ).json()["id"]
        mgr_b = f.as_role(client, db, Role.STORE_MANAGER, [b])
        assert client.post(f"/api/v1/transfers/{tid}/ship", headers=mgr_b).status_code == 404

    def test_count_posts_the_difference_with_reason(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 10)
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [store])
        resp = client.post(f"/api/v1/locations/{store.id}/counts", headers=mgr, json={
            "lines": [{"sku_code": sku.code, "counted": 7}], "reason": "月末盘点"})
        assert resp.status_code == 201
        assert resp.json()["lines"] == [{"sku_id": sku.id, "counted": 7, "expected": 10, "difference": -3}]
        moves = client.get(f"/api/v1/locations/{store.id}/movements?sku={sku.code}", headers=mgr).json()["items"]
        assert (moves[0]["kind"], moves[0]["quantity"], moves[0]["reason"]) == ("count", -3, "月末盘点")
        _verify(client, db)


class TestBatchEdges:
    def test_best_before_on_a_sku_without_shelf_life_is_refused(self, client, db):
        store, rice = f.store(db), f.catalog_sku(db)
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [store])
        resp = client.post(f"/api/v1/locations/{store.id}/receipts", headers=mgr, json={
            "lines": [{"sku_code": rice.code, "quantity": 5, "best_before": "2030-01-01"}]})
        assert resp.status_code == 422 and resp.json()["error"] == "best_before_not_tracked"
        assert _stock(client, mgr, store, rice) is None

    def test_damaged_return_leaves_the_shelf_batches_alone(self, client, db):
        store = f.store(db)
        milk = f.catalog_sku(db, shelf_life_days=7)
        f.stock(db, store, milk, 10, best_before=date.today() + timedelta(days=1))
        pos = {"X-API-Key": f.api_client(db, scopes=["inventory:write", "inventory:read"], stores=[store])}
        resp = client.post(f"/api/v1/locations/{store.id}/returns", headers=pos, json={
            "lines": [{"sku_code": milk.code, "quantity": 2}], "condition": "damaged"})
        assert resp.status_code == 201
        batches = client.get(f"/api/v1/locations/{store.id}/near-expiry?hours=240", headers=pos).json()
        assert [b["quantity"] for b in batches] == [10]
        assert _stock(client, pos, store, milk)["on_hand"] == 10
        _verify(client, db)
