"""Coupons and points under real concurrency on PostgreSQL: every client has its own session and
transaction, all released together. One coupon is used once; points are never spent twice nor below zero."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.concurrency import race
from zhongtai.db.session import session_factory
from zhongtai.kernel.errors import ZhongtaiError
from zhongtai.loyalty import service as loyalty
from zhongtai.loyalty.coupons import service as coupons
from zhongtai.loyalty.coupons.models import Coupon

pytestmark = pytest.mark.postgres_only


def in_session(engine, fn: Callable[[Any], Any]) -> Any:
    """`fn(session)` in its own transaction: its result, or the domain error's code (rolled back)."""
    with session_factory(engine)() as session:
        try:
            out = fn(session)
            session.commit()
            return out
        except ZhongtaiError as exc:
            session.rollback()
            return exc.code


def assert_ledger_exact(db) -> None:
    db.rollback()
    report = loyalty.verify(db)
    assert report["balance_drift"] == report["lot_drift"] == [], report
    assert coupons.verify(db) == []


class TestOneCoupon:
    def test_two_channels_at_the_same_instant_use_it_once(self, engine, db):
        member = f.member(db)
        code = f.coupon(db, f.coupon_template(db), member.id)
        channels = ["pos", "app", "mini_program", "guide"] * 4

        def redeem(n: int):
            return in_session(engine, lambda s: len(coupons.redeem(
                s, codes=[code], member_id=member.id, channel=channels[n], store_id=None, reference=f"order-{n}")))

        results = race(len(channels), redeem)
        assert Counter(results) == Counter({1: 1, "coupon_already_redeemed": len(channels) - 1})
        db.rollback()
        row = db.scalar(select(Coupon).where(Coupon.code == code))
        assert row.status == "redeemed" and row.redeemed_ref == f"order-{results.index(1)}"

    def test_overlapping_multi_coupon_redemptions_never_deadlock_and_never_share(self, engine, db):
        member = f.member(db)
        codes = [f.coupon(db, f.coupon_template(db), member.id) for _ in range(3)]

        def redeem(n: int):
            mine = [codes[n % 3], codes[(n + 1) % 3]][:: 1 if n % 2 else -1]
            return in_session(engine, lambda s: len(coupons.redeem(
                s, codes=mine, member_id=member.id, channel="app", store_id=None, reference=f"order-{n}")))

        results = race(12, redeem)
        assert results.count(2) == 1  # the first pair wins; every other pair shares a coupon with it
        db.rollback()
        assert db.scalar(select(func.count()).select_from(Coupon).where(Coupon.status == "redeemed")) == 2

    def test_concurrent_claims_respect_the_per_member_limit_and_the_total(self, engine, db):
        f.coupon_template(db, claim_code="RACE2026", per_member_limit=1, total_limit=5)
        members = [f.member(db).id for _ in range(8)]
        claims = [members[n % 8] for n in range(16)]  # every member claims twice

        def claim(n: int):
            return in_session(engine, lambda s: coupons.claim(s, claim_code="RACE2026", member_id=claims[n])[0].code)

        results = race(16, claim)
        won = [r for r in results if r.startswith("CP")]
        assert len(won) == 5
        assert set(results) - set(won) <= {"coupon_claim_limit_reached", "coupon_quota_exhausted"}
        db.rollback()
        holders = db.scalars(select(Coupon.member_id)).all()
        assert len(holders) == len(set(holders)) == 5
        assert_ledger_exact(db)


class TestPoints:
    def test_redemptions_totalling_more_than_the_balance_never_overdraw(self, engine, db):
        member = f.member(db)
        f.points(db, member.id, 1000)
        f.points(db, member.id, 500)

        def spend(n: int):
            return in_session(engine, lambda s: loyalty.redeem(
                s, member_id=member.id, points=130, source=loyalty.Source("order", f"order-{n}")).points)

        results = race(20, spend)  # 20 × 130 = 2,600 asked of 1,500
        assert Counter(results) == Counter({-130: 11, "points_insufficient": 9})
        db.rollback()
        assert loyalty.balance(db, member_id=member.id) == 1500 - 11 * 130 >= 0
        assert_ledger_exact(db)

    def test_the_same_order_delivered_at_once_many_times_earns_once(self, engine, db):
        store, sku = f.store(db), f.catalog_sku(db, price=1000)
        member = f.member(db)
        order = {"order_id": "7f0c0000-0000-7000-8000-000000000001", "number": "N1", "store_id": store.id,
                 "channel": "pos", "member_id": member.id, "paid_fen": 12_345,
                 "lines": [{"line_no": 1, "sku_id": sku.id, "quantity": 1, "amount_fen": 12_345, "discount_fen": 0}]}
        results = race(10, lambda n: in_session(engine, lambda s: loyalty.accrue_order(s, order=order).points))
        assert sorted(results) == [0] * 9 + [123]
        db.rollback()
        assert loyalty.balance(db, member_id=member.id) == 123
        assert_ledger_exact(db)

    def test_spending_refunds_and_expiry_interleaved_keep_the_ledger_exact(self, engine, db):
        from datetime import timedelta

        from zhongtai.kernel import clock

        store, sku = f.store(db), f.catalog_sku(db, price=1000)
        member = f.member(db)
        orders = [{"order_id": f"7f0c0000-0000-7000-8000-00000000010{i}", "number": f"N{i}", "store_id": store.id,
                   "channel": "pos", "member_id": member.id, "paid_fen": 10_000, "lines": [
                       {"line_no": 1, "sku_id": sku.id, "quantity": 1, "amount_fen": 10_000, "discount_fen": 0}]}
                  for i in range(4)]
        for order in orders:
            loyalty.accrue_order(db, order=order)
        f.points(db, member.id, 300)
        db.commit()
        clock.freeze(clock.now() + timedelta(days=400))  # every lot is due
        try:
            def work(n: int):
                if n % 3 == 0:
                    return in_session(engine, lambda s: loyalty.expire_due(s))
                if n % 3 == 1:
                    order = orders[n % 4]
                    return in_session(engine, lambda s: loyalty.reverse_refund(
                        s, order_id=order["order_id"], return_id=f"ret-{n}", refunds={1: 2_500}))
                return in_session(engine, lambda s: loyalty.redeem(
                    s, member_id=member.id, points=150, source=loyalty.Source("order", f"o{n}")).points)

            race(12, work)
        finally:
            clock.freeze(None)
        assert_ledger_exact(db)
