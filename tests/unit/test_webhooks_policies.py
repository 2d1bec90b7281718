"""The pure webhook rules: matching, store filters, the retry schedule with jitter, dead letters."""

from __future__ import annotations

import pytest

from zhongtai.webhooks import policies
from zhongtai.webhooks.policies import RetryPolicy

KNOWN = ["orders.order_placed", "orders.order_completed", "stores.store_created"]


class TestPatterns:
    @pytest.mark.parametrize("pattern", ["*", "orders.*", "orders.order_placed"])
    def test_accepts_everything_all_of_a_domain_or_a_known_type(self, pattern):
        assert policies.pattern_is_valid(pattern, KNOWN)

    @pytest.mark.parametrize("pattern", ["orders.order_shipped", "billing.*", "orders", "*.placed", "Orders.*",
                                         "orders.**", ""])
    def test_refuses_unknown_types_domains_and_malformed_patterns(self, pattern):
        assert not policies.pattern_is_valid(pattern, KNOWN)

    def test_matches_exact_domain_wildcard_and_everything(self):
        assert policies.matches(["orders.order_placed"], "orders.order_placed")
        assert policies.matches(["orders.*"], "orders.order_completed")
        assert policies.matches(["*"], "stores.store_created")
        assert not policies.matches(["orders.order_placed"], "orders.order_completed")
        assert not policies.matches(["order.*"], "orders.order_placed")


class TestStoreFilter:
    def test_no_filter_takes_every_event(self):
        assert policies.store_matches([], 3) and policies.store_matches([], None)

    def test_a_filter_takes_only_its_stores_and_never_storeless_events(self):
        assert policies.store_matches([3, 4], 3)
        assert not policies.store_matches([3, 4], 5)
        assert not policies.store_matches([3], None)


class TestRetrySchedule:
    def test_doubles_from_the_base_and_is_capped(self):
        p = RetryPolicy(base_seconds=30, factor=2, cap_seconds=600, jitter=0)
        assert [p.delay(n, 0.5).total_seconds() for n in (1, 2, 3, 4, 5, 6)] == [30, 60, 120, 240, 480, 600]
        assert p.schedule(4) == [30, 60, 120]

    def test_jitter_stays_within_its_band_either_side(self):
        p = RetryPolicy(base_seconds=100, jitter=0.2)
        assert p.delay(1, 0.0).total_seconds() == pytest.approx(80)
        assert p.delay(1, 0.5).total_seconds() == pytest.approx(100)
        assert p.delay(1, 0.999999).total_seconds() == pytest.approx(120, abs=0.01)

    def test_jittered_waits_still_grow(self):
        p = RetryPolicy(base_seconds=10, jitter=0.2)
        assert p.delay(2, 0.999).total_seconds() < p.delay(3, 0.0).total_seconds()


class TestOutcome:
    @pytest.mark.parametrize(("code", "ok"), [(200, True), (204, True), (299, True), (301, False), (404, False),
                                              (500, False), (None, False)])
    def test_only_2xx_is_delivered(self, code, ok):
        assert policies.delivered(code) is ok

    def test_dead_after_the_limit_of_this_round(self):
        assert not policies.is_dead(2, 3) and policies.is_dead(3, 3)

    def test_snippet_is_one_short_line(self):
        assert policies.snippet("a\n  b\tc") == "a b c"
        cut = policies.snippet("x" * 2000)
        assert len(cut) == policies.SNIPPET_CHARS and cut.endswith("…")


class TestPublicAddresses:
    @pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946",
                                         "::ffff:93.184.216.34"])
    def test_global_unicast_is_public(self, address):
        assert policies.address_is_public(address)

    @pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.5", "172.16.0.1", "192.168.0.1", "169.254.169.254",
                                         "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "fe80::1%eth0", "fc00::1",
                                         "::ffff:10.0.0.5"])
    def test_loopback_private_link_local_and_others_are_not(self, address):
        assert not policies.address_is_public(address)
