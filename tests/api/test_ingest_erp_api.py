"""ERP and CRM files pushed over HTTP with the source's own API key: batches that add up, the quarantine
by reason with raw text, replay after fixing reference data, and a second push that is all duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import factories
from zhongtai.kernel.auth import Role

DATA = Path(__file__).parents[1] / "data" / "ingest"


@pytest.fixture
def hq(client, db):
    return factories.as_role(client, db, Role.HQ_ADMIN)


def register(client, hq, code: str, type_: str) -> str:
    resp = client.post("/api/v1/integration/sources", headers=hq, json={"code": code, "name": code, "type": type_})
    assert resp.status_code == 201, resp.text
    return resp.json()["api_key"]


@pytest.fixture
def erp_key(client, db, hq):
    for code in ("SH001", "SH002"):
        factories.store(db, code=code)
    factories.store(db, code="WH01", kind="warehouse")
    for code in ("DAIRY", "GROCERY", "FRESH"):
        assert client.post("/api/v1/categories", headers=hq, json={"code": code, "name_zh": code}).status_code == 201
    return register(client, hq, "erp", "erp")


def push(client, key: str, kind: str, name: str, source: str = "erp"):
    with open(DATA / name, "rb") as fh:
        return client.post(f"/api/v1/integration/sources/{source}/inbound/{kind}", headers={"X-API-Key": key},
                           files={"file": (name, fh, "text/csv")})


def counts(resp) -> tuple[int, int, int, int]:
    assert resp.status_code == 201, resp.text
    b = resp.json()
    assert b["records"] == b["accepted"] + b["duplicates"] + b["quarantined"]
    return b["records"], b["accepted"], b["duplicates"], b["quarantined"]


class TestErpPush:
    def test_product_master_then_prices(self, client, hq, erp_key):
        assert counts(push(client, erp_key, "products", "products.csv")) == (8, 4, 0, 4)
        sku = client.get("/api/v1/skus/by-barcode/6900000000021", headers=hq)
        assert sku.status_code == 200 and sku.json()["code"] == "MILK-250"
        assert counts(push(client, erp_key, "prices", "prices.csv")) == (6, 3, 0, 3)
        store_id = client.get("/api/v1/stores", headers=hq, params={"q": "SH001"}).json()["items"]
        prices = client.get(f"/api/v1/stores/{store_id[0]['id']}/prices", headers=hq).json()["items"]
        assert {(p["sku_code"], p["price_fen"]) for p in prices} >= {("MILK-1L", 1190), ("RICE-5KG", 6590)}

    def test_quarantine_keeps_the_raw_line_and_is_listed_by_reason(self, client, hq, erp_key):
        push(client, erp_key, "products", "products.csv")
        resp = client.get("/api/v1/integration/quarantine", headers=hq, params={"source": "erp",
                                                                               "reason": "bad_barcode"})
        assert resp.status_code == 200
        [record] = resp.json()["items"]
        assert record["line_no"] == 6 and record["raw"].startswith("BAD-EAN,BAD,GROCERY,")
        summary = {r["reason"]: r["count"] for r in client.get("/api/v1/integration/quarantine/summary",
                                                                headers=hq).json()}
        assert summary == {"bad_barcode": 1, "bad_encoding": 1, "bad_number": 1, "unknown_category": 1}

    def test_fix_the_category_then_replay(self, client, hq, erp_key):
        push(client, erp_key, "products", "products.csv")
        assert client.post("/api/v1/categories", headers=hq, json={"code": "TOYS", "name_zh": "玩具"}).status_code == 201
        resp = client.post("/api/v1/integration/sources/erp/replay", headers=hq, json={"reason": "unknown_category"})
        assert resp.status_code == 200 and resp.json()["accepted"] == 1
        assert client.get("/api/v1/skus", headers=hq, params={"q": "TOY-1"}).json()["total"] == 1

    def test_pushing_the_same_files_again_is_all_duplicates(self, client, hq, erp_key):
        files = ("products", "prices", "receipts", "transfers", "counts")
        for kind in files:
            push(client, erp_key, kind, f"{kind}.csv")
        wh = client.get("/api/v1/stores", headers=hq, params={"q": "WH01"}).json()["items"][0]["id"]
        before = client.get(f"/api/v1/locations/{wh}/stock", headers=hq).json()
        for kind in reversed(files):
            records, accepted, duplicates, held = counts(push(client, erp_key, kind, f"{kind}.csv"))
            assert (accepted, held, duplicates) == (0, 0, records)
        assert client.get(f"/api/v1/locations/{wh}/stock", headers=hq).json() == before

    def test_another_sources_key_is_refused(self, client, hq, erp_key):
        crm_key = register(client, hq, "crm", "crm")
        resp = push(client, crm_key, "products", "products.csv")
        assert resp.status_code == 403 and resp.json()["error"] == "wrong_source"


class TestCrmPush:
    def test_members_file(self, client, db, hq):
        factories.store(db, code="SH001")
        factories.store(db, code="SH002")
        key = register(client, hq, "crm", "crm")
        assert counts(push(client, key, "members", "members.csv", source="crm")) == (7, 3, 0, 4)
        found = client.get("/api/v1/members", headers=hq, params={"phone": "13900000002"}).json()["items"]
        assert len(found) == 1
        consents = client.get(f"/api/v1/members/{found[0]['id']}/consents", headers=hq).json()
        granted = {c["purpose"]: c["granted"] for c in consents["current"]}
        assert granted == {"marketing_messages": True, "wecom_contact": True, "personalised_recommendations": False}
