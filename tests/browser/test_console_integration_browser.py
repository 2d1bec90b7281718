"""The data hub page in headless Chromium: head office opens it from the navigation, sees a till file's
unknown SKUs in the quarantine with their raw lines, creates the SKU and replays them with the button."""

from __future__ import annotations

import io

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from tests import factories as f
from tests.browser.test_console_browser import js_errors, sign_in, wait
from zhongtai.integration import service
from zhongtai.integration.schemas import SourceCreate
from zhongtai.kernel.auth import Role

pytestmark = pytest.mark.browser
HEADER = "transaction_id,line_no,store_code,till_id,occurred_at,type,sku_code,barcode,quantity,unit_price_fen"


def _quarantined(browser) -> list[str]:
    return [r.get_attribute("data-external-id")
            for r in browser.find_elements(By.CSS_SELECTOR, "#quarantine-table tr[data-external-id]")]


class TestQuarantineReplay:
    def test_head_office_replays_unknown_skus_after_creating_the_sku(self, browser, live_server, db, settings):
        store = f.store(db)
        source, _key, _secret = service.register_source(db, source_in=SourceCreate(
            code="POS-Z", name="tills", type="pos", store_code=store.code))
        body = "\n".join([HEADER, *(f"Z{i},1,{store.code},T1,2026-11-20T10:00:00+08:00,sale,LATE-1,,1,990"
                                    for i in range(2))]).encode()
        payload = service.land(db, source=source, kind="pos", format_name="csv", stream=io.BytesIO(body),
                               via="cli", settings=settings)
        service.process(db, source=source, payload=payload, settings=settings)
        db.commit()

        sign_in(browser, live_server, f.user(db, role=Role.HQ_ADMIN).username)
        wait(browser).until(ec.element_to_be_clickable((By.CSS_SELECTOR, 'nav a[href="/console/integration"]'))).click()
        wait(browser).until(ec.presence_of_element_located((By.ID, "quarantine-table")))
        assert sorted(_quarantined(browser)) == ["Z0/1", "Z1/1"]
        assert "LATE-1" in browser.find_element(By.ID, "quarantine-table").text

        f.catalog_sku(db, code="LATE-1")
        browser.find_element(By.CSS_SELECTOR, '#quarantine-summary tr[data-reason="unknown_sku"] button').click()
        notice = wait(browser).until(ec.visibility_of_element_located((By.ID, "replay-notice")))
        assert "2" in notice.text and _quarantined(browser) == []
        assert js_errors(browser) == []
