"""Reservations take their stock as the transaction commits on PostgreSQL (a deferred trigger) and at
once on SQLite; either way the outcome, the errors and the events are the same."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories as f
from zhongtai.inventory import service as inventory
from zhongtai.inventory.events import StockChanged
from zhongtai.inventory.models import StockLevel
from zhongtai.inventory.schemas import Qty, ReservationCreate
from zhongtai.kernel.outbox import OutboxEvent


def _reserve(db, store, sku, qty: int, key: str):
    body = ReservationCreate(lines=[Qty(sku_code=sku.code, quantity=qty)], channel="app", idempotency_key=key,
                             ttl_seconds=600, reference=key)
    return inventory.reserve(db, location_id=store.id, reservation_in=body, actor="t")[0]


class TestReserveAtCommit:
    def test_the_stock_event_is_the_same_as_every_other_stock_change(self, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 10)
        db.commit()
        res = _reserve(db, store, sku, 3, "k1")
        db.commit()
        rows = db.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "inventory.stock_changed")
                          .order_by(OutboxEvent.id)).all()
        evt = StockChanged.model_validate(rows[-1].payload)
        assert (evt.kind, evt.delta_reserved, evt.on_hand, evt.reserved, evt.available) == ("reserve", 3, 10, 3, 7)
        assert (evt.source_type, evt.source_id, rows[-1].store_id) == ("reservation", str(res.id), store.id)

    def test_a_shortage_found_at_commit_is_a_409_and_leaves_nothing(self, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 2)
        db.commit()
        with pytest.raises(inventory.InsufficientStock) as err:
            _reserve(db, store, sku, 3, "k2")
            db.commit()
        db.rollback()
        assert err.value.detail["lines"] == [{"sku_code": sku.code, "requested": 3, "promisable": 2}]
        assert db.get(StockLevel, (store.id, sku.id)).reserved == 0

    def test_a_reservation_can_be_confirmed_in_the_transaction_that_made_it(self, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 5)
        db.commit()
        res = _reserve(db, store, sku, 2, "k3")
        inventory.confirm(db, location_id=store.id, reservation_id=res.id, actor="t")
        db.commit()
        level = db.get(StockLevel, (store.id, sku.id))
        db.refresh(level)
        assert (level.on_hand, level.reserved) == (3, 0)
        assert inventory.verify(db)["ledger_drift"] == []

    def test_repeating_a_key_in_the_same_transaction_keeps_the_first_reservations_stock(self, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 5)
        db.commit()
        res = _reserve(db, store, sku, 2, "k4")
        assert _reserve(db, store, sku, 2, "k4").id == res.id  # the retry: same reservation, nothing new
        inventory.confirm(db, location_id=store.id, reservation_id=res.id, actor="t")
        db.commit()
        level = db.get(StockLevel, (store.id, sku.id))
        db.refresh(level)
        assert (level.on_hand, level.reserved) == (3, 0)
        assert inventory.verify(db)["reserved_drift"] == []
