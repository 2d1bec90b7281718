"""Pure points and coupon rules: FIFO lots, debt, earning, redemption, reversal, validity and labels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from zhongtai.loyalty import policies
from zhongtai.loyalty.coupons import policies as coupon_policies
from zhongtai.loyalty.policies import Lot, Programme

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def lot(n: int, days: int | None, remaining: int) -> Lot:
    return Lot(n, remaining, T0 + timedelta(days=days) if days is not None else None)


class TestFifo:
    def test_soonest_expiry_first_and_never_expiring_last(self):
        lots = [lot(1, None, 50), lot(2, 30, 10), lot(3, 10, 5)]
        takes, left = policies.take(lots, 40)
        assert takes == [(3, 5), (2, 10), (1, 25)] and left == 0

    def test_same_expiry_takes_the_oldest_lot(self):
        takes, _ = policies.take([lot(9, 5, 10), lot(4, 5, 10)], 12)
        assert takes == [(4, 10), (9, 2)]

    def test_preferred_lot_goes_first_then_fifo(self):
        takes, _ = policies.take([lot(1, 5, 10), lot(2, 90, 10), lot(3, 30, 10)], 15, prefer=2)
        assert takes == [(2, 10), (1, 5)]

    def test_reports_what_no_lot_covers(self):
        takes, left = policies.take([lot(1, 5, 10)], 25)
        assert takes == [(1, 10)] and left == 15

    def test_due_lots_are_those_with_points_whose_expiry_came(self):
        lots = [lot(1, 0, 10), lot(2, 0, 0), lot(3, 1, 10), lot(4, None, 10)]
        assert [x.id for x in policies.due(lots, T0)] == [1]

    @given(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 1000)), max_size=12), st.integers(0, 5000))
    def test_takes_never_exceed_a_lot_and_account_for_every_point(self, raw, points):
        lots = [Lot(i, remaining, T0 + timedelta(days=d)) for i, (d, remaining) in enumerate(raw)]
        takes, left = policies.take(lots, points)
        by_id = {x.id: x.remaining for x in lots}
        assert sum(n for _, n in takes) + left == points
        assert all(0 < n <= by_id[i] for i, n in takes)
        assert left == max(0, points - sum(by_id.values()))


class TestDebt:
    def test_a_credit_pays_off_a_negative_balance_first(self):
        assert policies.spendable_part(-30, 100) == 70
        assert policies.spendable_part(-300, 100) == 0
        assert policies.spendable_part(20, 100) == 100


class TestEarning:
    PROG = Programme(channel_multipliers={"app": Decimal(2)},
                     category_multipliers={"FRESH": Decimal("1.5"), "FRESH-SEAFOOD": Decimal(3)},
                     tier_multipliers={"gold": Decimal("1.5")})

    def test_one_point_per_yuan_floored(self):
        assert Programme().points_for(12_999, channel="pos", category_path="GROCERY/", tier="regular") == 129

    def test_multipliers_compose_and_the_deepest_category_wins(self):
        assert self.PROG.points_for(10_000, channel="app", category_path="FRESH/FRESH-SEAFOOD/", tier="gold") == 900
        assert self.PROG.points_for(10_000, channel="pos", category_path="FRESH/FRESH-FRUIT/", tier="regular") == 150

    def test_nothing_paid_earns_nothing(self):
        assert Programme().points_for(0, channel="pos", category_path="", tier="regular") == 0
        assert Programme().points_for(-500, channel="pos", category_path="", tier="regular") == 0

    def test_lines_are_floored_separately(self):
        per_line = policies.line_points([(1, 150, "A/"), (2, 150, "A/")], Programme(), channel="pos", tier="regular")
        assert per_line == {1: (1, 150), 2: (1, 150)}


class TestRedemption:
    def test_hundred_points_pay_one_yuan(self):
        use = Programme().redeem(500, 10_000)
        assert (use.points, use.value_fen, use.note) == (500, 500, "")

    def test_capped_at_the_share_of_payable_and_only_needed_points_charged(self):
        use = Programme(max_redeem_percent=50).redeem(9_000, 10_000)
        assert (use.points, use.value_fen) == (5_000, 5_000) and "capped at 50%" in use.note

    def test_points_worth_less_than_a_fen_are_not_charged(self):
        use = Programme(redeem_points_per_yuan=200).redeem(301, 10_000)
        assert (use.points, use.value_fen) == (300, 150) and "not used" in use.note

    @given(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(1, 1000), st.integers(0, 100))
    def test_never_charges_more_than_asked_nor_pays_more_than_allowed(self, asked, payable, rate, pct):
        prog = Programme(redeem_points_per_yuan=rate, max_redeem_percent=pct)
        use = prog.redeem(asked, payable)
        assert 0 <= use.points <= asked
        assert use.value_fen <= payable * pct // 100
        assert prog.value_fen(use.points) >= use.value_fen


ACCRUED = {1: (100, 10_000), 2: (7, 700)}


class TestReversal:

    def test_full_refund_takes_back_everything_the_line_earned(self):
        assert policies.reversal(ACCRUED, {}, {1: 10_000, 2: 700}) == {1: 100, 2: 7}

    def test_partial_refund_is_pro_rata_and_floored(self):
        assert policies.reversal(ACCRUED, {}, {2: 350}) == {2: 3}

    def test_lines_that_earned_nothing_are_ignored(self):
        assert policies.reversal(ACCRUED, {}, {9: 500}) == {}

    @given(st.integers(0, 5000), st.integers(1, 100_000), st.lists(st.integers(0, 40_000), max_size=6))
    def test_refunding_in_parts_takes_back_what_refunding_at_once_would(self, points, paid, parts):
        accrued, before, taken = {1: (points, paid)}, {}, 0
        for fen in parts:
            taken += policies.reversal(accrued, before, {1: fen}).get(1, 0)
            before = {1: before.get(1, 0) + fen}
        at_once = policies.reversal(accrued, {}, {1: sum(parts)}).get(1, 0)
        assert taken == at_once <= points


class TestCouponValidity:
    def test_days_after_issue_never_past_the_template_end(self):
        start, end = coupon_policies.window(issued_at=T0, valid_from=None, valid_to=T0 + timedelta(days=3),
                                            valid_days=7)
        assert (start, end) == (T0, T0 + timedelta(days=3))

    def test_template_window(self):
        window = coupon_policies.window(issued_at=T0, valid_from=T0 - timedelta(days=1),
                                        valid_to=T0 + timedelta(days=1), valid_days=None)
        assert window == (T0 - timedelta(days=1), T0 + timedelta(days=1))

    def _usable(self, **kw):
        args = {"member_id": 7, "owner_id": 7, "status": "issued", "valid_from": T0,
                "valid_to": T0 + timedelta(days=1), "channels": ["app"], "store_ids": [1], "channel": "app",
                "store_id": 1, "now": T0 + timedelta(hours=1)}
        refusal = coupon_policies.usable(**{**args, **kw})
        return refusal and refusal.reason

    def test_reasons_in_order_of_what_matters_first(self):
        assert self._usable() is None
        assert self._usable(member_id=8) == "not_owner"
        assert self._usable(member_id=None) == "member_required"
        assert self._usable(status="redeemed") == "already_redeemed"
        assert self._usable(now=T0 + timedelta(days=2)) == "expired"
        assert self._usable(now=T0 - timedelta(hours=1)) == "not_yet_valid"
        assert self._usable(channel="pos") == "wrong_channel"
        assert self._usable(store_id=2) == "wrong_store"

    def test_empty_restrictions_mean_everywhere(self):
        assert self._usable(channels=[], store_ids=[], channel="pos", store_id=None) is None

    def test_channel_refusal_names_the_channel(self):
        refusal = coupon_policies.usable(member_id=1, owner_id=1, status="issued", valid_from=T0,
                                         valid_to=T0 + timedelta(days=1), channels=["app"], store_ids=[],
                                         channel="pos", store_id=None, now=T0)
        assert refusal.message == "not valid on channel pos"


class TestCouponLabels:
    def test_labels_as_printed(self):
        assert coupon_policies.label(kind="amount_off", threshold_fen=10_000, amount_fen=2_000, percent_off=None,
                                     cap_fen=None) == "满100减20"
        assert coupon_policies.label(kind="percent_off", threshold_fen=0, amount_fen=0, percent_off=15,
                                     cap_fen=3_000) == "8.5折 (最高减30)"
        assert coupon_policies.label(kind="free_delivery", threshold_fen=5_900, amount_fen=0, percent_off=None,
                                     cap_fen=None) == "满59免运费"

    def test_codes_avoid_ambiguous_characters(self):
        code = coupon_policies.new_code()
        assert code.startswith("CP") and len(code) == 12 and not set(code[2:]) & set("01IO")
