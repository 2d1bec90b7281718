"""ERP CSV ingestion end to end (land → parse → apply through catalog/inventory), on the real database:
counts add up, each bad row is quarantined with its reason, replays change nothing."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from tests import factories
from zhongtai.catalog import service as catalog
from zhongtai.catalog.schemas import CategoryCreate
from zhongtai.config import get_settings
from zhongtai.integration import service as integration
from zhongtai.integration.schemas import SourceCreate
from zhongtai.inventory import service as inventory

DATA = Path(__file__).parents[1] / "data" / "ingest"
ERP_FILES = ("products", "prices", "receipts", "transfers", "counts")


def ingest(db, source, kind: str, body: bytes | str, name: str = ""):
    """Land a payload and process it, committing like the API and the CLI do; the batch."""
    body = body.encode() if isinstance(body, str) else body
    payload = integration.land(db, source=source, kind=kind, format_name=None, stream=io.BytesIO(body), via="cli",
                               settings=get_settings(), filename=name)
    batch = integration.process(db, source=source, payload=payload, settings=get_settings())
    db.commit()
    return batch


def ingest_file(db, source, kind: str):
    return ingest(db, source, kind, (DATA / f"{kind}.csv").read_bytes(), f"{kind}.csv")


def counts(batch) -> tuple[int, int, int, int]:
    assert batch.records == batch.accepted + batch.duplicates + batch.quarantined
    return batch.records, batch.accepted, batch.duplicates, batch.quarantined


def reasons(db, source) -> dict[str, str]:
    rows, _ = integration.quarantined(db, source=source, reason=None, limit=1000, offset=0)
    return {r.external_id: r.reason for r in rows}


def on_hand(db, code: str, sku_code: str) -> int:
    """Stock of a SKU at a location, read through the inventory service."""
    location_id = factories.stores_service.ids_for_codes(db, codes=[code])[code]
    sku = catalog.sku_by_code(db, code=sku_code)
    rows, _ = inventory.stock(db, location_id=location_id, sku_ids=[sku.id], limit=10, offset=0)
    return rows[0][0].on_hand if rows else 0


@pytest.fixture
def erp(db):
    for code in ("SH001", "SH002"):
        factories.store(db, code=code)
    factories.store(db, code="WH01", kind="warehouse")
    for code in ("DAIRY", "GROCERY", "FRESH"):
        catalog.create_category(db, category_in=CategoryCreate(code=code, name_zh=code))
    source, _key, _secret = integration.register_source(db, source_in=SourceCreate(code="erp", name="ERP",
                                                                                    type="erp"))
    db.commit()
    return source


def snapshot(db) -> dict:
    """What ERP files change: SKUs, store prices, stock levels, transfers, counts."""
    skus = {s.code: (s.name_zh, s.list_price_fen, s.barcode, s.unit, s.status) for s in
            catalog.list_skus(db, q=None, category_code=None, status=None, limit=500, offset=0)[0]}
    stock = {(c, s): on_hand(db, c, s) for c in ("SH001", "SH002", "WH01") for s in ("MILK-1L", "RICE-5KG", "SALMON")}
    ids = factories.stores_service.ids_for_codes(db, codes=["SH001", "SH002"])
    prices = {sid: sorted((p.sku_id, p.price_fen) for p, _c, _l in catalog.store_prices(
        db, store_id=sid, limit=100, offset=0)[0]) for sid in ids.values()}
    transfers = inventory.list_transfers(db, location_ids=None, limit=100, offset=0)[1]
    return {"skus": skus, "stock": stock, "prices": prices, "transfers": transfers}


class TestProductMaster:
    def test_creates_skus_and_quarantines_each_bad_row(self, db, erp):
        assert counts(ingest_file(db, erp, "products")) == (8, 4, 0, 4)
        milk = catalog.sku_by_code(db, code="MILK-1L")
        assert (milk.barcode, milk.list_price_fen, milk.shelf_life_days, milk.cold_chain) == ("6900000000014", 1290,
                                                                                              7, True)
        assert catalog.sku_by_code(db, code="SALMON").unit == "gram"
        assert sorted(reasons(db, erp).values()) == ["bad_barcode", "bad_encoding", "bad_number", "unknown_category"]

    def test_fixing_reference_data_then_replaying_posts_the_record(self, db, erp):
        ingest_file(db, erp, "products")
        catalog.create_category(db, category_in=CategoryCreate(code="TOYS", name_zh="玩具"))
        result = integration.replay(db, source=erp, reason="unknown_category")
        db.commit()
        assert result["accepted"] == 1 and catalog.sku_by_code(db, code="TOY-1").name_zh == "积木"
        assert "unknown_category" not in reasons(db, erp).values()

    def test_a_changed_row_updates_the_sku_and_a_barcode_change_is_refused(self, db, erp):
        ingest_file(db, erp, "products")
        head = "sku_code,product_code,category_code,name_zh,unit,barcode,list_price_fen,shelf_life_days,cold_chain\n"
        batch = ingest(db, erp, "products", head + "MILK-1L,MILK,DAIRY,光明鲜牛奶 1L 新包装,piece,,1350,7,1\n"
                                                  "MILK-250,MILK,DAIRY,光明鲜牛奶 250ml,piece,6900000000045,450,7,1\n"
                                                  "RICE-5KG,RICE,GROCERY,五常大米 5kg,gram,,6990,,0\n")
        assert counts(batch) == (3, 1, 0, 2)
        milk = catalog.sku_by_code(db, code="MILK-1L")
        assert (milk.name_zh, milk.list_price_fen, milk.barcode) == ("光明鲜牛奶 1L 新包装", 1350, "6900000000014")
        assert {"barcode_change", "unit_change"} <= set(reasons(db, erp).values())

    def test_blank_optional_cells_leave_a_sku_as_it_is(self, db, erp):
        ingest_file(db, erp, "products")
        batch = ingest(db, erp, "products", "sku_code,category_code,name_zh,list_price_fen\nSALMON,FRESH,三文鱼,15800\n")
        assert counts(batch) == (1, 1, 0, 0)
        salmon = catalog.sku_by_code(db, code="SALMON")
        assert (salmon.list_price_fen, salmon.unit, salmon.shelf_life_days, salmon.cold_chain, salmon.name_en) == (
            15800, "gram", 3, True, "Salmon by weight")


class TestStock:
    def test_prices_receipts_transfers_and_counts(self, db, erp):
        ingest_file(db, erp, "products")
        assert counts(ingest_file(db, erp, "prices")) == (6, 3, 0, 3)
        assert counts(ingest_file(db, erp, "receipts")) == (8, 4, 0, 4)
        assert (on_hand(db, "WH01", "MILK-1L"), on_hand(db, "WH01", "SALMON"), on_hand(db, "SH001", "MILK-1L")) == (
            120, 25_000, 24)
        assert counts(ingest_file(db, erp, "transfers")) == (6, 4, 0, 2)
        # TR-1 shipped then received (30), TR-2 received without a shipped line (10 rice), TR-3 still in transit (6)
        assert (on_hand(db, "WH01", "MILK-1L"), on_hand(db, "SH001", "MILK-1L"), on_hand(db, "SH002", "MILK-1L")) == (
            84, 54, 0)
        assert (on_hand(db, "WH01", "RICE-5KG"), on_hand(db, "SH002", "RICE-5KG")) == (30, 10)
        assert counts(ingest_file(db, erp, "counts")) == (4, 2, 0, 2)
        assert (on_hand(db, "SH001", "MILK-1L"), on_hand(db, "SH001", "RICE-5KG")) == (50, 3)
        verify = inventory.verify(db)
        assert verify["ledger_drift"] == [] and verify["reserved_drift"] == []

    def test_every_bad_row_has_its_reason(self, db, erp):
        ingest_file(db, erp, "products")
        for kind in ("prices", "receipts", "transfers", "counts"):
            ingest_file(db, erp, kind)
        assert sorted(r for r in reasons(db, erp).values() if r not in ("bad_barcode", "bad_encoding",
                                                                         "unknown_category")) == sorted([
            "bad_number", "unknown_store", "unknown_sku", "bad_number",  # products NEG; prices
            "negative_quantity", "unknown_sku", "unknown_store", "best_before_not_tracked",  # receipts
            "bad_value", "unknown_sku",  # transfers
            "negative_quantity", "unknown_store"])  # counts

    def test_receipt_posts_at_the_time_the_erp_says(self, db, erp):
        ingest_file(db, erp, "products")
        ingest_file(db, erp, "receipts")
        wh = factories.stores_service.ids_for_codes(db, codes=["WH01"])["WH01"]
        rows, _ = inventory.movements(db, location_id=wh, sku_id=None, limit=10, offset=0)
        assert {m.occurred_at.isoformat() for m in rows} == {"2026-11-25T00:00:00+00:00"}
        assert {m.source_type for m in rows} == {"erp_receipt"}

    def test_the_in_transit_line_arrives_with_a_later_received_line(self, db, erp):
        ingest_file(db, erp, "products")
        ingest_file(db, erp, "receipts")
        ingest_file(db, erp, "transfers")
        batch = ingest(db, erp, "transfers", "transfer_no,from_code,to_code,sku_code,quantity,status\n"
                                             "TR-3,WH01,SH002,MILK-1L,6,received\n")
        assert counts(batch) == (1, 1, 0, 0) and on_hand(db, "SH002", "MILK-1L") == 6


class TestReplay:
    def test_all_files_again_in_shuffled_order_are_all_duplicates_and_change_nothing(self, db, erp):
        for kind in ERP_FILES:
            ingest_file(db, erp, kind)
        before, quarantined = snapshot(db), reasons(db, erp)
        assert before["stock"][("SH001", "MILK-1L")] == 50 and before["transfers"] == 3 and len(before["skus"]) == 4
        order = list(ERP_FILES)
        random.Random(7).shuffle(order)
        for kind in order:
            records, accepted, duplicates, held = counts(ingest_file(db, erp, kind))
            assert (accepted, held, duplicates) == (0, 0, records)
        assert snapshot(db) == before and reasons(db, erp) == quarantined
