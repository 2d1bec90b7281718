"""Field mappings in headless Chromium: head office gives a new shop platform a preset, then previews a body."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from tests import factories as f
from tests.browser.test_console_browser import sign_in, wait
from zhongtai.integration import service as integration
from zhongtai.integration.schemas import SourceCreate
from zhongtai.kernel.auth import Role

pytestmark = pytest.mark.browser
DATA = Path(__file__).parents[1] / "data" / "ingest"


def test_give_a_platform_a_mapping_and_preview_its_events(browser, live_server, db):
    integration.register_source(db, source_in=SourceCreate(code="jd-shop", name="京东旗舰店", type="ecommerce"))
    db.commit()
    admin = f.user(db, role=Role.HQ_ADMIN)
    sign_in(browser, live_server, admin.username)
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "nav")))
    browser.find_element(By.CSS_SELECTOR, 'a[href="/console/integration/mappings"]').click()
    card = wait(browser).until(ec.presence_of_element_located((By.ID, "source-jd-shop")))
    assert card.find_elements(By.CSS_SELECTOR, "[data-unusable]")

    Select(card.find_element(By.NAME, "preset")).select_by_value("jd")
    card.find_element(By.CSS_SELECTOR, "form.mapping-set button[type=submit]").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "mapping-saved")))
    card = browser.find_element(By.ID, "source-jd-shop")
    assert card.find_element(By.CSS_SELECTOR, "[data-platform]").text == "jd"

    body = card.find_element(By.CSS_SELECTOR, "form.mapping-preview textarea[name=body]")
    browser.execute_script("arguments[0].value = arguments[1];", body, (DATA / "jd_batch.json").read_text())
    card.find_element(By.CSS_SELECTOR, "form.mapping-preview button[type=submit]").click()
    result = wait(browser).until(ec.presence_of_element_located((By.ID, "mapping-preview-result")))
    rows = result.find_elements(By.CSS_SELECTOR, "tr[data-external-id]")
    assert [r.get_attribute("data-external-id") for r in rows[:2]] == ["JD-EVT-0001", "JD-EVT-0002"]
    assert "unmapped_value" in rows[-1].text
    assert browser.get_log("browser") == []
