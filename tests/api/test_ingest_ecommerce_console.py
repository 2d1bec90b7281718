"""The console's field-mapping page through HTTP, as a browser asks for it: each shop platform's mapping,
set from a preset or pasted JSON (a wrong one listed problem by problem), and a preview of a body."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests import factories as f
from tests.api.test_console import csrf_token, signed_in_as
from zhongtai.integration import service as integration
from zhongtai.integration.schemas import SourceCreate
from zhongtai.kernel.auth import Role

HOME = "/console/integration/mappings"
HTML = {"Accept": "text/html"}
DATA = Path(__file__).parents[1] / "data" / "ingest"


@pytest.fixture
def shops(db):
    for code, config in (("tmall-shop", {"mapping": "tmall"}), ("new-shop", {})):
        integration.register_source(db, source_in=SourceCreate(code=code, name=code, type="ecommerce", config=config))
    integration.register_source(db, source_in=SourceCreate(code="erp", name="erp", type="erp"))
    db.commit()


def section(html: str, code: str) -> str:
    return re.search(rf'<section class="card mapping" id="source-{code}".*?</section>', html, re.DOTALL).group(0)


class TestMappingsPage:
    def test_lists_every_shop_platform_with_its_mapping(self, client, db, shops):
        signed_in_as(client, db, Role.HQ_ADMIN)
        resp = client.get(HOME, headers=HTML)
        assert resp.status_code == 200 and "电商字段映射" in resp.text
        tmall = section(resp.text, "tmall-shop")
        assert "content.orders[].outer_sku_id" in tmall and "taobao_trade_TradeCreate → created" in tmall
        assert "data-unusable" in section(resp.text, "new-shop")
        assert 'id="source-erp"' not in resp.text
        assert 'href="/console/integration/mappings"' in resp.text  # in the navigation

    def test_set_a_preset_then_preview_a_body(self, client, db, shops):
        signed_in_as(client, db, Role.HQ_ADMIN)
        token = csrf_token(client, HOME)
        resp = client.post(f"{HOME}/new-shop", data={"csrf_token": token, "preset": "jd"}, follow_redirects=False)
        assert resp.status_code == 303
        page = client.get(resp.headers["location"], headers=HTML).text
        assert 'id="mapping-saved"' in page and "order.itemInfoList[].outerSkuId" in section(page, "new-shop")
        resp = client.post(f"{HOME}/new-shop/preview", data={
            "csrf_token": token, "body": (DATA / "jd_batch.json").read_text()}, headers=HTML)
        assert resp.status_code == 200
        result = re.search(r'id="mapping-preview-result".*?</table>', resp.text, re.DOTALL).group(0)
        assert result.count("<tr data-external-id=") == 5
        assert "JD-EVT-0001" in result and "unmapped_value" in result and "260001" in result

    def test_a_pasted_wrong_mapping_is_not_saved_and_every_problem_is_shown(self, client, db, shops):
        signed_in_as(client, db, Role.HQ_ADMIN)
        token = csrf_token(client, HOME)
        bad = json.dumps({"platform": "x", "fields": {"order_id": "a"}, "transforms": {"order_id": "rot13"}})
        resp = client.post(f"{HOME}/tmall-shop", data={"csrf_token": token, "mapping_json": bad}, headers=HTML)
        assert resp.status_code == 422
        problems = re.search(r'id="mapping-problems".*?</ul>', resp.text, re.DOTALL).group(0)
        assert "rot13" in problems and "fields must map &#39;event&#39;" in problems
        db.expire_all()
        assert integration.get_source(db, code="tmall-shop").config == {"mapping": "tmall"}

    def test_not_json_is_shown_not_saved(self, client, db, shops):
        signed_in_as(client, db, Role.HQ_ADMIN)
        token = csrf_token(client, HOME)
        resp = client.post(f"{HOME}/tmall-shop", data={"csrf_token": token, "mapping_json": "{nope"}, headers=HTML)
        assert resp.status_code == 422 and "JSON:" in resp.text

    def test_head_office_only(self, client, db, shops):
        signed_in_as(client, db, Role.STORE_MANAGER, [f.store(db)])
        assert client.get(HOME, headers=HTML).status_code == 403

    def test_without_the_csrf_token_nothing_changes(self, client, db, shops):
        signed_in_as(client, db, Role.HQ_ADMIN)
        resp = client.post(f"{HOME}/tmall-shop", data={"preset": "jd"}, headers=HTML)
        assert resp.status_code == 403
        db.expire_all()
        assert integration.get_source(db, code="tmall-shop").config == {"mapping": "tmall"}
