"""Reservations under real concurrency: every client has its own session and transaction, all start
together, and stock is never promised twice, half-promised, or promised under one key twice."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.concurrency import race
from zhongtai.db.session import session_factory
from zhongtai.inventory import service as inventory
from zhongtai.inventory.models import Reservation, ReservationLine, StockLevel
from zhongtai.inventory.schemas import Qty, ReservationCreate


def reserve(engine, store_id: int, lines: list[tuple[str, int]], key: str):
    """One client's reservation in its own transaction: (reservation id, created), or None if refused."""
    body = ReservationCreate(lines=[Qty(sku_code=code, quantity=q) for code, q in lines], channel="app",
                             idempotency_key=key)
    with session_factory(engine)() as session:
        try:
            res, created = inventory.reserve(session, location_id=store_id, reservation_in=body, actor="race")
            session.commit()
        except inventory.InsufficientStock:
            session.rollback()
            return None
        return res.id, created


def level(db, store, sku) -> StockLevel:
    db.expire_all()
    return db.get(StockLevel, (store.id, sku.id))


def assert_verified(db) -> None:
    db.expire_all()
    report = inventory.verify(db)
    assert report["ledger_drift"] == [] and report["reserved_drift"] == [], report


def clients_for(engine, postgres: int, sqlite: int) -> int:
    return postgres if engine.dialect.name == "postgresql" else sqlite


class TestHotSku:
    def test_only_the_units_on_hand_are_promised(self, engine, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 5)
        clients = clients_for(engine, postgres=16, sqlite=12)
        results = race(clients, lambda n: reserve(engine, store.id, [(sku.code, 1)], f"hot-{n}"))
        assert sum(r is not None for r in results) == 5
        assert (level(db, store, sku).reserved, level(db, store, sku).on_hand) == (5, 5)
        assert_verified(db)

    @pytest.mark.postgres_only
    def test_thirty_clients_for_ten_units_get_exactly_ten(self, engine, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 10)
        results = race(30, lambda n: reserve(engine, store.id, [(sku.code, 1)], f"hot-{n}"))
        won = [r for r in results if r is not None]
        assert len(won) == 10 and all(created for _id, created in won)
        assert level(db, store, sku).reserved == 10
        assert db.scalar(select(func.count()).select_from(Reservation)) == 10  # the refused left nothing
        assert_verified(db)


@pytest.mark.postgres_only
class TestMultiLine:
    def test_each_reservation_holds_all_its_lines_or_none_and_nothing_deadlocks(self, engine, db):
        store = f.store(db)
        skus = [f.catalog_sku(db) for _ in range(3)]
        for sku in skus:
            f.stock(db, store, sku, 12)
        rng = random.Random(7)
        wanted = {n: {s.code: rng.randint(1, 3) for s in rng.sample(skus, rng.randint(2, 3))}
                  for n in range(30)}

        def client(n: int):
            lines = list(wanted[n].items())
            rng_n = random.Random(n)
            rng_n.shuffle(lines)  # the service must still lock the rows in key order
            return reserve(engine, store.id, lines, f"multi-{n}")

        results = race(30, client)
        won = {n for n, r in enumerate(results) if r is not None}
        assert won and len(won) < 30, "the race should both grant and refuse"
        held = _lines_by_key(db)
        assert set(held) == {f"multi-{n}" for n in won}, "a refused reservation left rows behind"
        assert db.scalar(select(func.count()).select_from(Reservation)) == len(won)
        for n in won:
            assert held[f"multi-{n}"] == {_sku_id(skus, c): q for c, q in wanted[n].items()}
        for sku in skus:
            promised = sum(wanted[n].get(sku.code, 0) for n in won)
            assert level(db, store, sku).reserved == promised <= 12
        assert_verified(db)


class TestSameKey:
    def test_concurrent_twins_create_one_reservation(self, engine, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 10)
        clients = clients_for(engine, postgres=8, sqlite=6)
        results = race(clients, lambda n: reserve(engine, store.id, [(sku.code, 3)], "order-42"))
        assert all(r is not None for r in results)
        assert len({rid for rid, _created in results}) == 1
        assert Counter(created for _rid, created in results) == Counter({True: 1, False: clients - 1})
        assert db.scalar(select(func.count()).select_from(Reservation)) == 1
        assert level(db, store, sku).reserved == 3
        assert_verified(db)


def _lines_by_key(db) -> dict[str, dict[int, int]]:
    rows = db.execute(select(Reservation.idempotency_key, ReservationLine.sku_id, ReservationLine.quantity)
                      .join(ReservationLine, (ReservationLine.location_id == Reservation.location_id)
                            & (ReservationLine.reservation_id == Reservation.id))
                      .where(Reservation.status == "active"))
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for key, sku_id, qty in rows:
        out[key][sku_id] = qty
    return out


def _sku_id(skus, code: str) -> int:
    return next(s.id for s in skus if s.code == code)
