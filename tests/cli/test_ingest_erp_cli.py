"""`zhongtai import products|prices|receipts|transfers|counts|members|orders FILE --source CODE` as an operator
runs them: a summary that adds up, quarantine reasons listed, a second run all duplicates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import factories
from zhongtai.catalog import service as catalog
from zhongtai.catalog.schemas import CategoryCreate
from zhongtai.integration import service as integration
from zhongtai.integration.schemas import SourceCreate
from zhongtai.inventory import service as inventory
from zhongtai.inventory.schemas import Qty

DATA = Path(__file__).parents[1] / "data" / "ingest"


def summary(stdout: str) -> tuple[int, ...]:
    """(records, accepted, duplicates, quarantined) from the summary table."""
    row = next(line for line in stdout.splitlines() if re.search(r"│\s*\d+\s*│\s*\d+\s*│", line))
    numbers = tuple(int(n) for n in re.findall(r"\d+", row))
    assert numbers[0] == sum(numbers[1:]), stdout
    return numbers


@pytest.fixture
def erp(db):
    factories.store(db, code="SH001")
    factories.store(db, code="SH002")
    factories.store(db, code="WH01", kind="warehouse")
    for code in ("DAIRY", "GROCERY", "FRESH"):
        catalog.create_category(db, category_in=CategoryCreate(code=code, name_zh=code))
    for code, type_ in (("erp", "erp"), ("crm", "crm")):
        integration.register_source(db, source_in=SourceCreate(code=code, name=code, type=type_))
    integration.register_source(db, source_in=SourceCreate(code="tmall", name="Tmall", type="ecommerce",
                                                           config={"mapping": "tmall"}))
    db.commit()


class TestImportCommands:
    def test_every_erp_file_then_again(self, zt, db, erp):
        expected = {"products": (8, 4, 0, 4), "prices": (6, 3, 0, 3), "receipts": (8, 4, 0, 4),
                    "transfers": (6, 4, 0, 2), "counts": (4, 2, 0, 2)}
        for kind, numbers in expected.items():
            proc = zt("import", kind, str(DATA / f"{kind}.csv"), "--source", "erp")
            assert summary(proc.stdout) == numbers, proc.stdout
        for kind, (records, *_rest) in expected.items():
            again = zt("import", kind, str(DATA / f"{kind}.csv"), "--source", "erp")
            assert summary(again.stdout) == (records, 0, records, 0)
        store_id = factories.stores_service.ids_for_codes(db, codes=["SH001"])["SH001"]
        milk = catalog.sku_by_code(db, code="MILK-1L")
        rows, _ = inventory.stock(db, location_id=store_id, sku_ids=[milk.id], limit=1, offset=0)
        assert rows[0][0].on_hand == 50

    def test_quarantine_reasons_are_listed(self, zt, erp):
        zt("import", "products", str(DATA / "products.csv"), "--source", "erp")
        proc = zt("import", "receipts", str(DATA / "receipts.csv"), "--source", "erp")
        for reason in ("unknown_sku", "negative_quantity", "unknown_store", "best_before_not_tracked"):
            assert reason in proc.stdout

    def test_members_from_the_crm(self, zt, erp):
        proc = zt("import", "members", str(DATA / "members.csv"), "--source", "crm")
        assert summary(proc.stdout) == (7, 3, 0, 4)
        assert "bad_phone" in proc.stdout and "bad_encoding" in proc.stdout

    def test_platform_orders_from_a_file(self, zt, db, erp):
        wh = factories.stores_service.ids_for_codes(db, codes=["WH01"])["WH01"]
        for code in ("MILK-1L", "RICE-5KG"):
            sku = factories.catalog_sku(db, code=code, category="GROCERY")
            inventory.receive(db, location_id=wh, lines=[Qty(sku_code=sku.code, quantity=50)],
                              doc=inventory.Doc(source_type="receipt", source_id="test"))
        db.commit()
        proc = zt("import", "orders", str(DATA / "tmall_events.jsonl"), "--source", "tmall")
        assert summary(proc.stdout) == (11, 7, 0, 4)
        assert "unknown_sku" in proc.stdout and "malformed" in proc.stdout

    def test_an_unknown_source_is_an_error_not_a_crash(self, zt, erp):
        proc = zt("import", "products", str(DATA / "products.csv"), "--source", "nope", ok=False)
        assert proc.returncode != 0 and "Traceback" not in proc.stderr
