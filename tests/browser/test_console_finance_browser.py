"""The finance page in headless Chromium: head office opens it from the navigation, the liabilities chart draws,
every ledger shows as reconciled, and the Customer 360 shows the member's stored value and gift card."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from tests import factories as f
from tests.api.test_console_finance import stored_value
from tests.browser.test_console_browser import _screenshot, js_errors, wait
from tests.browser.test_console_inventory_browser import open_signed_in
from zhongtai.kernel.auth import Role

pytestmark = pytest.mark.browser


class TestFinancePage:
    def test_head_office_sees_the_liabilities_chart_and_the_wallet_on_the_360(self, browser, live_server, db,
                                                                               request):
        store = f.store(db)
        member = f.member(db, store=store, name="李雷")
        stored_value(db, member, 50_000)
        admin = f.user(db, role=Role.HQ_ADMIN)
        open_signed_in(browser, live_server, admin, "/console/")
        browser.find_element(By.CSS_SELECTOR, 'a[href="/console/finance"]').click()
        wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, '#finance-chart[data-rendered="true"]')))
        assert browser.find_element(By.ID, "finance-reconciled").get_attribute("data-ok") == "yes"
        assert "¥500.00" in browser.find_element(By.ID, "held-principal").text
        assert len(browser.find_elements(By.CSS_SELECTOR, "#finance-table tr[data-month]")) >= 1
        _screenshot(browser, request, "console-finance.png")
        assert js_errors(browser) == []

        browser.get(f"{live_server}/console/members/{member.id}")
        box = wait(browser).until(ec.visibility_of_element_located((By.ID, "member-wallet")))
        assert "¥500.00" in box.find_element(By.ID, "wallet-balance").text
        assert len(box.find_elements(By.CSS_SELECTOR, "#member-gift-cards tr[data-code]")) == 1
        assert js_errors(browser) == []
