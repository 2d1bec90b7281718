"""Random sequences of earning, spending, expiry, refunds, cancellations, adjustments and merges, checked step
by step against a plain model of the stated rules: every balance equals its ledger and its model, open lots
equal max(balance, 0), and a balance only goes below zero through a refund of points already spent."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories as f
from zhongtai.kernel import clock
from zhongtai.loyalty import service as loyalty
from zhongtai.loyalty.models import PointsEntry
from zhongtai.members import service as members

T0 = datetime(2026, 3, 1, tzinfo=UTC)
HORIZON = timedelta(days=365)


@dataclass
class Lot:
    seq: int
    remaining: int
    expires_at: datetime


@dataclass
class Model:
    """The rules, written out plainly: lots consumed soonest-expiring first, debts paid off first."""

    balance: dict[int, int] = field(default_factory=dict)
    lots: dict[int, list[Lot]] = field(default_factory=dict)
    seq: int = 0
    may_owe: set[int] = field(default_factory=set)

    def credit(self, m: int, points: int, expires_at: datetime) -> Lot:
        bal = self.balance.get(m, 0)
        self.seq += 1
        lot = Lot(self.seq, points - min(points, max(0, -bal)), expires_at)
        self.lots.setdefault(m, []).append(lot)
        self.balance[m] = bal + points
        return lot

    def debit(self, m: int, points: int, prefer: Lot | None = None) -> list[tuple[Lot, int]]:
        order = sorted(self.lots.get(m, []), key=lambda x: (x.expires_at, x.seq))
        order.sort(key=lambda x: x is not prefer)
        takes, left = [], points
        for lot in order:
            n = min(lot.remaining, left)
            if n:
                lot.remaining -= n
                left -= n
                takes.append((lot, n))
        self.balance[m] = self.balance.get(m, 0) - points
        return takes

    def expire(self, now: datetime) -> None:
        for m, lots in self.lots.items():
            for lot in lots:
                if lot.remaining and lot.expires_at <= now:
                    self.balance[m] -= lot.remaining
                    lot.remaining = 0

    def open(self, m: int) -> int:
        return sum(lot.remaining for lot in self.lots.get(m, []))


@dataclass
class Order:
    id: str
    member: int
    lines: dict[int, tuple[int, int]]  # line_no -> (points, paid)
    lot: Lot | None
    refunded: dict[int, int] = field(default_factory=dict)
    spent: list[tuple[Lot, int]] | None = None
    spent_ref: str = ""


class Run:
    def __init__(self, db, rng: random.Random, sku_id: int, members: list[int]):
        self.db, self.rng, self.sku_id, self.members = db, rng, sku_id, members
        self.model, self.orders, self.now, self.merged = Model(), [], T0, {}

    def step(self) -> str:
        op = self.rng.choices(["accrue", "redeem", "expire", "refund", "cancel", "adjust", "merge"],
                              weights=[30, 25, 8, 18, 6, 8, 5])[0]
        getattr(self, op)()
        self.db.commit()
        return op

    def accrue(self) -> None:
        m, lines = self.rng.choice(self.members), {n: self.rng.randint(1, 30_000) for n in range(1, 4)}
        order = Order(str(uuid.uuid4()), m, {n: (paid // 100, paid) for n, paid in lines.items()}, None)
        payload = {"order_id": order.id, "number": "N", "store_id": None, "channel": "pos", "member_id": m,
                   "paid_fen": sum(lines.values()), "lines": [{"line_no": n, "sku_id": self.sku_id, "quantity": 1,
                                                               "amount_fen": paid, "discount_fen": 0}
                                                              for n, paid in lines.items()]}
        got = loyalty.accrue_order(self.db, order=payload)
        points = sum(p for p, _ in order.lines.values())
        assert got.points == points
        order.lot = self.model.credit(m, points, self.now + HORIZON)
        self.orders.append(order)

    def redeem(self) -> None:
        m = self.rng.choice(self.members)
        points = self.rng.randint(1, max(1, self.model.balance.get(m, 0) + 50))
        ref = str(uuid.uuid4())
        if points > self.model.balance.get(m, 0):
            with pytest.raises(loyalty.InsufficientPoints):
                loyalty.redeem(self.db, member_id=m, points=points, source=loyalty.Source("order", ref, ref))
            self.db.rollback()
            return
        loyalty.redeem(self.db, member_id=m, points=points, source=loyalty.Source("order", ref, ref))
        takes = self.model.debit(m, points)
        mine = [o for o in self.orders if o.member == m and o.spent is None]
        if mine:  # pretend it paid for one of the member's orders, so cancelling that order restores it
            target = self.rng.choice(mine)
            target.spent, target.spent_ref = takes, ref

    def expire(self) -> None:
        self.now += timedelta(days=self.rng.choice([10, 90, 200, 370]))
        clock.freeze(self.now)
        while loyalty.expire_due(self.db, limit=2):
            pass
        self.model.expire(self.now)

    def refund(self) -> None:
        if not self.orders:
            return
        order = self.rng.choice(self.orders)
        refunds = {}
        for n, (_, paid) in order.lines.items():
            left = paid - order.refunded.get(n, 0)
            if left and self.rng.random() < 0.6:
                refunds[n] = self.rng.choice([left, self.rng.randint(1, left)])
        if not refunds:
            return
        back = sum(p * min(paid, order.refunded.get(n, 0) + refunds.get(n, 0)) // paid
                   - p * order.refunded.get(n, 0) // paid for n, (p, paid) in order.lines.items() if paid)
        taken = loyalty.reverse_refund(self.db, order_id=order.id, return_id=str(uuid.uuid4()), refunds=refunds)
        assert taken == back
        for n, fen in refunds.items():
            order.refunded[n] = order.refunded.get(n, 0) + fen
        holder = self._holder(order.member)
        prefer = order.lot if holder == order.member else None
        if self.model.open(holder) < back:
            self.model.may_owe.add(holder)
        self.model.debit(holder, back, prefer)

    def cancel(self) -> None:
        paid = [o for o in self.orders if o.spent and o.spent_ref]
        if not paid:
            return
        order = self.rng.choice(paid)
        restored = loyalty.restore_order(self.db, order_id=order.spent_ref)
        assert restored == sum(n for _, n in order.spent)
        holder = self._holder(order.member)
        for lot, n in order.spent:
            self.model.credit(holder, n, lot.expires_at)
        order.spent_ref = ""

    def adjust(self) -> None:
        m, points = self.rng.choice(self.members), self.rng.randint(1, 500)
        f.points(self.db, m, points)
        self.model.credit(m, points, self.now + HORIZON)

    def merge(self) -> None:
        if len(self.members) < 2:
            return
        merged, survivor = self.rng.sample(self.members, 2)
        members.merge(self.db, survivor_id=survivor, merged_id=merged, actor="test", rule="manual")
        moved = loyalty.merge(self.db, merge_id=str(uuid.uuid4()), survivor_id=survivor, merged_id=merged)
        assert moved == self.model.balance.get(merged, 0)
        lots = sorted(self.model.lots.get(merged, []), key=lambda x: (x.expires_at, x.seq))
        if moved > 0:
            for lot in lots:
                if lot.remaining:
                    self.model.credit(survivor, lot.remaining, lot.expires_at)
                    lot.remaining = 0
        elif moved < 0:
            self.model.may_owe.add(survivor)
            self.model.debit(survivor, -moved)
        self.model.balance[merged] = 0
        self.members.remove(merged)
        self.merged[merged] = survivor

    def _holder(self, m: int) -> int:
        while m in self.merged:
            m = self.merged[m]
        return m

    def check(self, op: str) -> None:
        report = loyalty.verify(self.db)
        assert report["balance_drift"] == report["lot_drift"] == [], (op, report)
        for m in set(self.model.balance):
            got = loyalty.balance(self.db, member_id=m)
            assert got == self.model.balance[m], (op, m, got, self.model.balance[m])
            open_lots = self.db.scalar(select(func.coalesce(func.sum(PointsEntry.remaining), 0))
                                       .where(PointsEntry.member_id == m))
            assert open_lots == self.model.open(m) == max(got, 0), (op, m)
            assert got >= 0 or m in self.model.may_owe, (op, m, got)
        self.db.rollback()


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_sequences_keep_every_balance_equal_to_its_ledger(db, engine, seed):
    sku = f.catalog_sku(db, price=100)
    run = Run(db, random.Random(seed), sku.id, [f.member(db).id for _ in range(4)])
    clock.freeze(T0)
    try:
        counts: dict[str, int] = {}
        for _ in range(90):
            op = run.step()
            counts[op] = counts.get(op, 0) + 1
            run.check(op)
    finally:
        clock.freeze(None)
    assert set(counts) >= {"accrue", "redeem", "refund", "expire"}, counts
