"""E-commerce order webhooks through HTTP: signed pushes are landed, mapped by the source's declarative
mapping and applied to orders; replays are duplicates; bad signatures, keys and scopes are refused."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from tests import factories
from zhongtai.catalog import service as catalog
from zhongtai.kernel import signing
from zhongtai.kernel.auth import Role

DATA = Path(__file__).parents[1] / "data" / "ingest"


class Platform:
    """A connected shop platform: its source code, API key and signing secret."""

    def __init__(self, client, code: str, key: str, secret: str):
        self.client, self.code, self.key, self.secret = client, code, key, secret

    def push(self, body: bytes | dict, *, key: str | None = None, secret: str | None = None, ts: int | None = None,
             headers: dict | None = None):
        raw = json.dumps(body, ensure_ascii=False).encode() if isinstance(body, dict) else body
        ts = ts or int(time.time())
        sent = {"X-API-Key": key or self.key, "X-Zhongtai-Timestamp": str(ts),
                "X-Zhongtai-Signature": signing.sign(secret or self.secret, ts, raw),
                "Content-Type": "application/json", **(headers or {})}
        return self.client.post(f"/api/v1/integration/sources/{self.code}/orders", content=raw, headers=sent)


@pytest.fixture
def hq(client, db):
    return factories.as_role(client, db, Role.HQ_ADMIN)


@pytest.fixture
def shop(client, db, hq):
    """A warehouse with milk and rice in stock, and the SKUs the platforms sell."""
    wh = factories.store(db, code="WH01", kind="warehouse")
    for code, price in (("MILK-1L", 1290), ("RICE-5KG", 6990)):
        factories.stock(db, wh, factories.catalog_sku(db, code=code, price=price), 100)
    return wh


def register(client, hq, code: str, mapping, type_: str = "ecommerce") -> Platform:
    resp = client.post("/api/v1/integration/sources", headers=hq, json={
        "code": code, "name": code, "type": type_, "config": {"mapping": mapping} if mapping else {}})
    assert resp.status_code == 201, resp.text
    body = resp.json()
    return Platform(client, code, body["api_key"], body["signing_secret"])


@pytest.fixture
def tmall(client, hq, shop):
    return register(client, hq, "tmall-shop", "tmall")


def orders_by_ref(client, hq) -> dict[str, dict]:
    resp = client.get("/api/v1/orders", headers=hq, params={"channel": "ecommerce", "limit": 100})
    assert resp.status_code == 200, resp.text
    return {o["external_ref"]: o for o in resp.json()["items"]}


def quarantine(client, hq, code: str) -> dict[str, str]:
    resp = client.get("/api/v1/integration/quarantine", headers=hq, params={"source": code, "limit": 100})
    assert resp.status_code == 200, resp.text
    return {r["external_id"]: r["reason"] for r in resp.json()["items"]}


def counts(resp) -> tuple[int, int, int, int]:
    assert resp.status_code == 200, resp.text
    b = resp.json()
    assert b["records"] == b["accepted"] + b["duplicates"] + b["quarantined"]
    return b["records"], b["accepted"], b["duplicates"], b["quarantined"]


def stock(client, hq, location_id: int) -> dict[str, tuple[int, int]]:
    resp = client.get(f"/api/v1/locations/{location_id}/stock", headers=hq)
    assert resp.status_code == 200, resp.text
    return {r["sku_code"]: (r["on_hand"], r["reserved"]) for r in resp.json()["items"]}


def tmall_event(msg: str, topic: str, tid: str, **content) -> dict:
    buyer = {"buyer_open_uid": "buyer-42", "receiver_name": "王小明", "receiver_mobile": "13912345678",
             "receiver_address": "上海市静安区", "receiver_lat": "31.2291", "receiver_lng": "121.4521"}
    return {"msg_id": msg, "topic": topic, "pub_time": "2026-11-25 10:15:02",
            "content": {"tid": tid, **(buyer if topic.endswith("Create") else {}), **content}}


class TestTmallEvents:
    def test_events_place_pay_and_cancel_and_each_bad_event_has_its_reason(self, client, hq, tmall, shop):
        assert counts(tmall.push((DATA / "tmall_events.jsonl").read_bytes())) == (11, 7, 0, 4)
        orders = orders_by_ref(client, hq)
        assert set(orders) == {"tmall:T1001", "tmall:T1002", "tmall:T1003"}
        assert (orders["tmall:T1001"]["payment_status"], orders["tmall:T1001"]["mode"]) == ("paid", "ship")
        assert orders["tmall:T1001"]["store_id"] == shop.id and orders["tmall:T1001"]["member_id"] is not None
        assert orders["tmall:T1002"]["payment_status"] == "paid"  # its payment came first, in the same body
        assert (orders["tmall:T1003"]["status"], orders["tmall:T1003"]["cancel_reason"]) == ("cancelled", "买家不想要了")
        assert sorted(quarantine(client, hq, "tmall-shop").values()) == [
            "malformed", "negative_quantity", "unknown_event", "unknown_sku"]
        assert stock(client, hq, shop.id) == {"MILK-1L": (100, 3), "RICE-5KG": (100, 1)}

    def test_a_payment_pushed_before_its_order_is_applied_when_the_order_arrives(self, client, hq, tmall):
        paid = tmall.push(tmall_event("P1", "taobao_trade_TradeBuyerPay", "T7", payment="12.90", alipay_no="A7"))
        assert counts(paid) == (1, 0, 0, 1)
        assert quarantine(client, hq, "tmall-shop") == {"P1": "order_unknown"}
        created = tmall_event("P0", "taobao_trade_TradeCreate", "T7", orders=[{"outer_sku_id": "MILK-1L", "num": 1}])
        assert counts(tmall.push(created)) == (1, 1, 0, 0)
        order = orders_by_ref(client, hq)["tmall:T7"]
        assert (order["status"], order["payment_status"]) == ("placed", "paid")
        assert quarantine(client, hq, "tmall-shop") == {}
        first = client.get(f"/api/v1/integration/batches/{paid.json()['id']}", headers=hq).json()
        assert (first["records"], first["accepted"], first["quarantined"]) == (1, 1, 0)

    def test_a_cancel_for_an_order_never_seen_waits_for_a_replay(self, client, hq, tmall):
        tmall.push(tmall_event("C1", "taobao_trade_TradeClose", "T8"))
        resp = client.post("/api/v1/integration/sources/tmall-shop/replay", headers=hq, json={"reason": "order_unknown"})
        assert resp.status_code == 200 and resp.json()["still_quarantined"] == 1
        assert quarantine(client, hq, "tmall-shop") == {"C1": "order_unknown"}

    def test_pushing_everything_again_is_all_duplicates_and_changes_nothing(self, client, hq, tmall, shop):
        tmall.push((DATA / "tmall_events.jsonl").read_bytes())
        before = orders_by_ref(client, hq), stock(client, hq, shop.id), quarantine(client, hq, "tmall-shop")
        lines = (DATA / "tmall_events.jsonl").read_bytes().splitlines()[::-1]  # again, newest first
        results = [counts(tmall.push(line)) for line in lines]
        assert all(r[2] == r[0] and r[1] == r[3] == 0 for r in results)
        assert (orders_by_ref(client, hq), stock(client, hq, shop.id), quarantine(client, hq, "tmall-shop")) == before

    def test_a_single_pretty_printed_body(self, client, hq, tmall):
        assert counts(tmall.push((DATA / "tmall_created.json").read_bytes())) == (1, 1, 0, 0)
        assert orders_by_ref(client, hq)["tmall:T2001"]["status"] == "placed"

    def test_an_order_nothing_can_fulfil_waits_in_quarantine_until_stock_arrives(self, client, db, hq, tmall, shop):
        big = tmall_event("B1", "taobao_trade_TradeCreate", "T6", orders=[{"outer_sku_id": "MILK-1L", "num": 150}])
        assert counts(tmall.push(big)) == (1, 0, 0, 1)
        assert quarantine(client, hq, "tmall-shop") == {"B1": "no_route"}
        factories.stock(db, shop, catalog.sku_by_code(db, code="MILK-1L"), 100)
        resp = client.post("/api/v1/integration/sources/tmall-shop/replay", headers=hq, json={"external_ids": ["B1"]})
        assert resp.json()["accepted"] == 1
        assert orders_by_ref(client, hq)["tmall:T6"]["status"] == "placed"

    def test_orders_competing_for_the_last_stock_in_one_body_refuse_only_the_one_that_does_not_fit(
            self, client, hq, tmall, shop):
        body = b"\n".join(json.dumps(tmall_event(f"K{n}", "taobao_trade_TradeCreate", f"T9{n}", orders=[
            {"outer_sku_id": "MILK-1L", "num": 60}])).encode() for n in (1, 2))
        assert counts(tmall.push(body)) == (2, 1, 0, 1)
        assert quarantine(client, hq, "tmall-shop") == {"K2": "no_route"}
        assert stock(client, hq, shop.id)["MILK-1L"] == (100, 60)

    def test_a_buyer_id_that_is_not_an_identity_still_places_the_order(self, client, hq, tmall):
        event = tmall_event("N1", "taobao_trade_TradeCreate", "T10", orders=[{"outer_sku_id": "MILK-1L", "num": 1}])
        event["content"]["buyer_open_uid"] = "淘宝昵称 小明"
        assert counts(tmall.push(event)) == (1, 1, 0, 0)
        assert orders_by_ref(client, hq)["tmall:T10"]["member_id"] is None

    def test_a_payment_reusing_a_transaction_id_is_quarantined_not_a_crash(self, client, hq, tmall):
        for n in (1, 2):
            tmall.push(tmall_event(f"X{n}", "taobao_trade_TradeCreate", f"T3{n}", orders=[
                {"outer_sku_id": "MILK-1L", "num": 1}]))
        body = b"\n".join(json.dumps(tmall_event(f"Y{n}", "taobao_trade_TradeBuyerPay", f"T3{n}", payment="12.90",
                                                  alipay_no="SAME-TXN")).encode() for n in (1, 2))
        assert counts(tmall.push(body)) == (2, 1, 0, 1)
        assert quarantine(client, hq, "tmall-shop") == {"Y2": "payment_transaction_reused"}
        orders = orders_by_ref(client, hq)
        assert (orders["tmall:T31"]["payment_status"], orders["tmall:T32"]["payment_status"]) == ("paid", "pending")

    def test_refund_of_a_paid_open_order_cancels_it_and_gives_the_money_back(self, client, hq, tmall, shop):
        for event in (tmall_event("R1", "taobao_trade_TradeCreate", "T4", orders=[{"outer_sku_id": "MILK-1L", "num": 2}]),
                      tmall_event("R2", "taobao_trade_TradeBuyerPay", "T4", payment="25.80", alipay_no="A4"),
                      tmall_event("R3", "taobao_refund_RefundSuccess", "T4")):
            assert counts(tmall.push(event))[1] == 1
        order = orders_by_ref(client, hq)["tmall:T4"]
        assert (order["status"], order["payment_status"]) == ("cancelled", "refunded")
        assert order["refunded_fen"] == order["payable_fen"] == 2580
        assert stock(client, hq, shop.id)["MILK-1L"] == (100, 0)

    def test_refund_after_delivery_takes_the_goods_back(self, client, hq, tmall, shop):
        tmall.push(tmall_event("D1", "taobao_trade_TradeCreate", "T5", orders=[{"outer_sku_id": "RICE-5KG", "num": 1}]))
        tmall.push(tmall_event("D2", "taobao_trade_TradeBuyerPay", "T5", payment="69.90", alipay_no="A5"))
        order_id = orders_by_ref(client, hq)["tmall:T5"]["id"]
        for step in ("accept", "start-picking", "ready", "ship", "complete"):
            resp = client.post(f"/api/v1/orders/{order_id}/groups/1/{step}", headers=hq)
            assert resp.status_code == 200, (step, resp.text)
        assert stock(client, hq, shop.id)["RICE-5KG"] == (99, 0)
        assert counts(tmall.push(tmall_event("D3", "taobao_refund_RefundSuccess", "T5")))[1] == 1
        order = orders_by_ref(client, hq)["tmall:T5"]
        assert (order["status"], order["refunded_fen"]) == ("completed", 6990)
        assert stock(client, hq, shop.id)["RICE-5KG"] == (100, 0)
        returns = client.get(f"/api/v1/orders/{order_id}/returns", headers=hq).json()
        assert [(r["channel"], r["refund_fen"]) for r in returns] == [("ecommerce", 6990)]


class TestJdBatches:
    def test_a_batch_of_notifications_under_the_jd_mapping(self, client, hq, shop):
        jd = register(client, hq, "jd-shop", "jd")
        assert counts(jd.push((DATA / "jd_batch.json").read_bytes())) == (5, 4, 0, 1)
        orders = orders_by_ref(client, hq)
        assert orders["jd:260001"]["payment_status"] == "paid"
        assert (orders["jd:260002"]["status"], orders["jd:260002"]["cancel_reason"]) == ("cancelled", "超时未支付")
        assert orders["jd:260001"]["member_id"] == orders["jd:260002"]["member_id"] is not None  # same buyer pin
        assert list(quarantine(client, hq, "jd-shop").values()) == ["unmapped_value"]
        detail = client.get(f"/api/v1/orders/{orders['jd:260001']['id']}", headers=hq).json()
        assert {(ln["sku_code"], ln["quantity"]) for ln in detail["lines"]} == {("RICE-5KG", 1), ("MILK-1L", 3)}


YOUZAN_LIKE = {
    "platform": "youzan",
    "events": "",
    "fields": {"event_id": "id", "event": "type", "order_id": "msg.tid", "occurred_at": "msg.update_time",
               "buyer_id": "msg.buyer.fans_id", "contact.name": "msg.address.receiver_name",
               "contact.latitude": "msg.address.lat", "contact.longitude": "msg.address.lon",
               "lines[].sku_code": "msg.orders[].outer_sku_id", "lines[].quantity": "msg.orders[].num",
               "payment.amount_fen": "msg.pay.real_pay", "payment.transaction_id": "msg.pay.transaction_no"},
    "values": {"event": {"trade_TradeCreate": "created", "trade_TradePaid": "paid"}},
    "transforms": {"payment.amount_fen": "yuan_to_fen", "occurred_at": "datetime_cn"},
    "defaults": {"mode": "ship", "payment.provider": "wechat_pay"},
}


class TestMappingIsConfiguration:
    def test_a_new_platform_is_a_mapping_not_code(self, client, hq, shop):
        youzan = register(client, hq, "youzan-shop", None)
        resp = client.put("/api/v1/integration/sources/youzan-shop/mapping", headers=hq, json={"mapping": YOUZAN_LIKE})
        assert resp.status_code == 200, resp.text
        assert resp.json()["platform"] == "youzan"
        created = {"id": "yz-1", "type": "trade_TradeCreate", "msg": {
            "tid": "E2026", "update_time": "2026-11-25 11:00:00", "buyer": {"fans_id": "fans9"},
            "address": {"receiver_name": "张三", "lat": 31.2, "lon": 121.5},
            "orders": [{"outer_sku_id": "MILK-1L", "num": 1}]}}
        preview = client.post("/api/v1/integration/sources/youzan-shop/mapping/preview", headers=hq, json=created)
        assert preview.status_code == 200 and preview.json()[0]["data"]["lines"] == [
            {"sku_code": "MILK-1L", "quantity": 1}]
        assert counts(youzan.push(created))[1] == 1
        paid = {"id": "yz-2", "type": "trade_TradePaid", "msg": {"tid": "E2026", "pay": {
            "real_pay": "12.90", "transaction_no": "wx-1"}}}
        assert counts(youzan.push(paid))[1] == 1
        assert orders_by_ref(client, hq)["youzan:E2026"]["payment_status"] == "paid"

    def test_pushes_before_the_mapping_was_set_are_kept_and_reprocessed_after(self, client, hq, shop):
        early = register(client, hq, "early-shop", None)
        first = early.push((DATA / "tmall_created.json").read_bytes())
        assert counts(first) == (1, 0, 0, 1)
        assert client.put("/api/v1/integration/sources/early-shop/mapping", headers=hq,
                          json={"mapping": "tmall"}).status_code == 200
        again = client.post(f"/api/v1/integration/batches/{first.json()['id']}/reprocess", headers=hq)
        assert again.status_code == 201 and again.json()["accepted"] == 1
        assert orders_by_ref(client, hq)["tmall:T2001"]["status"] == "placed"

    def test_a_wrong_mapping_is_refused_with_every_problem(self, client, hq, shop):
        register(client, hq, "bad-shop", None)
        resp = client.put("/api/v1/integration/sources/bad-shop/mapping", headers=hq, json={"mapping": {
            "platform": "x", "fields": {"order_id": "a", "lines[].sku_code": "b"}, "transforms": {"order_id": "?"}}})
        assert resp.status_code == 422 and resp.json()["error"] == "mapping_invalid"
        assert len(resp.json()["detail"]["problems"]) >= 3
        assert client.get("/api/v1/integration/mappings/presets", headers=hq).json().keys() == {"tmall", "jd"}

    def test_only_head_office_sets_mappings(self, client, db, hq, tmall):
        manager = factories.as_role(client, db, Role.STORE_MANAGER, [factories.store(db)])
        resp = client.put("/api/v1/integration/sources/tmall-shop/mapping", headers=manager, json={"mapping": "jd"})
        assert resp.status_code == 403


class TestRefusals:
    BODY = (DATA / "tmall_created.json").read_bytes()

    def refused(self, resp, status: int, code: str, client, hq):
        assert resp.status_code == status, resp.text
        assert resp.json()["error"] == code
        batches = client.get("/api/v1/integration/batches", headers=hq, params={"source": "tmall-shop"}).json()
        assert batches["items"] == []  # nothing landed, nothing applied
        assert orders_by_ref(client, hq) == {}

    def test_wrong_signature(self, client, hq, tmall, caplog):
        with caplog.at_level(logging.WARNING):
            self.refused(tmall.push(self.BODY, secret="whsec_not-the-secret"), 401, "bad_signature", client, hq)
        assert "inbound webhook refused" in caplog.text and "bad_signature" in caplog.text

    def test_stale_timestamp(self, client, hq, tmall):
        self.refused(tmall.push(self.BODY, ts=int(time.time()) - 3600), 401, "bad_signature", client, hq)

    def test_body_changed_after_signing(self, client, hq, tmall):
        ts = int(time.time())
        resp = client.post("/api/v1/integration/sources/tmall-shop/orders", content=self.BODY.replace(b"T2001", b"T9999"),
                           headers={"X-API-Key": tmall.key, "X-Zhongtai-Timestamp": str(ts),
                                    "X-Zhongtai-Signature": signing.sign(tmall.secret, ts, self.BODY)})
        self.refused(resp, 401, "bad_signature", client, hq)

    def test_wrong_key(self, client, hq, tmall, caplog):
        with caplog.at_level(logging.WARNING):
            self.refused(tmall.push(self.BODY, key="zt_abcdef012345_not-a-key"), 401, "invalid_api_key", client, hq)
        assert "invalid_api_key" in caplog.text

    def test_key_without_the_ingest_scope(self, client, db, hq, tmall):
        key = factories.api_client(db, scopes=["stores:read"], all_stores=True, kind="ecommerce")
        self.refused(tmall.push(self.BODY, key=key), 403, "forbidden", client, hq)

    def test_another_sources_key(self, client, hq, tmall):
        other = register(client, hq, "other-shop", "jd")
        self.refused(tmall.push(self.BODY, key=other.key, secret=other.secret), 403, "wrong_source", client, hq)

    def test_staff_cannot_push_unsigned_as_a_platform(self, client, hq, tmall):
        resp = client.post("/api/v1/integration/sources/tmall-shop/orders", content=self.BODY, headers=hq)
        self.refused(resp, 403, "signed_client_only", client, hq)

    def test_not_an_ecommerce_source(self, client, hq, shop):
        erp = register(client, hq, "erp", None, type_="erp")
        resp = erp.push(self.BODY)
        assert resp.status_code == 422 and resp.json()["error"] == "wrong_source_type"
