"""The webhook pages in headless Chromium: head office finds a dead letter from the navigation, reads its
attempts, replays it with the button, and the worker then delivers it."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from tests import factories as f
from tests.browser.test_console_browser import js_errors, sign_in, wait
from tests.integration.test_webhooks import Receiver, deliver, relay
from zhongtai.kernel.auth import Role
from zhongtai.webhooks import service
from zhongtai.webhooks.schemas import SubscriptionCreate

pytestmark = pytest.mark.browser


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def pills(browser) -> list[str]:
    return [p.get_attribute("data-status") for p in browser.find_elements(By.CSS_SELECTOR, "#deliveries-table [data-status]")]


class TestDeadLetterReplay:
    def test_head_office_replays_a_dead_letter_from_the_console(self, browser, live_server, db, engine, settings,
                                                                receiver):
        sub = service.create(db, principal=f.SYSTEM, sub_in=SubscriptionCreate(
            name="BI 数据仓库", url=receiver.url, event_types=["stores.store_created"], max_attempts=1))
        db.commit()
        f.store(db)
        relay(engine, settings, db)
        receiver.fail = 1
        deliver(engine, db)

        sign_in(browser, live_server, f.user(db, role=Role.HQ_ADMIN).username)
        wait(browser).until(ec.element_to_be_clickable((By.LINK_TEXT, "Webhook 推送"))).click()
        wait(browser).until(ec.element_to_be_clickable((By.LINK_TEXT, "BI 数据仓库"))).click()
        wait(browser).until(ec.presence_of_element_located((By.ID, "deliveries-table")))
        assert pills(browser) == ["dead"]
        browser.find_element(By.CSS_SELECTOR, "#deliveries-table details summary").click()
        attempt = browser.find_element(By.CSS_SELECTOR, '#deliveries-table tr[data-attempt="1"]')
        assert "503" in attempt.text and "partner is down" in attempt.text

        browser.find_element(By.ID, "replay-dead").click()
        notice = wait(browser).until(ec.visibility_of_element_located((By.ID, "webhook-notice")))
        assert notice.text == "已重新排队 1 条投递" and pills(browser) == ["pending"]
        assert deliver(engine, db).delivered == 1
        browser.refresh()
        wait(browser).until(lambda b: pills(b) == ["delivered"])
        assert browser.current_url.endswith(f"/console/webhooks/{sub.id}?replayed=1")
        assert js_errors(browser) == []
