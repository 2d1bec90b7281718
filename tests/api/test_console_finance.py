"""The console's finance page and the wallet on the Customer 360, through HTTP: liabilities per month with the
chart data, reconciliation chips and the CSV link, for head office only; stored value and gift cards shown."""

from __future__ import annotations

import json
import re

from tests import factories as f
from tests.api.test_console import csrf_token, signed_in_as
from tests.api.test_console_orders import HTML, section, text
from zhongtai.kernel.auth import Role
from zhongtai.wallet import service as wallet
from zhongtai.wallet.schemas import BatchCreate

CHART = re.compile(r'<script type="application/json" id="finance-chart-data">(.*?)</script>', re.DOTALL)


def stored_value(db, member, amount: int = 50_000) -> None:
    wallet.top_up(db, member_id=member.id, amount_fen=amount, source=wallet.Source("topup", f"t-{member.id}"))
    _, cards = wallet.issue_batch(db, batch_in=BatchCreate(code=f"B{member.id}", name="b", face_value_fen=10_000,
                                                           quantity=1, valid_days=30), actor="tests")
    wallet.activate_card(db, code=cards[0][0], member_id=member.id, source=wallet.Source("sale", "s"))
    db.commit()


class TestFinancePage:
    def test_head_office_sees_liabilities_reconciled_with_a_chart(self, client, db):
        stored_value(db, f.member(db))
        signed_in_as(client, db, Role.HQ_ADMIN)
        resp = client.get("/console/finance", headers=HTML)
        assert resp.status_code == 200, resp.text
        assert "负债与沉淀" in resp.text and 'id="finance-reconciled" data-ok="yes"' in resp.text
        held = text(section(resp.text, "finance-held"))
        assert "500.00" in held and "100.00" in held
        data = json.loads(CHART.search(resp.text).group(1))
        series = {s["key"]: s["values"] for s in data["liabilities"]}
        assert data["liabilities"][0]["key"] == "sv_principal_outstanding_fen"
        assert series["sv_principal_outstanding_fen"][-1] == 500.0 and series["gc_outstanding_fen"][-1] == 100.0
        assert data["labels"]["gc_breakage_fen"] == "礼品卡沉淀"
        assert 'href="/api/v1/finance/liabilities.csv?months=12"' in resp.text
        assert client.get("/api/v1/finance/liabilities.csv").status_code == 200  # the console session downloads it

    def test_in_english_and_empty(self, client, db):
        signed_in_as(client, db, Role.HQ_ADMIN)
        client.post("/console/locale", data={"locale": "en", "csrf_token": csrf_token(client, "/console/")})
        page = client.get("/console/finance?months=6", headers=HTML).text
        assert '<html lang="en">' in page and "Liabilities and breakage" in page and "Finance" in page
        assert 'id="finance-none"' in page and "No points, stored value or gift cards yet" in page

    def test_store_managers_are_refused(self, client, db):
        store = f.store(db)
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        assert client.get("/console/finance", headers=HTML).status_code == 403


class TestCustomer360Wallet:
    def test_shows_stored_value_buckets_and_gift_cards(self, client, db):
        store = f.store(db)
        member = f.member(db, store=store)
        stored_value(db, member, 100_000)
        signed_in_as(client, db, Role.STORE_MANAGER, [store])
        page = client.get(f"/console/members/{member.id}", headers=HTML).text
        box = section(page, "member-wallet")
        assert "储值与礼品卡" in box and "1,000.00" in text(box)
        assert re.search(r'<tr data-code="GC\d{16}">', box) and "可用" in box
