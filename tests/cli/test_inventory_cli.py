"""`zhongtai inventory verify|expire` as an operator runs them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from zhongtai.inventory import service
from zhongtai.inventory.schemas import Qty, ReservationCreate
from zhongtai.kernel import clock
from tests import factories as f




class TestInventoryVerify:
    def test_clean_ledger_passes(self, zt, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 8)
        proc = zt("inventory", "verify")
        assert proc.returncode == 0 and "checked 1 stock rows" in proc.stdout and "ok" in proc.stdout

    def test_drift_is_reported_and_fails(self, zt, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 8)
        db.execute(text("UPDATE stock_levels SET on_hand = 99, reserved = 1"))  # tamper behind the ledger's back
        db.commit()
        proc = zt("inventory", "verify", ok=False)
        assert proc.returncode == 1
        assert "1 ledger drift, 1 reserved drift" in proc.stdout and "on_hand 99" in proc.stdout


class TestInventoryExpire:
    def test_expires_due_reservations(self, zt, db):
        store, sku = f.store(db), f.catalog_sku(db)
        f.stock(db, store, sku, 5)
        past = clock.now() - timedelta(minutes=30)
        clock.freeze(past)
        try:
            service.reserve(db, location_id=store.id, reservation_in=ReservationCreate(
                lines=[Qty(sku_code=sku.code, quantity=2)], channel="app", idempotency_key="old", ttl_seconds=60))
            db.commit()
        finally:
            clock.freeze(None)
        proc = zt("inventory", "expire")
        assert proc.returncode == 0 and "expired 1 reservations" in proc.stdout
        assert zt("inventory", "verify").returncode == 0
