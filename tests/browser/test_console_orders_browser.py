"""The order pages in headless Chromium: a store manager works a pickup order across the fulfilment board
(accept, pick, mark ready, verify the pickup code), the board refreshes itself, the pick list prints, and the
order detail, Customer 360 and overview pages lay out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from tests import factories as f
from tests.api.test_console_orders import CUSTOMER, open_shop, payment
from tests.browser.test_console_browser import _screenshot, js_errors, wait
from tests.browser.test_console_inventory_browser import open_signed_in
from zhongtai.catalog import service as catalog
from zhongtai.catalog.schemas import SkuUpdate
from zhongtai.kernel.auth import Role

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser) -> Iterator:
    """The browser; afterwards it leaves the page, so no board keeps polling into the next test."""
    yield browser
    browser.get("about:blank")


@pytest.fixture
def shop(db):
    """Two stores with named SKUs in stock, and a channel's API key."""
    shop = open_shop(db)
    for sku, name, spec in ((shop["rice"], "五常大米", "5kg"), (shop["fish"], "挪威三文鱼 中段", "")):
        catalog.update_sku(db, sku_id=sku.id, sku_in=SkuUpdate(name_zh=name, spec=spec))
    db.commit()
    return shop


def place(live_api, shop, *, mode="pickup", store=None, lines=None, **extra) -> dict:
    """An order placed through the running app's API, as a shopping app would."""
    body = {"channel": "app", "mode": mode, "contact": CUSTOMER,
            "lines": lines or [{"sku_code": shop["rice"].code, "quantity": 2},
                               {"sku_code": shop["fish"].code, "weight_g": 500}],
            "payment": payment(), **extra}
    if store is not None:
        body["store_id"] = store.id
    resp = live_api.post("/api/v1/orders", json=body, headers=shop["app"])
    assert resp.status_code == 201, resp.text
    return resp.json()


def card_in(column: str, number: str) -> tuple[str, str]:
    return By.CSS_SELECTOR, f'#col-{column} article[data-number="{number}"]'


def on_card(browser, number: str, css: str):
    return browser.find_element(By.CSS_SELECTOR, f'article[data-number="{number}"] {css}')


def press(browser, number: str, action: str) -> None:
    """Click the button of one step on the order's card."""
    on_card(browser, number, f'form[data-action="{action}"] button').click()


def moves_to(browser, column: str, number: str) -> None:
    wait(browser).until(ec.presence_of_element_located(card_in(column, number)))


class TestFulfilmentBoard:
    def test_a_manager_works_a_pickup_order_across_the_board(self, page, live_server, live_api, db, shop,
                                                              request):
        store = shop["near"]
        order = place(live_api, shop, store=store)
        other = place(live_api, shop, mode="delivery", lines=[{"sku_code": shop["rice"].code, "quantity": 1}])
        code, number = order["groups"][0]["pickup_code"], order["number"]
        manager = f.user(db, role=Role.STORE_MANAGER, stores=[store], username="near-manager")
        open_signed_in(page, live_server, manager, f"/console/fulfilment?store={store.id}")
        moves_to(page, "placed", number)
        moves_to(page, "placed", other["number"])
        assert "0.500 kg" in page.find_element(*card_in("placed", number)).text

        press(page, number, "accept")
        moves_to(page, "accepted", number)
        assert page.find_element(By.ID, "board-notice").text == f"订单 {number} 已接单"
        press(page, number, "start-picking")
        moves_to(page, "picking", number)
        press(page, other["number"], "accept")
        moves_to(page, "accepted", other["number"])

        card = page.find_element(*card_in("picking", number))
        card.find_element(By.CSS_SELECTOR, "form[data-action='ready'] summary").click()
        fish_line = next(ln["line_no"] for ln in order["lines"] if ln["sku_code"] == shop["fish"].code)
        card.find_element(By.CSS_SELECTOR, f"input[data-line='{fish_line}']").send_keys("0.45")
        press(page, number, "ready")
        moves_to(page, "ready", number)
        assert "实拣 0.450 kg" in page.find_element(*card_in("ready", number)).text
        _screenshot(page, request, "console-fulfilment-board.png")

        wrong = "000000" if code != "000000" else "111111"
        on_card(page, number, 'input[name="pickup_code"]').send_keys(wrong)
        press(page, number, "complete")
        error = wait(page).until(ec.visibility_of_element_located((By.ID, "board-error")))
        assert error.text == "取货码不正确，请核对后重试"
        assert page.find_elements(*card_in("ready", number)), "a wrong code leaves the order ready"
        _screenshot(page, request, "console-fulfilment-wrong-code.png")

        on_card(page, number, 'input[name="pickup_code"]').send_keys(code)
        press(page, number, "complete")
        notice = wait(page).until(ec.visibility_of_element_located((By.ID, "board-notice")))
        assert notice.text == f"取货码正确，订单 {number} 已完成"
        assert not page.find_elements(By.CSS_SELECTOR, f'article[data-number="{number}"]')
        got = live_api.get(f"/api/v1/orders/{order['id']}", headers=shop["app"]).json()
        assert got["status"] == "completed"
        errors = js_errors(page)  # the browser logs the wrong code's 422 answer; nothing else may go wrong
        expected = [e for e in errors if e["source"] == "network" and "/complete" in e["message"]
                    and "422" in e["message"]]
        assert len(expected) == 1 and [e for e in errors if e not in expected] == []

    def test_a_new_order_appears_without_a_reload(self, page, live_server, live_api, db, shop):
        store = shop["near"]
        manager = f.user(db, role=Role.STORE_MANAGER, stores=[store])
        open_signed_in(page, live_server, manager, f"/console/fulfilment?store={store.id}")
        page.execute_script("window.notReloaded = true")
        order = place(live_api, shop, store=store)
        wait(page, 25).until(ec.presence_of_element_located(card_in("placed", order["number"])))
        assert page.execute_script("return window.notReloaded") is True

    def test_the_pick_list_prints_without_the_console_around_it(self, page, live_server, live_api, db, shop,
                                                                request):
        store = shop["near"]
        order = place(live_api, shop, store=store)
        manager = f.user(db, role=Role.STORE_MANAGER, stores=[store])
        open_signed_in(page, live_server, manager, f"/console/fulfilment/{order['id']}/pick-list")
        sheet = page.find_element(By.ID, "pick-group-1")
        assert order["number"] in sheet.text and "五常大米" in sheet.text and "0.500 kg" in sheet.text
        page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        try:
            assert not page.find_element(By.CSS_SELECTOR, ".sidenav").is_displayed()
            assert not page.find_element(By.ID, "print-pick-list").is_displayed()
            _screenshot(page, request, "console-pick-list-print.png")
        finally:
            page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


class TestOrderAndCustomerPages:
    def test_order_detail_explains_the_routing(self, page, live_server, live_api, db, shop, request):
        member = f.member(db, phone="13812345678", store=shop["near"], name="王芳")
        order = place(live_api, shop, mode="delivery", member_id=member.id)
        place(live_api, shop, mode="pickup", store=shop["near"], channel="mini_program", member_id=member.id)
        manager = f.user(db, role=Role.STORE_MANAGER, stores=[shop["near"]])
        open_signed_in(page, live_server, manager, f"/console/orders/{order['id']}")
        routing = page.find_element(By.ID, "routing-table")
        rows = routing.find_elements(By.CSS_SELECTOR, "tr[data-code]")
        codes = [r.get_attribute("data-code") for r in rows]
        assert codes[:2] == ["NEAR", "FAR"]
        assert "NEAR 能最快满足全部商品" in page.find_element(By.ID, "routing-decision").text
        page.set_window_size(1280, 1500)  # the whole page: money, groups, lines, routing and timeline
        _screenshot(page, request, "console-order-detail.png")

        page.get(f"{live_server}/console/members/{member.id}")
        assert "138****5678" in page.find_element(By.ID, "member-identities").text
        assert not page.find_elements(By.ID, "reveal-phone")
        assert len(page.find_elements(By.CSS_SELECTOR, "#member-orders-table tr[data-order-id]")) == 2
        page.set_window_size(1280, 900)
        _screenshot(page, request, "console-customer-360.png")
        assert js_errors(page) == []

    def test_head_office_reveals_a_phone_and_sees_the_overview(self, page, live_server, live_api, db, shop,
                                                               request):
        member = f.member(db, phone="13812345678", store=shop["near"], name="王芳")
        sale = place(live_api, shop, mode="in_store", channel="pos", store=shop["near"],
                     lines=[{"sku_code": shop["rice"].code, "quantity": 1}])
        feedback = live_api.post(f"/api/v1/orders/{sale['id']}/feedback", headers=shop["app"], json={
            "rating": 2, "nps": 4, "comment": "排队太久", "complaint": True})
        assert feedback.status_code == 201, feedback.text
        place(live_api, shop, mode="delivery")
        admin = f.user(db, role=Role.HQ_ADMIN)
        open_signed_in(page, live_server, admin, f"/console/members/{member.id}")
        page.find_element(By.ID, "reveal-purpose").send_keys("顾客来电核实订单")
        page.find_element(By.ID, "reveal-phone").click()
        logged = wait(page).until(ec.visibility_of_element_located((By.ID, "reveal-logged")))
        assert "已记录" in logged.text
        assert page.find_element(By.CSS_SELECTOR, '[data-field="phone-clear"]').text == "13812345678"

        page.get(f"{live_server}/console/overview")
        for chart in ("nps-chart", "channel-chart"):
            drawn = (By.CSS_SELECTOR, f'#{chart}[data-rendered="true"]')
            wait(page).until(ec.presence_of_element_located(drawn))
        assert "排队太久" in page.find_element(By.ID, "complaints-table").text
        _screenshot(page, request, "console-overview.png")
        page.find_element(By.CSS_SELECTOR, "#complaints-table textarea").send_keys("店长致电致歉，赠送优惠券")
        page.find_element(By.CSS_SELECTOR, "#complaints-table form button").click()
        wait(page).until(ec.visibility_of_element_located((By.ID, "complaints-notice")))
        assert page.find_element(By.ID, "complaints-none").text == "暂无待处理投诉"
        assert js_errors(page) == []
