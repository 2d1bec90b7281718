"""The console's order pages through HTTP, as a browser (and htmx) asks for them: the fulfilment board and
its actions, the pick list, the order list and detail, and the overview with NPS and complaints."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests import factories as f
from tests.api.test_console import csrf_token, signed_in_as
from zhongtai.kernel import clock
from zhongtai.kernel.auth import Role
from zhongtai.web import orders_view

HTML = {"Accept": "text/html,application/xhtml+xml"}
HX = {"HX-Request": "true"}
ALWAYS = {d: [{"open": "00:00", "close": "24:00"}] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
CUSTOMER = {"name": "王女士", "phone": "13812345678", "address": "陆家嘴环路 1000 号",
            "latitude": 31.2397, "longitude": 121.4998}
OVERVIEW_DATA = re.compile(r'<script type="application/json" id="overview-chart-data">(.*?)</script>',
                           re.DOTALL)


def open_shop(db) -> dict:
    """Two always-open stores near Lujiazui with rice (pieces) and fish (by weight), and an app's API key."""
    near = f.store(db, code="NEAR", name="陆家嘴店", latitude=31.2335, longitude=121.4752,
                   opening_hours=ALWAYS, processing_services=["fish_cleaning"])
    far = f.store(db, code="FAR", name="世纪公园店", latitude=31.2160, longitude=121.5510,
                  opening_hours=ALWAYS, delivery_radius_km=8)
    rice, fish = f.catalog_sku(db, price=2990), f.catalog_sku(db, unit="gram", shelf_life_days=2, price=5980)
    for s in (near, far):
        f.stock(db, s, rice, 10)
        f.stock(db, s, fish, 5000)
    key = f.api_client(db, scopes=["orders:read", "orders:write"], kind="ecommerce", all_stores=True)
    app = {"X-API-Key": key}
    return {"near": near, "far": far, "rice": rice, "fish": fish, "app": app}


@pytest.fixture
def shop(client, db):
    return open_shop(db)


def place(client, shop, *, mode="delivery", channel="app", store=None, lines=None, **extra) -> dict:
    """An order placed through the API as a channel would (delivery routes to NEAR, the nearer store)."""
    body = {"channel": channel, "mode": mode, "contact": CUSTOMER,
            "lines": lines or [{"sku_code": shop["rice"].code, "quantity": 2},
                               {"sku_code": shop["fish"].code, "weight_g": 500}],
            "payment": payment(), **extra}
    if store is not None:
        body["store_id"] = store.id
    resp = client.post("/api/v1/orders", json=body, headers=shop["app"])
    assert resp.status_code == 201, resp.text
    return resp.json()


def payment() -> dict:
    """A paid WeChat Pay result with a transaction id of its own."""
    return {"provider": "wechat_pay", "transaction_id": f"wx{time.time_ns()}", "amount_fen": 0}


def api_order(client, shop, order: dict) -> dict:
    return client.get(f"/api/v1/orders/{order['id']}", headers=shop["app"]).json()


def act(client, store, order: dict, action: str, headers=HX, group: int = 1, **data):
    """Press a button on the board (an htmx POST with the page's CSRF token)."""
    path = (f"/console/fulfilment/{order['id']}/cancel" if action == "cancel"
            else f"/console/fulfilment/{order['id']}/groups/{group}/{action}")
    token = csrf_token(client, f"/console/fulfilment?store={store.id}")
    return client.post(path, params={"store": store.id}, data={"csrf_token": token, **data}, headers=headers,
                       follow_redirects=False)


def column(html: str, key: str) -> str:
    return re.search(rf'<section class="board-col" id="col-{key}".*?</section>', html, re.DOTALL).group(0)


def card(html: str, number: str) -> str:
    return re.search(rf'<article class="order-card[^"]*"[^>]*data-number="{number}".*?</article>', html,
                     re.DOTALL).group(0)


def where(html: str, number: str) -> str | None:
    """The board column holding the order's card, or None if it is not on the board."""
    for key, _ in orders_view.COLUMNS:
        if f'data-number="{number}"' in column(html, key):
            return key
    return None


def section(html: str, section_id: str) -> str:
    return re.search(rf'<section class="card[^"]*" id="{section_id}".*?</section>', html, re.DOTALL).group(0)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


class TestFulfilmentBoard:
    def test_manager_sees_only_their_stores_open_work(self, client, db, shop):
        mine = place(client, shop)
        theirs = place(client, shop, mode="pickup", store=shop["far"])
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        resp = client.get("/console/fulfilment", headers=HTML)
        assert resp.status_code == 200 and "<h1>履约看板</h1>" in resp.text
        assert where(resp.text, mine["number"]) == "placed" and theirs["number"] not in resp.text
        assert 'hx-trigger="every 15s' in resp.text
        assert 'hx-get="/console/fulfilment/board?store=' in resp.text
        shown = text(card(resp.text, mine["number"]))
        for expected in ("配送", "App", "王女士", shop["rice"].code, "2 件", shop["fish"].code, "0.500 kg",
                         "接单", "取消订单", "打印拣货单"):
            assert expected in shown, expected
        assert "开始拣货" not in shown, "only the moves allowed next are offered"

    def test_another_stores_board_is_a_404_page(self, client, db, shop):
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        resp = client.get("/console/fulfilment", params={"store": shop["far"].id}, headers=HTML)
        assert resp.status_code == 404 and "门店不存在，或你无权查看" in resp.text

    def test_a_pickup_goes_through_every_column_to_completion(self, client, db, shop):
        order = place(client, shop, mode="pickup", store=shop["near"])
        code, store = order["groups"][0]["pickup_code"], shop["near"]
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        accepted = act(client, store, order, "accept")
        assert accepted.status_code == 200 and "<html" not in accepted.text
        assert where(accepted.text, order["number"]) == "accepted"
        assert f"订单 {order['number']} 已接单" in accepted.text
        assert api_order(client, shop, order)["status"] == "accepted"
        picking = act(client, store, order, "start-picking")
        assert where(picking.text, order["number"]) == "picking"
        ready = act(client, store, order, "ready")
        assert where(ready.text, order["number"]) == "ready"
        assert "取货截止" in card(ready.text, order["number"]) and 'name="pickup_code"' in ready.text
        assert api_order(client, shop, order)["status"] == "ready"
        done = act(client, store, order, "complete", pickup_code=code)
        assert done.status_code == 200 and where(done.text, order["number"]) is None
        assert f"取货码正确，订单 {order['number']} 已完成" in done.text
        assert api_order(client, shop, order)["status"] == "completed"

    def test_a_wrong_pickup_code_says_so_and_completes_nothing(self, client, db, shop):
        order = place(client, shop, mode="pickup", store=shop["near"])
        store, code = shop["near"], order["groups"][0]["pickup_code"]
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        for step in ("accept", "start-picking", "ready"):
            assert act(client, store, order, step).status_code == 200
        wrong = act(client, store, order, "complete", pickup_code="000000" if code != "000000" else "111111")
        assert wrong.status_code == 422 and wrong.headers["x-console-partial"] == "error"
        assert 'id="board-error" data-code="wrong_pickup_code"' in wrong.text and "取货码不正确" in wrong.text
        assert where(wrong.text, order["number"]) == "ready"
        assert api_order(client, shop, order)["status"] == "ready"

    def test_a_short_pick_is_entered_in_kilograms_and_refunded(self, client, db, shop):
        order = place(client, shop, mode="pickup", store=shop["near"])
        store = shop["near"]
        fish_line = next(ln["line_no"] for ln in order["lines"] if ln["sku_code"] == shop["fish"].code)
        rice_line = next(ln["line_no"] for ln in order["lines"] if ln["sku_code"] == shop["rice"].code)
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        act(client, store, order, "accept")
        act(client, store, order, "start-picking")
        resp = act(client, store, order, "ready", line=[rice_line, fish_line], picked=["", "0.3"])
        assert resp.status_code == 200, resp.text
        assert "实拣 0.300 kg" in card(resp.text, order["number"])
        got = api_order(client, shop, order)
        picked = {ln["line_no"]: ln["picked_quantity"] for ln in got["lines"]}
        assert picked == {rice_line: 2, fish_line: 300}
        assert got["status"] == "ready" and got["refunded_fen"] == 2990 - 2990 * 300 // 500

    @pytest.mark.parametrize("typed", ["abc", "0.5001", "0.6", "-1"])
    def test_a_picked_amount_that_makes_no_sense_is_refused(self, client, db, shop, typed):
        order = place(client, shop, mode="pickup", store=shop["near"])
        store = shop["near"]
        fish_line = next(ln["line_no"] for ln in order["lines"] if ln["sku_code"] == shop["fish"].code)
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        act(client, store, order, "accept")
        act(client, store, order, "start-picking")
        resp = act(client, store, order, "ready", line=[fish_line], picked=[typed])
        assert resp.status_code == 422 and "实拣数量无效" in resp.text
        assert api_order(client, shop, order)["status"] == "picking"

    def test_a_delivery_is_handed_to_the_rider_then_marked_delivered(self, client, db, shop):
        order = place(client, shop)
        store = shop["near"]
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        for step in ("accept", "start-picking", "ready"):
            act(client, store, order, step)
        rider = {"rider_name": "李师傅", "rider_phone": "13900001111", "partner": "达达"}
        out = act(client, store, order, "handover", **rider)
        assert where(out.text, order["number"]) == "on_the_way"
        assert "骑手: 李师傅 · 13900001111 · 达达" in text(card(out.text, order["number"]))
        got = api_order(client, shop, order)
        assert got["status"] == "out_for_delivery" and got["groups"][0]["rider"]["rider_name"] == "李师傅"
        done = act(client, store, order, "complete")
        assert where(done.text, order["number"]) is None
        assert f"订单 {order['number']} 已完成" in done.text and "取货码" not in done.text
        assert api_order(client, shop, order)["status"] == "completed"

    def test_an_illegal_step_is_explained_and_leaves_no_trace(self, client, db, shop):
        order = place(client, shop)
        store = shop["near"]
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        resp = act(client, store, order, "start-picking")
        assert resp.status_code == 409
        assert "订单当前状态不能执行此操作 · 当前状态：待接单" in text(resp.text)
        got = api_order(client, shop, order)
        assert got["status"] == "placed" and [e["kind"] for e in got["timeline"]] == ["placed"], \
            "the failed step's half-written timeline entry must be rolled back"

    def test_a_handover_out_of_turn_keeps_no_rider(self, client, db, shop):
        order = place(client, shop)
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        assert act(client, shop["near"], order, "handover", rider_name="王师傅").status_code == 409
        assert api_order(client, shop, order)["groups"][0]["rider"] == {}

    def test_cancel_needs_a_reason_and_releases_the_stock(self, client, db, shop):
        order = place(client, shop)
        store = shop["near"]
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        refused = act(client, store, order, "cancel", reason=" ")
        assert refused.status_code == 422 and "请填写取消原因" in refused.text
        assert api_order(client, shop, order)["status"] == "placed"
        done = act(client, store, order, "cancel", reason="顾客来电取消")
        assert done.status_code == 200 and where(done.text, order["number"]) is None
        got = api_order(client, shop, order)
        assert got["status"] == "cancelled" and got["cancel_reason"] == "顾客来电取消"
        assert got["payment_status"] == "refunded"

    def test_another_stores_order_cannot_be_worked(self, client, db, shop):
        order = place(client, shop)  # fulfilled at NEAR
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["far"]])
        resp = act(client, shop["far"], order, "accept")
        assert resp.status_code == 404 and "订单不存在，或你无权查看" in resp.text
        assert api_order(client, shop, order)["status"] == "placed"

    def test_actions_need_the_csrf_token(self, client, db, shop):
        order = place(client, shop)
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        resp = client.post(f"/console/fulfilment/{order['id']}/groups/1/accept", headers=HX)
        assert resp.status_code == 403
        assert api_order(client, shop, order)["status"] == "placed"

    def test_without_javascript_a_button_posts_and_comes_back_to_the_board(self, client, db, shop):
        order = place(client, shop)
        store = shop["near"]
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        resp = act(client, store, order, "accept", headers=HTML)
        assert resp.status_code == 303 and resp.headers["location"] == f"/console/fulfilment?store={store.id}"
        failed = act(client, store, order, "accept", headers=HTML)
        assert failed.status_code == 409 and "<html" in failed.text
        assert "当前状态：已接单" in text(failed.text)

    def test_late_work_is_highlighted(self, client, db, shop):
        order = place(client, shop)
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        assert "已超时" not in client.get("/console/fulfilment").text
        clock.freeze(clock.now() + timedelta(hours=2))
        try:
            shown = card(client.get("/console/fulfilment/board", headers=HX).text, order["number"])
        finally:
            clock.freeze(None)
        assert 'class="order-card is-late"' in shown and "已超时" in shown

    def test_promised_time_is_on_the_stores_clock(self, client, db, shop):
        order = place(client, shop)
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        promised_at = datetime.fromisoformat(order["groups"][0]["promised_at"])
        promised = promised_at.astimezone(ZoneInfo("Asia/Shanghai"))
        shown = text(card(client.get("/console/fulfilment").text, order["number"]))
        assert f"承诺 {promised:%H:%M}" in shown or f"承诺 {promised:%m-%d %H:%M}" in shown

    def test_the_board_partial_is_what_htmx_polls(self, client, db, shop):
        order = place(client, shop)
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        resp = client.get("/console/fulfilment/board", params={"store": shop["near"].id}, headers=HX)
        assert resp.status_code == 200 and resp.text.lstrip().startswith('<div id="board"')
        assert where(resp.text, order["number"]) == "placed"

    def test_labels_in_english(self, client, db, shop):
        place(client, shop)
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        client.post("/console/locale", data={"locale": "en", "csrf_token": csrf_token(client, "/console/")})
        page = client.get("/console/fulfilment").text
        for label in ("Fulfilment board", "Accept", "Delivery", "Out for delivery / shipped"):
            assert label in page


class TestPickList:
    def test_prints_the_lines_to_pick(self, client, db, shop):
        order = place(client, shop, mode="pickup", store=shop["near"])
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        resp = client.get(f"/console/fulfilment/{order['id']}/pick-list", headers=HTML)
        assert resp.status_code == 200
        sheet = text(section(resp.text, "pick-group-1"))
        for expected in (order["number"], "陆家嘴店", "自提", "王女士", shop["rice"].code, "2 件", "0.500 kg",
                         "拣货人"):
            assert expected in sheet, expected
        assert order["groups"][0]["pickup_code"] not in resp.text, "the pick list must not give the code away"
        assert "@media print" in client.get("/static/css/console.css").text

    def test_another_stores_order_is_a_404_page(self, client, db, shop):
        order = place(client, shop)
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["far"]])
        assert client.get(f"/console/fulfilment/{order['id']}/pick-list", headers=HTML).status_code == 404


class TestOrdersPage:
    def test_lists_the_managers_orders_newest_first(self, client, db, shop):
        first = place(client, shop)
        second = place(client, shop, mode="pickup", store=shop["near"], channel="mini_program")
        theirs = place(client, shop, mode="pickup", store=shop["far"])
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        page = client.get("/console/orders", headers=HTML).text
        assert re.findall(r'<tr data-order-id="[^"]+" data-number="([^"]+)"', page) == [second["number"],
                                                                                        first["number"]]
        assert theirs["number"] not in page and "显示 2 条，共 2 条" in page

    def test_filters_by_channel_and_status(self, client, db, shop):
        app_order = place(client, shop)
        mini = place(client, shop, mode="pickup", store=shop["near"], channel="mini_program")
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        by_channel = client.get("/console/orders", params={"channel": "mini_program"}).text
        assert mini["number"] in by_channel and app_order["number"] not in by_channel
        act(client, shop["near"], app_order, "accept")
        by_status = client.get("/console/orders", params={"status": "accepted"}).text
        assert app_order["number"] in by_status and mini["number"] not in by_status
        assert "没有符合条件的订单" in client.get("/console/orders", params={"status": "shipped"}).text

    def test_pages_through_the_orders(self, client, db, shop, monkeypatch):
        monkeypatch.setattr(orders_view, "PAGE_SIZE", 1)
        orders = [place(client, shop) for _ in range(2)]
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        first = client.get("/console/orders").text
        assert orders[1]["number"] in first and orders[0]["number"] not in first and "第 1 / 2 页" in first
        assert orders[0]["number"] in client.get("/console/orders", params={"page": 2}).text


class TestOrderDetail:
    def test_explains_why_this_store_in_the_readers_language(self, client, db, shop):
        order = place(client, shop)
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        page = client.get(f"/console/orders/{order['id']}", headers=HTML).text
        routing = text(section(page, "order-routing"))
        assert "为什么是这家门店" in routing and "NEAR 能最快满足全部商品" in routing
        rows = re.findall(r'<tr data-code="([^"]+)"( class="is-here")?', page)
        assert rows[0] == ("NEAR", ' class="is-here"') and ("FAR", "") in rows
        assert "已选" in routing and "评分" in routing

    def test_names_why_a_store_lost(self, client, db, shop):
        order = place(client, shop, lines=[{"sku_code": shop["rice"].code, "quantity": 1}])
        f.store(db, code="EMPTY", name="空店", latitude=31.2300, longitude=121.4800, opening_hours=ALWAYS)
        signed_in_as(client, db, Role.HQ_ADMIN)
        page = client.get(f"/console/orders/{order['id']}").text
        assert "EMPTY" not in page  # placed before that store existed: the page shows what was recorded then
        other = place(client, shop, lines=[{"sku_code": shop["rice"].code, "quantity": 1}])
        lost = re.search(r'<tr data-code="EMPTY".*?</tr>', client.get(f"/console/orders/{other['id']}").text,
                         re.DOTALL).group(0)
        assert f"缺货：{shop['rice'].code}" in text(lost)

    def test_timeline_is_on_the_stores_clock(self, client, db, shop):
        order = place(client, shop)
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        act(client, shop["near"], order, "accept")
        page = client.get(f"/console/orders/{order['id']}").text
        timeline = re.search(r'<ol class="timeline">.*?</ol>', page, re.DOTALL).group(0)
        assert re.findall(r'data-kind="([^"]+)"', timeline) == ["placed", "accepted"]
        for event in api_order(client, shop, order)["timeline"]:
            local = datetime.fromisoformat(event["at"]).astimezone(ZoneInfo("Asia/Shanghai"))
            assert f"{local:%Y-%m-%d %H:%M}" in timeline
        assert "下单" in timeline and "接单" in timeline and "Asia/Shanghai" in page

    def test_shows_picked_amounts_and_money(self, client, db, shop):
        order = place(client, shop, mode="pickup", store=shop["near"])
        fish_line = next(ln["line_no"] for ln in order["lines"] if ln["sku_code"] == shop["fish"].code)
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        act(client, shop["near"], order, "accept")
        act(client, shop["near"], order, "start-picking")
        act(client, shop["near"], order, "ready", line=[fish_line], picked=["0.25"])
        page = client.get(f"/console/orders/{order['id']}").text
        fish = re.search(rf'<tr data-line="{fish_line}".*?</tr>', page, re.DOTALL).group(0)
        assert "0.250 kg" in fish and 'class="num down"' in fish
        money = text(section(page, "order-money"))
        assert "应付 ¥89.70" in money and "已退款 ¥14.95" in money and "实收 ¥74.75" in money
        assert "缺货退款" in page

    def test_another_stores_order_is_a_404_page(self, client, db, shop):
        order = place(client, shop)
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["far"]])
        resp = client.get(f"/console/orders/{order['id']}", headers=HTML)
        assert resp.status_code == 404 and "订单不存在，或你无权查看" in resp.text
        assert order["number"] not in resp.text


def completed_with_feedback(client, shop, store, *, nps: int, complaint: bool, comment: str = "") -> dict:
    """A till sale at `store` and the shopper's feedback on it."""
    order = place(client, shop, mode="in_store", channel="pos", store=store,
                  lines=[{"sku_code": shop["rice"].code, "quantity": 1}])
    resp = client.post(f"/api/v1/orders/{order['id']}/feedback", headers=shop["app"], json={
        "rating": 2 if complaint else 5, "nps": nps, "comment": comment, "complaint": complaint})
    assert resp.status_code == 201, resp.text
    return resp.json()


class TestOverview:
    def test_head_office_sees_nps_by_store_and_orders_by_channel(self, client, db, shop):
        completed_with_feedback(client, shop, shop["near"], nps=10, complaint=False)
        completed_with_feedback(client, shop, shop["far"], nps=3, complaint=True, comment="鱼不新鲜")
        place(client, shop)
        signed_in_as(client, db, Role.HQ_ADMIN)
        resp = client.get("/console/overview", headers=HTML)
        assert resp.status_code == 200 and "<h1>总览</h1>" in resp.text
        data = json.loads(OVERVIEW_DATA.search(resp.text).group(1))
        assert data["nps"]["names"] == ["陆家嘴店", "世纪公园店"] and data["nps"]["values"] == [100.0, -100.0]
        assert {c["key"]: c["value"] for c in data["channels"]} == {"pos": 2, "app": 1}
        assert data["labels"]["channels"]["pos"] == "门店收银"
        assert 'id="nps-chart"' in resp.text and 'id="channel-chart"' in resp.text
        assert "鱼不新鲜" in resp.text and "待处理投诉 1 条" in resp.text

    def test_resolving_a_complaint_closes_it(self, client, db, shop):
        fb = completed_with_feedback(client, shop, shop["near"], nps=2, complaint=True, comment="少了一袋米")
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        token = csrf_token(client, "/console/overview")
        path = f"/console/overview/complaints/{fb['id']}/resolve"
        refused = client.post(path, data={"csrf_token": token, "resolution": "x"}, headers=HX)
        assert refused.status_code == 422 and "请填写处理结果" in refused.text
        done = client.post(path, data={"csrf_token": token, "resolution": "已补发一袋米并致歉"}, headers=HX)
        assert done.status_code == 200 and "投诉已处理" in done.text and "少了一袋米" not in done.text
        resolved = client.get("/api/v1/feedback/complaints", params={"status": "resolved"},
                              headers=shop["app"]).json()
        assert [(c["id"], c["resolution"]) for c in resolved] == [(fb["id"], "已补发一袋米并致歉")]

    def test_a_manager_sees_only_their_stores(self, client, db, shop):
        completed_with_feedback(client, shop, shop["near"], nps=9, complaint=False)
        completed_with_feedback(client, shop, shop["far"], nps=1, complaint=True, comment="排队太久")
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        page = client.get("/console/overview").text
        assert json.loads(OVERVIEW_DATA.search(page).group(1))["nps"]["names"] == ["陆家嘴店"]
        assert "排队太久" not in page and "暂无待处理投诉" in page
        assert 'id="overview-link"' in client.get("/console/orders").text

    def test_with_no_data_it_says_so(self, client, db, shop):
        signed_in_as(client, db, Role.HQ_ADMIN)
        page = client.get("/console/overview").text
        assert "暂无评价" in page and "暂无待处理投诉" in page and 'id="nps-chart"' not in page

    def test_guides_may_not_open_it(self, client, db, shop):
        signed_in_as(client, db, Role.GUIDE, [shop["near"]])
        resp = client.get("/console/overview", headers=HTML)
        assert resp.status_code == 403 and "你没有权限执行此操作" in resp.text
        assert 'id="overview-link"' not in client.get("/console/orders").text


class TestNavigation:
    @pytest.mark.parametrize(("role", "links"), [
        (Role.HQ_ADMIN, ["/console/fulfilment", "/console/orders", "/console/members", "/console/overview"]),
        (Role.STORE_MANAGER, ["/console/fulfilment", "/console/orders", "/console/members"]),
        (Role.GUIDE, ["/console/fulfilment", "/console/orders", "/console/members"]),
    ])
    def test_order_and_customer_pages_are_in_the_menu(self, client, db, shop, role, links):
        signed_in_as(client, db, role, [] if role == Role.HQ_ADMIN else [shop["near"]])
        page = client.get("/console/orders").text
        nav = re.search(r'<nav class="sidenav".*?</nav>', page, re.DOTALL).group(0)
        hrefs = [h.split("?")[0] for h in re.findall(r'<a href="([^"]+)"', nav)]
        assert all(link in hrefs for link in links)
        assert re.search(r'<a href="/console/orders" class="active"', nav)
