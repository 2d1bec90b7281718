"""POS parsers and the hub's pure rules: no database, just bytes in and records out."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from zhongtai.integration import policies
from zhongtai.integration.formats import kinds
from zhongtai.integration.formats.base import csv_rows, text_lines
from zhongtai.integration.formats.pos_lines import parse_csv, parse_jsonl
from zhongtai.integration.formats.pos_poslog import parse_poslog

SAMPLE = Path(__file__).parents[1] / "data" / "pos" / "poslog_sample.xml"
HEADER = "transaction_id,line_no,store_code,till_id,occurred_at,type,sku_code,barcode,quantity,unit_price_fen"


def _csv(*rows: str) -> list:
    return list(parse_csv(io.BytesIO(("\n".join((HEADER, *rows)) + "\n").encode()), {}))


class TestGtin:
    @pytest.mark.parametrize("code", ["6901234567892", "96385074", "036000291452", "10012345678902"])
    def test_accepts_right_check_digits(self, code):
        assert policies.gtin_ok(code)

    @pytest.mark.parametrize("code", ["6901234567890", "96385075", "12345", "69012345678AB"])
    def test_refuses_wrong_check_digits_and_shapes(self, code):
        assert not policies.gtin_ok(code)


class TestTimes:
    def test_an_offset_is_kept_and_converted_to_utc(self):
        assert policies.parse_time("2026-11-20T18:05:00+08:00").isoformat() == "2026-11-20T10:05:00+00:00"

    def test_a_naive_time_is_the_tills_local_time(self):
        assert policies.parse_time("2026-11-20 18:05:00", "Asia/Shanghai").hour == 10

    def test_garbage_is_bad_timestamp(self):
        with pytest.raises(policies.BadValue) as exc:
            policies.parse_time("2026-02-30T10:00:00")
        assert exc.value.code == "bad_timestamp"


class TestLineFormats:
    def test_a_csv_line_becomes_one_keyed_record(self):
        [rec] = _csv("T1,2,S1,T,2026-11-20T10:00:00Z,sale,SKU1,,3,990")
        assert (rec.external_id, rec.line_no, rec.reason) == ("T1/2", 2, None)
        assert rec.data["qty"] == 3 and rec.data["at"] == "2026-11-20T10:00:00+00:00" and rec.data["amount"] is None

    @pytest.mark.parametrize(("row", "reason"), [
        ("T1,1,S1,T,2026-11-20T10:00:00Z,sale,,6901234567890,1,990", "bad_barcode"),
        ("T1,1,S1,T,2026-11-20T10:00:00Z,sale,SKU1,,-1,990", "negative_quantity"),
        ("T1,1,S1,T,2026-11-20T10:00:00Z,sale,SKU1,,x,990", "bad_number"),
        ("T1,1,S1,T,,sale,SKU1,,1,990", "missing_field"),
        ("T1,1,S1,T,2026-11-20T10:00:00Z,gift,SKU1,,1,990", "malformed"),
        ("T1,1,S1", "malformed"),
    ])
    def test_a_bad_line_is_yielded_with_its_reason(self, row, reason):
        [rec] = _csv(row)
        assert rec.data is None and rec.reason == reason and rec.raw == row

    def test_quoted_cells_and_bad_encoding(self):
        data = (HEADER + '\n"T,1",1,S1,T,2026-11-20T10:00:00Z,sale,SKU1,,1,990\n').encode() + b"T2,1,\xff\n"
        recs = list(parse_csv(io.BytesIO(data), {}))
        assert recs[0].external_id == "T,1/1" and recs[0].data is not None
        assert recs[1].reason == "bad_encoding"

    def test_the_same_broken_line_keys_the_same(self):
        assert _csv("garbage")[0].external_id == _csv("garbage")[0].external_id

    def test_jsonl(self):
        data = b'{"transaction_id": "J", "line_no": 1, "occurred_at": "2026-11-20T10:00:00Z", "barcode": ' \
               b'"6901234567892", "quantity": 250, "unit_price_fen": 3600}\n[1]\n'
        recs = list(parse_jsonl(io.BytesIO(data), {}))
        assert recs[0].data["barcode"] == "6901234567892" and recs[1].reason == "malformed"


class TestPoslog:
    def _records(self):
        xml = SAMPLE.read_text().format(store="S001", sku="SKU-A", barcode="6901234567892", card="CARD-1")
        return list(parse_poslog(io.BytesIO(xml.encode()), {}))

    def test_sale_and_return_line_items_are_records_tenders_and_extensions_are_not(self):
        recs = self._records()
        assert [r.external_id for r in recs] == ["S001-T2-2026-11-20-1001/1", "S001-T2-2026-11-20-1001/2",
                                                 "S001-T2-2026-11-20-1001/3", "S001-T2-2026-11-20-1002/1",
                                                 "S001-T2-2026-11-20-1002/2", "S001-T2-2026-11-20-1003/1"]
        assert [r.data["type"] for r in recs] == ["sale", "void", "sale", "return", "sale", "void"]

    def test_the_mapping(self):
        first, _void, weighed, *_ = self._records()
        assert (first.data["sku"], first.data["qty"], first.data["price"], first.data["amount"]) == ("SKU-A", 2, 990, 1980)
        assert first.data["at"] == "2026-11-20T10:05:00+00:00" and first.data["card"] == "CARD-1"
        assert first.data["tender"] == "wechat_pay" and first.data["store"] == "S001"
        assert (weighed.data["barcode"], weighed.data["qty"], weighed.data["price"]) == ("6901234567892", 350, 3600)
        assert first.line_no == 13 and "<" in first.raw

    def test_broken_xml_is_quarantined_not_raised(self):
        recs = list(parse_poslog(io.BytesIO(b"<POSLog><Transaction><oops></POSLog>"), {}))
        assert len(recs) == 1 and recs[0].reason == "malformed"


class TestRegistry:
    def test_pos_has_its_three_formats(self):
        assert {"csv", "jsonl", "poslog"} <= set(kinds()["pos"].parsers)

    def test_helpers(self):
        assert list(text_lines(io.BytesIO(b"\xef\xbb\xbfa\r\nb\n"))) == [(1, "a", None), (2, "b", None)]
        rows = list(csv_rows(io.BytesIO(b"a,b\n1,\n"), required=("b",)))
        assert rows == [(2, "1,", None, "missing_field")]
