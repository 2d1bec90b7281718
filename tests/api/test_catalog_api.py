"""The catalogue through the API: categories, products, SKUs, barcodes, store prices."""

from __future__ import annotations

from zhongtai.kernel.auth import Role
from tests import factories as f


def _seed_tree(client, hq):
    client.post("/api/v1/categories", headers=hq, json={"code": "FRESH", "name_zh": "生鲜", "name_en": "Fresh"})
    client.post("/api/v1/categories", headers=hq, json={"code": "SEAFOOD", "name_zh": "水产", "parent_code": "FRESH"})
    client.post("/api/v1/products", headers=hq, json={"code": "P-FISH", "name_zh": "鲈鱼", "category_code": "SEAFOOD"})


class TestCatalogWrites:
    def test_head_office_builds_the_tree_and_skus(self, client, db):
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        _seed_tree(client, hq)
        resp = client.post("/api/v1/skus", headers=hq, json={
            "code": "FISH-1", "product_code": "P-FISH", "name_zh": "鲜活鲈鱼", "unit": "gram",
            "list_price_fen": 5980, "shelf_life_days": 2, "cold_chain": True, "barcode": "6901234567892"})
        assert resp.status_code == 201, resp.text
        cats = client.get("/api/v1/categories", headers=hq).json()
        assert [c["path"] for c in cats] == ["FRESH/", "FRESH/SEAFOOD/"]
        assert client.get("/api/v1/skus/by-barcode/6901234567892", headers=hq).json()["code"] == "FISH-1"
        assert [s["code"] for s in client.get("/api/v1/skus?category=FRESH", headers=hq).json()["items"]] == ["FISH-1"]

    def test_bad_check_digit_is_422(self, client, db):
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        _seed_tree(client, hq)
        resp = client.post("/api/v1/skus", headers=hq, json={
            "code": "FISH-2", "product_code": "P-FISH", "name_zh": "鲈鱼", "list_price_fen": 100,
            "barcode": "6901234567893"})
        assert resp.status_code == 422 and "EAN-13" in resp.text

    def test_duplicate_code_is_409(self, client, db):
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        sku = f.catalog_sku(db)
        resp = client.post("/api/v1/skus", headers=hq, json={
            "code": sku.code, "product_code": f"P-{sku.code}", "name_zh": "x", "list_price_fen": 1})
        assert resp.status_code == 409 and resp.json()["error"] == "code_taken"

    def test_store_staff_cannot_edit_the_catalogue(self, client, db):
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [f.store(db)])
        resp = client.post("/api/v1/categories", headers=mgr, json={"code": "X", "name_zh": "x"})
        assert resp.status_code == 403

    def test_erp_client_with_scope_writes(self, client, db):
        erp = {"X-API-Key": f.api_client(db, scopes=["catalog:write", "catalog:read"], kind="erp", all_stores=True)}
        assert client.post("/api/v1/categories", headers=erp, json={"code": "DAIRY", "name_zh": "乳品"}).status_code == 201

    def test_price_update_and_search(self, client, db):
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        sku = f.catalog_sku(db, price=1000)
        resp = client.patch(f"/api/v1/skus/{sku.id}", headers=hq, json={"list_price_fen": 1290, "name_zh": "特级大米"})
        assert resp.json()["list_price_fen"] == 1290
        found = client.get("/api/v1/skus?q=特级", headers=hq).json()["items"]
        assert [s["id"] for s in found] == [sku.id]


class TestStorePrices:
    def test_manager_overrides_own_store_price(self, client, db):
        store, other = f.store(db), f.store(db)
        sku = f.catalog_sku(db, price=1000)
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [store])
        resp = client.put(f"/api/v1/stores/{store.id}/prices/{sku.id}", headers=mgr, json={"price_fen": 880})
        assert resp.status_code == 200 and resp.json()["price_fen"] == 880 and resp.json()["list_price_fen"] == 1000
        listed = client.get(f"/api/v1/stores/{store.id}/prices", headers=mgr).json()["items"]
        assert [(p["sku_code"], p["price_fen"]) for p in listed] == [(sku.code, 880)]
        assert client.put(f"/api/v1/stores/{other.id}/prices/{sku.id}", headers=mgr,
                          json={"price_fen": 1}).status_code == 404
        assert client.delete(f"/api/v1/stores/{store.id}/prices/{sku.id}", headers=mgr).status_code == 204
        assert client.get(f"/api/v1/stores/{store.id}/prices", headers=mgr).json()["total"] == 0

    def test_guide_cannot_set_prices(self, client, db):
        store = f.store(db)
        sku = f.catalog_sku(db)
        guide = f.as_role(client, db, Role.GUIDE, [store])
        assert client.put(f"/api/v1/stores/{store.id}/prices/{sku.id}", headers=guide,
                          json={"price_fen": 1}).status_code == 403
