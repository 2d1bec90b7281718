"""The data hub console page through HTTP: the quarantine by source and reason with raw text, batches,
oversells, and replaying after the catalogue was fixed (CSRF form)."""

from __future__ import annotations

from tests import factories as f
from tests.api.test_console import csrf_token, signed_in_as
from tests.api.test_integration_pos import _csv, _line, _push, _source
from zhongtai.kernel.auth import Role

HTML = {"Accept": "text/html"}


class TestDataHubPage:
    def test_lists_quarantine_by_source_and_reason_and_replays(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        _src, key, _hq = _source(client, db, store)
        _push(client, key, _csv(_line("A1", 1, store.code, sku.code), _line("A2", 1, store.code, "NEW-SKU"),
                                _line("A3", 1, store.code, "NEW-SKU")))
        signed_in_as(client, db, Role.HQ_ADMIN)
        html = client.get("/console/integration", headers=HTML).text
        assert 'data-source="POS-A" data-reason="unknown_sku"' in html
        assert html.count("data-external-id=") == 2 and "NEW-SKU" in html
        assert 'data-batch-id="' in html and "数据接入" in html
        f.catalog_sku(db, code="NEW-SKU")
        resp = client.post("/console/integration/replay", data={
            "source": "POS-A", "reason": "unknown_sku", "csrf_token": csrf_token(client, "/console/integration")},
            follow_redirects=False)
        assert resp.status_code == 303 and "accepted=2" in resp.headers["location"]
        after = client.get(resp.headers["location"], headers=HTML).text
        assert "data-external-id=" not in after and 'id="replay-notice"' in after

    def test_filters_by_reason(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        _src, key, _hq = _source(client, db, store)
        _push(client, key, _csv(_line("B1", 1, store.code, "NOPE"), _line("B2", 1, store.code, sku.code, qty=-1)))
        signed_in_as(client, db, Role.HQ_ADMIN)
        html = client.get("/console/integration?source=POS-A&reason=negative_quantity", headers=HTML).text
        assert 'data-external-id="B2/1"' in html and 'data-external-id="B1/1"' not in html

    def test_replay_needs_the_csrf_token_and_guides_cannot_open_it(self, client, db):
        store = f.store(db)
        _source(client, db, store)
        signed_in_as(client, db, Role.HQ_ADMIN)
        resp = client.post("/console/integration/replay", data={"source": "POS-A", "reason": "x"})
        assert resp.status_code == 403
        client.cookies.clear()
        signed_in_as(client, db, Role.GUIDE, [store])
        assert client.get("/console/integration", headers=HTML).status_code == 403
