"""Order rules without a database: lifecycle, partial states, pro-rating, refunds, cost, NPS."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from zhongtai.orders.policies import (
    allowed_next, can_move, delivery_fee, fulfilment_cost, nps, order_status, prorate, refund_for,
)


class TestLifecycle:
    def test_delivery_flow_and_cancellation(self):
        assert allowed_next("delivery", "placed") == ["accepted", "cancelled"]
        assert allowed_next("delivery", "ready") == ["out_for_delivery", "cancelled"]
        assert allowed_next("delivery", "out_for_delivery") == ["completed"]
        assert allowed_next("delivery", "completed") == []

    def test_pickup_completes_from_ready(self):
        assert can_move("pickup", "ready", "completed") and not can_move("pickup", "placed", "ready")

    def test_ship_goes_through_shipped(self):
        assert allowed_next("ship", "ready") == ["shipped", "cancelled"]


class TestOrderStatus:
    def test_same_everywhere(self):
        assert order_status(["picking", "picking"]) == "picking"

    def test_slowest_group_decides(self):
        assert order_status(["ready", "accepted"]) == "accepted"

    def test_partial_states(self):
        assert order_status(["completed", "out_for_delivery"]) == "partially_completed"
        assert order_status(["completed", "cancelled"]) == "partially_cancelled"
        assert order_status(["cancelled", "picking"]) == "partially_cancelled"


class TestProrate:
    def test_exact_split(self):
        assert prorate(100, [1, 1, 1]) == [34, 33, 33]
        assert prorate(1000, [5000, 3000, 2000]) == [500, 300, 200]

    @given(st.integers(0, 10**7), st.lists(st.integers(0, 10**6), min_size=1, max_size=20))
    def test_always_sums_to_total(self, total, weights):
        shares = prorate(total, weights)
        assert sum(shares) == (total if sum(weights) > 0 else 0) and all(s >= 0 for s in shares)


class TestRefund:
    def test_part_returns_add_up_to_whole(self):
        whole = refund_for(1000, 100, 3, 0, 3)
        parts = refund_for(1000, 100, 3, 0, 1) + refund_for(1000, 100, 3, 1, 1) + refund_for(1000, 100, 3, 2, 1)
        assert whole == parts == 900

    @given(st.integers(0, 10**6), st.integers(1, 50), st.data())
    def test_any_split_of_returns_refunds_what_was_paid(self, paid, qty, data):
        done, total = 0, 0
        while done < qty:
            n = data.draw(st.integers(1, qty - done))
            total += refund_for(paid, 0, qty, done, n)
            done += n
        assert total == paid


class TestCostAndNps:
    def test_cost_is_labour_plus_fee(self):
        assert fulfilment_cost(12, 50, 600) == 1200

    def test_delivery_fee_per_started_km(self):
        assert delivery_fee(2.1, 400, 100) == 700

    def test_nps(self):
        assert nps([10, 9, 8, 3]) == 25.0 and nps([]) is None
