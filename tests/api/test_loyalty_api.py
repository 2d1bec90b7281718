"""Points and coupons through the HTTP API: earned on completed orders (via the relay), spent, refunded,
expired, merged; coupons issued every way, redeemed exactly once, restored when the template says so."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from tests import factories as f
from zhongtai.kernel import clock
from zhongtai.kernel.auth import Role
from zhongtai.kernel.relay import Relay

ALWAYS = {d: [{"open": "00:00", "close": "24:00"}] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
TILL_SCOPES = ["orders:read", "orders:write", "members:read", "members:write", "inventory:read"]


@pytest.fixture
def shop(client, db, engine, settings):
    """A store with rice (29.90) and fish (59.80/kg, FRESH), a member of the store, its till and head office."""
    store = f.store(db, code="LS1", opening_hours=ALWAYS)
    other = f.store(db, code="LS2", opening_hours=ALWAYS)
    rice = f.catalog_sku(db, price=2990)
    fish = f.catalog_sku(db, unit="gram", shelf_life_days=2, price=5980, category="FRESH")
    for s in (store, other):
        f.stock(db, s, rice, 100)
        f.stock(db, s, fish, 50_000)
    member = f.member(db, store=store)
    till = {"X-API-Key": f.api_client(db, scopes=TILL_SCOPES, stores=[store])}
    return SimpleNamespace(store=store, other=other, rice=rice, fish=fish, member=member, till=till,
                           hq=f.as_role(client, db, Role.HQ_ADMIN), relay=Relay(engine, settings, publisher=None))


def sale(client, shop, *, rice: int = 3, fish_g: int = 0, member_id: int | None = None) -> dict:
    """A till sale for the member (completed at once), and the relay run so loyalty sees it."""
    lines = [{"sku_code": shop.rice.code, "quantity": rice}] if rice else []
    lines += [{"sku_code": shop.fish.code, "weight_g": fish_g}] if fish_g else []
    resp = client.post("/api/v1/orders", headers=shop.till, json={
        "channel": "pos", "mode": "in_store", "store_id": shop.store.id, "lines": lines,
        "member_id": member_id or shop.member.id})
    assert resp.status_code == 201, resp.text
    shop.relay.drain()
    return resp.json()


def give_back(client, shop, order: dict, quantities: dict[int, int]) -> dict:
    resp = client.post("/api/v1/returns", headers=shop.till, json={
        "order_id": order["id"], "location_id": shop.store.id, "channel": "pos",
        "lines": [{"line_no": n, "quantity": q} for n, q in quantities.items()]})
    assert resp.status_code == 201, resp.text
    shop.relay.drain()
    return resp.json()


def balance(client, shop, member_id: int | None = None) -> int:
    resp = client.get(f"/api/v1/loyalty/members/{member_id or shop.member.id}/points", headers=shop.hq)
    assert resp.status_code == 200, resp.text
    return resp.json()["balance"]


def spend(client, shop, points: int, reference: str = "ORDER-1", member_id: int | None = None):
    return client.post(f"/api/v1/loyalty/members/{member_id or shop.member.id}/points/redeem", headers=shop.till,
                       json={"points": points, "channel": "pos", "store_id": shop.store.id, "reference": reference})


def verify_clean(client, shop) -> None:
    report = client.get("/api/v1/loyalty/verify", headers=shop.hq).json()
    assert report["balance_drift"] == report["lot_drift"] == report["coupon_count_drift"] == [], report


class TestEarning:
    def test_a_till_sale_earns_a_point_per_yuan_once_however_often_it_is_delivered(self, client, db, shop):
        order = sale(client, shop, rice=3, fish_g=500)  # 89.70 + 29.90
        assert balance(client, shop) == 89 + 29
        from zhongtai.loyalty import service

        entry = client.get(f"/api/v1/loyalty/members/{shop.member.id}/points/entries", headers=shop.hq).json()
        assert entry["total"] == 1 and entry["items"][0]["kind"] == "accrue"
        assert entry["items"][0]["reference"] == order["id"] and entry["items"][0]["expires_at"]
        payload = {"order_id": order["id"], "number": order["number"], "store_id": shop.store.id,
                   "channel": "pos", "member_id": shop.member.id, "paid_fen": order["payable_fen"],
                   "lines": [{"line_no": ln["line_no"], "sku_id": ln["sku_id"], "amount_fen": ln["amount_fen"],
                              "discount_fen": 0, "quantity": ln["quantity"]} for ln in order["lines"]]}
        service.accrue_order(db, order=payload)  # a redelivery, past the relay's own bookkeeping
        db.commit()
        assert balance(client, shop) == 118
        verify_clean(client, shop)

    def test_channel_category_and_tier_multipliers(self, client, db, shop):
        from zhongtai.members import service as members

        members.recompute_tier(db, member_id=shop.member.id, spend_fen=900_000)  # gold: ×1.5
        db.commit()
        rule = client.put("/api/v1/loyalty/programme/rules", headers=shop.hq,
                          json={"kind": "category", "key": "FRESH", "multiplier": "2"})
        assert rule.status_code == 200 and rule.json()["category_multipliers"] == {"FRESH": "2.000"}
        sale(client, shop, rice=1, fish_g=1000)  # 29.90 ×1.5 → 44; 59.80 ×2 ×1.5 → 179
        assert balance(client, shop) == 44 + 179

    def test_only_head_office_changes_the_programme(self, client, db, shop):
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [shop.store])
        resp = client.put("/api/v1/loyalty/programme", headers=mgr, json={"expiry_days": 30})
        assert resp.status_code == 403
        ok = client.put("/api/v1/loyalty/programme", headers=shop.hq, json={"redeem_points_per_yuan": 50})
        assert ok.status_code == 200 and ok.json()["redeem_points_per_yuan"] == 50

    def test_an_anonymous_sale_earns_nothing(self, client, db, shop):
        resp = client.post("/api/v1/orders", headers=shop.till, json={
            "channel": "pos", "mode": "in_store", "store_id": shop.store.id,
            "lines": [{"sku_code": shop.rice.code, "quantity": 1}]})
        assert resp.status_code == 201
        shop.relay.drain()
        assert client.get("/api/v1/loyalty/verify", headers=shop.hq).json()["accounts_checked"] == 0


class TestSpending:
    def test_points_pay_oldest_expiring_lot_first(self, client, db, shop):
        sale(client, shop, rice=2)  # 59 points
        f.points(db, shop.member.id, 100)
        resp = spend(client, shop, 70)
        assert resp.status_code == 201, resp.text
        assert resp.json()["points"] == -70 and resp.json()["detail"]["lots"][0][1] == 59
        assert balance(client, shop) == 89
        verify_clean(client, shop)

    def test_more_than_the_balance_is_409_with_a_stable_code_and_changes_nothing(self, client, db, shop):
        f.points(db, shop.member.id, 50)
        resp = spend(client, shop, 51)
        assert resp.status_code == 409 and resp.json()["error"] == "points_insufficient"
        assert resp.json()["detail"]["balance"] == 50
        assert balance(client, shop) == 50
        history = client.get(f"/api/v1/loyalty/members/{shop.member.id}/points/entries", headers=shop.hq).json()
        assert history["total"] == 1

    def test_the_same_reference_again_spends_once(self, client, db, shop):
        f.points(db, shop.member.id, 100)
        first, again = spend(client, shop, 40, "ORDER-9"), spend(client, shop, 40, "ORDER-9")
        assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
        assert spend(client, shop, 41, "ORDER-9").json()["error"] == "points_source_reused"
        assert balance(client, shop) == 60

    def test_spending_at_another_stores_till_is_404(self, client, db, shop):
        f.points(db, shop.member.id, 100)
        resp = client.post(f"/api/v1/loyalty/members/{shop.member.id}/points/redeem", headers=shop.till,
                           json={"points": 10, "channel": "pos", "store_id": shop.other.id, "reference": "X"})
        assert resp.status_code == 404

    def test_adjustments_are_head_office_only_and_never_go_below_zero(self, client, db, shop):
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [shop.store])
        url = f"/api/v1/loyalty/members/{shop.member.id}/points/adjust"
        assert client.post(url, headers=mgr, json={"points": 10, "reason": "goodwill"}).status_code == 403
        assert client.post(url, headers=shop.hq, json={"points": 10, "reason": "goodwill"}).status_code == 201
        low = client.post(url, headers=shop.hq, json={"points": -11, "reason": "correction"})
        assert low.status_code == 409 and low.json()["error"] == "points_insufficient"


class TestRefunds:
    def test_partial_then_full_return_takes_back_exactly_what_was_earned(self, client, db, shop):
        order = sale(client, shop, rice=3)  # 89 points on 89.70
        give_back(client, shop, order, {1: 1})
        assert balance(client, shop) == 89 - 29  # 89 × 29.90 / 89.70 = 29.67 → 29
        give_back(client, shop, order, {1: 2})
        assert balance(client, shop) == 0
        verify_clean(client, shop)

    def test_refund_after_the_points_were_spent_leaves_a_debt_the_next_sale_pays(self, client, db, shop):
        order = sale(client, shop, rice=3)
        assert spend(client, shop, 80).status_code == 201
        give_back(client, shop, order, {1: 3})
        assert balance(client, shop) == -80  # 9 clawed back from the open lot, the 80 spent owed
        verify_clean(client, shop)
        assert spend(client, shop, 1, "ORDER-2").status_code == 409
        sale(client, shop, rice=4)  # 119 points: 80 pay the debt, 39 spendable
        assert balance(client, shop) == 39
        assert spend(client, shop, 39, "ORDER-3").status_code == 201
        verify_clean(client, shop)

    def test_cancelled_order_gives_back_the_points_it_was_paid_with(self, client, db, shop):
        f.points(db, shop.member.id, 500)
        app = {"X-API-Key": f.api_client(db, scopes=TILL_SCOPES, kind="ecommerce", all_stores=True)}
        order = client.post("/api/v1/orders", headers=app, json={
            "channel": "app", "mode": "pickup", "store_id": shop.store.id, "member_id": shop.member.id,
            "lines": [{"sku_code": shop.rice.code, "quantity": 1}]}).json()
        assert spend(client, shop, 300, order["id"]).status_code == 201
        cancel = client.post(f"/api/v1/orders/{order['id']}/cancel", headers=app, json={"reason": "changed mind"})
        assert cancel.status_code == 200, cancel.text
        shop.relay.drain()
        assert balance(client, shop) == 500
        verify_clean(client, shop)


class TestExpiry:
    def test_lots_expire_first_in_first_out_at_the_horizon(self, client, db, shop):
        from zhongtai.loyalty import service

        start = clock.now()
        client.put("/api/v1/loyalty/programme", headers=shop.hq, json={"expiry_days": 30})
        try:
            clock.freeze(start)
            f.points(db, shop.member.id, 100)
            clock.freeze(start + timedelta(days=20))
            f.points(db, shop.member.id, 50)
            assert spend(client, shop, 30).status_code == 201  # from the older lot
            summary = client.get(f"/api/v1/loyalty/members/{shop.member.id}/points?within_days=15",
                                 headers=shop.hq).json()
            assert summary["expiring_points"] == 70
            clock.freeze(start + timedelta(days=31))
            assert service.expire_due(db) == 1
            db.commit()
            assert balance(client, shop) == 50
            assert service.expire_due(db) == 0
        finally:
            clock.freeze(None)
        verify_clean(client, shop)


class TestMerges:
    def test_the_survivor_takes_the_points_with_their_expiry_and_the_unused_coupons(self, client, db, shop):
        from zhongtai.members import service as members

        other = f.member(db, store=shop.store)
        f.points(db, shop.member.id, 100)
        f.points(db, other.id, 40)
        tpl = f.coupon_template(db)
        code = f.coupon(db, tpl, other.id)
        merge = members.merge(db, survivor_id=shop.member.id, merged_id=other.id, actor="t", rule="manual")
        db.commit()
        shop.relay.drain()
        assert (balance(client, shop), balance(client, shop, other.id)) == (140, 0)
        mine = client.get(f"/api/v1/loyalty/members/{shop.member.id}/coupons", headers=shop.hq).json()
        assert [c["code"] for c in mine["items"]] == [code]
        verify_clean(client, shop)
        members.undo_merge(db, merge_id=merge.id, actor="t")
        db.commit()
        shop.relay.drain()
        assert (balance(client, shop), balance(client, shop, other.id)) == (100, 40)
        theirs = client.get(f"/api/v1/loyalty/members/{other.id}/coupons", headers=shop.hq).json()
        assert [c["code"] for c in theirs["items"]] == [code]
        verify_clean(client, shop)

    def test_a_sale_to_a_merged_member_earns_for_the_survivor(self, client, db, shop):
        from zhongtai.members import service as members

        other = f.member(db, store=shop.store)
        members.merge(db, survivor_id=shop.member.id, merged_id=other.id, actor="t", rule="manual")
        db.commit()
        sale(client, shop, rice=1, member_id=other.id)
        assert balance(client, shop) == 29


# --- coupons --------------------------------------------------------------------------------------------

TEMPLATE = {"code": "MJ100-20", "name": "满100减20", "kind": "amount_off", "threshold_fen": 10_000,
            "amount_fen": 2_000, "valid_days": 30}


class TestTemplates:
    def test_head_office_creates_and_everyone_reads_with_the_printed_label(self, client, db, shop):
        resp = client.post("/api/v1/coupons/templates", headers=shop.hq, json=TEMPLATE)
        assert resp.status_code == 201, resp.text
        assert resp.json()["label"] == "满100减20" and resp.json()["per_member_limit"] == 1
        listed = client.get("/api/v1/coupons/templates", headers=shop.till).json()
        assert [t["code"] for t in listed["items"]] == ["MJ100-20"]
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [shop.store])
        denied = client.post("/api/v1/coupons/templates", headers=mgr, json={**TEMPLATE, "code": "X2"})
        assert denied.status_code == 403

    def test_inconsistent_templates_are_422(self, client, db, shop):
        bad = [{**TEMPLATE, "amount_fen": 0}, {**TEMPLATE, "kind": "percent_off"},
               {k: v for k, v in TEMPLATE.items() if k != "valid_days"}, {**TEMPLATE, "sku_codes": ["NOPE"]}]
        for body in bad:
            resp = client.post("/api/v1/coupons/templates", headers=shop.hq, json=body)
            assert resp.status_code == 422, body
        dup = client.post("/api/v1/coupons/templates", headers=shop.hq, json=TEMPLATE)
        assert dup.status_code == 201
        again = client.post("/api/v1/coupons/templates", headers=shop.hq, json=TEMPLATE)
        assert again.status_code == 409 and again.json()["error"] == "coupon_template_code_taken"

    def test_retired_templates_issue_nothing(self, client, db, shop):
        tpl = client.post("/api/v1/coupons/templates", headers=shop.hq, json=TEMPLATE).json()
        client.patch(f"/api/v1/coupons/templates/{tpl['id']}", headers=shop.hq, json={"status": "retired"})
        resp = client.post("/api/v1/coupons/issue", headers=shop.hq,
                           json={"template_code": tpl["code"], "member_ids": [shop.member.id]})
        assert resp.status_code == 409 and resp.json()["error"] == "coupon_template_not_issuable"


class TestIssuing:
    def test_campaign_to_a_segment_issues_each_member_once(self, client, db, shop):
        others = [f.member(db, store=shop.store).id for _ in range(2)]
        client.post("/api/v1/coupons/templates", headers=shop.hq, json={**TEMPLATE, "per_member_limit": 3})
        body = {"template_code": "MJ100-20", "member_ids": [shop.member.id, *others], "campaign": "618"}
        first = client.post("/api/v1/coupons/issue", headers=shop.hq, json=body)
        assert first.status_code == 201 and len(first.json()["issued"]) == 3
        again = client.post("/api/v1/coupons/issue", headers=shop.hq, json=body).json()
        assert again["issued"] == []
        assert {s["reason"] for s in again["skipped"]} == {"already_issued_for_this_occasion"}
        verify_clean(client, shop)

    def test_claim_code_respects_the_member_limit_and_the_total(self, client, db, shop):
        client.post("/api/v1/coupons/templates", headers=shop.hq,
                    json={**TEMPLATE, "claim_code": "SPRING26", "total_limit": 2})
        claim = {"claim_code": "SPRING26", "member_id": shop.member.id}
        first = client.post("/api/v1/coupons/claim", headers=shop.till, json=claim)
        assert first.status_code == 201 and first.json()["issued_via"] == "claim_code"
        twice = client.post("/api/v1/coupons/claim", headers=shop.till, json=claim)
        assert twice.status_code == 409 and twice.json()["error"] == "coupon_claim_limit_reached"
        for _ in range(1):
            ok = client.post("/api/v1/coupons/claim", headers=shop.till,
                             json={"claim_code": "SPRING26", "member_id": f.member(db, store=shop.store).id})
            assert ok.status_code == 201
        late = client.post("/api/v1/coupons/claim", headers=shop.till,
                           json={"claim_code": "SPRING26", "member_id": f.member(db, store=shop.store).id})
        assert late.status_code == 409 and late.json()["error"] == "coupon_quota_exhausted"
        unknown = client.post("/api/v1/coupons/claim", headers=shop.till,
                              json={"claim_code": "NOPE1", "member_id": shop.member.id})
        assert unknown.status_code == 404

    def test_a_guide_issues_only_what_guides_may_and_only_in_their_store(self, client, db, shop):
        guide = f.as_role(client, db, Role.GUIDE, [shop.store])
        client.post("/api/v1/coupons/templates", headers=shop.hq, json={**TEMPLATE, "guide_issuable": True})
        client.post("/api/v1/coupons/templates", headers=shop.hq, json={**TEMPLATE, "code": "HQONLY"})
        body = {"template_code": "MJ100-20", "member_id": shop.member.id, "store_id": shop.store.id}
        ok = client.post("/api/v1/coupons/guide-issue", headers=guide, json=body)
        assert ok.status_code == 201 and ok.json()["issued_via"] == "guide"
        hq_only = client.post("/api/v1/coupons/guide-issue", headers=guide, json={**body, "template_code": "HQONLY"})
        assert hq_only.status_code == 403 and hq_only.json()["error"] == "coupon_not_guide_issuable"
        elsewhere = client.post("/api/v1/coupons/guide-issue", headers=guide,
                                json={**body, "store_id": shop.other.id})
        assert elsewhere.status_code == 404

    def test_first_order_and_joining_trigger_their_templates(self, client, db, shop):
        client.post("/api/v1/coupons/templates", headers=shop.hq, json={**TEMPLATE, "trigger": "first_order"})
        client.post("/api/v1/coupons/templates", headers=shop.hq,
                    json={**TEMPLATE, "code": "WELCOME", "trigger": "joined"})
        newcomer = f.member(db, store=shop.store)
        sale(client, shop, rice=1, member_id=newcomer.id)
        sale(client, shop, rice=1, member_id=newcomer.id)
        held = client.get(f"/api/v1/loyalty/members/{newcomer.id}/coupons", headers=shop.hq).json()["items"]
        assert sorted(c["template_code"] for c in held) == ["MJ100-20", "WELCOME"]

    def test_birthday_run_issues_once_per_occasion(self, client, db, shop):
        client.post("/api/v1/coupons/templates", headers=shop.hq, json={**TEMPLATE, "trigger": "birthday",
                                                                         "per_member_limit": None})
        body = {"trigger": "birthday", "member_ids": [shop.member.id], "occasion": "birthday:2026"}
        assert len(client.post("/api/v1/coupons/issue-on-trigger", headers=shop.hq, json=body).json()["issued"]) == 1
        assert client.post("/api/v1/coupons/issue-on-trigger", headers=shop.hq, json=body).json()["issued"] == []
        nxt = client.post("/api/v1/coupons/issue-on-trigger", headers=shop.hq,
                          json={**body, "occasion": "birthday:2027"}).json()
        assert len(nxt["issued"]) == 1


class TestRedeeming:
    def redeem(self, client, shop, codes, *, reference="ORDER-1", channel="pos", store_id=None, member_id=None):
        return client.post("/api/v1/coupons/redeem", headers=shop.till, json={
            "member_id": member_id or shop.member.id, "codes": codes, "channel": channel,
            "store_id": store_id or shop.store.id, "reference": reference})

    def test_a_coupon_is_used_once_and_a_retry_of_the_same_order_is_not_a_second_use(self, client, db, shop):
        code = f.coupon(db, f.coupon_template(db), shop.member.id)
        first = self.redeem(client, shop, [code])
        assert first.status_code == 200 and first.json()[0]["status"] == "redeemed"
        assert self.redeem(client, shop, [code]).status_code == 200
        other = self.redeem(client, shop, [code], reference="ORDER-2")
        assert other.status_code == 409 and other.json()["error"] == "coupon_already_redeemed"

    def test_bad_coupons_are_4xx_with_stable_codes_and_change_nothing(self, client, db, shop):
        app_only = f.coupon(db, f.coupon_template(db, channels=["app"]), shop.member.id)
        good = f.coupon(db, f.coupon_template(db), shop.member.id)
        wrong = self.redeem(client, shop, [good, app_only])
        assert wrong.status_code == 422 and wrong.json()["error"] == "coupon_wrong_channel"
        assert wrong.json()["detail"]["message"] == "not valid on channel pos"
        stranger = f.member(db, store=shop.store)
        assert self.redeem(client, shop, [good], member_id=stranger.id).json()["error"] == "coupon_not_found"
        held = client.get(f"/api/v1/loyalty/members/{shop.member.id}/coupons?status=issued", headers=shop.hq).json()
        assert held["total"] == 2  # all or none: the good one was not used either
        clock.freeze(clock.now() + timedelta(days=31))
        try:
            late = self.redeem(client, shop, [good])
        finally:
            clock.freeze(None)
        assert late.status_code == 409 and late.json()["error"] == "coupon_expired"

    def test_store_restricted_coupon_elsewhere_is_422(self, client, db, shop):
        code = f.coupon(db, f.coupon_template(db, store_ids=[shop.other.id]), shop.member.id)
        resp = self.redeem(client, shop, [code])
        assert resp.status_code == 422 and resp.json()["error"] == "coupon_wrong_store"

    def test_full_return_restores_the_coupon_when_the_template_says_so(self, client, db, shop):
        keep = f.coupon(db, f.coupon_template(db, restore_on_refund=True), shop.member.id)
        lose = f.coupon(db, f.coupon_template(db), shop.member.id)
        order = sale(client, shop, rice=4)
        assert self.redeem(client, shop, [keep, lose], reference=order["id"]).status_code == 200
        give_back(client, shop, order, {1: 2})
        statuses = self._statuses(client, shop)
        assert statuses == {keep: "redeemed", lose: "redeemed"}  # a partial return restores nothing
        give_back(client, shop, order, {1: 2})
        assert self._statuses(client, shop) == {keep: "issued", lose: "redeemed"}

    def test_release_gives_back_every_coupon_of_an_order_that_never_went_through(self, client, db, shop):
        code = f.coupon(db, f.coupon_template(db), shop.member.id)
        self.redeem(client, shop, [code], reference="ORDER-7")
        resp = client.post("/api/v1/coupons/release", headers=shop.till, json={"reference": "ORDER-7"})
        assert resp.status_code == 200 and [c["status"] for c in resp.json()] == ["issued"]

    def _statuses(self, client, shop) -> dict[str, str]:
        items = client.get(f"/api/v1/loyalty/members/{shop.member.id}/coupons", headers=shop.hq).json()["items"]
        return {c["code"]: c["status"] for c in items}


class TestFinance:
    def test_liability_by_expiry_month_as_csv(self, client, db, shop):
        f.points(db, shop.member.id, 250)
        report = client.get("/api/v1/loyalty/liability", headers=shop.hq).json()
        assert report["total_points"] == 250 and report["total_value_fen"] == 250
        csv = client.get("/api/v1/loyalty/liability.csv", headers=shop.hq)
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        lines = csv.text.strip().splitlines()
        assert lines[0] == "expiry_month,points,value_fen" and lines[-1] == "total,250,250"

    def test_store_staff_cannot_audit(self, client, db, shop):
        mgr = f.as_role(client, db, Role.STORE_MANAGER, [shop.store])
        assert client.get("/api/v1/loyalty/verify", headers=mgr).status_code == 403

    def test_another_stores_member_points_answer_404(self, client, db, shop):
        far_member = f.member(db, store=shop.other)
        assert client.get(f"/api/v1/loyalty/members/{far_member.id}/points", headers=shop.till).status_code == 404
