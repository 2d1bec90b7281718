"""Many random order lifecycles, then the stock ledger must be exact and no reservation left behind."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from zhongtai.inventory import service as inventory
from zhongtai.inventory.models import Reservation
from zhongtai.inventory.schemas import Qty
from zhongtai.kernel import clock
from zhongtai.kernel.auth import Principal
from zhongtai.kernel.relay import Relay
from zhongtai.orders import service as orders
from zhongtai.orders.models import Order
from zhongtai.orders.schemas import CompleteBody, Contact, OrderCreate, PaymentIn, PickedLine
from tests import factories as f

ALWAYS = {d: [{"open": "00:00", "close": "24:00"}] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
HQ = Principal(kind="user", id=0, name="test", all_stores=True)


def _order_in(rng, skus, mode, store_id):
    lines = [Qty(sku_code=s.code, **({"quantity": rng.randint(1, 3)} if s.unit == "piece"
                                      else {"weight_g": rng.randint(100, 900)})) for s in rng.sample(skus, 2)]
    paid = rng.random() < 0.7
    return OrderCreate(channel="app", mode=mode, lines=lines, store_id=store_id if mode == "pickup" else None,
                       contact=Contact(latitude=31.2397, longitude=121.4998), allow_split=rng.random() < 0.5,
                       payment=PaymentIn(provider="wechat_pay", transaction_id=f"t{rng.random()}", amount_fen=0,
                                         status="succeeded" if paid else "pending"))


def _walk(db, rng, order, settings):
    """Drive one order somewhere along its lifecycle, at random."""
    for g in orders.detail(db, order=order)["groups"]:
        path = {"delivery": ["accepted", "picking", "ready", "handover", "completed"],
                "pickup": ["accepted", "picking", "ready", "completed"]}[order.mode]
        for target in path[: rng.randint(0, len(path))]:
            if rng.random() < 0.08:
                orders.cancel_by_request(db, principal=HQ, order_id=order.id, reason="customer changed mind",
                                         actor="t")
                return
            if target == "ready":
                lines = [ln for ln in orders.detail(db, order=order)["lines"] if ln.group_no == g["group_no"]]
                short = [PickedLine(line_no=ln.line_no, picked=ln.quantity // 2) for ln in lines if rng.random() < 0.2]
                orders.ready(db, principal=HQ, order_id=order.id, group_no=g["group_no"], picked=short or None,
                             picking_minutes=rng.randint(2, 12), actor="t", settings=settings)
            elif target == "handover":
                orders.handover(db, principal=HQ, order_id=order.id, group_no=g["group_no"],
                                rider={"rider_name": "r"}, actor="t")
            elif target == "completed":
                code = CompleteBody(pickup_code=g["pickup_code"]).pickup_code
                orders.complete(db, principal=HQ, order_id=order.id, group_no=g["group_no"], pickup_code=code,
                                actor="t")
            else:
                orders.advance(db, principal=HQ, order_id=order.id, group_no=g["group_no"], target=target, actor="t")


class TestRandomLifecycles:
    def test_ledger_exact_and_no_reservation_left_behind(self, db, engine, settings):
        rng = random.Random(20261125)
        stores = [f.store(db, latitude=31.23 + i * 0.004, longitude=121.48 + i * 0.004, opening_hours=ALWAYS,
                          delivery_radius_km=5) for i in range(3)]
        skus = [f.catalog_sku(db) for _ in range(3)] + [f.catalog_sku(db, unit="gram", shelf_life_days=3)]
        for s in stores:
            for sku in skus:
                f.stock(db, s, sku, 40 if sku.unit == "piece" else 20000)
        placed = 0
        for _ in range(40):
            mode = rng.choice(["delivery", "pickup"])
            try:
                order = orders.place(db, order_in=_order_in(rng, skus, mode, rng.choice(stores).id), actor="t",
                                     settings=settings)
                db.flush()
                _walk(db, rng, order, settings)
                db.commit()
                placed += 1
            except orders.NoRoute:
                db.rollback()
        assert placed >= 25
        _assert_reservations_match_open_groups(db)
        # Time passes: unpaid holds expire, uncollected pickups are cancelled, the relay runs the handlers.
        clock.freeze(clock.now() + timedelta(days=3))
        try:
            inventory.expire_due(db)
            orders.cancel_no_shows(db)
            db.commit()
            Relay(engine, settings, publisher=None).drain()
        finally:
            clock.freeze(None)
        report = inventory.verify(db)
        assert report["ledger_drift"] == [] and report["reserved_drift"] == []
        _assert_reservations_match_open_groups(db)
        cancelled = db.scalar(select(func.count()).select_from(Order).where(Order.status == "cancelled"))
        assert cancelled > 0


def _assert_reservations_match_open_groups(db) -> None:
    """Every group still waiting to be picked holds an active reservation, and no other does."""
    from zhongtai.orders.models import FulfilmentGroup

    waiting = set(db.scalars(select(FulfilmentGroup.reservation_id).where(
        FulfilmentGroup.status.in_(["placed", "accepted", "picking"]))))
    active = set(db.scalars(select(Reservation.id).where(Reservation.status == "active")))
    assert waiting == active
