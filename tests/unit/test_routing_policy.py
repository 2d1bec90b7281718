"""Routing without a database: who can fulfil, who lost and why."""

from __future__ import annotations

from zhongtai.fulfillment.policies import Candidate, Line, Request, route

FISH = Line(1, "FISH", 500, fresh=True)
RICE = Line(2, "RICE", 1)


def cand(code, dist, *, stock=None, kind="store", open_=True, radius=3.0, queue=0, capacity=40, services=(),
         pickup=True):
    return Candidate(location_id=hash(code) % 1000, code=code, name=code, kind=kind, distance_km=dist,
                     is_open=open_, pickup_enabled=pickup, delivery_radius_km=radius, services=frozenset(services),
                     queue=queue, capacity=capacity, promisable=stock if stock is not None else {1: 9999, 2: 99})


def verdict(decision, code):
    return next(v for v in decision.verdicts if v.code == code)


class TestDeliveryRouting:
    def test_nearest_able_store_wins_and_others_say_why(self):
        d = route(Request("delivery", (FISH, RICE)), [
            cand("NEAR-EMPTY", 0.5, stock={1: 100}), cand("MID", 1.5), cand("FAR", 2.8),
            cand("CLOSED", 0.3, open_=False), cand("OUTSIDE", 4.0), cand("BUSY", 0.8, queue=40)])
        assert [a.code for a in d.assignments] == ["MID"]
        assert "no stock of FISH, RICE" in verdict(d, "NEAR-EMPTY").reasons
        assert verdict(d, "CLOSED").reasons == ["closed now"]
        assert verdict(d, "OUTSIDE").reasons == ["customer outside delivery radius"]
        assert verdict(d, "BUSY").reasons == ["over capacity (40/40 open orders)"]
        assert verdict(d, "MID").eligible and verdict(d, "FAR").eligible
        assert verdict(d, "MID").score < verdict(d, "FAR").score
        assert d.explanation()["chosen"] == ["MID"]

    def test_fresh_food_needs_the_thirty_minute_promise(self):
        far = cand("FAR", 5.0, radius=8.0, queue=3)
        d = route(Request("delivery", (FISH,)), [far])
        assert not d.ok
        assert any("fresh food needs 30 min" in r for r in verdict(d, "FAR").reasons)
        assert route(Request("delivery", (RICE,)), [far]).ok  # dry goods may take longer

    def test_split_only_when_allowed(self):
        a, b = cand("A", 1.0, stock={1: 9999}), cand("B", 1.2, stock={2: 5})
        assert not route(Request("delivery", (FISH, RICE)), [a, b]).ok
        d = route(Request("delivery", (FISH, RICE), allow_split=True), [a, b])
        assert d.split and {x.code: [ln.sku_code for ln in x.lines] for x in d.assignments} == {
            "A": ["FISH"], "B": ["RICE"]}

    def test_promise_is_preparation_plus_travel(self):
        d = route(Request("delivery", (RICE,)), [cand("S", 2.0)])
        assert d.assignments[0].promise_minutes == 5 + 1 + 8  # base pick, one line, 2 km at 15 km/h


class TestOtherModes:
    def test_pickup_goes_to_the_chosen_store_only(self):
        mine, other = cand("MINE", 3.0), cand("OTHER", 0.1)
        d = route(Request("pickup", (RICE,), store_id=mine.location_id), [mine, other])
        assert [a.code for a in d.assignments] == ["MINE"]
        assert "not the store the customer chose" in verdict(d, "OTHER").reasons

    def test_processing_needs_the_service(self):
        plain, fishmonger = cand("PLAIN", 0.5), cand("FISHMONGER", 1.0, services=("fish_cleaning",))
        d = route(Request("pickup_with_processing", (FISH,), service="fish_cleaning", service_minutes=15),
                  [plain, fishmonger])
        assert [a.code for a in d.assignments] == ["FISHMONGER"]
        assert d.assignments[0].promise_minutes == 5 + 1 + 15
        assert "does not offer fish_cleaning" in verdict(d, "PLAIN").reasons

    def test_ship_only_from_warehouses(self):
        store, wh = cand("STORE", 1.0), cand("WH", 30.0, kind="warehouse")
        d = route(Request("ship", (RICE,)), [store, wh])
        assert [a.code for a in d.assignments] == ["WH"] and d.assignments[0].promise_minutes == 24 * 60
        assert "not a warehouse" in verdict(d, "STORE").reasons

    def test_no_pickup_store(self):
        d = route(Request("pickup", (RICE,)), [cand("NOPICK", 1.0, pickup=False)])
        assert not d.ok and "no pickup at this store" in verdict(d, "NOPICK").reasons
