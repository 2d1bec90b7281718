"""Stored-value and gift-card rules without a database: bonus rules, the pro-rata spend order, refunds back
to the buckets they came from, tender shares, and the finance month rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from zhongtai.finance import policies as finance
from zhongtai.wallet import policies
from zhongtai.wallet.policies import BonusRule, Split

NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)
RULES = [BonusRule("500", 50_000, bonus_fen=5_000), BonusRule("1000", 100_000, bonus_fen=12_000)]


class TestBonus:
    def test_the_highest_threshold_reached_applies_once(self):
        assert policies.bonus(RULES, 100_000, NOW) == (12_000, RULES[1])
        assert policies.bonus(RULES, 99_999, NOW) == (5_000, RULES[0])
        assert policies.bonus(RULES, 200_000, NOW)[0] == 12_000  # not twice, not cumulative

    def test_below_every_threshold_gives_nothing(self):
        assert policies.bonus(RULES, 49_999, NOW) == (0, None)

    def test_a_percentage_is_floored_and_capped(self):
        rule = BonusRule("pct", 10_000, bonus_percent=3, cap_fen=1_000)
        assert policies.bonus([rule], 12_345, NOW)[0] == 370
        assert policies.bonus([rule], 100_000, NOW)[0] == 1_000

    def test_rules_outside_their_window_do_not_apply(self):
        past = BonusRule("old", 1, bonus_fen=1, ends_at=NOW)
        future = BonusRule("new", 1, bonus_fen=2, starts_at=NOW + timedelta(seconds=1))
        assert policies.bonus([past, future], 100, NOW) == (0, None)


class TestSpendOrder:
    def test_pro_rata_with_the_bonus_share_floored(self):
        assert policies.spend_split(50_000, 5_000, 10_000) == Split(9_091, 909)

    def test_spending_everything_empties_both_buckets(self):
        assert policies.spend_split(50_000, 5_000, 55_000) == Split(50_000, 5_000)

    def test_more_than_the_balance_or_nothing_is_refused(self):
        assert policies.spend_split(100, 0, 101) is None
        assert policies.spend_split(100, 0, 0) is None

    @given(st.integers(0, 10**7), st.integers(0, 10**6), st.data())
    def test_never_takes_a_bucket_below_zero(self, principal, bonus, data):
        if principal + bonus == 0:
            return
        amount = data.draw(st.integers(1, principal + bonus))
        split = policies.spend_split(principal, bonus, amount)
        assert split.total_fen == amount
        assert 0 <= split.principal_fen <= principal and 0 <= split.bonus_fen <= bonus


class TestRefunds:
    def test_a_refund_goes_back_to_the_buckets_the_spend_came_from(self):
        assert policies.refund_split(Split(9_091, 909), 0, 10_000) == Split(9_091, 909)

    @given(st.integers(0, 10**6), st.integers(0, 10**5), st.lists(st.integers(1, 10**5), max_size=6))
    def test_refunding_in_parts_returns_exactly_what_refunding_at_once_would(self, principal, bonus, parts):
        spent, before, back = Split(principal, bonus), 0, Split(0, 0)
        for part in parts:
            step = policies.refund_split(spent, before, part)
            assert step.principal_fen >= 0 and step.bonus_fen >= 0
            back = Split(back.principal_fen + step.principal_fen, back.bonus_fen + step.bonus_fen)
            before += step.total_fen
        assert back == policies.refund_split(spent, 0, sum(parts))
        assert back.total_fen == min(sum(parts), spent.total_fen)

    def test_tender_share_is_cumulative_and_capped(self):
        assert policies.tender_share(6_000, 10_000, 5_000) == 3_000
        assert policies.tender_share(6_000, 10_000, 20_000) == 6_000
        assert policies.tender_share(0, 10_000, 5_000) == 0


class TestGiftCards:
    def test_spendable_only_when_active_and_in_date(self):
        assert policies.gift_card_spendable("issued", None, NOW) == "not_activated"
        assert policies.gift_card_spendable("active", NOW, NOW) == "expired"
        assert policies.gift_card_spendable("active", NOW + timedelta(days=1), NOW) is None


class TestFinanceMonths:
    def test_running_balances_breakage_and_gap_months(self):
        rows = finance.monthly(
            [("2026-09", "accrue", 1_000), ("2026-09", "redeem", -300), ("2026-11", "expire", -200)],
            [("2026-09", "topup", 50_000, 5_000), ("2026-11", "spend", -9_091, -909),
             ("2026-11", "cash_out", -100, -10)],
            [("2026-10", "activate", 10_000), ("2026-10", "spend", -4_000), ("2026-11", "expire", -6_000)],
            redeem_points_per_yuan=100, until="2026-12")
        assert [r["month"] for r in rows] == ["2026-09", "2026-10", "2026-11", "2026-12"]
        nov = rows[2]
        assert nov["points_expired"] == 200 and nov["points_breakage_fen"] == 200
        assert nov["points_outstanding"] == 500 and nov["points_liability_fen"] == 500
        assert nov["sv_spent_principal_fen"] == 9_091 and nov["sv_bonus_forfeited_fen"] == 10
        assert (nov["sv_principal_outstanding_fen"], nov["sv_bonus_outstanding_fen"]) == (40_809, 4_081)
        assert rows[1]["gc_outstanding_fen"] == 6_000 and nov["gc_breakage_fen"] == 6_000
        assert rows[3]["gc_outstanding_fen"] == 0 and rows[3]["points_outstanding"] == 500

    def test_no_movements_no_rows(self):
        assert finance.monthly([], [], [], redeem_points_per_yuan=100, until="2026-11") == []

    def test_months_between_crosses_the_year(self):
        assert finance.months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]


class TestWrongPin:
    def test_the_fifth_wrong_pin_in_a_row_locks_for_fifteen_minutes(self):
        state = (0, None)
        for _ in range(4):
            state = policies.after_wrong_pin(*state, NOW)
            assert state[1] is None
        assert policies.after_wrong_pin(*state, NOW) == (0, NOW + timedelta(minutes=15))

    def test_a_lock_that_ran_out_starts_the_count_over(self):
        assert policies.after_wrong_pin(0, NOW - timedelta(seconds=1), NOW) == (1, None)
