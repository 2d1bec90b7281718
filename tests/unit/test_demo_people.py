"""The demo's shoppers and orders: pure plans, checked without a database.

The member plan is replayed here against the members domain's own identity rules (`members.policies`),
so a plan whose joins would not create, match, merge or list what it says fails before any database does.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from zhongtai.demo import catalog, members, orders, times
from zhongtai.demo.stores import STORES, WAREHOUSE
from zhongtai.members import policies
from zhongtai.stores.policies import distance_km

NOW = datetime(2026, 3, 14, 6, 30, tzinfo=UTC)  # 14:30 in Shanghai
ANCHOR = times.anchor(NOW)
LOCATIONS = {row[0]: row for row in [*STORES, WAREHOUSE]}
CJK = re.compile(r"^[\u4e00-\u9fff]{2,3}$")


@pytest.fixture(scope="module")
def plan() -> members.MemberPlan:
    return members.plan(now=ANCHOR)


@pytest.fixture(scope="module")
def stock() -> dict[str, catalog.LocationStock]:
    return {p.code: p for p in catalog.stock_plan([(r[0], r[2]) for r in LOCATIONS.values()], today=ANCHOR.date())}


@pytest.fixture(scope="module")
def planned(plan, stock) -> tuple[orders.PlannedOrder, ...]:
    return orders.plan(stock=list(stock.values()), people=plan.people, now=ANCHOR)


def local(at: datetime):
    return at.astimezone(times.SHANGHAI)


def replay(plan: members.MemberPlan) -> list[tuple[members.Join, str, bool]]:
    """Each join's outcome under the identity rules, and whether it lists a possible duplicate."""
    holder: dict[str, int] = {}  # identity lookup text -> member
    profile: dict[int, tuple] = {}  # active member -> (name, birthday)
    out = []
    for join in plan.joins:
        keys = [policies.normalise_identity(i.kind, i.value, i.app_id) for i in join.identities]
        decided = policies.plan_join([policies.Match(k.kind, i.verified, holder.get(k.lookup_text))
                                      for k, i in zip(keys, join.identities, strict=True)])
        if len(decided.proven) > 1:
            member, outcome = min(decided.proven), "merged"
            for text, m in holder.items():
                if m in decided.proven:
                    holder[text] = member
            for m in decided.proven:
                if m != member:
                    profile.pop(m, None)
        elif decided.proven:
            member, outcome = next(iter(decided.proven)), "matched"
        else:
            member, outcome = len(profile) + len(out) + 1, "created"
        listed = any(m != member for m in decided.claims)
        if outcome == "created" and join.profile:
            key = (join.profile.display_name, join.profile.birthday)
            listed |= key[1] is not None and key in profile.values()
            profile[member] = key
        for i in decided.new:
            holder[keys[i].lookup_text] = member
        out.append((join, outcome, listed))
    return out


class TestTimes:
    def test_anchor_is_just_before_now_in_trading_hours(self):
        assert NOW - timedelta(minutes=3) <= ANCHOR < NOW

    @pytest.mark.parametrize("hour", [23, 3, 9])
    def test_anchor_outside_trading_hours_is_the_last_evening(self, hour):
        now = datetime(2026, 3, 14, hour, 15, tzinfo=times.SHANGHAI)
        anchor = local(times.anchor(now.astimezone(UTC)))
        assert anchor.hour == 21 and anchor.minute == 0 and anchor <= now
        assert anchor.date() == (now.date() if hour == 23 else now.date() - timedelta(days=1))


class TestMemberPlan:
    def test_is_the_same_for_the_same_seed(self, plan):
        assert members.plan(now=ANCHOR) == plan
        assert members.plan(now=ANCHOR, seed=7).people[0] != plan.people[0]

    def test_has_a_few_thousand_shoppers_spread_over_the_grocery_stores(self, plan):
        created = sum(1 for j in plan.joins if j.expect == "created")
        assert 2_000 <= created <= 3_000
        homes = Counter(p.home_store for p in plan.people)
        assert set(homes) == set(members.HOME_STORES) and min(homes.values()) > 100

    def test_phones_are_valid_mainland_mobiles_one_per_shopper(self, plan):
        phones = [p.phone for p in plan.people]
        assert all(re.fullmatch(r"1[3-9]\d{9}", ph) and policies.normalise_phone(ph) == ph for ph in phones)
        assert len(set(phones)) == len(phones)

    def test_names_are_chinese_surname_first(self, plan):
        names = [j.profile.display_name for j in plan.joins if j.profile]
        assert all(CJK.match(n) for n in names)
        assert all(n[0] in members.SURNAMES + members.LOCAL_SURNAMES for n in names)
        assert len(set(names)) > len(names) // 3  # varied, with the usual namesakes

    def test_every_identity_is_well_formed(self, plan):
        for join in plan.joins:
            for ident in join.identities:
                policies.normalise_identity(ident.kind, ident.value, ident.app_id)  # raises if malformed

    def test_joins_are_in_time_order_in_the_past_in_trading_hours(self, plan):
        ats = [j.at for j in plan.joins]
        assert ats == sorted(ats) and ats[-1] < ANCHOR
        assert all(times.OPEN_FROM <= local(a).time() < times.OPEN_UNTIL for a in ats)

    def test_every_channel_signs_members_up_and_some_consent(self, plan):
        signups = [j for j in plan.joins if j.story == "signup"]
        assert {j.channel for j in signups} == {"pos", "mini_program", "app", "ecommerce", "guide"}
        consenting = [j for j in signups if any(c.granted for c in j.consents)]
        assert 0.3 < len(consenting) / len(signups) < 0.8
        assert {c.purpose for j in consenting for c in j.consents if c.granted} == set(policies.PURPOSES)
        assert any(not c.granted for j in signups for c in j.consents)  # some refuse

    def test_planned_scenarios_are_all_there(self, plan):
        stories = plan.stories()
        assert stories["proof_merge"] == stories["second_account"] == members.PROOF_MERGES
        assert stories["shared_phone"] == members.SHARED_PHONES
        assert stories["mini_program_login"] == members.MINI_PROGRAM_LOGINS and stories["till_card"] > 0
        assert 0 < stories["double_signup"] <= members.DOUBLE_SIGNUPS

    def test_identity_rules_reach_every_planned_outcome(self, plan):
        for join, outcome, listed in replay(plan):
            assert outcome == join.expect, (join.story, join.person)
            if join.listed:
                assert listed, (join.story, join.person)

    def test_shared_phones_are_claims_never_proofs(self, plan):
        for join in (j for j in plan.joins if j.story == "shared_phone"):
            phone = next(i for i in join.identities if i.kind == "phone")
            assert not phone.verified and join.expect == "created"

    def test_merges_prove_both_accounts_in_one_join(self, plan):
        for join in (j for j in plan.joins if j.story == "proof_merge"):
            assert len(join.identities) == 2
            assert all(policies.is_proof(i.kind, i.verified) for i in join.identities)


class TestOrderPlan:
    def test_is_the_same_for_the_same_seed(self, plan, stock, planned):
        assert orders.plan(stock=list(stock.values()), people=plan.people, now=ANCHOR) == planned

    def test_a_few_hundred_orders_in_every_mode_and_channel(self, planned):
        assert 300 <= len(planned) <= 500
        assert {(o.mode, o.channel) for o in planned} == {(m, c) for m, c, _ in orders.MIX}

    def test_orders_are_left_at_every_step(self, planned):
        fates = Counter(o.fate for o in planned)
        assert set(orders.OPEN) | {"completed", "cancelled", "short"} == set(fates)
        assert fates["completed"] > len(planned) // 2
        for mode, wanted in orders.FATES.items():
            have = {o.fate for o in planned if o.mode == mode}
            assert set(wanted) <= have, mode

    def test_cancellations_happen_at_different_stages(self, planned):
        cancelled = [o for o in planned if o.fate == "cancelled"]
        last_moves = {o.moves[-1].action for o in cancelled}
        assert last_moves == {"cancel", "pay_failed"}
        assert len({tuple(m.action for m in o.moves) for o in cancelled}) == len(orders.CANCELS)

    def test_returns_feedback_and_complaints(self, planned):
        returned = [o for o in planned if o.return_to]
        assert len(returned) == orders.RETURNS and all(o.return_to != o.store for o in returned)
        rated = [o.feedback for o in planned if o.feedback]
        assert len(rated) > 50 and all(f.nps is not None for f in rated)
        assert sum(f.complaint for f in rated) == orders.COMPLAINT_COUNT
        assert {o.fate for o in planned if o.feedback} <= {"completed", "short"}

    def test_open_orders_are_recent_and_everything_happens_in_order_before_now(self, planned):
        for o in planned:
            ats = [o.at, *(m.at for m in o.moves)]
            assert ats == sorted(ats) and ats[-1] <= ANCHOR, o.ref
            assert times.OPEN_FROM <= local(o.at).time() < times.OPEN_UNTIL, o.ref
            if o.fate in orders.OPEN:
                assert ANCHOR - o.at <= times.RECENT_WINDOW, o.ref

    def test_baskets_come_from_what_the_location_stocks(self, planned, stock):
        for o in planned:
            carried = {line.sku_code: line.unit for line in stock[o.store].receipts}
            assert all(carried.get(line.sku_code) == line.unit for line in o.lines), o.ref

    def test_never_asks_more_than_received_nor_below_safety_stock(self, planned, stock):
        asked = defaultdict(int)
        for o in planned:
            for line in o.lines:
                asked[(o.store, line.sku_code)] += line.amount
        on_hand = defaultdict(int)
        for code, plan in stock.items():
            for line in plan.receipts:
                on_hand[(code, line.sku_code)] += line.amount
        floors = {(code, sku) for code, plan in stock.items() for sku, _ in plan.safety_stock}
        assert all(total < on_hand[key] and key not in floors for key, total in asked.items())

    def test_processing_goes_to_stores_offering_it_with_fish_or_meat(self, planned):
        processed = [o for o in planned if o.mode == "pickup_with_processing"]
        assert {o.service for o in processed} == {"fish_cleaning", "meat_cutting"}
        for o in processed:
            assert o.service in LOCATIONS[o.store][8]
            assert o.lines[0].sku_code.startswith("FR") and o.lines[0].unit == "gram"

    def test_deliveries_are_near_their_store_and_parcels_leave_the_warehouse(self, planned):
        for o in (o for o in planned if o.mode == "delivery"):
            row = LOCATIONS[o.store]
            assert distance_km(o.contact.latitude, o.contact.longitude, row[5], row[6]) <= min(1.6, row[7])
        assert {o.store for o in planned if o.mode == "ship"} == {WAREHOUSE[0]}

    def test_online_shoppers_are_members_till_sales_mostly(self, planned):
        online = [o for o in planned if o.mode in ("delivery", "pickup", "pickup_with_processing")]
        assert all(o.person and o.contact.phone for o in online)
        till = [o for o in planned if o.mode == "in_store"]
        assert 0.5 < sum(o.person is not None for o in till) / len(till) < 0.8
