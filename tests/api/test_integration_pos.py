"""The data hub for tills, through the HTTP API: sources with their own keys, payloads landed raw,
idempotent batches whose counts add up, quarantine and replay, late uploads and oversells."""

from __future__ import annotations

import logging
import random

from tests import factories as f
from zhongtai.kernel.auth import Role

HEADER = ("transaction_id,line_no,store_code,till_id,occurred_at,type,sku_code,barcode,quantity,unit_price_fen,"
          "amount_fen,loyalty_card,tender")


def _line(txn, no, store, sku="", qty=1, price=990, at="2026-11-20T10:00:00+08:00", kind="sale", barcode="",
          card="", amount=""):
    return f"{txn},{no},{store},T1,{at},{kind},{sku},{barcode},{qty},{price},{amount},{card},cash"


def _csv(*lines: str) -> bytes:
    return ("\n".join((HEADER, *lines)) + "\n").encode()


def _source(client, db, store, code="POS-A"):
    hq = f.as_role(client, db, Role.HQ_ADMIN)
    resp = client.post("/api/v1/integration/sources", headers=hq, json={
        "code": code, "name": "Tills", "type": "pos", "store_code": store.code})
    assert resp.status_code == 201, resp.text
    return resp.json(), {"X-API-Key": resp.json()["api_key"]}, hq


def _push(client, key, body, code="POS-A", fmt="csv"):
    return client.post(f"/api/v1/integration/sources/{code}/inbound/pos?format={fmt}", headers=key, content=body)


def _stock(client, hq, store, sku):
    items = client.get(f"/api/v1/locations/{store.id}/stock?sku={sku.code}", headers=hq).json()["items"]
    return items[0]["on_hand"] if items else None


def _adds_up(batch):
    assert batch["records"] == batch["accepted"] + batch["duplicates"] + batch["quarantined"], batch


class TestSources:
    def test_registering_a_source_shows_its_key_once(self, client, db):
        store = f.store(db)
        src, _key, hq = _source(client, db, store)
        assert src["api_key"].startswith("zt_") and src["signing_secret"] and src["store_id"] == store.id
        listed = client.get("/api/v1/integration/sources", headers=hq).json()
        assert [s["code"] for s in listed] == ["POS-A"] and "api_key" not in listed[0]

    def test_a_duplicate_code_is_409(self, client, db):
        store = f.store(db)
        _source(client, db, store)
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.post("/api/v1/integration/sources", headers=hq, json={
            "code": "POS-A", "name": "again", "type": "pos"})
        assert resp.status_code == 409 and resp.json()["error"] == "source_code_taken"


class TestRefusals:
    def test_wrong_key_missing_scope_and_another_sources_key_are_refused_and_logged(self, client, db, caplog):
        store = f.store(db)
        _source(client, db, store, "POS-A")
        _other, other_key, _ = _source(client, db, store, "POS-B")
        no_scope = {"X-API-Key": f.api_client(db, scopes=["orders:read"], stores=[store])}
        body = _csv(_line("T1", 1, store.code, "X"))
        with caplog.at_level(logging.WARNING, logger="zhongtai.integration"):
            assert _push(client, {"X-API-Key": "zt_nope_nope"}, body).status_code == 401
            assert _push(client, no_scope, body).json()["error"] == "forbidden"
            wrong = _push(client, other_key, body)
        assert wrong.status_code == 403 and wrong.json()["error"] == "wrong_source"
        codes = [r.code for r in caplog.records if r.name == "zhongtai.integration"]
        assert len(codes) == 3 and "wrong_source" in codes

    def test_a_client_cannot_push_platform_orders_without_the_signed_endpoint(self, client, db):
        store = f.store(db)
        _src, key, _hq = _source(client, db, store)
        resp = client.post("/api/v1/integration/sources/POS-A/inbound/orders", headers=key, content=b"{}")
        assert resp.status_code == 403 and resp.json()["error"] == "signed_endpoint_required"

    def test_unknown_kind_or_format_is_422(self, client, db):
        store = f.store(db)
        _src, key, _ = _source(client, db, store)
        resp = client.post("/api/v1/integration/sources/POS-A/inbound/pos?format=xlsx", headers=key, content=b"x")
        assert resp.status_code == 422 and resp.json()["error"] == "unknown_kind"


class TestIdempotentIngestion:
    def test_sales_become_pos_orders_and_ledger_sales_at_their_own_time(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db, price=990)
        f.stock(db, store, sku, 10)
        _src, key, hq = _source(client, db, store)
        resp = _push(client, key, _csv(_line("T1", 1, store.code, sku.code, qty=2), _line("T1", 2, store.code,
                                                                                             sku.code, qty=1)))
        assert resp.status_code == 201, resp.text
        batch = resp.json()
        assert (batch["records"], batch["accepted"], batch["duplicates"], batch["quarantined"]) == (2, 2, 0, 0)
        assert _stock(client, hq, store, sku) == 7
        orders = client.get("/api/v1/orders?channel=pos", headers=hq).json()["items"]
        assert len(orders) == 1 and orders[0]["payable_fen"] == 2970 and orders[0]["status"] == "completed"
        assert orders[0]["placed_at"].startswith("2026-11-20T02:00:00")
        moves = client.get(f"/api/v1/locations/{store.id}/movements?sku={sku.code}", headers=hq).json()["items"]
        sale = [m for m in moves if m["kind"] == "sale"]
        assert sum(m["quantity"] for m in sale) == -3
        assert all(m["occurred_at"].startswith("2026-11-20T02:00:00") for m in sale)

    def test_a_replay_changes_nothing_and_reports_duplicates(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        _src, key, hq = _source(client, db, store)
        body = _csv(*(_line(f"T{i}", 1, store.code, sku.code) for i in range(5)), _line("T9", 1, store.code, "NOPE"))
        first = _push(client, key, body).json()
        second = _push(client, key, body).json()
        _adds_up(first), _adds_up(second)
        assert (first["accepted"], first["quarantined"]) == (5, 1)
        assert (second["records"], second["duplicates"], second["accepted"], second["quarantined"]) == (6, 6, 0, 0)
        assert _stock(client, hq, store, sku) == -5
        assert client.get("/api/v1/orders?channel=pos", headers=hq).json()["total"] == 5

    def test_a_record_repeated_inside_one_file_counts_once(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        _src, key, hq = _source(client, db, store)
        batch = _push(client, key, _csv(*[_line("T1", 1, store.code, sku.code)] * 3)).json()
        assert (batch["records"], batch["accepted"], batch["duplicates"]) == (3, 1, 2)
        assert _stock(client, hq, store, sku) == -1

    def test_batches_again_in_shuffled_order_leave_identical_state(self, client, db):
        store, skus = f.store(db), [f.catalog_sku(db) for _ in range(3)]
        for s in skus:
            f.stock(db, store, s, 20)
        _src, key, hq = _source(client, db, store)
        rng = random.Random(7)
        batches = [_csv(*(_line(f"B{b}T{t}", n, store.code, rng.choice(skus).code, qty=rng.randint(1, 3))
                          for t in range(3) for n in (1, 2))) for b in range(4)]
        firsts = [_push(client, key, body).json() for body in batches]
        state = _state(client, hq, store, skus)
        rng.shuffle(batches)
        seconds = [_push(client, key, body).json() for body in batches]
        assert all(b["duplicates"] == b["records"] == 6 for b in seconds)
        assert sum(b["accepted"] for b in firsts) == 24
        assert _state(client, hq, store, skus) == state

    def test_jsonl_lines_are_the_same_records(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        _src, key, hq = _source(client, db, store)
        body = (b'{"transaction_id": "J1", "line_no": 1, "occurred_at": "2026-11-20T10:00:00+08:00", '
                b'"sku_code": "' + sku.code.encode() + b'", "quantity": 2, "unit_price_fen": 500}\nnot json\n')
        batch = _push(client, key, body, fmt="jsonl").json()
        assert (batch["records"], batch["accepted"], batch["quarantined"]) == (2, 1, 1)
        assert _stock(client, hq, store, sku) == -2


BUSINESS_TABLES = ("orders", "order_lines", "payments", "fulfilment_groups", "stock_movements", "stock_levels",
                   "inbound_records", "till_transactions", "oversell_exceptions")


def _state(client, hq, store, skus):
    """What the business sees (stock, orders) and how many rows every table the import writes holds."""
    from sqlalchemy import text

    from zhongtai.db.session import get_engine

    stock = {s.code: _stock(client, hq, store, s) for s in skus}
    orders = client.get("/api/v1/orders?channel=pos&limit=500", headers=hq).json()["items"]
    with get_engine().connect() as conn:
        rows = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in BUSINESS_TABLES}
    return stock, sorted((o["number"], o["payable_fen"]) for o in orders), rows


class TestQuarantine:
    def test_bad_records_are_kept_with_reason_raw_text_and_line(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        _src, key, hq = _source(client, db, store)
        body = _csv(_line("Q1", 1, store.code, "NOPE"), _line("Q2", 1, store.code, barcode="6901234567890"),
                    _line("Q3", 1, store.code, sku.code, qty=-2), _line("Q4", 1, "ELSEWHERE", sku.code),
                    _line("Q5", 1, store.code, sku.code, at="yesterday"), "only,three,cells") + b"\xff\xfe,1\n"
        batch = _push(client, key, body).json()
        _adds_up(batch)
        assert batch["quarantined"] == 7 and batch["accepted"] == 0
        items = client.get("/api/v1/integration/quarantine?source=POS-A&limit=50", headers=hq).json()["items"]
        by_reason = {i["reason"]: i for i in items}
        assert set(by_reason) == {"unknown_sku", "bad_barcode", "negative_quantity", "unknown_store",
                                  "bad_timestamp", "malformed", "bad_encoding"}
        assert by_reason["unknown_sku"]["line_no"] == 2 and "NOPE" in by_reason["unknown_sku"]["raw"]
        summary = client.get("/api/v1/integration/quarantine/summary", headers=hq).json()
        assert sum(r["count"] for r in summary) == 7

    def test_fixing_the_catalogue_and_replaying_posts_the_sale(self, client, db):
        store = f.store(db)
        _src, key, hq = _source(client, db, store)
        batch = _push(client, key, _csv(_line("R1", 1, store.code, "LATE-SKU", qty=2),
                                        _line("R2", 1, store.code, "LATE-SKU"))).json()
        assert batch["quarantined"] == 2
        again = client.post("/api/v1/integration/sources/POS-A/replay", headers=hq, json={"reason": "unknown_sku"})
        assert again.json() == {"replayed": 2, "accepted": 0, "still_quarantined": 2, "not_replayable": 0}
        sku = f.catalog_sku(db, code="LATE-SKU")
        one = client.post("/api/v1/integration/sources/POS-A/replay", headers=hq, json={"external_ids": ["R1/1"]})
        assert one.json()["accepted"] == 1
        rest = client.post("/api/v1/integration/sources/POS-A/replay", headers=hq, json={"reason": "unknown_sku"})
        assert rest.json()["accepted"] == 1
        assert _stock(client, hq, store, sku) == -3
        after = client.get(f"/api/v1/integration/batches/{batch['id']}", headers=hq).json()
        assert (after["accepted"], after["quarantined"]) == (2, 0)
        assert client.get("/api/v1/integration/quarantine?source=POS-A", headers=hq).json()["total"] == 0

    def test_replay_needs_a_selection(self, client, db):
        store = f.store(db)
        _src, _key, hq = _source(client, db, store)
        resp = client.post("/api/v1/integration/sources/POS-A/replay", headers=hq, json={})
        assert resp.status_code == 422 and resp.json()["error"] == "replay_needs_selection"


class TestLateUploadsAndOversells:
    def test_an_offline_till_posts_old_sales_and_flags_the_oversell(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 1)
        _src, key, hq = _source(client, db, store)
        batch = _push(client, key, _csv(_line("OFF1", 1, store.code, sku.code, qty=3,
                                              at="2026-11-01T09:30:00+08:00"))).json()
        assert batch["accepted"] == 1
        assert _stock(client, hq, store, sku) == -2
        flagged = client.get("/api/v1/integration/oversells", headers=hq).json()["items"]
        assert [(o["store_id"], o["sku_id"], o["on_hand"]) for o in flagged] == [(store.id, sku.id, -2)]
        moves = client.get(f"/api/v1/locations/{store.id}/movements?sku={sku.code}", headers=hq).json()["items"]
        assert any(m["kind"] == "sale" and m["occurred_at"].startswith("2026-11-01T01:30:00") for m in moves)
        done = client.post(f"/api/v1/integration/oversells/{flagged[0]['id']}/resolve", headers=hq,
                           json={"note": "counted"})
        assert done.json()["status"] == "resolved"
        assert client.get("/api/v1/integration/oversells", headers=hq).json()["total"] == 0
        report = client.get("/api/v1/inventory/verify", headers=hq).json()
        assert report["ledger_drift"] == []

    def test_returns_and_voids(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 5)
        _src, key, hq = _source(client, db, store)
        batch = _push(client, key, _csv(_line("V1", 1, store.code, sku.code, qty=2),
                                        _line("V1", 2, store.code, sku.code, qty=1, kind="void"),
                                        _line("V2", 1, store.code, sku.code, qty=1, kind="return"))).json()
        assert batch["accepted"] == 3
        assert _stock(client, hq, store, sku) == 4

    def test_a_loyalty_card_links_the_order_to_its_member(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        member = f.member(db, identities=[{"kind": "pos_card", "value": "CARD-777"}])
        _src, key, hq = _source(client, db, store)
        _push(client, key, _csv(_line("M1", 1, store.code, sku.code, card="CARD-777"),
                                _line("M2", 1, store.code, sku.code, card="CARD-UNKNOWN")))
        orders = client.get("/api/v1/orders?channel=pos", headers=hq).json()["items"]
        assert sorted((o["member_id"] or 0) for o in orders) == [0, member.id]


class TestPoslogPush:
    def test_a_poslog_file_posts_sales_returns_weights_and_skips_voids_and_vendor_extensions(self, client, db):
        from pathlib import Path

        store, sku = f.store(db), f.catalog_sku(db, price=990)
        fish = f.catalog_sku(db, unit="gram", price=3600, barcode="6901234567892")
        f.stock(db, store, sku, 10)
        member = f.member(db, identities=[{"kind": "pos_card", "value": "CARD-9"}])
        _src, key, hq = _source(client, db, store)
        xml = (Path(__file__).parents[1] / "data" / "pos" / "poslog_sample.xml").read_text().format(
            store=store.code, sku=sku.code, barcode=fish.barcode, card="CARD-9")
        batch = _push(client, key, xml.encode(), fmt="poslog").json()
        assert (batch["records"], batch["accepted"], batch["quarantined"]) == (6, 5, 1)
        assert _stock(client, hq, store, sku) == 10 - 2 + 1
        assert _stock(client, hq, store, fish) == -350
        [order] = client.get("/api/v1/orders?channel=pos", headers=hq).json()["items"]
        assert order["payable_fen"] == 1980 + 1260 and order["member_id"] == member.id
        [bad] = client.get("/api/v1/integration/quarantine", headers=hq).json()["items"]
        assert bad["reason"] == "unknown_sku" and "UNKNOWN-SKU" in bad["raw"]
        assert _push(client, key, xml.encode(), fmt="poslog").json()["duplicates"] == 6


class TestLanding:
    def test_a_big_payload_lands_as_gzip_before_parsing_and_can_be_reprocessed(self, client, db, settings,
                                                                               monkeypatch, tmp_path):
        import gzip
        import hashlib

        from sqlalchemy import select

        from zhongtai.integration.models import Payload

        monkeypatch.setattr(settings, "ingest_inline_max_bytes", 200)
        monkeypatch.setattr(settings, "ingest_landing_dir", str(tmp_path))
        store, sku = f.store(db), f.catalog_sku(db)
        _src, key, hq = _source(client, db, store)
        body = _csv(*(_line(f"L{i}", 1, store.code, sku.code) for i in range(20)))
        batch = client.post("/api/v1/integration/sources/POS-A/inbound/pos", headers=key,
                            files={"file": ("day.csv", body, "text/csv")}).json()
        assert batch["accepted"] == 20
        payload = db.scalars(select(Payload)).one()
        assert (payload.storage, payload.size_bytes, payload.filename, payload.body) == ("file", len(body), "day.csv", None)
        assert payload.sha256 == hashlib.sha256(body).hexdigest()
        with gzip.open(payload.path) as landed:
            assert landed.read() == body and payload.path.startswith(str(tmp_path))
        again = client.post(f"/api/v1/integration/batches/{batch['id']}/reprocess", headers=hq).json()
        assert (again["records"], again["duplicates"], again["payload_id"]) == (20, 20, batch["payload_id"])
        listed = client.get("/api/v1/integration/batches?source=POS-A", headers=hq).json()
        assert listed["total"] == 2

    def test_a_small_payload_is_kept_inline_byte_for_byte(self, client, db):
        from sqlalchemy import select

        from zhongtai.integration.models import Payload

        store = f.store(db)
        _src, key, _hq = _source(client, db, store)
        body = _csv(_line("I1", 1, store.code, "NOPE"))
        _push(client, key, body)
        payload = db.scalars(select(Payload)).one()
        assert (payload.storage, payload.body, payload.via) == ("inline", body, "api")


class TestEvents:
    def test_one_stock_event_per_store_sku_and_kind_and_one_batch_event(self, client, db):
        from sqlalchemy import select

        from zhongtai.kernel.outbox import OutboxEvent

        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 3)
        _src, key, _hq = _source(client, db, store)
        _push(client, key, _csv(*(_line(f"E{i}", 1, store.code, sku.code) for i in range(5)),
                                _line("E9", 1, store.code, sku.code, kind="return")))
        events = db.execute(select(OutboxEvent.event_type, OutboxEvent.payload)).all()
        till = [p for t, p in events if t == "inventory.stock_changed" and p["source_type"] == "till"]
        # PostgreSQL posts the plain sale lines set-based first and the return (the regular path) after them, each
        # posting with the stock it leaves; SQLite posts the chunk at once
        after = [-2, -1] if db.get_bind().dialect.name == "postgresql" else [-1, -1]
        assert sorted((p["kind"], p["delta_on_hand"], p["on_hand"]) for p in till) == [("return", 1, after[1]),
                                                                                       ("sale", -5, after[0])]
        assert [p["on_hand"] for t, p in events if t == "inventory.stock_oversold"] == sorted(set(after))
        [done] = [p for t, p in events if t == "integration.batch_processed"]
        assert (done["records"], done["accepted"]) == (6, 6)


class TestVisibility:
    def test_a_store_manager_sees_only_the_quarantine_of_their_stores_sources(self, client, db):
        mine, other = f.store(db), f.store(db)
        _a, key_a, _hq = _source(client, db, mine, "POS-MINE")
        _b, key_b, _hq = _source(client, db, other, "POS-OTHER")
        _push(client, key_a, _csv(_line("M1", 1, mine.code, "NOPE")), code="POS-MINE")
        _push(client, key_b, _csv(_line("O1", 1, other.code, "NOPE")), code="POS-OTHER")
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [mine])
        items = client.get("/api/v1/integration/quarantine", headers=mgr).json()["items"]
        assert [i["external_id"] for i in items] == ["M1/1"]
        assert client.get("/api/v1/integration/quarantine?source=POS-OTHER", headers=mgr).status_code == 404
        assert [s["code"] for s in client.get("/api/v1/integration/sources", headers=mgr).json()] == ["POS-MINE"]
        assert client.get("/api/v1/integration/batches", headers=mgr).json()["total"] == 1


class TestPlainAndUnusualLinesTogether:
    """PostgreSQL takes plain CSV lines set-based and every other line the regular way; either way a line is
    taken once, whatever path or format it comes back through (on SQLite every line goes the regular way)."""

    def test_a_transaction_mixing_plain_and_unusual_lines_is_one_order_and_replays_as_duplicates(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db, price=990)
        fish = f.catalog_sku(db, unit="gram", price=3600, barcode="6901234567892")
        _src, key, hq = _source(client, db, store)
        body = _csv(_line("X1", 1, store.code, sku.code, qty=2), _line("X1", 2, store.code, barcode=fish.barcode,
                                                                          qty=350, price=3600),
                    f'X1,3,{store.code},T1,2026-11-20T10:00:00+08:00,sale,"{sku.code}",,1,990,,,cash',
                    _line("X2", 1, store.code, sku.code, qty=1, kind="return"),
                    _line("X3", 1, store.code, sku.code, at="2026-02-30T10:00:00+08:00"))
        first = _push(client, key, body).json()
        assert (first["records"], first["accepted"], first["quarantined"]) == (5, 4, 1)
        [order] = client.get("/api/v1/orders?channel=pos", headers=hq).json()["items"]
        assert order["payable_fen"] == 2 * 990 + 1260 + 990
        assert _stock(client, hq, store, sku) == -2 and _stock(client, hq, store, fish) == -350
        again = _push(client, key, body).json()
        assert (again["records"], again["duplicates"]) == (5, 5)
        assert client.get("/api/v1/inventory/verify", headers=hq).json()["ledger_drift"] == []

    def test_a_line_sent_again_in_another_format_is_a_duplicate(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        _src, key, hq = _source(client, db, store)
        assert _push(client, key, _csv(_line("J1", 1, store.code, sku.code, qty=2))).json()["accepted"] == 1
        body = (b'{"transaction_id": "J1", "line_no": 1, "occurred_at": "2026-11-20T10:00:00+08:00", '
                b'"sku_code": "' + sku.code.encode() + b'", "quantity": 2, "unit_price_fen": 500}\n'
                b'{"transaction_id": "J1", "line_no": 2, "occurred_at": "2026-11-20T10:00:00+08:00", '
                b'"sku_code": "' + sku.code.encode() + b'", "quantity": 1, "unit_price_fen": 500}\n')
        batch = _push(client, key, body, fmt="jsonl").json()
        assert (batch["duplicates"], batch["accepted"]) == (1, 1)
        [order] = client.get("/api/v1/orders?channel=pos", headers=hq).json()["items"]
        assert order["payable_fen"] == 2 * 990 + 500 and _stock(client, hq, store, sku) == -3

    def test_an_unknown_sku_waits_in_quarantine_and_its_file_replays_as_duplicates_once_posted(self, client, db):
        store = f.store(db)
        _src, key, hq = _source(client, db, store)
        body = _csv(_line("U1", 1, store.code, "LATER-SKU", qty=2))
        assert _push(client, key, body).json()["quarantined"] == 1
        sku = f.catalog_sku(db, code="LATER-SKU")
        assert _push(client, key, body).json()["duplicates"] == 1
        replayed = client.post("/api/v1/integration/sources/POS-A/replay", headers=hq, json={"reason": "unknown_sku"})
        assert replayed.json()["accepted"] == 1 and _stock(client, hq, store, sku) == -2
        assert _push(client, key, body).json()["duplicates"] == 1 and _stock(client, hq, store, sku) == -2

    def test_a_transaction_across_chunks_and_uploads_stays_one_order(self, client, db, settings, monkeypatch):
        monkeypatch.setattr(settings, "ingest_chunk_size", 2)
        store, sku = f.store(db), f.catalog_sku(db, price=100)
        _src, key, hq = _source(client, db, store)
        first = _push(client, key, _csv(_line("C1", 1, store.code, sku.code, kind="return"),
                                        *(_line("C1", n, store.code, sku.code, price=100) for n in (2, 3, 4, 5)),
                                        _line("C1", 3, store.code, sku.code, price=100)))
        assert (first.json()["accepted"], first.json()["duplicates"]) == (5, 1)
        later = _push(client, key, _csv(_line("C1", 6, store.code, sku.code, price=100),
                                        _line("C1", 2, store.code, sku.code, price=100))).json()
        assert (later["accepted"], later["duplicates"]) == (1, 1)
        [order] = client.get("/api/v1/orders?channel=pos", headers=hq).json()["items"]
        assert order["payable_fen"] == 5 * 100 and _stock(client, hq, store, sku) == 1 - 5
        assert client.get("/api/v1/inventory/verify", headers=hq).json()["ledger_drift"] == []

    def test_windows_line_ends_and_a_bad_byte_read_as_in_the_regular_path(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        _src, key, hq = _source(client, db, store)
        body = _csv(_line("W1", 1, store.code, sku.code), _line("W2", 1, store.code, sku.code)).replace(b"\n", b"\r\n")
        batch = _push(client, key, body + b"W3,1,\xff\r\n").json()
        assert (batch["records"], batch["accepted"], batch["quarantined"]) == (3, 2, 1)
        [bad] = client.get("/api/v1/integration/quarantine", headers=hq).json()["items"]
        assert (bad["reason"], bad["line_no"]) == ("bad_encoding", 4)
        assert _push(client, key, body).json()["duplicates"] == 2 and _stock(client, hq, store, sku) == -2

    def test_the_set_based_path_and_the_regular_path_agree_line_for_line(self, client, db, monkeypatch):
        from sqlalchemy import text

        from zhongtai.integration import formats

        sku, fish = f.catalog_sku(db, price=990), f.catalog_sku(db, unit="gram", price=3600)
        f.member(db, identities=[{"kind": "pos_card", "value": "CARD-5"}])
        stores = {}
        for code in ("POS-FAST", "POS-SLOW"):
            store = f.store(db)
            stores[code] = (store, _source(client, db, store, code)[1])

        def lines(store):
            at = "2026-11-20T10:00:00+08:00"
            rows = [_line("A", 1, store, sku.code, qty=2), _line("A", 2, store, fish.code, qty=350, price=3600),
                    _line("A", 3, store, fish.code, qty=125, price=3600, amount="455"),
                    _line("B", 1, "", sku.code, at="2026-11-20T02:00:00Z", card="CARD-5"),
                    _line("C", 1, store, sku.code, at="2026-11-19T21:00:00-05:00", kind="SALE"),
                    _line("D", 1, store, sku.code, at="2026-11-20T10:00:00.5+08:00"),
                    _line("E", 1, store, sku.code, at="2026-11-20T10:00:00"), _line("F", 1, store, sku.code, qty=0),
                    _line("G", 1, store, sku.code, qty=-1), _line("H", 1, store, sku.code, at="2024-02-29T10:00:00Z"),
                    _line("I", 1, store, sku.code, at="2026-02-29T10:00:00Z"),
                    _line("J", 1, store, sku.code, at="2026-13-01T10:00:00Z"),
                    _line("K", 1, store, sku.code, at="2026-11-20T24:00:00Z"),
                    _line("L", 1, store, sku.code, at="0000-11-20T10:00:00Z"), _line("M", 1, store, " " + sku.code),
                    _line("N", "01", store, sku.code, qty="002"), _line("O", 1, store, "NO-SUCH"),
                    _line("P", 1, "ELSEWHERE", sku.code), _line("A", 1, store, sku.code, qty=9),
                    _line("Q", 1, store, sku.code, kind="return"), _line("Q", 2, store, sku.code, kind="void"),
                    "R,1,too,few", f'S,1,{store},T1,{at},sale,"{sku.code}",,1,990,,,cash',
                    f"T,1,{store},T1,{at},sale,{sku.code},,1,990,,,WeChat",
                    f"T,2,{store},T1,{at},sale,{sku.code},,1,990,,,creditdebit",
                    f"T,3,{store},T1,{at},sale,{sku.code},,1,990,,,bitcoin"]
            return _csv(*rows)

        def snapshot(code, batch):
            store, _key = stores[code]
            q = {"store_id": store.id, "batch": batch["id"]}
            queries = {
                "orders": "SELECT replace(external_ref, :code, ''), placed_at, payable_fen, member_id FROM orders "
                          "WHERE store_id = :store_id",
                "lines": "SELECT replace(o.external_ref, :code, ''), l.line_no, l.sku_id, l.quantity, l.unit_price_fen, "
                         "l.amount_fen FROM order_lines l JOIN orders o ON o.store_id = l.store_id AND o.id = l.order_id "
                         "WHERE l.store_id = :store_id",
                "payments": "SELECT provider, amount_fen FROM payments WHERE store_id = :store_id",
                "moves": "SELECT sku_id, kind, quantity, occurred_at, replace(source_id, :code, '') FROM stock_movements "
                         "WHERE location_id = :store_id AND source_type = 'till'",
                "quarantine": "SELECT external_id, reason, line_no, replace(raw, :store, '') FROM inbound_records "
                              "WHERE status = 'quarantined' AND CAST(batch_id AS VARCHAR(40)) IN (:batch, :hex)"}
            q |= {"code": code, "store": store.code, "hex": batch["id"].replace("-", "")}
            return {name: sorted(tuple(str(v) for v in r) for r in db.execute(text(sql), q))
                    for name, sql in queries.items()}

        fast = _push(client, stores["POS-FAST"][1], lines(stores["POS-FAST"][0].code), code="POS-FAST").json()
        monkeypatch.setattr(formats.kinds()["pos"], "bulk", {})
        slow = _push(client, stores["POS-SLOW"][1], lines(stores["POS-SLOW"][0].code), code="POS-SLOW").json()
        counts = ("records", "accepted", "duplicates", "quarantined")
        assert [fast[k] for k in counts] == [slow[k] for k in counts] == [26, 16, 1, 9]
        taken = snapshot("POS-FAST", fast)
        assert taken == snapshot("POS-SLOW", slow)
        assert [len(taken[k]) for k in ("orders", "lines", "moves", "quarantine")] == [10, 14, 15, 9]
