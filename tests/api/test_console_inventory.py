"""The console's stock pages through HTTP, as a browser asks for them: stock, find a SKU, near expiry,
movements; and console errors as HTML pages while the API keeps answering JSON."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from tests import factories as f
from tests.api.test_console import signed_in_as
from zhongtai.inventory import service as inventory
from zhongtai.inventory.schemas import Qty
from zhongtai.kernel import clock
from zhongtai.kernel.auth import Role
from zhongtai.web import stock_view

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
FIND_CHART = re.compile(r'<script type="application/json" id="find-chart-data">(.*?)</script>', re.DOTALL)
MOVES_CHART = re.compile(r'<script type="application/json" id="movements-chart-data">(.*?)</script>', re.DOTALL)


def page(client, path: str, **params):
    """A console page as a browser requests it."""
    return client.get(path, params=params, headers=HTML)


def stock_codes(html: str) -> list[str]:
    return re.findall(r'<tr data-sku-id="\d+" data-sku-code="([^"]+)"', html)


def row(html: str, code: str) -> str:
    return re.search(rf'data-sku-code="{code}".*?</tr>', html, re.DOTALL).group(0)


def cell(html: str, field: str) -> str:
    return re.search(rf'data-field="{field}">([^<]*)<', html).group(1)


def adjust(db, store, sku, delta: int, reason: str = "damaged", actor: str = "user:clerk") -> None:
    inventory.adjust(db, location_id=store.id, sku_code=sku.code, delta=delta,
                     doc=inventory.Doc(source_type="adjustment", source_id="ADJ-1", actor=actor, reason=reason))
    db.commit()


def sell(db, store, sku, quantity: int, receipt: str = "T-1") -> None:
    inventory.sell(db, location_id=store.id, lines=[Qty(sku_code=sku.code, quantity=quantity)],
                   doc=inventory.Doc(source_type="sale", source_id=receipt, actor="client:pos"))
    db.commit()


@pytest.fixture
def two_stores(db):
    """A manager's store and someone else's, each holding a different SKU."""
    mine, other = f.store(db, name="我的店"), f.store(db, name="别人的店")
    here, there = f.catalog_sku(db), f.catalog_sku(db)
    f.stock(db, mine, here, 10)
    f.stock(db, other, there, 7)
    return mine, other, here, there


class TestStockPage:
    def test_manager_sees_their_stores_stock_only(self, client, db, two_stores):
        mine, other, here, there = two_stores
        signed_in_as(client, db, Role.STORE_MANAGER, [mine])
        resp = page(client, "/console/stock")
        assert resp.status_code == 200 and "<h1>库存</h1>" in resp.text
        assert stock_codes(resp.text) == [here.code] and there.code not in resp.text
        assert mine.name in resp.text and other.name not in resp.text
        line = row(resp.text, here.code)
        assert (cell(line, "on_hand"), cell(line, "reserved"), cell(line, "safety"), cell(line, "available")) == (
            "10", "0", "0", "10")

    def test_another_stores_id_is_a_404_page(self, client, db, two_stores):
        mine, other, _here, there = two_stores
        signed_in_as(client, db, Role.STORE_MANAGER, [mine])
        resp = page(client, "/console/stock", store=other.id)
        assert resp.status_code == 404 and resp.headers["content-type"].startswith("text/html")
        assert "门店不存在，或你无权查看" in resp.text and there.code not in resp.text
        assert page(client, "/console/stock/table", store=other.id).status_code == 404

    def test_head_office_picks_any_store(self, client, db, two_stores):
        _mine, other, _here, there = two_stores
        signed_in_as(client, db, Role.HQ_ADMIN)
        resp = page(client, "/console/stock", store=other.id)
        assert stock_codes(resp.text) == [there.code]
        assert re.search(rf'<option value="{other.id}" selected>', resp.text)

    def test_low_stock_filter_keeps_rows_at_or_below_safety_stock(self, client, db):
        store = f.store(db)
        plenty, short, out = f.catalog_sku(db), f.catalog_sku(db), f.catalog_sku(db)
        f.stock(db, store, plenty, 20)
        f.stock(db, store, short, 3)
        f.stock(db, store, out, 1)
        inventory.set_safety_stock(db, location_id=store.id, sku_code=short.code, qty=3)
        sell(db, store, out, 1)
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        everything = page(client, "/console/stock").text
        assert stock_codes(everything) == [plenty.code, short.code, out.code]
        assert 'class="is-low"' in row(everything, short.code) and 'class="is-low"' not in row(everything, plenty.code)
        low = page(client, "/console/stock/table", store=store.id, low="true").text
        assert stock_codes(low) == [short.code, out.code] and "<html" not in low

    def test_searches_by_sku_code_or_name(self, client, db):
        store = f.store(db)
        wanted, other = f.catalog_sku(db, code="MILK-1L"), f.catalog_sku(db, code="RICE-5KG")
        f.stock(db, store, wanted, 4)
        f.stock(db, store, other, 4)
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        assert stock_codes(page(client, "/console/stock/table", store=store.id, q="milk").text) == [wanted.code]
        assert stock_codes(page(client, "/console/stock", q="商品 RICE").text) == [other.code]
        assert "没有符合条件的库存" in page(client, "/console/stock/table", store=store.id, q="nothing").text

    def test_pages_through_the_stock(self, client, db, monkeypatch):
        monkeypatch.setattr(stock_view, "PAGE_SIZE", 2)
        store = f.store(db)
        skus = [f.catalog_sku(db) for _ in range(3)]
        for sku in skus:
            f.stock(db, store, sku, 1)
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        first = page(client, "/console/stock").text
        assert stock_codes(first) == [s.code for s in skus[:2]] and "第 1 / 2 页" in first
        second = page(client, "/console/stock/table", store=store.id, page=2).text
        assert stock_codes(second) == [skus[2].code]

    def test_weighed_skus_show_kilograms(self, client, db):
        store, fish = f.store(db), f.catalog_sku(db, unit="gram")
        f.stock(db, store, fish, 1250)
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        assert cell(row(page(client, "/console/stock").text, fish.code), "on_hand") == "1.250 kg"

    def test_subscribes_to_the_stores_live_feed_and_links_each_sku_to_its_history(self, client, db, two_stores):
        mine, _other, here, _there = two_stores
        signed_in_as(client, db, Role.STORE_MANAGER, [mine])
        html = page(client, "/console/stock").text
        assert f'data-stream="/api/v1/locations/{mine.id}/stock/stream"' in html
        assert f'href="/console/stock/movements?store={mine.id}&amp;sku={here.code}"' in row(html, here.code)
        assert '<script src="/static/js/stock.js"></script>' in html
        assert client.get("/static/js/stock.js").status_code == 200

    def test_says_so_when_the_user_has_no_stores(self, client, db):
        signed_in_as(client, db, Role.HQ_ADMIN)
        assert "你还没有可查看的门店或仓库" in page(client, "/console/stock").text


class TestNearExpiry:
    def test_lists_batches_within_the_window_soonest_first(self, client, db):
        store, milk = f.store(db), f.catalog_sku(db, shelf_life_days=5)
        today = clock.now().date()
        for days in (10, 2, 1):
            f.stock(db, store, milk, days, best_before=today + timedelta(days=days))
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        within_2_days = page(client, "/console/stock/expiring", hours=48).text
        assert best_befores(within_2_days) == [str(today + timedelta(days=1)), str(today + timedelta(days=2))]
        assert "48 小时内到期：2 个批次" in within_2_days
        within_2_weeks = page(client, "/console/stock/expiring", store=store.id, hours=24 * 14).text
        assert len(best_befores(within_2_weeks)) == 3

    def test_another_stores_batches_are_not_shown(self, client, db):
        mine, other, milk = f.store(db), f.store(db), f.catalog_sku(db, shelf_life_days=2)
        f.stock(db, other, milk, 5)
        signed_in_as(client, db, Role.STORE_MANAGER, [mine])
        assert best_befores(page(client, "/console/stock/expiring").text) == []
        assert page(client, "/console/stock/expiring", store=other.id).status_code == 404

    def test_rejects_a_window_out_of_range_with_an_html_page(self, client, db):
        store = f.store(db)
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        resp = page(client, "/console/stock/expiring", hours=0)
        assert resp.status_code == 422 and "链接中的参数有误" in resp.text


def best_befores(html: str) -> list[str]:
    return re.findall(r'data-best-before="([^"]+)"', html)


class TestMovements:
    def test_shows_the_ledger_newest_first(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 10)
        adjust(db, store, sku, -3, reason="包装破损")
        sell(db, store, sku, 2, receipt="T-0042")
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        html = page(client, "/console/stock/movements", sku=sku.code).text
        assert re.findall(r'<tr data-kind="(\w+)" data-quantity="(-?\d+)"', html) == [
            ("sale", "-2"), ("adjustment", "-3"), ("receipt", "10")]
        table = html.split('id="movements-table"')[1]
        for text in ("销售", "销售小票", "T-0042", "client:pos", "调整", "包装破损", "user:clerk", "收货", "+10", "-3"):
            assert text in table
        assert "现有 5 · 可售 5" in html

    def test_charts_on_hand_as_the_running_sum_of_the_ledger(self, client, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 10)
        adjust(db, store, sku, -3)
        sell(db, store, sku, 2)
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        data = json.loads(MOVES_CHART.search(page(client, "/console/stock/movements", sku=sku.code).text).group(1))
        balances = [balance for _when, balance in data["points"]]
        assert balances[:3] == [10, 7, 5] and balances[-1] == 5 and data["unit"] == "piece"

    def test_a_long_ledger_charts_its_latest_movements_ending_at_todays_level(self, client, db, monkeypatch):
        monkeypatch.setattr(stock_view, "CHART_MOVEMENTS", 2)
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 10)
        adjust(db, store, sku, 4)
        sell(db, store, sku, 6)
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        data = json.loads(MOVES_CHART.search(page(client, "/console/stock/movements", sku=sku.code).text).group(1))
        assert [balance for _when, balance in data["points"]][:2] == [14, 8]

    def test_finds_the_sku_by_barcode_or_asks_which_one(self, client, db):
        store = f.store(db)
        sku = f.catalog_sku(db, barcode="6901234567892")
        f.catalog_sku(db)
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        assert f'<span class="mono muted">{sku.code}</span>' in page(
            client, "/console/stock/movements", sku="6901234567892").text
        choose = page(client, "/console/stock/movements", sku="商品").text
        assert "请选择商品" in choose and "movements-table" not in choose
        assert "没有找到与“不存在”匹配的商品" in page(client, "/console/stock/movements", sku="不存在").text

    def test_another_stores_ledger_is_a_404_page(self, client, db, two_stores):
        mine, other, _here, there = two_stores
        signed_in_as(client, db, Role.STORE_MANAGER, [mine])
        resp = page(client, "/console/stock/movements", store=other.id, sku=there.code)
        assert resp.status_code == 404 and "门店不存在" in resp.text


@pytest.fixture
def district(db):
    """A clerk's store with none of the SKU, and three places at growing distances that have some."""
    origin = f.store(db, code="HOME", name="本店", latitude=31.2300, longitude=121.4700)
    far = f.store(db, code="FAR", name="远店", latitude=31.3300, longitude=121.6200)
    near = f.store(db, code="NEAR", name="近店", latitude=31.2400, longitude=121.4800)
    depot = f.store(db, code="DEPOT", name="中心仓", kind="warehouse", format="warehouse", latitude=31.4000,
                    longitude=121.2500)
    shoe = f.catalog_sku(db, code="SHOE-42")
    for location, amount in ((far, 5), (near, 3), (depot, 50)):
        f.stock(db, location, shoe, amount)
    return origin, near, far, depot, shoe


def found_codes(html: str) -> list[str]:
    table = html.split('id="find-table"')[1].split("</table>")[0]
    return re.findall(r'<tr data-code="([^"]+)"', table)


class TestFindSku:
    def test_lists_who_can_supply_it_nearest_first(self, client, db, district):
        origin, *_rest, shoe = district
        signed_in_as(client, db, Role.GUIDE, [origin])
        resp = page(client, "/console/stock/find", sku=shoe.code, amount="2")
        assert resp.status_code == 200
        assert found_codes(resp.text) == ["NEAR", "FAR", "DEPOT"]
        assert "3 处可供应 2 件" in resp.text
        chart = json.loads(FIND_CHART.search(resp.text).group(1))
        assert chart["names"] == ["近店", "远店", "中心仓"] and chart["values"] == [3, 5, 50]
        assert chart["requested"] == 2 and chart["complete"] == [True, True, True]

    def test_places_with_only_part_of_the_amount_come_after_those_with_all_of_it(self, client, db, district):
        origin, *_rest, shoe = district
        signed_in_as(client, db, Role.STORE_MANAGER, [origin])
        html = page(client, "/console/stock/find", sku=shoe.code, amount="4").text
        assert found_codes(html) == ["FAR", "DEPOT", "NEAR"]
        assert "部分" in html.split('data-code="NEAR"')[1].split("</tr>")[0]

    def test_distance_is_measured_from_the_chosen_store(self, client, db, district):
        _origin, near, *_rest, shoe = district
        signed_in_as(client, db, Role.HQ_ADMIN)
        html = page(client, "/console/stock/find", store=near.id, sku=shoe.code, amount="1").text
        near_row = html.split('data-code="NEAR"')[1].split("</tr>")[0]
        assert "0.0" in near_row and "本店" in near_row

    def test_weighed_skus_are_asked_in_kilograms(self, client, db):
        origin, other = f.store(db), f.store(db, latitude=31.25)
        fish = f.catalog_sku(db, unit="gram")
        f.stock(db, other, fish, 800)
        signed_in_as(client, db, Role.STORE_MANAGER, [origin])
        enough = page(client, "/console/stock/find", sku=fish.code, amount="0.5").text
        assert found_codes(enough) == [other.code] and "够量" in enough and "0.800 kg" in enough
        assert "1 处可供应 0.500 kg" in enough
        assert "部分" in page(client, "/console/stock/find", sku=fish.code, amount="1").text.split('id="find-table"')[1]
        assert "请输入大于 0 的公斤数" in page(client, "/console/stock/find", sku=fish.code, amount="0.0005").text

    def test_rejects_amounts_that_are_not_whole_pieces(self, client, db, district):
        origin, *_rest, shoe = district
        signed_in_as(client, db, Role.STORE_MANAGER, [origin])
        for amount in ("0", "-1", "1.5", "abc", "inf"):
            html = page(client, "/console/stock/find", sku=shoe.code, amount=amount).text
            assert "请输入大于 0 的整数件数" in html and "find-table" not in html

    def test_says_when_nobody_has_it(self, client, db):
        origin, sku = f.store(db), f.catalog_sku(db)
        signed_in_as(client, db, Role.STORE_MANAGER, [origin])
        assert "目前没有门店或仓库有这件商品的可售库存" in page(client, "/console/stock/find", sku=sku.code).text

    def test_origin_must_be_one_of_the_users_stores(self, client, db, district):
        origin, near, *_rest, shoe = district
        signed_in_as(client, db, Role.STORE_MANAGER, [origin])
        assert page(client, "/console/stock/find", store=near.id, sku=shoe.code).status_code == 404

    def test_suggests_skus_as_the_clerk_types(self, client, db):
        f.catalog_sku(db, code="SHOE-41")
        f.catalog_sku(db, code="SHOE-42", barcode="6900000000427")
        f.catalog_sku(db, code="SOCK-1")
        signed_in_as(client, db, Role.GUIDE, [f.store(db)])
        html = client.get("/console/stock/sku-suggestions", params={"sku": "shoe"}, headers={"HX-Request": "true"}).text
        assert re.findall(r'data-fill-sku="([^"]+)"', html) == ["SHOE-41", "SHOE-42"] and "<html" not in html
        barcode = client.get("/console/stock/sku-suggestions", params={"sku": "6900000000427"}).text
        assert re.findall(r'data-fill-sku="([^"]+)"', barcode) == ["SHOE-42"]


class TestNavigation:
    @pytest.mark.parametrize(("role", "links"), [
        (Role.HQ_ADMIN, ["/console/", "/console/stock", "/console/stock/find", "/console/stock/expiring",
                         "/console/stock/movements", "/console/fulfilment", "/console/orders", "/console/members",
                         "/console/integration", "/console/integration/mappings", "/console/webhooks",
                         "/console/overview", "/console/finance"]),
        (Role.STORE_MANAGER, ["/console/", "/console/stock", "/console/stock/find", "/console/stock/expiring",
                              "/console/stock/movements", "/console/fulfilment", "/console/orders",
                              "/console/members"]),
        (Role.GUIDE, ["/console/", "/console/stock", "/console/stock/find", "/console/fulfilment", "/console/orders",
                      "/console/members"]),
    ])
    def test_pages_are_linked_by_role(self, client, db, role, links):
        store = f.store(db)
        signed_in_as(client, db, role, [store] if role != Role.HQ_ADMIN else [])
        nav = re.search(r'<nav class="sidenav".*?</nav>', page(client, "/console/").text, re.DOTALL).group(0)
        assert re.findall(r'<a href="([^"?]+)', nav) == links

    def test_links_keep_the_store_being_looked_at(self, client, db):
        first, second = f.store(db), f.store(db)
        signed_in_as(client, db, Role.STORE_MANAGER, [first, second])
        nav = re.search(r'<nav class="sidenav".*?</nav>', page(client, "/console/stock", store=second.id).text,
                        re.DOTALL).group(0)
        assert f'href="/console/stock/expiring?store={second.id}"' in nav
        assert 'href="/console/stock?store=' in nav and 'class="active" aria-current="page">库存<' in nav


class TestErrorPages:
    def test_unknown_console_page_is_an_html_404(self, client, db):
        signed_in_as(client, db, Role.HQ_ADMIN)
        resp = page(client, "/console/nowhere")
        assert resp.status_code == 404 and resp.headers["content-type"].startswith("text/html")
        assert 'data-status="404"' in resp.text and "页面不存在" in resp.text and "返回控制台" in resp.text

    def test_console_403_is_an_html_page_in_the_users_language(self, client, db):
        signed_in_as(client, db, Role.HQ_ADMIN)
        resp = client.post("/console/logout", headers=HTML, follow_redirects=False)
        assert resp.status_code == 403 and "表单已过期，请重新提交" in resp.text
        client.post("/console/locale", data={"locale": "en"}, headers={
            "X-CSRF-Token": re.search(r'name="csrf_token" value="([^"]+)"', page(client, "/console/").text).group(1)})
        resp = client.post("/console/logout", headers=HTML, follow_redirects=False)
        assert resp.status_code == 403 and "This form has expired" in resp.text and '<html lang="en">' in resp.text

    def test_html_errors_keep_their_headers(self, client, db, settings):
        user = f.user(db)
        for _ in range(int(settings.login_rate_limit.split("/")[0])):
            client.post("/api/v1/auth/token", data={"username": user.username, "password": "wrong"})
        resp = client.post("/api/v1/auth/token", data={"username": user.username, "password": "wrong"}, headers=HTML)
        assert resp.status_code == 429 and resp.json()["error"] == "rate_limited" and "retry-after" in resp.headers

    def test_api_errors_stay_json_even_for_a_browser(self, client, db):
        store = f.store(db)
        headers = {**f.as_role(client, db, Role.STORE_MANAGER, [store]), **HTML}
        resp = client.get("/api/v1/locations/999999/stock", headers=headers)
        assert resp.status_code == 404 and resp.json()["error"] == "store_not_found"
        assert client.get("/api/v1/nowhere", headers=HTML).json()["error"] == "not_found"

    def test_console_errors_stay_json_for_clients_that_do_not_ask_for_html(self, client, db):
        signed_in_as(client, db, Role.HQ_ADMIN)
        resp = client.get("/console/nowhere", headers={"Accept": "application/json"})
        assert resp.status_code == 404 and resp.json()["error"] == "not_found"

    def test_an_unexpected_error_is_an_html_500_with_the_request_id(self, app, db, monkeypatch):
        from fastapi.testclient import TestClient

        def broken(*_args, **_kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr(stock_view, "stock_listing", broken)
        store = f.store(db)
        with TestClient(app, raise_server_exceptions=False) as client:
            signed_in_as(client, db, Role.STORE_MANAGER, [store])
            resp = client.get("/console/stock", headers={**HTML, "X-Request-ID": "req-123"})
        assert resp.status_code == 500 and "系统出错了" in resp.text and "req-123" in resp.text
        assert resp.headers["x-request-id"] == "req-123"
