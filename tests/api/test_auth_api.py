"""Signing in, tokens, API keys with scopes, and staff management through the API."""

from __future__ import annotations

from tests import factories as f
from zhongtai.kernel.auth import Role


class TestToken:
    def test_password_form_returns_bearer_token(self, client, db):
        user = f.user(db, username="alice")
        resp = client.post("/api/v1/auth/token", data={"username": "alice", "password": f.PASSWORD})
        assert resp.status_code == 200
        body = resp.json()
        assert body["token_type"] == "bearer" and body["expires_in"] > 0
        me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
        assert me.json()["id"] == user.id and me.json()["role"] == "hq_admin"

    def test_wrong_password_is_401_with_code(self, client, db):
        f.user(db, username="bob")
        resp = client.post("/api/v1/auth/token", data={"username": "bob", "password": "nope-nope"})
        assert resp.status_code == 401 and resp.json()["error"] == "invalid_credentials"

    def test_unknown_user_looks_like_wrong_password(self, client):
        resp = client.post("/api/v1/auth/token", data={"username": "ghost", "password": "whatever1"})
        assert resp.status_code == 401 and resp.json()["error"] == "invalid_credentials"

    def test_inactive_user_cannot_sign_in(self, client, db):
        user = f.user(db, username="carol")
        user.is_active = False
        db.commit()
        resp = client.post("/api/v1/auth/token", data={"username": "carol", "password": f.PASSWORD})
        assert resp.status_code == 401

    def test_login_is_rate_limited(self, client, db):
        f.user(db, username="dave")
        codes = [client.post("/api/v1/auth/token", data={"username": "dave", "password": "wrong-pass"}).status_code
                 for _ in range(11)]
        assert codes[:10] == [401] * 10 and codes[10] == 429
        resp = client.post("/api/v1/auth/token", data={"username": "dave", "password": f.PASSWORD})
        assert resp.status_code == 429 and resp.json()["error"] == "rate_limited"
        assert int(resp.headers["retry-after"]) >= 1

    def test_garbage_token_is_401(self, client):
        resp = client.get("/api/v1/stores", headers={"Authorization": "Bearer not.a.token"})
        assert resp.status_code == 401 and resp.json()["error"] == "not_authenticated"

    def test_revoke_signs_out_everywhere(self, client, db):
        headers = f.as_role(client, db, Role.HQ_ADMIN)
        assert client.post("/api/v1/auth/revoke", headers=headers).status_code == 204
        assert client.get("/api/v1/stores", headers=headers).status_code == 401


class TestApiKeys:
    def test_client_with_scope_reads_its_stores(self, client, db):
        mine, other = f.store(db), f.store(db)
        key = f.api_client(db, scopes=["stores:read"], stores=[mine])
        resp = client.get("/api/v1/stores", headers={"X-API-Key": key})
        assert resp.status_code == 200
        assert [s["code"] for s in resp.json()["items"]] == [mine.code]
        assert client.get(f"/api/v1/stores/{other.id}", headers={"X-API-Key": key}).status_code == 404

    def test_key_also_works_as_bearer(self, client, db):
        key = f.api_client(db, scopes=["stores:read"], all_stores=True)
        assert client.get("/api/v1/stores", headers={"Authorization": f"Bearer {key}"}).status_code == 200

    def test_missing_scope_is_403(self, client, db):
        key = f.api_client(db, scopes=["orders:read"], all_stores=True)
        resp = client.get("/api/v1/stores", headers={"X-API-Key": key})
        assert resp.status_code == 403 and resp.json()["detail"]["required_scope"] == "stores:read"

    def test_clients_cannot_use_staff_endpoints(self, client, db):
        key = f.api_client(db, scopes=["stores:read"], all_stores=True)
        assert client.get("/api/v1/users", headers={"X-API-Key": key}).status_code == 403

    def test_wrong_and_revoked_keys_are_401(self, client, db):
        key = f.api_client(db, scopes=["stores:read"], all_stores=True)
        tampered = key[:-4] + "AAAA"
        assert client.get("/api/v1/stores", headers={"X-API-Key": tampered}).json()["error"] == "invalid_api_key"
        assert client.get("/api/v1/stores", headers={"X-API-Key": key}).status_code == 200  # remembered now
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        listed = client.get("/api/v1/api-clients", headers=hq).json()["items"]
        assert client.delete(f"/api/v1/api-clients/{listed[0]['id']}", headers=hq).status_code == 204
        assert client.get("/api/v1/stores", headers={"X-API-Key": key}).status_code == 401

    def test_head_office_registers_a_client_and_sees_key_once(self, client, db):
        store = f.store(db)
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.post("/api/v1/api-clients", headers=hq, json={
            "code": "pos-fleet", "name": "POS 收银", "kind": "pos", "scopes": ["stores:read", "ingest:write"],
            "store_codes": [store.code]})
        assert resp.status_code == 201, resp.text
        body = resp.json()
        assert body["api_key"].startswith("zt_") and body["store_ids"] == [store.id]
        listed = client.get("/api/v1/api-clients", headers=hq).json()["items"]
        assert "api_key" not in listed[0] and listed[0]["key_prefix"] == body["key_prefix"]
        assert client.get("/api/v1/stores", headers={"X-API-Key": body["api_key"]}).status_code == 200

    def test_unknown_scope_is_422(self, client, db):
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.post("/api/v1/api-clients", headers=hq, json={
            "code": "x1", "name": "x", "kind": "pos", "scopes": ["everything"]})
        assert resp.status_code == 422


class TestStaffManagement:
    def test_head_office_creates_a_store_manager(self, client, db):
        store = f.store(db)
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.post("/api/v1/users", headers=hq, json={
            "username": "mgr", "password": "a-long-password", "role": "store_manager", "store_codes": [store.code]})
        assert resp.status_code == 201, resp.text
        assert resp.json()["store_ids"] == [store.id] and "password" not in resp.json()
        assert f.login(client, "mgr", "a-long-password")

    def test_store_roles_need_a_store(self, client, db):
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.post("/api/v1/users", headers=hq, json={
            "username": "lonely", "password": "a-long-password", "role": "guide"})
        assert resp.status_code == 422 and resp.json()["error"] == "stores_required"

    def test_unknown_store_code_is_named(self, client, db):
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.post("/api/v1/users", headers=hq, json={
            "username": "guide-x", "password": "a-long-password", "role": "guide", "store_codes": ["NOPE"]})
        assert resp.status_code == 422 and resp.json()["detail"]["unknown"] == ["NOPE"]

    def test_manager_creates_guides_only_in_own_store(self, client, db):
        mine, other = f.store(db), f.store(db)
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [mine])
        ok = client.post("/api/v1/users", headers=mgr, json={
            "username": "g-mine", "password": "a-long-password", "role": "guide", "store_codes": [mine.code]})
        assert ok.status_code == 201
        foreign = client.post("/api/v1/users", headers=mgr, json={
            "username": "g-other", "password": "a-long-password", "role": "guide", "store_codes": [other.code]})
        assert foreign.status_code == 403 and foreign.json()["error"] == "cannot_manage_user"
        admin = client.post("/api/v1/users", headers=mgr, json={
            "username": "boss", "password": "a-long-password", "role": "hq_admin"})
        assert admin.status_code == 403

    def test_manager_lists_only_own_store_staff(self, client, db):
        mine, other = f.store(db), f.store(db)
        f.user(db, role=Role.GUIDE, stores=[other], username="other-guide")
        f.user(db, role=Role.GUIDE, stores=[mine], username="my-guide")
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [mine])
        names = {u["username"] for u in client.get("/api/v1/users", headers=mgr).json()["items"]}
        assert "my-guide" in names and "other-guide" not in names
        other_id = next(u.id for u in [f.staff_service.repository.get_user_by_username(db, "other-guide")])
        assert client.get(f"/api/v1/users/{other_id}", headers=mgr).status_code == 404

    def test_guide_cannot_list_staff(self, client, db):
        guide = f.as_role(client, db, Role.GUIDE, [f.store(db)])
        assert client.get("/api/v1/users", headers=guide).status_code == 403

    def test_moving_a_user_revokes_their_tokens(self, client, db):
        a, b = f.store(db), f.store(db)
        user = f.user(db, role=Role.STORE_MANAGER, stores=[a], username="mover")
        old = f.login(client, "mover")
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.patch(f"/api/v1/users/{user.id}", headers=hq, json={"store_codes": [b.code]})
        assert resp.status_code == 200 and resp.json()["store_ids"] == [b.id]
        assert client.get("/api/v1/stores", headers=old).status_code == 401
        new = f.login(client, "mover")
        assert [s["id"] for s in client.get("/api/v1/stores", headers=new).json()["items"]] == [b.id]

    def test_duplicate_username_is_conflict(self, client, db):
        f.user(db, username="taken")
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.post("/api/v1/users", headers=hq, json={
            "username": "TAKEN", "password": "a-long-password", "role": "hq_admin"})
        assert resp.status_code == 409 and resp.json()["error"] == "username_taken"
