"""Pure pricing: line prices and markdowns, coupons with reasons, stacking, allocation in fen, points."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from zhongtai.pricing import policies
from zhongtai.pricing.policies import CouponOffer, Item, Markdown, PointsUse


def item(no: int = 1, *, price: int = 1000, qty: int = 1, unit: str = "piece", code: str | None = None,
         path: str = "GROCERY/", store: int | None = None, md: Markdown | None = None) -> Item:
    return Item(line_no=no, sku_code=code or f"SKU{no}", name=f"item {no}", unit=unit, quantity=qty,
                category_path=path, list_price_fen=price, store_price_fen=store, markdown=md)


def coupon(code: str, kind: str = "amount_off", **kw) -> CouponOffer:
    kw.setdefault("template_code", f"T-{code}")
    kw.setdefault("label", code)
    return CouponOffer(code=code, kind=kind, **kw)


class TestLinePrices:
    def test_store_price_overrides_the_list_price(self):
        line = policies.price_line(item(price=990, store=890, qty=2))
        assert (line.unit_price_fen, line.price_source, line.amount_fen) == (890, "store", 1780)
        assert line.price_note == "store price (list ¥9.90)"

    def test_percentage_markdown_rounds_half_up_per_unit(self):
        line = policies.price_line(item(price=995, md=Markdown(percent_off=30, reason="near expiry")))
        assert line.unit_price_fen == 697  # 696.5 → 697
        assert line.price_source == "markdown" and line.price_note == "markdown 7折: near expiry (was ¥9.95)"

    def test_fixed_markdown_only_when_lower(self):
        assert policies.price_line(item(price=1000, md=Markdown(price_fen=1200))).unit_price_fen == 1000
        assert policies.price_line(item(price=1000, store=800, md=Markdown(price_fen=850))).price_source == "store"

    def test_weighed_line_at_the_kilogram_price_half_up(self):
        line = policies.price_line(item(price=5980, qty=333, unit="gram"))
        assert line.amount_fen == 1991  # 1991.34

    def test_best_of_several_markdowns(self):
        mds = [Markdown(percent_off=10), Markdown(price_fen=700), Markdown(percent_off=20)]
        assert policies.best_markdown(1000, mds) == Markdown(price_fen=700)


class TestCoupons:
    def test_threshold_reason_names_the_threshold_and_the_eligible_amount(self):
        q = policies.quote([item(price=8000)], [coupon("A", threshold_fen=10_000, amount_fen=2000)])
        assert q.applied == [] and q.refused[0].reason == "below_threshold"
        assert q.refused[0].message == "below threshold 满100 (eligible ¥80.00)"

    def test_amount_off_spread_over_lines_by_net_amount(self):
        q = policies.quote([item(1, price=6000), item(2, price=3000), item(3, price=1000)],
                           [coupon("A", threshold_fen=10_000, amount_fen=1000)])
        assert [ln.discount_fen for ln in q.lines] == [600, 300, 100] and q.payable_fen == 9000

    def test_largest_remainder_gives_the_odd_fen_to_the_earliest_tie(self):
        q = policies.quote([item(1, price=100), item(2, price=100), item(3, price=100)],
                           [coupon("A", amount_fen=100)])
        assert [ln.discount_fen for ln in q.lines] == [34, 33, 33]

    def test_percent_off_rounds_down_then_caps(self):
        q = policies.quote([item(price=999)], [coupon("P", "percent_off", percent_off=15)])
        assert q.coupon_fen == 149  # 149.85
        capped = policies.quote([item(price=100_000)], [coupon("P", "percent_off", percent_off=15, cap_fen=3000)])
        assert capped.coupon_fen == 3000

    def test_category_coupon_only_touches_its_subtree_and_is_applied_first(self):
        fish = item(1, price=5000, path="FRESH/FRESH-SEAFOOD/")
        rice = item(2, price=5000, path="GROCERY/")
        whole = coupon("W", threshold_fen=9000, amount_fen=1000)
        seafood = coupon("S", amount_fen=1000, category_codes=frozenset({"FRESH"}))
        q = policies.quote([fish, rice], [whole, seafood])
        assert [a.code for a in q.applied] == ["S", "W"]  # 满90 still met: 40.00 + 50.00 after S
        assert q.lines[0].discounts == [("coupon:S", 1000), ("coupon:W", 444)]
        assert q.lines[1].discounts == [("coupon:W", 556)]

    def test_threshold_is_checked_after_earlier_coupons(self):
        fish = item(1, price=5000, path="FRESH/")
        rice = item(2, price=5000, path="GROCERY/")
        q = policies.quote([fish, rice], [coupon("W", threshold_fen=10_000, amount_fen=1000),
                                          coupon("S", amount_fen=500, category_codes=frozenset({"FRESH"}))])
        assert [a.code for a in q.applied] == ["S"]
        assert q.refused[0].code == "W" and q.refused[0].reason == "below_threshold"

    def test_no_eligible_items(self):
        q = policies.quote([item(price=5000)], [coupon("S", amount_fen=500, sku_codes=frozenset({"OTHER"}))])
        assert q.refused[0].reason == "no_eligible_items"

    def test_non_stackable_coupon_is_used_alone(self):
        q = policies.quote([item(price=20_000)], [coupon("A", amount_fen=1000),
                                                  coupon("B", amount_fen=3000, stackable=False, label="减30")])
        assert [a.code for a in q.applied] == ["A"]
        assert q.refused[0].code == "B" and q.refused[0].message == "not stackable with A (A)"
        q2 = policies.quote([item(price=20_000)], [coupon("B", amount_fen=3000, stackable=False, label="减30"),
                                                   coupon("A", amount_fen=1000)])
        assert [a.code for a in q2.applied] == ["B"]
        assert q2.refused[0].message == "not stackable with B (减30)"

    def test_one_coupon_per_template(self):
        q = policies.quote([item(price=20_000)], [coupon("A", amount_fen=1000, template_code="T"),
                                                  coupon("B", amount_fen=1000, template_code="T")])
        assert [r.reason for r in q.refused] == ["duplicate_template"]

    def test_free_delivery_stacks_and_needs_a_fee(self):
        offers = [coupon("F", "free_delivery", stackable=False), coupon("A", amount_fen=1000, stackable=False)]
        q = policies.quote([item(price=5000)], offers, delivery_fee_fen=700)
        assert {a.code for a in q.applied} == {"F", "A"} and q.delivery_discount_fen == 700
        assert q.payable_fen == 5000 - 1000
        none = policies.quote([item(price=5000)], [coupon("F", "free_delivery")])
        assert none.refused[0].reason == "no_delivery_fee"

    def test_refusals_from_the_coupon_itself_pass_through(self):
        q = policies.quote([item()], [coupon("X", amount_fen=100, refusal=("expired", "expired at 2026-01-01"))])
        assert q.refused[0].reason == "expired" and q.applied == []

    @given(st.lists(st.integers(1, 50_000), min_size=1, max_size=10), st.integers(1, 100_000))
    def test_line_discounts_always_add_up_to_the_coupon(self, prices, amount):
        q = policies.quote([item(i + 1, price=p) for i, p in enumerate(prices)], [coupon("A", amount_fen=amount)])
        assert sum(ln.discount_fen for ln in q.lines) == q.coupon_fen == min(amount, sum(prices))
        assert all(ln.net_fen >= 0 for ln in q.lines)


class TestPoints:
    @staticmethod
    def redeemer(requested: int, payable: int) -> PointsUse:
        value = min(requested, payable // 2)
        return PointsUse(requested, value, value, "")

    def test_points_pay_after_coupons_and_are_spread_over_lines(self):
        q = policies.quote([item(1, price=6000), item(2, price=4000)], [coupon("A", amount_fen=2000)],
                           points_requested=1000, redeem=self.redeemer)
        assert q.points.value_fen == 1000 and q.payable_fen == 10_000 - 2000 - 1000
        assert [dict(ln.discounts)["points"] for ln in q.lines] == [600, 400]

    def test_no_member_no_points(self):
        q = policies.quote([item()], [], points_requested=500)
        assert q.points.points == 0 and q.payable_fen == 1000

    def test_points_earned_on_what_is_paid_per_line(self):
        q = policies.quote([item(1, price=1050), item(2, price=1050)], [], earner=lambda net, path: net // 100)
        assert [ln.points_earned for ln in q.lines] == [10, 10] and q.points_to_earn == 20

    @given(st.lists(st.integers(1, 50_000), min_size=1, max_size=10), st.integers(0, 10**6))
    def test_payable_is_lines_less_every_discount(self, prices, points):
        q = policies.quote([item(i + 1, price=p) for i, p in enumerate(prices)],
                           [coupon("P", "percent_off", percent_off=12)], points_requested=points,
                           redeem=self.redeemer)
        assert q.payable_fen == q.subtotal_fen - q.coupon_fen - q.points.value_fen >= 0
