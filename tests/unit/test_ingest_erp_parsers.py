"""ERP CSV readers: keys, documented columns, and a stable reason for every bad row. No database."""

from __future__ import annotations

import io
from pathlib import Path

from zhongtai.integration.formats.erp import (
    parse_counts_csv,
    parse_prices_csv,
    parse_products_csv,
    parse_receipts_csv,
    parse_transfers_csv,
)

DATA = Path(__file__).parents[1] / "data" / "ingest"


def parse(parser, name: str) -> list:
    with open(DATA / name, "rb") as fh:
        return list(parser(fh, {}))


def reasons(records) -> list:
    return [r.reason for r in records]


class TestProducts:
    def test_reads_every_documented_column(self):
        milk = parse(parse_products_csv, "products.csv")[0]
        assert milk.line_no == 2 and milk.external_id.startswith("MILK-1L@#")
        assert milk.data == {"sku_code": "MILK-1L", "product_code": "MILK", "category_code": "DAIRY",
                             "name_zh": "光明鲜牛奶 1L", "name_en": "Fresh milk 1L", "brand": "光明", "spec": "1L",
                             "unit": "piece", "barcode": "6900000000014", "list_price_fen": 1290,
                             "shelf_life_days": 7, "cold_chain": True, "status": "active"}

    def test_bad_rows_are_kept_with_their_reason(self):
        records = parse(parse_products_csv, "products.csv")
        assert reasons(records) == [None, None, None, None, "bad_barcode", None, "bad_number", "bad_encoding"]
        assert "酱油" not in records[-1].raw and records[-1].raw.startswith("GBK-1,")

    def test_a_changed_row_is_a_new_record_the_same_row_is_not(self):
        head = b"sku_code,category_code,name_zh,list_price_fen\n"
        one = list(parse_products_csv(io.BytesIO(head + b"A,C,x,100\nA,C,x,100\nA,C,x,120\n"), {}))
        assert one[0].external_id == one[1].external_id != one[2].external_id
        versioned = list(parse_products_csv(io.BytesIO(
            b"sku_code,category_code,name_zh,list_price_fen,version\nA,C,x,100,v7\n"), {}))
        assert versioned[0].external_id == "A@v7"

    def test_wrong_cell_count_and_missing_key(self):
        head = b"sku_code,category_code,name_zh,list_price_fen\n"
        records = list(parse_products_csv(io.BytesIO(head + b"A,C,x\n,C,x,1\nB,C,x,1,extra\n"), {}))
        assert reasons(records) == ["malformed", "missing_field", "malformed"]


class TestStock:
    def test_prices_blank_clears_and_bad_rows(self):
        records = parse(parse_prices_csv, "prices.csv")
        assert records[0].external_id == "SH001:MILK-1L@PL-2026-11"
        assert records[0].data == {"store_code": "SH001", "sku_code": "MILK-1L", "price_fen": 1190}
        assert reasons(records) == [None, None, None, None, None, "bad_number"]
        blank = list(parse_prices_csv(io.BytesIO(b"store_code,sku_code,price_fen\nS1,A,\n"), {}))
        assert blank[0].data["price_fen"] is None

    def test_receipts_are_keyed_by_receipt_and_line(self):
        records = parse(parse_receipts_csv, "receipts.csv")
        assert records[0].external_id == "PO-1001:1"
        assert records[0].data["received_at"] == "2026-11-25T00:00:00+00:00"  # 08:00 Beijing
        assert records[0].data["best_before"] == "2026-12-01"
        assert reasons(records) == [None, None, None, None, "negative_quantity", None, None, None]

    def test_transfers_are_keyed_by_number_sku_and_status(self):
        records = parse(parse_transfers_csv, "transfers.csv")
        assert [r.external_id for r in records[:2]] == ["TR-1:MILK-1L:shipped", "TR-1:MILK-1L:received"]
        assert reasons(records) == [None, None, None, None, "bad_value", None]

    def test_counts_refuse_negative(self):
        records = parse(parse_counts_csv, "counts.csv")
        assert records[0].external_id == "CC-1:SH001:MILK-1L" and records[0].data["counted"] == 50
        assert reasons(records) == [None, None, "negative_quantity", None]
