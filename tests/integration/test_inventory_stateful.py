"""The inventory service against a model of it: any sequence of receipts, sales, adjustments,
reservations (confirmed, short-picked, released, expired, retried), counts and transfers, on piece and
fresh (gram, shelf-life) SKUs in two stores, leaves on hand and reserved where the model says, and the
books balance after every step. Then the same mix from several threads at once on PostgreSQL."""

from __future__ import annotations

import itertools
import random
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, func, select

from tests import factories as f
from zhongtai.db.base import Base
from zhongtai.db.session import session_factory
from zhongtai.inventory import service as inventory
from zhongtai.inventory.models import StockBatch, StockLevel
from zhongtai.inventory.schemas import CountLine, Qty, ReceiptLine, ReservationCreate
from zhongtai.kernel import clock

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STORES, SKUS = (0, 1), (0, 1)  # indexes into the machine's stores and SKUs; SKU 1 is fresh, sold by weight
SCALE = {0: 1, 1: 100}  # base units per drawn unit: pieces, or 100 g
units = st.integers(min_value=1, max_value=12)
line_sets = st.lists(st.tuples(st.sampled_from(SKUS), units), min_size=1, max_size=2,
                     unique_by=lambda t: t[0])


def reset_tables(engine: Engine) -> None:
    """Empty every table between examples, as the suite does between tests (Hypothesis runs many examples
    inside one test). DELETE in dependency order, as the suite does on SQLite: on PostgreSQL it is ~30x
    quicker than TRUNCATE for a handful of rows, and ids need not restart."""
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


def qty(sku, amount: int, cls=Qty, **extra):
    """A line in the SKU's own unit: pieces, or grams for a weighed SKU."""
    return cls(sku_code=sku.code, **{"quantity" if sku.unit == "piece" else "weight_g": amount}, **extra)


@dataclass
class Held:
    store: int
    key: str
    lines: dict[int, int]  # SKU index -> base units
    expires_at: datetime


class InventoryModel(RuleBasedStateMachine):
    """Each rule is one transaction, committed like a request; the model predicts every outcome."""

    engine: Engine

    def __init__(self) -> None:
        super().__init__()
        reset_tables(self.engine)
        self.now = T0
        clock.freeze(self.now)
        with self.session() as s:
            self.stores = [f.store(s), f.store(s)]
            self.skus = [f.catalog_sku(s, unit="piece"), f.catalog_sku(s, unit="gram", shelf_life_days=3)]
        self.on_hand = {(st_, sk): 0 for st_ in STORES for sk in SKUS}
        self.reserved = dict.fromkeys(self.on_hand, 0)
        self.active: dict = {}
        self.closed: dict = {}
        self.in_transit: list[tuple] = []
        self.keys = itertools.count(1)

    def teardown(self) -> None:
        clock.freeze(None)

    def session(self):
        return session_factory(self.engine)()

    def ids(self, store: int, sku: int) -> tuple[int, int]:
        return self.stores[store].id, self.skus[sku].id

    # --- stock movements --------------------------------------------------------------------------

    @rule(store=st.sampled_from(STORES), sku=st.sampled_from(SKUS), n=units,
          dated=st.none() | st.integers(min_value=-2, max_value=6))
    def receive(self, store, sku, n, dated):
        amount = n * SCALE[sku]
        best_before = None if dated is None else self.now.date() + timedelta(days=dated)
        if not self.skus[sku].is_fresh:
            best_before = None  # dates are tracked only for SKUs with a shelf life (else 422)
        with self.session() as s:
            inventory.receive(s, location_id=self.stores[store].id, doc=inventory.Doc(source_type="receipt"),
                              lines=[qty(self.skus[sku], amount, ReceiptLine, best_before=best_before)])
            s.commit()
        self.on_hand[store, sku] += amount

    @rule(store=st.sampled_from(STORES), sku=st.sampled_from(SKUS), n=units)
    def sell(self, store, sku, n):
        amount, location_id = n * SCALE[sku], self.stores[store].id
        with self.session() as s:
            oversold = inventory.sell(s, location_id=location_id, lines=[qty(self.skus[sku], amount)],
                                      doc=inventory.Doc(source_type="sale"))
            s.commit()
        self.on_hand[store, sku] -= amount
        on_hand, reserved = self.on_hand[store, sku], self.reserved[store, sku]
        assert oversold == ([self.skus[sku].id] if on_hand < reserved or on_hand < 0 else [])

    @rule(store=st.sampled_from(STORES), sku=st.sampled_from(SKUS),
          n=st.integers(min_value=-12, max_value=12).filter(bool))
    def adjust(self, store, sku, n):
        with self.session() as s:
            inventory.adjust(s, location_id=self.stores[store].id, sku_code=self.skus[sku].code,
                             delta=n * SCALE[sku], doc=inventory.Doc(reason="damaged or found"))
            s.commit()
        self.on_hand[store, sku] += n * SCALE[sku]

    @rule(store=st.sampled_from(STORES), sku=st.sampled_from(SKUS), n=units, damaged=st.booleans())
    def take_back(self, store, sku, n, damaged):
        amount = n * SCALE[sku]
        with self.session() as s:
            inventory.take_back(s, location_id=self.stores[store].id, lines=[qty(self.skus[sku], amount)],
                                condition="damaged" if damaged else "sellable",
                                doc=inventory.Doc(source_type="return"))
            s.commit()
        self.on_hand[store, sku] += 0 if damaged else amount

    @rule(store=st.sampled_from(STORES), sku=st.sampled_from(SKUS), n=st.integers(min_value=0, max_value=30))
    def count(self, store, sku, n):
        with self.session() as s:
            inventory.post_count(s, location_id=self.stores[store].id, reason="cycle count", actor="model",
                                 lines=[CountLine(sku_code=self.skus[sku].code, counted=n * SCALE[sku])])
            s.commit()
        self.on_hand[store, sku] = n * SCALE[sku]

    # --- reservations -----------------------------------------------------------------------------

    @rule(store=st.sampled_from(STORES), lines=line_sets, ttl=st.integers(min_value=10, max_value=600),
          channel=st.sampled_from(["app", "pos"]))
    def reserve(self, store, lines, ttl, channel):
        wanted = {sku: n * SCALE[sku] for sku, n in lines}
        fits = all(self.on_hand[store, sku] - self.reserved[store, sku] >= q for sku, q in wanted.items())
        key = f"model-{next(self.keys)}"
        body = ReservationCreate(lines=[qty(self.skus[sku], q) for sku, q in wanted.items()], channel=channel,
                                 idempotency_key=key, ttl_seconds=ttl)
        with self.session() as s:
            try:
                res, created = inventory.reserve(s, location_id=self.stores[store].id, reservation_in=body)
                s.commit()
            except inventory.InsufficientStock:
                s.rollback()
                assert not fits, "refused although the stock was there"
                return
        assert fits and created, "promised stock that was not there"
        self.active[res.id] = Held(store, key, wanted, self.now + timedelta(seconds=ttl))
        for sku, q in wanted.items():
            self.reserved[store, sku] += q

    @precondition(lambda self: self.active or self.closed)
    @rule(data=st.data())
    def retry_with_the_same_key(self, data):
        rid = data.draw(st.sampled_from(sorted([*self.active, *self.closed])))
        held = self.active.get(rid) or self.closed[rid]
        body = ReservationCreate(lines=[qty(self.skus[sku], q) for sku, q in held.lines.items()],
                                 channel="app", idempotency_key=held.key)
        with self.session() as s:
            res, created = inventory.reserve(s, location_id=self.stores[held.store].id, reservation_in=body)
            s.commit()
        assert (res.id, created) == (rid, False)

    @precondition(lambda self: self.active)
    @rule(data=st.data(), short=st.booleans())
    def confirm(self, data, short):
        rid = data.draw(st.sampled_from(sorted(self.active)))
        held = self.active.pop(rid)
        picks = {sku: data.draw(st.integers(0, q)) if short else q for sku, q in held.lines.items()}
        picked = [qty(self.skus[sku], q) for sku, q in picks.items() if q] if short else None
        with self.session() as s:
            res = inventory.confirm(s, location_id=self.stores[held.store].id, reservation_id=rid,
                                    picked=picked)
            s.commit()
        assert res.status == "confirmed"
        self.closed[rid] = held
        for sku, q in held.lines.items():
            self.reserved[held.store, sku] -= q
            self.on_hand[held.store, sku] -= picks[sku]

    @precondition(lambda self: self.active)
    @rule(data=st.data())
    def release(self, data):
        rid = data.draw(st.sampled_from(sorted(self.active)))
        held = self.active.pop(rid)
        with self.session() as s:
            res = inventory.release(s, location_id=self.stores[held.store].id, reservation_id=rid)
            assert res.status == "released"
            s.commit()
        self.closed[rid] = held
        for sku, q in held.lines.items():
            self.reserved[held.store, sku] -= q

    @precondition(lambda self: self.closed)
    @rule(data=st.data(), confirm=st.booleans())
    def close_a_closed_one(self, data, confirm):
        rid = data.draw(st.sampled_from(sorted(self.closed)))
        close = inventory.confirm if confirm else inventory.release
        with self.session() as s, pytest.raises(inventory.ReservationClosedError):
            close(s, location_id=self.stores[self.closed[rid].store].id, reservation_id=rid)

    @rule(seconds=st.integers(min_value=0, max_value=400))
    def expire(self, seconds):
        self.now += timedelta(seconds=seconds)
        clock.freeze(self.now)
        due = [rid for rid, held in self.active.items() if held.expires_at <= self.now]
        with self.session() as s:
            assert inventory.expire_due(s) == len(due)
            s.commit()
        for rid in due:
            held = self.closed[rid] = self.active.pop(rid)
            for sku, q in held.lines.items():
                self.reserved[held.store, sku] -= q

    # --- transfers --------------------------------------------------------------------------------

    @rule(source=st.sampled_from(STORES), lines=line_sets)
    def ship_transfer(self, source, lines):
        to, moved = 1 - source, {sku: n * SCALE[sku] for sku, n in lines}
        with self.session() as s:
            transfer = inventory.create_transfer(
                s, from_location_id=self.stores[source].id, to_location_id=self.stores[to].id, note="",
                actor="model", lines=[qty(self.skus[sku], q) for sku, q in moved.items()])
            inventory.ship_transfer(s, transfer_id=transfer.id, actor="model")
            s.commit()
        self.in_transit.append((transfer.id, to, moved))
        for sku, q in moved.items():
            self.on_hand[source, sku] -= q

    @precondition(lambda self: self.in_transit)
    @rule(data=st.data())
    def receive_transfer(self, data):
        transfer_id, to, moved = self.in_transit.pop(data.draw(st.integers(0, len(self.in_transit) - 1)))
        with self.session() as s:
            assert inventory.receive_transfer(s, transfer_id=transfer_id, actor="model").status == "received"
            s.commit()
        for sku, q in moved.items():
            self.on_hand[to, sku] += q

    # --- what must always hold --------------------------------------------------------------------

    @invariant()
    def books_balance_and_match_the_model(self):
        with self.session() as s:
            report = inventory.verify(s)
            rows = {(r.location_id, r.sku_id): (r.on_hand, r.reserved) for r in s.scalars(select(StockLevel))}
            dated = dict(s.execute(select(StockBatch.location_id, func.sum(StockBatch.quantity))
                                   .where(StockBatch.sku_id == self.skus[1].id)
                                   .group_by(StockBatch.location_id)).all())
        assert report["ledger_drift"] == [] and report["reserved_drift"] == [], report
        assert all(reserved >= 0 for _on_hand, reserved in rows.values())
        for (store, sku), on_hand in self.on_hand.items():
            expected = (on_hand, self.reserved[store, sku])
            assert rows.get(self.ids(store, sku), (0, 0)) == expected, (store, sku)
        for store in STORES:  # fresh goods on hand are all in dated batches
            assert dated.get(self.stores[store].id, 0) >= self.on_hand[store, 1], store


class TestAgainstTheModel:
    def test_any_sequence_of_operations_matches_the_model(self, engine):
        machine = type("InventoryModelHere", (InventoryModel,), {"engine": engine})
        try:
            run_state_machine_as_test(machine, settings=settings(
                max_examples=25, stateful_step_count=30, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
        finally:
            clock.freeze(None)


# --- the same operations from several threads at once ----------------------------------------------

@pytest.mark.postgres_only
class TestConcurrentMix:
    CLIENTS, OPS = 6, 20

    def test_books_balance_after_any_mix_of_concurrent_operations(self, engine, db):
        stores = [f.store(db), f.store(db)]
        skus = [f.catalog_sku(db), f.catalog_sku(db, unit="gram", shelf_life_days=3)]
        for store in stores:
            for sku in skus:
                f.stock(db, store, sku, 30 * SCALE[skus.index(sku)],
                        best_before=date.today() + timedelta(days=2) if sku.is_fresh else None)
        world = Mix(engine, stores, skus, self.CLIENTS)
        errors: list[BaseException] = []
        start = threading.Barrier(self.CLIENTS)

        def client(n: int) -> None:
            try:
                start.wait(timeout=30)
                rng = random.Random(n)
                for _ in range(self.OPS):
                    rng.choice(Mix.OPS)(world, n, rng)
            except BaseException as exc:  # noqa: BLE001 — re-raised below
                errors.append(exc)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(self.CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        report = inventory.verify(db)
        assert report["ledger_drift"] == [] and report["reserved_drift"] == [], report
        assert all(level.reserved >= 0 for level in db.scalars(select(StockLevel)))
        assert world.done > self.CLIENTS * self.OPS // 2, "most operations should have gone through"


class Mix:
    """Random operations for the concurrent test; each client works on the reservations it made itself,
    plus reservations already past due that it races the sweeper (`expire_due`) for."""

    def __init__(self, engine, stores, skus, clients: int) -> None:
        self.engine, self.stores, self.skus = engine, stores, skus
        self.mine: list[list] = [[] for _ in range(clients)]
        self.keys, self.done, self.lock = itertools.count(1), 0, threading.Lock()
        clock.freeze(datetime.now(UTC) - timedelta(hours=1))
        try:
            for n in range(clients):
                for _ in range(2):
                    self.mine[n].append(self._reserve(n, random.Random(n), ttl=10))
        finally:
            clock.freeze(None)

    def _run(self, work) -> None:
        with session_factory(self.engine)() as s:
            try:
                out = work(s)
                s.commit()
            except (inventory.InsufficientStock, inventory.ReservationClosedError):
                s.rollback()
                return None
        with self.lock:
            self.done += 1
        return out

    def _pick(self, rng):
        store, sku = rng.choice(self.stores), rng.choice(self.skus)
        return store, sku, rng.randint(1, 5) * SCALE[self.skus.index(sku)]

    def receive(self, n, rng):
        store, sku, amount = self._pick(rng)
        self._run(lambda s: inventory.receive(s, location_id=store.id, lines=[qty(sku, amount, ReceiptLine)],
                                              doc=inventory.Doc(source_type="receipt")))

    def sell(self, n, rng):
        store, sku, amount = self._pick(rng)
        self._run(lambda s: inventory.sell(s, location_id=store.id, lines=[qty(sku, amount)],
                                           doc=inventory.Doc(source_type="sale")))

    def adjust(self, n, rng):
        store, sku, amount = self._pick(rng)
        self._run(lambda s: inventory.adjust(s, location_id=store.id, sku_code=sku.code, delta=-amount,
                                             doc=inventory.Doc(reason="damaged")))

    def take_back(self, n, rng):
        store, sku, amount = self._pick(rng)
        self._run(lambda s: inventory.take_back(s, location_id=store.id, lines=[qty(sku, amount)],
                                                condition=rng.choice(["damaged", "sellable"]),
                                                doc=inventory.Doc(source_type="return")))

    def count(self, n, rng):
        store, sku, amount = self._pick(rng)
        self._run(lambda s: inventory.post_count(s, location_id=store.id, reason="spot check", actor="mix",
                                                 lines=[CountLine(sku_code=sku.code, counted=amount * 4)]))

    def reserve(self, n, rng):
        made = self._reserve(n, rng, ttl=600)
        if made:
            self.mine[n].append(made)

    def _reserve(self, n, rng, *, ttl: int):
        store = rng.choice(self.stores)
        lines = [qty(sku, rng.randint(1, 3) * SCALE[self.skus.index(sku)])
                 for sku in rng.sample(self.skus, rng.randint(1, 2))]
        body = ReservationCreate(lines=lines, channel="app", idempotency_key=f"mix-{n}-{next(self.keys)}",
                                 ttl_seconds=ttl)
        res = self._run(lambda s: inventory.reserve(s, location_id=store.id, reservation_in=body)[0])
        return (store.id, res.id) if res else None

    def close(self, n, rng):
        if not self.mine[n] or (held := self.mine[n].pop(rng.randrange(len(self.mine[n])))) is None:
            return
        store_id, rid = held
        if rng.random() < 0.5:
            self._run(lambda s: inventory.release(s, location_id=store_id, reservation_id=rid))
        else:
            self._run(lambda s: inventory.confirm(s, location_id=store_id, reservation_id=rid))

    def sweep(self, n, rng):
        self._run(lambda s: inventory.expire_due(s))

    def transfer(self, n, rng):
        source, sku, amount = self._pick(rng)
        to = next(s for s in self.stores if s is not source)

        def ship_and_receive(s):
            t = inventory.create_transfer(s, from_location_id=source.id, to_location_id=to.id, note="",
                                          actor="mix", lines=[qty(sku, amount)])
            inventory.ship_transfer(s, transfer_id=t.id, actor="mix")
            return t.id

        if (transfer_id := self._run(ship_and_receive)) is not None:
            self._run(lambda s: inventory.receive_transfer(s, transfer_id=transfer_id, actor="mix"))

    OPS = (receive, sell, adjust, take_back, count, reserve, close, close, sweep, transfer)
