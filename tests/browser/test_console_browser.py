"""The console in headless Chromium: sign in, see the stores on charts and in a table, search, switch language."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests import factories as f
from zhongtai.demo.stores import STORES, WAREHOUSE
from zhongtai.kernel.auth import Role

pytestmark = pytest.mark.browser
CHARTS = ("stores-map", "stores-by-district")


def seed_demo_stores(db) -> list:
    """The demo chain's twelve stores and its warehouse."""
    created = []
    for code, name, fmt, district, address, lat, lon, radius, services, _hours in (*STORES, WAREHOUSE):
        created.append(f.store(db, code=code, name=name, format=fmt, district=district, address=address,
                               latitude=lat, longitude=lon, delivery_radius_km=radius, processing_services=services,
                               kind="warehouse" if fmt == "warehouse" else "store", pickup_enabled=fmt != "warehouse"))
    return created


def wait(browser, seconds: float = 15) -> WebDriverWait:
    # Elements go stale while a page loads or htmx swaps the table (Chromium may then also answer "node does
    # not belong to the document"); look again rather than fail. A real failure still ends in a timeout.
    return WebDriverWait(browser, seconds, ignored_exceptions=(StaleElementReferenceException, WebDriverException))


def sign_in(browser, base: str, username: str, password: str = f.PASSWORD) -> None:
    browser.get(f"{base}/console/")
    wait(browser).until(ec.presence_of_element_located((By.ID, "login-submit")))
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "login-submit").click()


def wait_for_charts(browser) -> None:
    for chart in CHARTS:
        wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, f'#{chart}[data-rendered="true"]')))


def table_codes(browser) -> list[str]:
    return [row.get_attribute("data-code") for row in browser.find_elements(By.CSS_SELECTOR, "#stores-table tr[data-code]")]


def js_errors(browser) -> list[dict]:
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


class TestSignIn:
    def test_head_office_lands_on_the_stores_page_with_charts(self, browser, live_server, db, request):
        stores = seed_demo_stores(db)
        admin = f.user(db, role=Role.HQ_ADMIN, username="hq-admin")
        sign_in(browser, live_server, admin.username)
        wait(browser).until(ec.url_to_be(f"{live_server}/console/"))
        wait_for_charts(browser)
        for chart in CHARTS:
            assert browser.find_elements(By.CSS_SELECTOR, f"#{chart} canvas"), f"{chart} has no canvas"
        assert sorted(table_codes(browser)) == sorted(s.code for s in stores)
        assert browser.find_element(By.ID, "stores-summary").text == "可见 12 家门店、1 个仓库"
        assert "hq-admin" in browser.find_element(By.CSS_SELECTOR, ".who").text
        assert js_errors(browser) == []
        _screenshot(browser, request, "console-stores.png")

    def test_wrong_password_shows_the_error(self, browser, live_server, db):
        user = f.user(db)
        sign_in(browser, live_server, user.username, "not-the-password")
        error = wait(browser).until(ec.visibility_of_element_located((By.ID, "login-error")))
        assert error.text == "用户名或密码错误"
        assert browser.find_element(By.ID, "username").get_attribute("value") == user.username


class TestStoresPage:
    def test_store_manager_sees_only_their_store(self, browser, live_server, db):
        mine, other = f.store(db, code="M1", name="我的店"), f.store(db, code="O1", name="别人的店")
        manager = f.user(db, role=Role.STORE_MANAGER, stores=[mine])
        sign_in(browser, live_server, manager.username)
        wait_for_charts(browser)
        assert table_codes(browser) == ["M1"]
        assert other.name not in browser.page_source
        assert browser.find_element(By.TAG_NAME, "h1").text == "我的门店"

    def test_search_filters_the_table_as_you_type(self, browser, live_server, db):
        seed_demo_stores(db)
        sign_in(browser, live_server, f.user(db).username)
        wait_for_charts(browser)
        browser.find_element(By.ID, "stores-search").send_keys("SH007")
        wait(browser).until(lambda b: table_codes(b) == ["SH007"])
        assert "鲜丰汇 虹桥店" in browser.find_element(By.ID, "stores-table").text
        assert browser.current_url == f"{live_server}/console/", "search must not reload the page"

    def test_switching_to_english_changes_the_labels(self, browser, live_server, db, request):
        f.store(db, format="fresh")
        sign_in(browser, live_server, f.user(db).username)
        wait_for_charts(browser)
        browser.find_element(By.ID, "locale-en").click()
        wait(browser).until(lambda b: b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
        wait_for_charts(browser)
        assert browser.find_element(By.TAG_NAME, "h1").text == "Stores"
        assert browser.find_element(By.ID, "logout").text == "Sign out"
        assert "Fresh market" in browser.find_element(By.ID, "stores-table").text
        _screenshot(browser, request, "console-stores-en.png")


def _screenshot(browser, request, name: str) -> None:
    out = Path(request.config.rootpath) / "test-results"
    out.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(out / name))
