"""The stock pages in headless Chromium: a row that changes while the clerk watches (Server-Sent Events),
search and the low-stock filter, finding a SKU in nearby stores, near-expiry batches, a SKU's movements."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from tests import factories as f
from tests.browser.test_console_browser import _screenshot, js_errors, seed_demo_stores, wait
from zhongtai.catalog import service as catalog
from zhongtai.catalog.schemas import SkuUpdate
from zhongtai.inventory import service as inventory
from zhongtai.inventory.handlers import stock_topic
from zhongtai.inventory.schemas import Qty, ReceiptLine
from zhongtai.kernel import clock, live
from zhongtai.kernel.auth import Role
from zhongtai.kernel.relay import Relay

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser) -> Iterator:
    """The browser; afterwards it leaves the page, closing any live stream so the server can stop promptly."""
    yield browser
    browser.get("about:blank")


def named_sku(db, code: str, name: str, *, spec: str = "", unit: str = "piece", shelf_life_days: int | None = None):
    sku = f.catalog_sku(db, code=code, unit=unit, shelf_life_days=shelf_life_days)
    catalog.update_sku(db, sku_id=sku.id, sku_in=SkuUpdate(name_zh=name, spec=spec))
    db.commit()
    return sku


def open_signed_in(browser, base: str, user, path: str) -> None:
    """Open `path`; the console asks for a sign-in first and then returns to it."""
    browser.get(f"{base}{path}")
    wait(browser).until(ec.presence_of_element_located((By.ID, "login-submit")))
    browser.find_element(By.ID, "username").send_keys(user.username)
    browser.find_element(By.ID, "password").send_keys(f.PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait(browser).until(ec.url_to_be(f"{base}{path}"))


def cell(browser, code: str, field: str) -> str:
    return browser.find_element(By.CSS_SELECTOR, f'#stock-table tr[data-sku-code="{code}"] [data-field="{field}"]').text


def table_codes(browser) -> list[str]:
    return [r.get_attribute("data-sku-code") for r in browser.find_elements(By.CSS_SELECTOR, "#stock-table tr[data-sku-code]")]


def deliver_events(engine, settings) -> None:
    """What the running relay does after each commit: hand committed events to their handlers."""
    Relay(engine, settings, publisher=None).drain()


@pytest.fixture
def shop(db, engine, settings):
    """A fresh-food store with a few SKUs in stock, its set-up events already delivered."""
    store = seed_demo_stores(db)[0]
    skus = [named_sku(db, "DA-MILK-1L", "光明 鲜牛奶", spec="950ml"),
            named_sku(db, "FR-SALMON", "挪威三文鱼 中段", unit="gram", shelf_life_days=3),
            named_sku(db, "GR-RICE-5KG", "五常大米", spec="5kg"),
            named_sku(db, "HH-TISSUE", "维达 抽纸", spec="3层×100抽")]
    for sku, amount in zip(skus, (24, 3250, 8, 2), strict=True):
        f.stock(db, store, sku, amount)
    inventory.set_safety_stock(db, location_id=store.id, sku_code="HH-TISSUE", qty=5)
    inventory.set_safety_stock(db, location_id=store.id, sku_code="GR-RICE-5KG", qty=2)
    db.commit()
    deliver_events(engine, settings)
    return store, skus


class TestLiveStock:
    def test_a_stock_change_shows_in_the_row_without_a_reload(self, page, live_server, db, engine, settings, shop,
                                                               request):
        store, _skus = shop
        manager = f.user(db, role=Role.STORE_MANAGER, stores=[store], username="sh001-manager")
        open_signed_in(page, live_server, manager, f"/console/stock?store={store.id}")
        wait(page).until(lambda b: b.find_element(By.ID, "stock-live").get_attribute("data-state") == "live")
        wait(page).until(lambda _b: live.subscriber_count(stock_topic(store.id)) >= 1)
        assert (cell(page, "DA-MILK-1L", "on_hand"), cell(page, "FR-SALMON", "on_hand")) == ("24", "3.250 kg")
        page.execute_script("window.notReloaded = true")

        inventory.sell(db, location_id=store.id, lines=[Qty(sku_code="DA-MILK-1L", quantity=3),
                                                         Qty(sku_code="FR-SALMON", weight_g=750)],
                       doc=inventory.Doc(source_type="sale", source_id="T-0001"))
        db.commit()
        deliver_events(engine, settings)

        wait(page).until(lambda b: cell(b, "DA-MILK-1L", "on_hand") == "21")
        wait(page).until(lambda b: cell(b, "FR-SALMON", "on_hand") == "2.500 kg")
        assert cell(page, "DA-MILK-1L", "available") == "21"
        row = page.find_element(By.CSS_SELECTOR, 'tr[data-sku-code="DA-MILK-1L"]')
        assert "flash" in row.get_attribute("class")
        assert page.execute_script("return window.notReloaded") is True
        assert page.find_element(By.CSS_SELECTOR, "#stock-live .live-text").text == "实时"
        _screenshot(page, request, "console-stock-live.png")
        assert js_errors(page) == []

    def test_a_row_turns_low_when_stock_falls_to_safety_stock(self, page, live_server, db, engine, settings, shop):
        store, _skus = shop
        manager = f.user(db, role=Role.STORE_MANAGER, stores=[store])
        open_signed_in(page, live_server, manager, f"/console/stock?store={store.id}")
        wait(page).until(lambda _b: live.subscriber_count(stock_topic(store.id)) >= 1)
        badge = 'tr[data-sku-code="GR-RICE-5KG"] [data-field="low"]'
        assert not page.find_element(By.CSS_SELECTOR, badge).is_displayed()
        inventory.adjust(db, location_id=store.id, sku_code="GR-RICE-5KG", delta=-6,
                         doc=inventory.Doc(source_type="adjustment", reason="包装破损"))
        db.commit()
        deliver_events(engine, settings)
        wait(page).until(lambda b: b.find_element(By.CSS_SELECTOR, badge).is_displayed())
        assert (cell(page, "GR-RICE-5KG", "on_hand"), cell(page, "GR-RICE-5KG", "available")) == ("2", "0")


class TestStockTable:
    def test_search_and_low_stock_filter_swap_the_table_in_place(self, page, live_server, db, shop):
        store, _skus = shop
        manager = f.user(db, role=Role.STORE_MANAGER, stores=[store])
        open_signed_in(page, live_server, manager, "/console/stock")
        assert table_codes(page) == ["DA-MILK-1L", "FR-SALMON", "GR-RICE-5KG", "HH-TISSUE"]
        page.find_element(By.ID, "stock-search").send_keys("大米")
        wait(page).until(lambda b: table_codes(b) == ["GR-RICE-5KG"])
        page.find_element(By.ID, "stock-search").clear()
        page.find_element(By.ID, "stock-low").click()
        wait(page).until(lambda b: table_codes(b) == ["HH-TISSUE"])
        assert page.current_url == f"{live_server}/console/stock", "filtering must not reload the page"
        page.find_element(By.LINK_TEXT, "HH-TISSUE").click()
        wait(page).until(ec.presence_of_element_located((By.ID, "movements-table")))
        assert "sku=HH-TISSUE" in page.current_url

    def test_reads_in_english_on_a_phone(self, page, live_server, db, shop, request):
        store, _skus = shop
        manager = f.user(db, role=Role.STORE_MANAGER, stores=[store])
        open_signed_in(page, live_server, manager, "/console/stock")
        page.find_element(By.ID, "locale-en").click()
        wait(page).until(lambda b: b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
        page.set_window_size(390, 844)
        wait(page).until(lambda b: b.find_element(By.CSS_SELECTOR, "#stock-live .live-text").text == "Live")
        assert page.find_element(By.TAG_NAME, "h1").text == "Stock"
        assert "Low stock only" in page.find_element(By.ID, "stock-filters").text
        assert cell(page, "HH-TISSUE", "low") == "Low"
        _screenshot(page, request, "console-stock-en-phone.png")


@pytest.fixture
def district(db):
    """The demo chain (twelve stores and a warehouse) with a shoe size that is out at 徐家汇 but not elsewhere."""
    stores = {s.code: s for s in seed_demo_stores(db)}
    shoe = named_sku(db, "AP-RUN-42", "轻跑运动鞋 黑色", spec="42码")
    for code, amount in (("SH002", 1), ("SH003", 4), ("SH007", 6), ("SH010", 2), ("WH01", 40)):
        f.stock(db, stores[code], shoe, amount)
    return stores, shoe


class TestFindSku:
    def test_clerk_finds_the_nearest_store_with_the_size(self, page, live_server, db, district, request):
        stores, shoe = district
        clerk = f.user(db, role=Role.GUIDE, stores=[stores["SH001"]], username="sh001-guide")
        open_signed_in(page, live_server, clerk, "/console/stock/find")
        sku_input = page.find_element(By.ID, "sku-input")
        sku_input.send_keys("运动鞋")
        pick = wait(page).until(ec.element_to_be_clickable((By.CSS_SELECTOR, '[data-fill-sku="AP-RUN-42"]')))
        assert sku_input.get_attribute("aria-expanded") == "true"
        _screenshot(page, request, "console-find-suggestions.png")
        pick.click()
        assert sku_input.get_attribute("value") == shoe.code
        amount = page.find_element(By.ID, "find-amount")
        amount.clear()
        amount.send_keys("2")
        page.find_element(By.ID, "find-submit").click()
        wait(page).until(ec.presence_of_element_located((By.CSS_SELECTOR, '#find-chart[data-rendered="true"]')))
        rows = page.find_elements(By.CSS_SELECTOR, "#find-table tbody tr")
        codes = [r.get_attribute("data-code") for r in rows]
        complete = [c for c, r in zip(codes, rows, strict=True) if "够量" in r.text]
        distances = [float(r.find_elements(By.CSS_SELECTOR, "td.num")[1].text) for r in rows[:len(complete)]]
        assert distances == sorted(distances), "places with enough stock must come nearest first"
        assert set(complete) == {"SH003", "SH007", "SH010", "WH01"} and codes[-1] == "SH002"
        assert page.find_elements(By.CSS_SELECTOR, "#find-chart canvas")
        _screenshot(page, request, "console-find-sku.png")
        assert js_errors(page) == []


class TestExpiringAndMovements:
    def test_near_expiry_lists_soonest_first(self, page, live_server, db, request):
        store = seed_demo_stores(db)[0]
        today = clock.now().date()
        salmon = named_sku(db, "FR-SALMON", "挪威三文鱼 中段", unit="gram", shelf_life_days=3)
        yogurt = named_sku(db, "DA-YOGURT", "简爱 原味酸奶", spec="135g", shelf_life_days=21)
        f.stock(db, store, yogurt, 12, best_before=today + timedelta(days=2))
        f.stock(db, store, salmon, 1800, best_before=today + timedelta(days=1))
        f.stock(db, store, yogurt, 30, best_before=today + timedelta(days=20))
        manager = f.user(db, role=Role.STORE_MANAGER, stores=[store])
        open_signed_in(page, live_server, manager, "/console/stock/expiring")
        rows = page.find_elements(By.CSS_SELECTOR, "#expiring-table tbody tr[data-sku-code]")
        assert [r.get_attribute("data-sku-code") for r in rows] == ["FR-SALMON", "DA-YOGURT"]
        _screenshot(page, request, "console-expiring.png")
        page.find_element(By.CSS_SELECTOR, '#expiring-hours option[value="168"]').click()
        wait(page).until(ec.url_contains("hours=168"))
        assert len(page.find_elements(By.CSS_SELECTOR, "#expiring-table tbody tr[data-sku-code]")) == 2

    def test_movement_history_shows_the_ledger_and_the_on_hand_chart(self, page, live_server, db, request):
        store = seed_demo_stores(db)[0]
        milk = named_sku(db, "DA-MILK-1L", "光明 鲜牛奶", spec="950ml")
        start = clock.now() - timedelta(days=3)
        inventory.receive(db, location_id=store.id, lines=[ReceiptLine(sku_code=milk.code, quantity=24)],
                          doc=inventory.Doc(source_type="receipt", source_id="PO-7781", actor="user:收货员",
                                            occurred_at=start))
        for i, qty in enumerate((3, 5, 2), start=1):
            inventory.sell(db, location_id=store.id, lines=[Qty(sku_code=milk.code, quantity=qty)],
                           doc=inventory.Doc(source_type="sale", source_id=f"T-{i:04d}", actor="client:pos-01",
                                             occurred_at=start + timedelta(hours=14 * i)))
        inventory.adjust(db, location_id=store.id, sku_code=milk.code, delta=-1,
                         doc=inventory.Doc(source_type="adjustment", reason="包装破损", actor="user:店长",
                                           occurred_at=start + timedelta(hours=60)))
        db.commit()
        manager = f.user(db, role=Role.STORE_MANAGER, stores=[store])
        open_signed_in(page, live_server, manager, f"/console/stock/movements?store={store.id}&sku={milk.code}")
        wait(page).until(ec.presence_of_element_located((By.CSS_SELECTOR, '#movements-chart[data-rendered="true"]')))
        kinds = [r.get_attribute("data-kind") for r in page.find_elements(By.CSS_SELECTOR, "#movements-table tr[data-kind]")]
        assert kinds == ["adjustment", "sale", "sale", "sale", "receipt"]
        assert page.find_element(By.ID, "movements-level").text == "现有 13 · 可售 13"
        _screenshot(page, request, "console-movements.png")
        assert js_errors(page) == []


class TestErrorPage:
    def test_another_stores_page_is_a_translated_404(self, page, live_server, db, request):
        mine, other = f.store(db), f.store(db)
        manager = f.user(db, role=Role.STORE_MANAGER, stores=[mine])
        open_signed_in(page, live_server, manager, "/console/stock")
        page.get(f"{live_server}/console/stock?store={other.id}")
        message = wait(page).until(ec.visibility_of_element_located((By.ID, "error-message")))
        assert message.text == "门店不存在，或你无权查看"
        assert page.find_element(By.CSS_SELECTOR, ".error-status").text == "404"
        _screenshot(page, request, "console-error-404.png")
