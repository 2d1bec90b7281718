"""Orders follow their member through merges, undone merges and erasure (via the members' events)."""

from __future__ import annotations

from sqlalchemy import select

from zhongtai.kernel.auth import Principal
from zhongtai.kernel.relay import Relay
from zhongtai.members import service as members
from zhongtai.orders import service as orders
from zhongtai.orders.models import Order
from zhongtai.orders.schemas import Contact, OrderCreate
from zhongtai.inventory.schemas import Qty
from tests import factories as f

HQ = Principal(kind="user", id=0, name="hq", all_stores=True)


def _sale(db, settings, store, sku, member_id):
    order = orders.place(db, order_in=OrderCreate(
        channel="pos", mode="in_store", store_id=store.id, member_id=member_id,
        contact=Contact(name="张三", phone="13800000000", address="某路 1 号"),
        lines=[Qty(sku_code=sku.code, quantity=1)]), actor="t", settings=settings)
    db.commit()
    return order.id


class TestOrdersFollowMembers:
    def test_merge_moves_orders_and_undo_moves_them_back(self, db, engine, settings):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 10)
        a, b = f.member(db, store=store), f.member(db, store=store)
        oid = _sale(db, settings, store, sku, b.id)
        merge = members.merge(db, survivor_id=a.id, merged_id=b.id, actor="t", rule="manual")
        db.commit()
        Relay(engine, settings, publisher=None).drain()
        db.expire_all()
        assert db.scalar(select(Order.member_id).where(Order.id == oid)) == a.id
        members.undo_merge(db, merge_id=merge.id, actor="t")
        db.commit()
        Relay(engine, settings, publisher=None).drain()
        db.expire_all()
        assert db.scalar(select(Order.member_id).where(Order.id == oid)) == b.id

    def test_erasure_removes_contact_but_keeps_the_order(self, db, engine, settings):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 10)
        m = f.member(db, store=store)
        oid = _sale(db, settings, store, sku, m.id)
        members.erase(db, principal=HQ, member_id=m.id, reason="PIPL request")
        db.commit()
        Relay(engine, settings, publisher=None).drain()
        db.expire_all()
        order = db.scalar(select(Order).where(Order.id == oid))
        assert order.contact == {} and order.member_id == m.id and order.payable_fen > 0
