"""Inventory rules without a database."""

from __future__ import annotations

from datetime import date

from zhongtai.catalog.policies import ean13_check_digit, effective_price_fen, is_valid_ean13, line_amount_fen
from zhongtai.inventory.policies import (
    FULL, Allocation, SourceOption, allocation_for, available, fefo_take, promisable, rank_sources,
)


class TestAvailable:
    def test_is_on_hand_less_reserved_and_safety(self):
        assert available(10, 3, 2) == 5

    def test_never_negative(self):
        assert available(2, 3, 1) == 0


class TestPromisable:
    def test_full_allocation_promises_everything_available(self):
        assert promisable(10, 3, 2, FULL) == 5

    def test_percent_caps_online_share(self):
        assert promisable(10, 0, 0, Allocation(online_percent=60)) == 6
        assert promisable(10, 6, 0, Allocation(online_percent=60)) == 0

    def test_buffer_kept_for_walk_ins(self):
        assert promisable(10, 2, 0, Allocation(walk_in_buffer=3)) == 5

    def test_percent_applies_after_safety_and_buffer(self):
        assert promisable(20, 0, 4, Allocation(online_percent=50, walk_in_buffer=6)) == 5


class TestAllocationFor:
    RULES = {None: Allocation(80), "FRESH/": Allocation(50), "FRESH/FISH/": Allocation(100, 2)}

    def test_most_specific_category_wins(self):
        assert allocation_for("app", "FRESH/FISH/", self.RULES) == Allocation(100, 2)
        assert allocation_for("app", "FRESH/FRUIT/", self.RULES) == Allocation(50)
        assert allocation_for("app", "GROCERY/", self.RULES) == Allocation(80)

    def test_till_is_never_limited(self):
        assert allocation_for("pos", "FRESH/", self.RULES) == FULL

    def test_no_rules_means_everything(self):
        assert allocation_for("app", "X/", {}) == FULL


class TestFefo:
    def test_earliest_best_before_first_undated_last(self):
        batches = [("b3", None, 5), ("b2", date(2026, 12, 3), 5), ("b1", date(2026, 12, 1), 5)]
        takes, left = fefo_take(batches, 12)
        assert takes == [("b1", 5), ("b2", 5), ("b3", 2)] and left == 0

    def test_reports_what_no_batch_covers(self):
        assert fefo_take([("b1", date(2026, 12, 1), 3)], 5) == ([("b1", 3)], 2)


class TestRankSources:
    def test_complete_then_coverage_then_distance(self):
        def opt(code, dist, promised):
            return SourceOption(location_id=0, code=code, name=code, kind="store", distance_km=dist,
                                lines=[{"requested": 2, "promisable": promised}])

        ranked = rank_sources([opt("near-partial", 1, 1), opt("far-full", 9, 5), opt("mid-full", 4, 2),
                               opt("nothing", 0.5, 0)])
        assert [o.code for o in ranked] == ["mid-full", "far-full", "near-partial", "nothing"]


class TestCatalogPolicies:
    def test_ean13_check_digit(self):
        assert ean13_check_digit("690123456789") == 2
        assert is_valid_ean13("6901234567892") and not is_valid_ean13("6901234567893")
        assert not is_valid_ean13("69012345678") and not is_valid_ean13("690123456789X")

    def test_weight_priced_per_kilogram_rounds_half_up(self):
        assert line_amount_fen("gram", 5980, 500) == 2990
        assert line_amount_fen("gram", 999, 333) == 333  # 332.667 -> 333
        assert line_amount_fen("piece", 450, 3) == 1350

    def test_store_override_wins(self):
        assert effective_price_fen(1000, None) == 1000 and effective_price_fen(1000, 880) == 880
