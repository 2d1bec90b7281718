"""Stored value and gift cards under real concurrency on PostgreSQL: every client has its own session and
transaction, all released together. Spends never overdraw, a spend is charged once, buckets equal the ledger."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.concurrency import race
from tests.integration.test_loyalty_races import in_session
from zhongtai.wallet import service as wallet
from zhongtai.wallet.models import WalletEntry
from zhongtai.wallet.schemas import BatchCreate

pytestmark = pytest.mark.postgres_only


def funded(db, amount: int):
    member = f.member(db)
    wallet.top_up(db, member_id=member.id, amount_fen=amount, source=wallet.Source("topup", "fund"))
    db.commit()
    return member


def assert_exact(db) -> None:
    db.rollback()
    report = wallet.verify(db)
    assert report["account_drift"] == report["card_drift"] == [], report


class TestStoredValue:
    def test_spends_totalling_more_than_the_balance_never_overdraw(self, engine, db):
        member = funded(db, 10_000)

        def pay(n: int):
            return in_session(engine, lambda s: wallet.spend(
                s, member_id=member.id, amount_fen=3_000, source=wallet.Source("payment", f"p{n}", f"order-{n}"))
                .principal_fen)

        results = race(12, pay)
        assert Counter(results) == Counter({-3_000: 3, "wallet_insufficient": 9})
        db.rollback()
        assert wallet.balance(db, member_id=member.id).total_fen == 1_000
        assert_exact(db)

    def test_the_same_spend_from_two_channels_is_charged_exactly_once(self, engine, db):
        member = funded(db, 10_000)

        def pay(_: int):
            return in_session(engine, lambda s: str(wallet.spend(
                s, member_id=member.id, amount_fen=4_000, source=wallet.Source("payment", "same", "order-1")).id))

        results = race(8, pay)
        assert len(set(results)) == 1  # every twin reads the one entry the winner wrote
        db.rollback()
        assert len(db.scalars(select(WalletEntry).where(WalletEntry.kind == "spend")).all()) == 1
        assert wallet.balance(db, member_id=member.id).total_fen == 6_000
        assert_exact(db)

    def test_concurrent_top_ups_spends_and_refunds_keep_buckets_equal_to_the_ledger(self, engine, db):
        member = funded(db, 50_000)

        def work(n: int):
            src = wallet.Source("payment", f"w{n}", f"order-{n % 4}")
            if n % 3 == 0:
                return in_session(engine, lambda s: wallet.top_up(
                    s, member_id=member.id, amount_fen=1_000, source=wallet.Source("topup", f"t{n}")).kind)
            return in_session(engine, lambda s: wallet.spend(s, member_id=member.id, amount_fen=2_500,
                                                              source=src).kind)

        race(15, work)
        assert_exact(db)
        db.rollback()
        bal = wallet.balance(db, member_id=member.id)
        assert bal.principal_fen >= 0 and bal.bonus_fen >= 0


class TestGiftCards:
    def test_concurrent_spends_of_one_card_never_overdraw_it(self, engine, db):
        _, cards = wallet.issue_batch(db, batch_in=BatchCreate(code="RACE", name="race", face_value_fen=10_000,
                                                               quantity=1, valid_days=30), actor="tests")
        code, pin = cards[0]
        wallet.activate_card(db, code=code, member_id=None, source=wallet.Source("sale", "s1", store_id=None))
        db.commit()

        def pay(n: int):
            return in_session(engine, lambda s: wallet.spend_card(
                s, code=code, pin=pin, amount_fen=4_000, source=wallet.Source("payment", f"g{n}", f"t{n}")).amount_fen)

        results = race(10, pay)
        assert Counter(results) == Counter({-4_000: 2, "wallet_insufficient": 8})
        db.rollback()
        assert wallet.gift_card(db, code=code).balance_fen == 2_000
        assert_exact(db)
