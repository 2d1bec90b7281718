"""Stored value and gift cards through the HTTP API: top-ups with bonus rules, pro-rata spends, refunds to the
buckets they came from, cash-out, order payments and refunds with stored value, gift cards from batch to
breakage; every bad request a clear 4xx that changes nothing."""

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
    """A store with rice (29.90), a member, the store's till, head office, and the 充500送50 / 充1000送120 rules."""
    store = f.store(db, code="WS1", opening_hours=ALWAYS)
    rice = f.catalog_sku(db, price=2990)
    f.stock(db, store, rice, 100)
    shop = SimpleNamespace(store=store, rice=rice, member=f.member(db, store=store),
                           till={"X-API-Key": f.api_client(db, scopes=TILL_SCOPES, stores=[store])},
                           hq=f.as_role(client, db, Role.HQ_ADMIN), relay=Relay(engine, settings, publisher=None))
    for code, threshold, bonus in (("R500", 50_000, 5_000), ("R1000", 100_000, 12_000)):
        resp = client.post("/api/v1/wallet/bonus-rules", headers=shop.hq, json={
            "code": code, "min_topup_fen": threshold, "bonus_fen": bonus})
        assert resp.status_code == 201, resp.text
    return shop


def top_up(client, shop, amount: int, txn: str = "PAY-1", member_id: int | None = None):
    return client.post(f"/api/v1/members/{member_id or shop.member.id}/wallet/top-ups", headers=shop.till, json={
        "amount_fen": amount, "transaction_id": txn, "channel": "pos", "store_id": shop.store.id})


def spend(client, shop, amount: int, reference: str = "T-1", txn: str | None = None):
    return client.post(f"/api/v1/members/{shop.member.id}/wallet/spends", headers=shop.till, json={
        "amount_fen": amount, "reference": reference, "transaction_id": txn or f"SV-{reference}", "channel": "pos",
        "store_id": shop.store.id})


def wallet(client, shop) -> dict:
    resp = client.get(f"/api/v1/members/{shop.member.id}/wallet", headers=shop.hq)
    assert resp.status_code == 200, resp.text
    return resp.json()


def buckets(client, shop) -> tuple[int, int]:
    w = wallet(client, shop)
    return w["principal_fen"], w["bonus_fen"]


def verify_clean(client, shop) -> None:
    report = client.get("/api/v1/wallet/verify", headers=shop.hq).json()
    assert report["account_drift"] == report["card_drift"] == [], report


class TestTopUp:
    def test_the_highest_bonus_rule_reached_adds_bonus_once_per_payment(self, client, shop):
        first = top_up(client, shop, 100_000)
        assert first.status_code == 201, first.text
        assert (first.json()["principal_fen"], first.json()["bonus_fen"]) == (100_000, 12_000)
        again = top_up(client, shop, 100_000)
        assert again.json()["id"] == first.json()["id"]
        assert buckets(client, shop) == (100_000, 12_000)
        assert wallet(client, shop)["balance_fen"] == 112_000
        verify_clean(client, shop)

    def test_the_same_payment_with_another_amount_is_409(self, client, shop):
        top_up(client, shop, 50_000)
        resp = top_up(client, shop, 60_000)
        assert resp.status_code == 409 and resp.json()["error"] == "wallet_source_reused"
        assert buckets(client, shop) == (50_000, 5_000)

    def test_bad_amounts_and_unknown_members_are_refused(self, client, shop):
        assert top_up(client, shop, 0).status_code == 422
        assert top_up(client, shop, 100, member_id=999_999).json()["error"] == "member_not_found"
        assert buckets(client, shop) == (0, 0)

    def test_a_deactivated_rule_gives_nothing(self, client, shop):
        assert client.post("/api/v1/wallet/bonus-rules/R500/deactivate", headers=shop.hq).status_code == 200
        top_up(client, shop, 60_000)
        assert buckets(client, shop) == (60_000, 0)


class TestSpend:
    def test_spends_take_principal_and_bonus_pro_rata(self, client, shop):
        top_up(client, shop, 50_000)  # 500 + 50 bonus
        resp = spend(client, shop, 10_000)
        assert resp.status_code == 201, resp.text
        assert (resp.json()["principal_fen"], resp.json()["bonus_fen"]) == (-9_091, -909)
        assert buckets(client, shop) == (40_909, 4_091)

    def test_more_than_the_balance_is_409_and_changes_nothing(self, client, shop):
        top_up(client, shop, 1_000)
        resp = spend(client, shop, 1_001)
        assert resp.status_code == 409 and resp.json()["error"] == "wallet_insufficient"
        assert resp.json()["detail"]["balance_fen"] == 1_000
        assert buckets(client, shop) == (1_000, 0)
        assert client.get(f"/api/v1/members/{shop.member.id}/wallet/entries", headers=shop.hq).json()["total"] == 1

    def test_a_retried_spend_is_charged_once(self, client, shop):
        top_up(client, shop, 5_000)
        assert spend(client, shop, 2_000).json()["id"] == spend(client, shop, 2_000).json()["id"]
        assert buckets(client, shop) == (3_000, 0)

    def test_refunds_go_back_to_the_buckets_and_never_exceed_the_spend(self, client, shop):
        top_up(client, shop, 50_000)
        spend(client, shop, 10_000, reference="T-9")
        url = f"/api/v1/members/{shop.member.id}/wallet/refunds"
        body = {"reference": "T-9", "store_id": shop.store.id}
        part = client.post(url, headers=shop.till, json={**body, "amount_fen": 4_000, "refund_id": "R1"})
        rest = client.post(url, headers=shop.till, json={**body, "amount_fen": 6_000, "refund_id": "R2"})
        assert part.status_code == rest.status_code == 201
        assert part.json()["principal_fen"] + rest.json()["principal_fen"] == 9_091
        assert buckets(client, shop) == (50_000, 5_000)
        over = client.post(url, headers=shop.till, json={**body, "amount_fen": 1, "refund_id": "R3"})
        assert over.status_code == 422 and over.json()["error"] == "wallet_refund_exceeds_spent"
        verify_clean(client, shop)

    def test_cash_out_pays_the_principal_back_and_forfeits_the_bonus(self, client, db, shop):
        top_up(client, shop, 50_000)
        spend(client, shop, 10_000)
        url = f"/api/v1/members/{shop.member.id}/wallet/cash-out"
        body = {"request_id": "CO-1", "reason": "closing the card"}
        guide = f.as_role(client, db, Role.GUIDE, [shop.store])
        assert client.post(url, headers=guide, json=body).status_code == 403
        resp = client.post(url, headers=shop.hq, json=body)
        assert resp.status_code == 201, resp.text
        assert resp.json()["detail"] == {"paid_back_fen": 40_909, "forfeited_bonus_fen": 4_091}
        assert buckets(client, shop) == (0, 0)


class TestOrders:
    def sale(self, client, shop, *, payment: dict | None, member_id: int | None = None):
        return client.post("/api/v1/orders", headers=shop.till, json={
            "channel": "pos", "mode": "in_store", "store_id": shop.store.id,
            "lines": [{"sku_code": shop.rice.code, "quantity": 2}], "member_id": member_id or shop.member.id,
            **({"payment": payment} if payment else {})})

    def test_a_stored_value_payment_debits_the_wallet_and_a_return_credits_it_back(self, client, shop):
        top_up(client, shop, 50_000)
        resp = self.sale(client, shop, payment={"provider": "stored_value", "transaction_id": "SV-ORDER-1",
                                                "amount_fen": 5_980})
        assert resp.status_code == 201, resp.text
        assert buckets(client, shop) == (50_000 - 5_437, 5_000 - 543)
        back = client.post("/api/v1/returns", headers=shop.till, json={
            "order_id": resp.json()["id"], "location_id": shop.store.id, "channel": "pos",
            "lines": [{"line_no": 1, "quantity": 1}]})
        assert back.status_code == 201, back.text
        assert wallet(client, shop)["balance_fen"] == 55_000 - 2_990
        client.post("/api/v1/returns", headers=shop.till, json={
            "order_id": resp.json()["id"], "location_id": shop.store.id, "channel": "pos",
            "lines": [{"line_no": 1, "quantity": 1}]})
        assert buckets(client, shop) == (50_000, 5_000)
        verify_clean(client, shop)

    def test_not_enough_stored_value_refuses_the_order_and_records_nothing(self, client, shop):
        top_up(client, shop, 1_000)
        resp = self.sale(client, shop, payment={"provider": "stored_value", "transaction_id": "SV-X",
                                                "amount_fen": 5_980})
        assert resp.status_code == 409 and resp.json()["error"] == "wallet_insufficient"
        assert client.get("/api/v1/orders", headers=shop.till).json()["total"] == 0
        assert buckets(client, shop) == (1_000, 0)

    def test_recording_a_stored_value_payment_later_debits_it(self, client, db, shop):
        top_up(client, shop, 10_000)
        lat, lng = 31.2304, 121.4737
        placed = client.post("/api/v1/orders", headers=shop.till, json={
            "channel": "app", "mode": "pickup", "store_id": shop.store.id, "member_id": shop.member.id,
            "lines": [{"sku_code": shop.rice.code, "quantity": 1}],
            "contact": {"latitude": lat, "longitude": lng}})
        assert placed.status_code == 201, placed.text
        url = f"/api/v1/orders/{placed.json()['id']}/payments"
        too_much = client.post(url, headers=shop.till, json={"provider": "stored_value", "transaction_id": "P-1",
                                                             "amount_fen": 20_000})
        assert too_much.status_code == 409 and too_much.json()["error"] == "wallet_insufficient"
        pending = client.post(url, headers=shop.till, json={"provider": "stored_value", "transaction_id": "P-2",
                                                            "amount_fen": 2_990, "status": "pending"})
        assert pending.status_code == 422 and pending.json()["error"] == "wallet_payment_not_pending"
        paid = client.post(url, headers=shop.till, json={"provider": "stored_value", "transaction_id": "P-3",
                                                         "amount_fen": 2_990})
        assert paid.status_code in (200, 201), paid.text
        assert wallet(client, shop)["balance_fen"] == 10_000 - 2_990
        cancel = client.post(f"/api/v1/orders/{placed.json()['id']}/cancel", headers=shop.till,
                             json={"reason": "changed my mind"})
        assert cancel.status_code == 200, cancel.text
        assert wallet(client, shop)["balance_fen"] == 10_000
        verify_clean(client, shop)

    def test_an_order_paid_partly_with_stored_value_is_refunded_to_it_pro_rata(self, client, shop):
        top_up(client, shop, 2_990)
        sale = self.sale(client, shop, payment={"provider": "stored_value", "transaction_id": "SV-HALF",
                                                "amount_fen": 2_990})  # the other half paid in cash at the till
        assert sale.status_code == 201 and wallet(client, shop)["balance_fen"] == 0
        back = client.post("/api/v1/returns", headers=shop.till, json={
            "order_id": sale.json()["id"], "location_id": shop.store.id, "channel": "pos",
            "lines": [{"line_no": 1, "quantity": 1}]})
        assert back.status_code == 201 and back.json()["refund_fen"] == 2_990
        assert wallet(client, shop)["balance_fen"] == 1_495  # half of the refund: stored value paid half
        verify_clean(client, shop)

    def test_a_guest_cannot_pay_with_stored_value(self, client, shop):
        resp = client.post("/api/v1/orders", headers=shop.till, json={
            "channel": "pos", "mode": "in_store", "store_id": shop.store.id,
            "lines": [{"sku_code": shop.rice.code, "quantity": 1}],
            "payment": {"provider": "stored_value", "transaction_id": "G-1", "amount_fen": 2_990}})
        assert resp.status_code == 422 and resp.json()["error"] == "wallet_member_required"


class TestGiftCards:
    def issue(self, client, shop, quantity: int = 2, face: int = 10_000, valid_days: int = 30) -> list[dict]:
        resp = client.post("/api/v1/gift-cards/batches", headers=shop.hq, json={
            "code": "XMAS26", "name": "圣诞礼品卡", "face_value_fen": face, "quantity": quantity,
            "valid_days": valid_days})
        assert resp.status_code == 201, resp.text
        return resp.json()["cards"]

    def activate(self, client, shop, code: str, member_id: int | None = None):
        return client.post(f"/api/v1/gift-cards/{code}/activate", headers=shop.till, json={
            "sale_id": f"SALE-{code}", "store_id": shop.store.id, "member_id": member_id})

    def pay(self, client, shop, card: dict, amount: int, reference: str = "T-1"):
        return client.post(f"/api/v1/gift-cards/{card['code']}/spends", headers=shop.till, json={
            "pin": card["pin"], "amount_fen": amount, "reference": reference, "transaction_id": f"GC-{reference}",
            "channel": "pos", "store_id": shop.store.id})

    def test_from_batch_to_activation_spend_refund_and_balance(self, client, shop):
        cards = self.issue(client, shop)
        assert len({c["code"] for c in cards}) == 2
        card = cards[0]
        unsold = self.pay(client, shop, card, 100)
        assert unsold.status_code == 409 and unsold.json()["detail"]["reason"] == "not_activated"
        sold = self.activate(client, shop, card["code"], member_id=shop.member.id)
        assert sold.status_code == 200 and sold.json()["balance_fen"] == 10_000
        assert self.activate(client, shop, card["code"]).json()["error"] == "gift_card_unusable"
        assert self.pay(client, shop, card, 3_000).status_code == 201
        over = self.pay(client, shop, card, 8_000, reference="T-2")
        assert over.status_code == 409 and over.json()["error"] == "wallet_insufficient"
        refund = client.post(f"/api/v1/gift-cards/{card['code']}/refunds", headers=shop.till, json={
            "amount_fen": 1_000, "reference": "T-1", "refund_id": "GR-1"})
        assert refund.status_code == 201
        check = client.post(f"/api/v1/gift-cards/{card['code']}/balance", headers=shop.till, json={"pin": card["pin"]})
        assert check.json()["balance_fen"] == 8_000
        wrong = client.post(f"/api/v1/gift-cards/{card['code']}/balance", headers=shop.till, json={"pin": "000000x"})
        assert wrong.status_code == 404
        assert wallet(client, shop)["gift_card_balance_fen"] == 8_000
        verify_clean(client, shop)

    def test_what_is_left_at_expiry_is_breakage(self, client, shop):
        from zhongtai.db.session import session_scope
        from zhongtai.wallet import service

        card = self.issue(client, shop, quantity=1, valid_days=10)[0]
        self.activate(client, shop, card["code"])
        self.pay(client, shop, card, 2_500)
        try:
            clock.freeze(clock.now() + timedelta(days=11))
            with session_scope() as session:
                assert service.expire_cards(session) == 1
            late = self.pay(client, shop, card, 100, reference="T-late")
            assert late.status_code == 409 and late.json()["detail"]["reason"] == "expired"
        finally:
            clock.freeze(None)
        entries = client.get(f"/api/v1/gift-cards/{card['code']}/entries", headers=shop.hq).json()
        assert [(e["kind"], e["amount_fen"]) for e in entries] == [("activate", 10_000), ("spend", -2_500),
                                                                  ("expire", -7_500)]
        summary = client.get("/api/v1/gift-cards/batches", headers=shop.hq).json()
        assert summary[0]["by_status"] == {"expired": {"cards": 1, "balance_fen": 0}}
        verify_clean(client, shop)

    def test_only_head_office_prints_cards(self, client, db, shop):
        manager = f.as_role(client, db, Role.STORE_MANAGER, [shop.store])
        resp = client.post("/api/v1/gift-cards/batches", headers=manager, json={
            "code": "B", "name": "x", "face_value_fen": 100, "quantity": 1})
        assert resp.status_code == 403


class TestMembers:
    def test_customer_360_shows_stored_value_and_gift_cards(self, client, shop):
        top_up(client, shop, 50_000)
        cards = TestGiftCards().issue(client, shop, quantity=1)
        TestGiftCards().activate(client, shop, cards[0]["code"], member_id=shop.member.id)
        c360 = client.get(f"/api/v1/members/{shop.member.id}", headers=shop.hq).json()["wallet"]
        assert (c360["principal_fen"], c360["bonus_fen"], c360["balance_fen"]) == (50_000, 5_000, 55_000)
        assert [(c["code"], c["balance_fen"]) for c in c360["gift_cards"]] == [(cards[0]["code"], 10_000)]

    def test_a_merge_moves_stored_value_and_cards_to_the_survivor(self, client, db, shop):
        other = f.member(db, store=shop.store)
        top_up(client, shop, 50_000)
        top_up(client, shop, 2_000, txn="PAY-2", member_id=other.id)
        resp = client.post("/api/v1/members/merges", headers=shop.hq, json={"member_ids": [shop.member.id, other.id]})
        assert resp.status_code == 201, resp.text
        shop.relay.drain()
        survivor = resp.json()["survivor_id"]
        w = client.get(f"/api/v1/members/{survivor}/wallet", headers=shop.hq).json()
        assert (w["principal_fen"], w["bonus_fen"]) == (52_000, 5_000)
        verify_clean(client, shop)

    def test_an_undone_merge_gives_back_what_is_left_of_what_it_brought(self, client, db, shop):
        other = f.member(db, store=shop.store)
        top_up(client, shop, 1_000, member_id=other.id)  # the smaller account is merged into the older member
        card = TestGiftCards().issue(client, shop, quantity=1)[0]
        TestGiftCards().activate(client, shop, card["code"], member_id=other.id)
        merge = client.post("/api/v1/members/merges", headers=shop.hq,
                            json={"member_ids": [shop.member.id, other.id]}).json()
        shop.relay.drain()
        survivor, merged = merge["survivor_id"], merge["merged_id"]
        assert merged == other.id
        client.post(f"/api/v1/members/{survivor}/wallet/spends", headers=shop.till, json={
            "amount_fen": 400, "reference": "T-1", "transaction_id": "S-1", "channel": "pos"})
        assert client.post(f"/api/v1/members/merges/{merge['id']}/undo", headers=shop.hq).status_code == 200
        shop.relay.drain()
        back = client.get(f"/api/v1/members/{merged}/wallet", headers=shop.hq).json()
        kept = client.get(f"/api/v1/members/{survivor}/wallet", headers=shop.hq).json()
        assert back["balance_fen"] == 600 and kept["balance_fen"] == 0
        assert [c["code"] for c in back["gift_cards"]] == [card["code"]] and kept["gift_cards"] == []
        verify_clean(client, shop)

    def test_export_includes_the_ledger_and_erasure_keeps_it_anonymised(self, client, db, shop):
        top_up(client, shop, 50_000)
        spend(client, shop, 1_000)
        export = client.get(f"/api/v1/members/{shop.member.id}/export", headers=shop.hq).json()["wallet"]
        assert [e["kind"] for e in export["ledger"]] == ["topup", "spend"]
        assert export["accounts"] == [{"member_id": shop.member.id, "principal_fen": 49_090, "bonus_fen": 4_910}]
        resp = client.post(f"/api/v1/members/{shop.member.id}/erase", headers=shop.hq, json={"reason": "PIPL request"})
        assert resp.status_code == 200, resp.text
        shop.relay.drain()
        entries = client.get(f"/api/v1/members/{shop.member.id}/wallet/entries", headers=shop.hq).json()["items"]
        assert len(entries) == 2 and {e["actor"] for e in entries} == {""} and {str(e["detail"]) for e in entries} == {"{}"}
        assert wallet(client, shop)["balance_fen"] == 54_000  # still owed: the ledger stays for accounting
        assert top_up(client, shop, 100, txn="after").json()["error"] == "member_not_active"
        verify_clean(client, shop)
