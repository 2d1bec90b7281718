"""Stores through the HTTP API, as head office and store staff use them."""

from __future__ import annotations

from tests import factories as f
from zhongtai.kernel.auth import Role

NEW_STORE = {"code": "HZ001", "name": "杭州 西湖店", "city": "杭州", "latitude": 30.2741, "longitude": 120.1551,
             "delivery_radius_km": 3, "processing_services": ["fish_cleaning"],
             "opening_hours": {"mon": [{"open": "08:00", "close": "22:00"}]}}


class TestListStores:
    def test_token_reads_stores(self, client, db):
        f.store(db, code="A1")
        headers = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.get("/api/v1/stores", headers=headers)
        assert resp.status_code == 200
        body = resp.json()
        assert body["total"] == 1 and body["items"][0]["code"] == "A1"

    def test_store_manager_sees_only_own_stores(self, client, db):
        mine, other = f.store(db), f.store(db)
        headers = f.as_role(client, db, Role.STORE_MANAGER, [mine])
        codes = [s["code"] for s in client.get("/api/v1/stores", headers=headers).json()["items"]]
        assert codes == [mine.code] and other.code not in codes

    def test_filters_by_kind_and_query(self, client, db):
        f.store(db, code="WH9", kind="warehouse", name="冷链仓")
        f.store(db, code="ST9", name="徐家汇店")
        headers = f.as_role(client, db, Role.HQ_ADMIN)
        assert [s["code"] for s in client.get("/api/v1/stores?kind=warehouse", headers=headers).json()["items"]] == ["WH9"]
        assert [s["code"] for s in client.get("/api/v1/stores?q=徐家汇", headers=headers).json()["items"]] == ["ST9"]

    def test_pagination_limits_are_enforced(self, client, db):
        headers = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.get("/api/v1/stores?limit=10000", headers=headers)
        assert resp.status_code == 422 and resp.json()["error"] == "validation_error"

    def test_requires_authentication(self, client):
        resp = client.get("/api/v1/stores")
        assert resp.status_code == 401
        assert resp.json()["error"] == "not_authenticated"
        assert resp.headers["www-authenticate"] == "Bearer"


class TestStoreScoping:
    def test_other_stores_object_answers_404_not_403(self, client, db):
        mine, other = f.store(db), f.store(db)
        headers = f.as_role(client, db, Role.STORE_MANAGER, [mine])
        assert client.get(f"/api/v1/stores/{mine.id}", headers=headers).status_code == 200
        resp = client.get(f"/api/v1/stores/{other.id}", headers=headers)
        assert resp.status_code == 404 and resp.json()["error"] == "store_not_found"

    def test_missing_and_foreign_stores_look_the_same(self, client, db):
        mine, other = f.store(db), f.store(db)
        headers = f.as_role(client, db, Role.GUIDE, [mine])
        foreign = client.get(f"/api/v1/stores/{other.id}", headers=headers)
        missing = client.get("/api/v1/stores/999999", headers=headers)
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json()["error"] == missing.json()["error"]

    def test_manager_cannot_edit_another_store(self, client, db):
        mine, other = f.store(db), f.store(db)
        headers = f.as_role(client, db, Role.STORE_MANAGER, [mine])
        resp = client.patch(f"/api/v1/stores/{other.id}", json={"name": "x"}, headers=headers)
        assert resp.status_code == 404

    def test_manager_edits_own_store_hours(self, client, db):
        mine = f.store(db)
        headers = f.as_role(client, db, Role.STORE_MANAGER, [mine])
        hours = {"sat": [{"open": "09:00", "close": "23:00"}]}
        resp = client.patch(f"/api/v1/stores/{mine.id}", json={"opening_hours": hours}, headers=headers)
        assert resp.status_code == 200, resp.text
        assert resp.json()["opening_hours"] == hours

    def test_guide_cannot_edit_store(self, client, db):
        mine = f.store(db)
        headers = f.as_role(client, db, Role.GUIDE, [mine])
        resp = client.patch(f"/api/v1/stores/{mine.id}", json={"name": "x"}, headers=headers)
        assert resp.status_code == 403 and resp.json()["error"] == "forbidden"


class TestCreateStore:
    def test_head_office_opens_a_store(self, client, db):
        headers = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.post("/api/v1/stores", json=NEW_STORE, headers=headers)
        assert resp.status_code == 201, resp.text
        body = resp.json()
        assert body["code"] == "HZ001" and body["status"] == "active"
        assert body["latitude"] == 30.2741 and body["processing_services"] == ["fish_cleaning"]

    def test_store_manager_cannot_open_stores(self, client, db):
        headers = f.as_role(client, db, Role.STORE_MANAGER, [f.store(db)])
        assert client.post("/api/v1/stores", json=NEW_STORE, headers=headers).status_code == 403

    def test_duplicate_code_is_a_conflict(self, client, db):
        headers = f.as_role(client, db, Role.HQ_ADMIN)
        client.post("/api/v1/stores", json=NEW_STORE, headers=headers)
        resp = client.post("/api/v1/stores", json=NEW_STORE, headers=headers)
        assert resp.status_code == 409 and resp.json()["error"] == "store_code_taken"

    def test_unknown_field_is_refused(self, client, db):
        headers = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.post("/api/v1/stores", json={**NEW_STORE, "id": 1, "status": "inactive"}, headers=headers)
        assert resp.status_code == 422
        body = resp.json()
        assert body["error"] == "validation_error"
        assert {tuple(e["loc"]) for e in body["detail"]} == {("body", "id"), ("body", "status")}

    def test_malformed_json_is_422_in_error_shape(self, client, db):
        headers = {**f.as_role(client, db, Role.HQ_ADMIN), "Content-Type": "application/json"}
        resp = client.post("/api/v1/stores", content=b'{"code": ', headers=headers)
        assert resp.status_code == 422 and resp.json()["error"] == "validation_error"

    def test_bad_hours_and_coordinates_are_422(self, client, db):
        headers = f.as_role(client, db, Role.HQ_ADMIN)
        bad = {**NEW_STORE, "latitude": 95, "opening_hours": {"mon": [{"open": "8am", "close": "22:00"}],
                                                                 "someday": []}}
        resp = client.post("/api/v1/stores", json=bad, headers=headers)
        assert resp.status_code == 422
        locs = {tuple(e["loc"][:2]) for e in resp.json()["detail"]}
        assert ("body", "latitude") in locs and ("body", "opening_hours") in locs

    def test_explicit_null_is_refused_on_update(self, client, db):
        store = f.store(db)
        headers = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.patch(f"/api/v1/stores/{store.id}", json={"name": None}, headers=headers)
        assert resp.status_code == 422 and resp.json()["error"] == "invalid_input"

    def test_creation_writes_an_outbox_event(self, client, db):
        from sqlalchemy import select

        from zhongtai.kernel.outbox import OutboxEvent

        headers = f.as_role(client, db, Role.HQ_ADMIN)
        store_id = client.post("/api/v1/stores", json=NEW_STORE, headers=headers).json()["id"]
        events = db.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "stores.store_created")).all()
        assert [(e.store_id, e.payload["code"]) for e in events] == [(store_id, "HZ001")]
