"""The declarative field mapping and the order-event parser: pure, no database."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from zhongtai.integration.formats.ecommerce import mapping_of, parse_orders_json
from zhongtai.integration.mapping import MappingError, MappingInvalid, compile_mapping, get_path
from zhongtai.integration.mapping_presets import PRESETS

DATA = Path(__file__).parents[1] / "data" / "ingest"


def parse(path: str, mapping) -> list:
    with open(DATA / path, "rb") as fh:
        return list(parse_orders_json(fh, {"mapping": mapping}))


MINIMAL = {"platform": "shop", "fields": {"event": "kind", "order_id": "no", "lines[].sku_code": "items[].sku",
                                          "lines[].quantity": "items[].n"}}


class TestPaths:
    def test_reads_nested_keys_and_indexes(self):
        doc = {"a": {"b": [{"c": 1}, {"c": 2}]}}
        assert get_path(doc, "a.b[1].c") == 2
        assert get_path(doc, "a.x.c") is None
        assert get_path(doc, "a.b[5].c") is None


class TestCompile:
    def test_presets_compile(self):
        for name in PRESETS:
            assert mapping_of({"mapping": name}).platform == name

    def test_lists_every_problem_at_once(self):
        with pytest.raises(MappingInvalid) as exc:
            compile_mapping({"platform": "bad platform!", "fields": {"order_id": "a", "colour": "b",
                                                                     "lines[].sku_code": "x.y"},
                             "transforms": {"order_id": "rot13"}, "values": {"event": {"NEW": "born"}}})
        text = " ".join(exc.value.problems)
        for expected in ("unknown field 'colour'", "unknown transform 'rot13'", "fields must map 'event'",
                         "walk a list", "'born'", "platform"):
            assert expected in text

    def test_line_fields_must_walk_one_list(self):
        spec = {**MINIMAL, "fields": {**MINIMAL["fields"], "lines[].quantity": "other[].n"}}
        with pytest.raises(MappingInvalid, match="same list"):
            compile_mapping(spec)

    def test_a_source_without_mapping_is_refused(self):
        with pytest.raises(MappingInvalid, match="no mapping"):
            mapping_of({})
        with pytest.raises(MappingInvalid, match="unknown preset"):
            mapping_of({"mapping": "amazon"})


class TestApply:
    def test_minimal_mapping_builds_lines(self):
        m = compile_mapping(MINIMAL)
        out = m.apply({"kind": "created", "no": 7, "items": [{"sku": "A", "n": "2"}, {"sku": "B", "n": 1}]})
        assert out["order_id"] == "7" and out["lines"] == [{"sku_code": "A", "quantity": 2},
                                                            {"sku_code": "B", "quantity": 1}]
        assert m.external_id(out) == "7:created"

    def test_unknown_event_name_is_its_own_reason(self):
        m = compile_mapping({**MINIMAL, "values": {"event": {"NEW": "created"}}})
        with pytest.raises(MappingError) as exc:
            m.apply({"kind": "REVIEWED", "no": "1"})
        assert exc.value.reason == "unknown_event"

    @pytest.mark.parametrize(("body", "reason"), [
        ({"kind": "created", "items": [{"sku": "A", "n": 1}]}, "missing_field"),
        ({"kind": "created", "no": "1", "items": []}, "missing_field"),
        ({"kind": "created", "no": "1", "items": [{"sku": "A", "n": "two"}]}, "bad_number"),
        ({"kind": "created", "no": "1", "items": [{"sku": "A", "n": 1.5}]}, "bad_number"),
        ({"kind": "created", "no": "1", "items": [{"sku": "A", "n": -1}]}, "negative_quantity"),
        ({"kind": "shipped", "no": "1"}, "unmapped_value"),
        (["not", "an", "object"], "malformed"),
    ])
    def test_refusals_name_a_reason(self, body, reason):
        with pytest.raises(MappingError) as exc:
            compile_mapping(MINIMAL).apply(body)
        assert exc.value.reason == reason

    def test_money_in_yuan_becomes_fen_exactly(self):
        m = compile_mapping({**MINIMAL, "fields": {**MINIMAL["fields"], "payment.amount_fen": "paid"},
                             "transforms": {"payment.amount_fen": "yuan_to_fen"}})
        assert m.apply({"kind": "paid", "no": "1", "paid": "58.80"})["payment"]["amount_fen"] == 5880
        with pytest.raises(MappingError):
            m.apply({"kind": "paid", "no": "1", "paid": "1.005"})


class TestTmallPreset:
    def test_events_file_maps_and_quarantines_by_reason(self):
        records = parse("tmall_events.jsonl", "tmall")
        assert len(records) == 11
        reasons = [r.reason for r in records]
        assert reasons.count(None) == 8  # unknown SKUs and out-of-order payments are for the applier
        assert sorted(r for r in reasons if r) == ["malformed", "negative_quantity", "unknown_event"]
        created = records[0].data
        assert created["event"] == "created" and created["order_id"] == "T1001" and created["mode"] == "ship"
        assert created["occurred_at"] == "2026-11-25T02:15:02+00:00"  # Beijing time → UTC
        assert created["contact"]["latitude"] == pytest.approx(31.2291)
        assert records[1].data["payment"] == {"provider": "alipay", "transaction_id": "2026112522001400001",
                                              "amount_fen": 9570}
        assert [r.external_id for r in records[:3]] == ["TM-0001", "TM-0002", "TM-0003"]

    def test_pretty_printed_body_is_one_document(self):
        records = parse("tmall_created.json", "tmall")
        assert [(r.external_id, r.data["order_id"]) for r in records] == [("TM-0101", "T2001")]


class TestJdPreset:
    def test_batch_body_yields_each_notification(self):
        records = parse("jd_batch.json", "jd")
        assert [r.external_id for r in records[:4]] == ["JD-EVT-0001", "JD-EVT-0002", "JD-EVT-0003", "JD-EVT-0004"]
        assert records[0].data["lines"] == [{"sku_code": "RICE-5KG", "quantity": 1},
                                            {"sku_code": "MILK-1L", "quantity": 3}]
        assert records[0].data["order_id"] == "260001" and records[0].data["buyer_id"] == "jd_buyer_7788"
        assert records[1].data["payment"] == {"provider": "wechat_pay", "transaction_id": "4200002611202611250001",
                                              "amount_fen": 10860}
        assert records[3].data["event"] == "cancelled" and records[3].data["reason"] == "超时未支付"
        assert records[4].reason == "unmapped_value"  # an unknown payment method

    def test_same_platform_body_under_the_other_mapping_is_refused_not_lost(self):
        records = parse("jd_batch.json", "tmall")
        assert len(records) == 1 and records[0].reason == "missing_field"


class TestStreams:
    def test_bad_encoding_is_per_line(self):
        body = json.dumps({"kind": "created", "no": "1", "items": [{"sku": "A", "n": 1}]}).encode()
        stream = io.BytesIO(body + b"\n" + b'{"kind": "\xff"}\n' + body.replace(b'"1"', b'"2"') + b"\n")
        records = list(parse_orders_json(stream, {"mapping": MINIMAL}))
        assert [r.reason for r in records] == [None, "bad_encoding", None]

    def test_no_mapping_quarantines_every_body(self):
        records = list(parse_orders_json(io.BytesIO(b'{"a": 1}\n{"a": 2}\n'), {}))
        assert [r.reason for r in records] == ["no_mapping", "no_mapping"]
        assert records[0].external_id != records[1].external_id
        broken = list(parse_orders_json(io.BytesIO(b'{"a": 1}\n'), {"mapping": {"platform": "x"}}))
        assert [r.reason for r in broken] == ["mapping_invalid"]
