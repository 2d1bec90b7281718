"""Member rules without a database: identities, masking, proof, survivorship, consent, tiers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from zhongtai.kernel.auth import Role
from zhongtai.members.pii import Vault
from zhongtai.members.policies import (
    BLANK,
    IdentityValueError,
    Match,
    MemberFacts,
    current_consent,
    fill_blanks,
    is_proof,
    is_valid_member_no,
    mask,
    mask_email,
    mask_phone,
    may_unmask,
    member_no,
    next_tier,
    normalise_email,
    normalise_identity,
    normalise_phone,
    ordered_pair,
    plan_join,
    survivor_of,
    tier_for,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class TestNormalisePhone:
    @pytest.mark.parametrize("raw", ["13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "8613812345678",
                                     "138-1234-5678", "１３８１２３４５６７８", " (138) 1234 5678 "])
    def test_accepts_common_spellings_of_one_mobile_number(self, raw):
        assert normalise_phone(raw) == "13812345678"

    @pytest.mark.parametrize("raw", ["", "1381234567", "138123456789", "12812345678", "23812345678",
                                     "+1 415 555 0100", "1381234567x", "021-12345678", "+8612812345678"])
    def test_refuses_anything_else_with_a_stable_code(self, raw):
        with pytest.raises(IdentityValueError) as exc:
            normalise_phone(raw)
        assert exc.value.code == "phone_invalid"


class TestNormaliseIdentity:
    def test_email_is_trimmed_and_lower_cased(self):
        assert normalise_email("  Zhang.San@Example.COM ") == "zhang.san@example.com"

    def test_bad_email_has_its_own_code(self):
        with pytest.raises(IdentityValueError) as exc:
            normalise_identity("email", "not-an-email")
        assert exc.value.code == "email_invalid"

    def test_openid_needs_its_app(self):
        with pytest.raises(IdentityValueError) as exc:
            normalise_identity("wechat_openid", "oAbCdEf123456")
        assert exc.value.code == "identity_app_required"
        key = normalise_identity("wechat_openid", " oAbCdEf123456 ", "wx1234")
        assert (key.kind, key.app_id, key.value) == ("wechat_openid", "wx1234", "oAbCdEf123456")

    def test_a_phone_takes_no_app(self):
        with pytest.raises(IdentityValueError):
            normalise_identity("phone", "13812345678", "wx1234")

    def test_unknown_kind_and_malformed_values_are_refused(self):
        for kind, value in (("fax", "123"), ("wechat_unionid", "a b"), ("pos_card", "x" * 65)):
            with pytest.raises(IdentityValueError):
                normalise_identity(kind, value)


class TestMasking:
    def test_phone_shows_first_three_and_last_four(self):
        assert mask_phone("13812345678") == "138****5678"

    def test_email_shows_first_letter_and_domain(self):
        assert mask_email("zhang.san@example.com") == "z***@example.com"

    def test_other_ids_are_shortened(self):
        assert mask("wechat_unionid", "oUnion1234567890") == "oUn****890"
        assert mask("pos_card", "12345") == "****"

    def test_only_head_office_staff_may_unmask(self):
        assert may_unmask("user", Role.HQ_ADMIN)
        assert not may_unmask("user", Role.STORE_MANAGER)
        assert not may_unmask("user", Role.GUIDE)
        assert not may_unmask("client", None)


class TestLookupHash:
    def test_equal_identities_hash_equally_and_kinds_apps_and_keys_separate_them(self):
        vault = Vault("k" * 40)
        phone = normalise_identity("phone", "+86 138 1234 5678")
        assert vault.lookup_hash(phone) == vault.lookup_hash(normalise_identity("phone", "13812345678"))
        assert vault.lookup_hash(phone) != vault.lookup_hash(normalise_identity("pos_card", "13812345678"))
        a, b = normalise_identity("wechat_openid", "oOpen123456", "wxA"), normalise_identity(
            "wechat_openid", "oOpen123456", "wxB")
        assert vault.lookup_hash(a) != vault.lookup_hash(b)
        assert Vault("z" * 40).lookup_hash(phone) != vault.lookup_hash(phone)

    def test_encryption_round_trips_and_hides_the_value(self):
        vault = Vault("k" * 40)
        token = vault.encrypt("13812345678")
        assert "13812345678" not in token and vault.decrypt(token) == "13812345678"


class TestProof:
    def test_platform_ids_prove_the_member(self):
        for kind in ("wechat_unionid", "wechat_openid", "app_user", "pos_card", "ecommerce_buyer"):
            assert is_proof(kind, incoming_verified=False)

    def test_a_phone_or_email_proves_only_when_verified_now(self):
        assert is_proof("phone", incoming_verified=True)
        assert not is_proof("phone", incoming_verified=False)
        assert not is_proof("email", incoming_verified=False)


class TestPlanJoin:
    def test_nothing_known_is_all_new(self):
        plan = plan_join([Match("phone", True, None), Match("pos_card", False, None)])
        assert (plan.proven, plan.claims, plan.new, plan.lookup_only) == ({}, {}, (0, 1), False)

    def test_a_verified_phone_and_a_unionid_of_two_members_prove_both(self):
        plan = plan_join([Match("wechat_unionid", False, 2), Match("phone", True, 1)])
        assert plan.proven == {2: "wechat_unionid", 1: "phone"} and plan.claims == {}

    def test_an_unverified_phone_of_another_member_is_only_a_claim(self):
        plan = plan_join([Match("wechat_unionid", False, None), Match("phone", False, 1)])
        assert (plan.proven, plan.claims, plan.new) == ({}, {1: "phone"}, (0,))

    def test_a_claim_on_the_proven_member_is_no_claim(self):
        plan = plan_join([Match("pos_card", False, 1), Match("phone", False, 1)])
        assert (plan.proven, plan.claims) == ({1: "pos_card"}, {})

    def test_claims_alone_are_a_lookup(self):
        assert plan_join([Match("phone", False, 4)]).lookup_only


class TestSurvivorship:
    def test_a_verified_phone_beats_age(self):
        older, newer = MemberFacts(1, T0, False), MemberFacts(2, T0.replace(year=2027), True)
        assert survivor_of([older, newer]) == newer

    def test_then_the_older_member_survives(self):
        older, newer = MemberFacts(7, T0, True), MemberFacts(3, T0.replace(month=6), True)
        assert survivor_of([newer, older]) == older

    def test_then_the_lower_id(self):
        assert survivor_of([MemberFacts(9, T0, False), MemberFacts(4, T0, False)]).id == 4

    def test_survivor_keeps_its_data_and_only_fills_blanks(self):
        survivor = {**BLANK, "display_name": "王芳"}
        merged = {"display_name": "王小芳", "gender": "female", "birthday": date(1990, 5, 1), "home_store_id": None}
        assert fill_blanks(survivor, merged) == {"gender": "female", "birthday": date(1990, 5, 1)}

    def test_pairs_are_stored_smaller_id_first(self):
        assert ordered_pair(9, 4) == ordered_pair(4, 9) == (4, 9)


class TestConsent:
    def test_latest_decision_wins(self):
        assert current_consent([(T0, 1, True), (T0.replace(month=2), 2, False)]) is False
        assert current_consent([(T0.replace(month=3), 1, True), (T0.replace(month=2), 2, False)]) is True

    def test_same_instant_falls_back_to_sequence(self):
        assert current_consent([(T0, 5, False), (T0, 6, True)]) is True

    def test_missing_consent_means_no(self):
        assert current_consent([]) is False


class TestTiers:
    @pytest.mark.parametrize(("spend_fen", "tier"), [(0, "regular"), (199_999, "regular"), (200_000, "silver"),
                                                     (799_999, "silver"), (800_000, "gold"), (2_000_000, "diamond"),
                                                     (10**12, "diamond")])
    def test_thresholds_by_rolling_spend(self, spend_fen, tier):
        assert tier_for(spend_fen).code == tier

    def test_benefits_grow_with_the_tier(self):
        assert tier_for(0).points_multiplier == Decimal("1.0") and not tier_for(0).free_delivery
        assert tier_for(800_000).free_delivery and tier_for(2_000_000).points_multiplier == Decimal("2.0")

    def test_next_tier(self):
        assert next_tier("silver").code == "gold" and next_tier("diamond") is None


class TestMemberNumber:
    def test_has_a_luhn_check_digit(self):
        number = member_no(12345)
        assert number.startswith("M") and len(number) == 13 and is_valid_member_no(number)
        typo = number[:-2] + str((int(number[-2]) + 1) % 10) + number[-1]
        assert not is_valid_member_no(typo)
