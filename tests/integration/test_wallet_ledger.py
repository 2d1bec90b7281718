"""Random sequences of top-ups, spends, refunds and cash-outs across members keep every account's buckets equal
to its ledger and never below zero, and the finance view reconciled."""

from __future__ import annotations

import random

import pytest

from tests import factories as f
from zhongtai.finance import service as finance
from zhongtai.kernel.errors import ZhongtaiError
from zhongtai.wallet import service as wallet
from zhongtai.wallet.schemas import BonusRuleCreate


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_sequences_keep_the_ledger_exact(db, seed):
    rng = random.Random(seed)
    wallet.create_bonus_rule(db, rule_in=BonusRuleCreate(code="R", min_topup_fen=5_000, bonus_percent=10),
                             actor="tests")
    members = [f.member(db).id for _ in range(3)]
    spends: list[tuple[int, str, int]] = []
    for step in range(120):
        member, op = rng.choice(members), rng.random()
        try:
            if op < 0.35:
                wallet.top_up(db, member_id=member, amount_fen=rng.randint(1, 20_000),
                              source=wallet.Source("topup", f"t{step}"))
            elif op < 0.75:
                amount = rng.randint(1, 15_000)
                wallet.spend(db, member_id=member, amount_fen=amount, source=wallet.Source("payment", f"s{step}",
                                                                                        f"ref{step}"))
                spends.append((member, f"ref{step}", amount))
            elif op < 0.95 and spends:
                who, ref, amount = rng.choice(spends)
                wallet.refund(db, member_id=who, amount_fen=rng.randint(1, amount),
                              source=wallet.Source("refund", f"r{step}", ref))
            else:
                wallet.cash_out(db, member_id=member, source=wallet.Source("cash_out", f"c{step}"))
            db.commit()
        except ZhongtaiError as exc:
            db.rollback()
            assert exc.code in {"wallet_insufficient", "wallet_refund_exceeds_spent"}, exc.code
        report = wallet.verify(db)
        assert report["account_drift"] == [] and report["card_drift"] == [], (step, report)
        for m in members:
            bal = wallet.balance(db, member_id=m)
            assert bal.principal_fen >= 0 and bal.bonus_fen >= 0
    assert all(finance.liabilities(db)["reconciled"].values())
