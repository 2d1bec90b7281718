"""Health, readiness, request ids, the OpenAPI document and the error shape for the unexpected."""

from __future__ import annotations


class TestHealth:
    def test_healthz(self, client):
        assert client.get("/healthz").json()["status"] == "ok"

    def test_readyz_checks_the_database(self, client, engine):
        body = client.get("/readyz").json()
        assert body == {"status": "ready", "database": engine.dialect.name}


class TestRequestId:
    def test_every_response_carries_one(self, client):
        assert len(client.get("/healthz").headers["x-request-id"]) == 32

    def test_caller_supplied_id_is_kept(self, client):
        assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"

    def test_error_bodies_quote_it(self, client):
        resp = client.get("/api/v1/stores", headers={"X-Request-ID": "rid-9"})
        assert resp.json()["request_id"] == "rid-9"


class TestOpenApi:
    def test_describes_every_api_route(self, client, app):
        paths = client.get("/openapi.json").json()["paths"]
        api_routes = {r.path for r in app.routes if getattr(r, "include_in_schema", False)}
        assert api_routes and api_routes <= set(paths)
        for needed in ("/api/v1/auth/token", "/api/v1/stores", "/api/v1/stores/{store_id}", "/api/v1/users",
                       "/api/v1/api-clients", "/healthz", "/readyz"):
            assert needed in paths

    def test_every_operation_is_documented(self, client):
        for path, ops in client.get("/openapi.json").json()["paths"].items():
            for method, op in ops.items():
                assert op.get("summary") and op.get("description"), f"{method.upper()} {path} lacks a docstring"


class TestErrors:
    def test_unknown_route_is_404_in_error_shape(self, client):
        resp = client.get("/api/v1/nothing-here")
        assert resp.status_code == 404 and resp.json()["error"] == "not_found"

    def test_wrong_method_is_405_in_error_shape(self, client):
        resp = client.put("/healthz")
        assert resp.status_code == 405 and resp.json()["error"] == "method_not_allowed"

    def test_unexpected_error_is_500_without_internals(self, app):
        from fastapi.testclient import TestClient

        @app.get("/api/v1/_test/boom")
        def boom():
            raise RuntimeError("secret internals")

        with TestClient(app, raise_server_exceptions=False) as c:
            resp = c.get("/api/v1/_test/boom")
        assert resp.status_code == 500 and resp.json()["error"] == "internal_error"
        assert "secret" not in resp.text


class TestServingTunesTheCollector:
    def test_a_running_app_collects_young_objects_less_often(self, client, settings):
        import gc

        assert settings.gc_gen0_threshold > 700  # above Python's default
        assert gc.get_threshold()[0] == settings.gc_gen0_threshold
        assert gc.get_freeze_count() > 0  # the app's startup objects are out of the collector's way
