"""The demo's files and pushes, read back by the data hub's own parsers: pure, no database."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

import pytest

from zhongtai.demo import catalog, feeds
from zhongtai.demo.members import HOME_STORES
from zhongtai.demo.stores import STORES, WAREHOUSE
from zhongtai.integration import formats
from zhongtai.integration.formats.ecommerce import mapping_of, records_of

TODAY = date(2026, 3, 14)
ANCHOR = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai


def parse(kind: str, body: bytes, fmt: str | None = None, config: dict | None = None) -> list:
    k = formats.kinds()[kind]
    return list(k.parsers[fmt or k.default_format](io.BytesIO(body), config or {}))


@pytest.fixture(scope="module")
def stock() -> list[catalog.LocationStock]:
    return catalog.stock_plan([(row[0], row[2]) for row in [*STORES, WAREHOUSE]], today=TODAY)


@pytest.fixture(scope="module")
def skus():
    return {s.code: s for s in catalog.catalogue().skus}


@pytest.fixture(scope="module")
def shelves(stock, skus) -> list[feeds.Shelf]:
    return feeds.shelves(stock, skus)


@pytest.fixture(scope="module")
def people() -> list[feeds.CrmMember]:
    return feeds.crm_members(HOME_STORES)


class TestErpFiles:
    def test_the_product_master_reads_back_every_sku_as_generated(self, skus):
        records = parse("products", feeds.products_csv(catalog.catalogue().products))
        assert len(records) == len(skus) and all(r.reason is None for r in records)
        by_code = {r.data["sku_code"]: r.data for r in records}
        for code, sku in list(skus.items())[::97]:
            got = by_code[code]
            assert (got["barcode"], got["unit"], got["list_price_fen"], got["shelf_life_days"]) == (
                sku.barcode, sku.unit, sku.list_price_fen, sku.shelf_life_days)

    def test_receipts_carry_every_line_in_base_units_with_dates(self, stock):
        plan = stock[0]
        at = datetime(2026, 3, 6, 22, 0, tzinfo=UTC)
        records = parse("receipts", feeds.receipts_csv(plan, received_at=at))
        assert len(records) == len(plan.receipts) and len({r.external_id for r in records}) == len(records)
        assert sum(r.data["quantity"] for r in records) == sum(ln.amount for ln in plan.receipts)
        assert {r.data["received_at"] for r in records} == {at.isoformat()}

    def test_price_lists_are_for_the_premium_and_suburban_stores_only(self, stock, skus):
        records = parse("prices", feeds.prices_csv(stock, skus))
        assert records and {r.data["store_code"] for r in records} == set(feeds.PREMIUM)
        r = next(r for r in records if r.data["store_code"] == "SH003")
        assert r.data["price_fen"] > skus[r.data["sku_code"]].list_price_fen


class TestCrmFile:
    def test_members_have_a_card_and_consents_and_two_rows_are_refused(self, people):
        records = parse("members", feeds.members_csv(people))
        refused = sorted(r.reason for r in records if r.reason)
        assert refused == ["bad_phone", "missing_field"]
        good = [r.data for r in records if not r.reason]
        assert len(good) == feeds.CRM_MEMBERS
        assert all({i["kind"] for i in d["identities"]} == {"phone", "pos_card"} for d in good)
        assert any(d["consents"].get("marketing_messages") for d in good)


class TestTills:
    def test_days_of_poslog_read_back_with_cards_returns_voids_and_two_bad_lines(self, shelves, people):
        cards = {p.store: [] for p in people}
        for p in people:
            cards[p.store].append(p.card)
        days = feeds.till_days(shelves, cards, anchor=ANCHOR)
        assert len(days) == len(shelves) * feeds.TILL_DAYS
        records = [r for _store, _day, txns in days for r in parse("pos", feeds.poslog(txns), "poslog")]
        assert len({r.external_id for r in records}) == len(records)
        assert [r.reason for r in records if r.reason] == ["bad_barcode"]
        data = [r.data for r in records if r.data]
        assert {d["type"] for d in data} == {"sale", "return", "void"}
        assert any(d["card"] for d in data) and any(d["sku"] == feeds.UNKNOWN_SKU for d in data)
        assert all(d["at"] < ANCHOR.isoformat() for d in data)

    def test_the_late_till_sells_more_than_the_store_received(self, shelves):
        shelf = next(s for s in shelves if s.store == "SH005")
        (txn,) = feeds.offline_till(shelf, anchor=ANCHOR)
        received = {code: amount for code, _unit, _price, amount in shelf.items}
        (line,) = txn.lines
        assert line.qty > received[line.item]
        (record,) = parse("pos", feeds.poslog([txn]), "poslog")
        assert record.data["qty"] == line.qty and record.data["till"] == "T9"
        assert feeds.till_orders([txn]) == 1

    def test_voided_returned_and_unknown_only_transactions_make_no_order(self, shelves):
        sale = feeds.offline_till(shelves[0], anchor=ANCHOR)[0]
        back = feeds.TillTxn(sale.store, "T1", 2, sale.at, (feeds.TillLine(sale.lines[0].item, 1, 100, kind="Return"),))
        void = feeds.TillTxn(sale.store, "T1", 3, sale.at, sale.lines, voided=True)
        bad = feeds._bad_records(sale.store, sale)
        assert feeds.till_orders([back, void, bad]) == 0


class TestTmallMessages:
    def test_created_and_closed_map_through_the_tmall_preset(self):
        mapping = mapping_of({"mapping": "tmall"})
        body = feeds.tmall_message("created", tid="TM1", at=ANCHOR, content={
            "shipping_type": "express", "receiver_lat": "31.2", "receiver_lng": "121.4",
            "orders": [{"outer_sku_id": "GR-0001-01", "num": 2}]})
        (created,) = records_of(mapping, json.loads(body), 1, body.decode())
        assert created.data["event"] == "created" and created.data["mode"] == "ship"
        assert created.data["lines"] == [{"sku_code": "GR-0001-01", "quantity": 2}]
        assert created.data["occurred_at"].startswith("2026-03-14T12:00")
        body = feeds.tmall_message("cancelled", tid="TM1", at=ANCHOR, content={"close_reason": "买家取消"})
        (closed,) = records_of(mapping, json.loads(body), 1, body.decode())
        assert closed.data["event"] == "cancelled" and closed.external_id != created.external_id
