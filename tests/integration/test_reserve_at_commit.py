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


class TestAllocationChosenAsThePolicyChooses:
    """PostgreSQL picks each line's allocation rule inside the reservation statement, SQLite in Python:
    both must give the answer of `policies.allocation_for` for every SKU and channel."""

    def test_the_most_specific_rule_then_the_store_default_then_everything(self, db):
        from zhongtai.catalog import service as catalog
        from zhongtai.catalog.schemas import CategoryCreate
        from zhongtai.inventory import policies
        from zhongtai.inventory.models import ReservationLine

        store = f.store(db)
        catalog.create_category(db, category_in=CategoryCreate(code="FOOD", name_zh="食品"))
        catalog.create_category(db, category_in=CategoryCreate(code="FISH", name_zh="鱼", parent_code="FOOD"))
        catalog.create_category(db, category_in=CategoryCreate(code="FOODX", name_zh="食品杂项"))
        db.commit()
        skus = {cat: f.catalog_sku(db, category=cat) for cat in ("FOOD", "FISH", "FOODX", "HOME")}
        for sku in skus.values():
            f.stock(db, store, sku, 100)
        inventory.set_allocation(db, location_id=store.id, category_code=None, online_percent=90, walk_in_buffer=1)
        inventory.set_allocation(db, location_id=store.id, category_code="FOOD", online_percent=70, walk_in_buffer=2)
        inventory.set_allocation(db, location_id=store.id, category_code="FISH", online_percent=50, walk_in_buffer=3)
        db.commit()
        rules = {None: policies.Allocation(90, 1)}
        paths = catalog.category_paths(db, category_ids={s.category_id for s in skus.values()})
        for cat in ("FOOD", "FISH"):
            rules[paths[skus[cat].category_id]] = policies.Allocation(*{"FOOD": (70, 2), "FISH": (50, 3)}[cat])
        for channel in ("app", "pos"):
            body = ReservationCreate(lines=[Qty(sku_code=s.code, quantity=1) for s in skus.values()],
                                     channel=channel, idempotency_key=f"alloc-{channel}", ttl_seconds=60)
            res, created = inventory.reserve(db, location_id=store.id, reservation_in=body)
            db.commit()
            assert created
            got = {ln.sku_id: (ln.online_percent, ln.walk_in_buffer) for ln in db.scalars(
                select(ReservationLine).where(ReservationLine.reservation_id == res.id))}
            want = {s.id: (a.online_percent, a.walk_in_buffer) for s in skus.values()
                    for a in [policies.allocation_for(channel, paths[s.category_id], rules)]}
            assert got == want, channel
        assert want[skus["FISH"].id] == (100, 0)  # the till takes no allocation
        assert inventory.verify(db)["reserved_drift"] == []

    def test_the_event_names_every_line_and_errors_name_what_is_wrong(self, db):
        from zhongtai.inventory.events import ReservationCreated

        store = f.store(db)
        piece, gram = f.catalog_sku(db), f.catalog_sku(db, unit="gram")
        f.stock(db, store, piece, 10)
        f.stock(db, store, gram, 5000)
        body = ReservationCreate(lines=[Qty(sku_code=gram.code, weight_g=250), Qty(sku_code=piece.code, quantity=1),
                                        Qty(sku_code=piece.code, quantity=2)], channel="app", idempotency_key="ev")
        res, _ = inventory.reserve(db, location_id=store.id, reservation_in=body)
        db.commit()
        row = db.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "inventory.reservation_created")).one()
        evt = ReservationCreated.model_validate(row.payload)
        assert evt.reservation_id == str(res.id) and row.store_id == store.id
        assert sorted((ln["sku_id"], ln["quantity"]) for ln in evt.lines) == sorted([(piece.id, 3), (gram.id, 250)])
        again, created = inventory.reserve(db, location_id=store.id, reservation_in=body)
        assert (again.id, created) == (res.id, False)
        with pytest.raises(inventory.UnitMismatch):
            inventory.reserve(db, location_id=store.id, reservation_in=ReservationCreate(
                lines=[Qty(sku_code=piece.code, weight_g=3)], channel="app", idempotency_key="unit"))
        db.rollback()
        from zhongtai.catalog.service import UnknownSkus
        with pytest.raises(UnknownSkus) as err:
            inventory.reserve(db, location_id=store.id, reservation_in=ReservationCreate(
                lines=[Qty(sku_code="NOPE", quantity=1), Qty(sku_code=piece.code, quantity=1)], channel="app",
                idempotency_key="unknown"))
        assert err.value.detail == {"unknown": ["NOPE"]}
