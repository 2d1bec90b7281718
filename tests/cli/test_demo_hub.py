"""`zhongtai demo` feeds the retailer's history through the data hub (ERP CSV, CRM CSV, POSLog, Tmall messages)
and gives members stored value: checked on the database it builds, and with the verify commands."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

from sqlalchemy import func, select

from zhongtai.catalog.models import Category, Sku
from zhongtai.integration.models import Batch, InboundRecord, OversellException, Source
from zhongtai.inventory import service as inventory_service
from zhongtai.inventory.models import Reservation, StockLevel
from zhongtai.members.models import Member, MemberDuplicateCandidate
from zhongtai.orders.models import Feedback, FulfilmentGroup, Order, Return
from zhongtai.staff.models import User
from zhongtai.stores.models import Store
from zhongtai.wallet.models import GiftCard, WalletAccount


def _build_demo(settings) -> str:
    env = {**os.environ, "ZHONGTAI_DATABASE_URL": settings.database_url, "ZHONGTAI_ENVIRONMENT": "test",
           "COLUMNS": "200", "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "zhongtai.cli", "demo", "--no-serve"], check=False,
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


class TestDemoThroughTheDataHub:
    def test_history_arrives_through_the_hub_and_every_ledger_verifies(self, zt, settings, db):
        out = _build_demo(settings)
        assert "data hub" in out
        sources = dict(db.execute(select(Source.code, Source.type)).all())
        assert set(sources.values()) == {"pos", "erp", "crm", "ecommerce"}

        batches = db.scalars(select(Batch)).all()
        for b in batches:  # nothing vanishes
            assert b.accepted + b.duplicates + b.quarantined == b.records and b.status == "done"
        accepted = {}
        for b in batches:
            accepted[b.kind] = accepted.get(b.kind, 0) + b.accepted
        assert set(accepted) == {"products", "prices", "receipts", "members", "pos", "orders"}
        assert all(n > 0 for n in accepted.values())

        reasons = dict(db.execute(select(InboundRecord.reason, func.count()).where(
            InboundRecord.status == "quarantined").group_by(InboundRecord.reason)).all())
        assert {"unknown_sku", "bad_barcode", "bad_phone"} <= set(reasons)
        raw = db.scalar(select(InboundRecord.raw).where(InboundRecord.reason == "unknown_sku"))
        assert "FR-9999-99" in raw

        oversold = db.scalars(select(OversellException)).all()
        assert len(oversold) >= 1 and {o.status for o in oversold} == {"open"}

        channels = dict(db.execute(select(Order.channel, func.count()).group_by(Order.channel)).all())
        assert channels["pos"] > 140 and channels["ecommerce"] > 0
        till_orders = select(func.count()).where(Order.external_ref.like("POS-FLEET:%"))
        assert db.scalar(till_orders) > 100
        assert f"{sum(channels.values()):,} orders" in out  # the summary counts the tills' orders too
        carded = select(func.count()).where(Order.external_ref.like("POS-FLEET:%"), Order.member_id.is_not(None))
        assert db.scalar(carded) > 0  # loyalty cards of CRM members were recognised at the tills
        platform = select(func.count()).where(Order.channel == "ecommerce", Order.external_ref.like("tmall:%"))
        assert db.scalar(platform) == channels["ecommerce"]
        assert db.scalar(select(func.count()).where(Order.channel == "ecommerce", Order.status == "cancelled")) >= 1

        assert db.scalar(select(func.count()).where(WalletAccount.principal_fen > 0)) > 10
        assert db.scalar(select(func.count()).where(WalletAccount.bonus_fen > 0)) > 0
        assert db.scalar(select(func.count()).where(GiftCard.status == "active", GiftCard.balance_fen > 0)) > 0

        for command in ("inventory", "loyalty", "wallet"):
            assert zt(command, "verify").stdout.strip().endswith("ok")
        _a_whole_retailer(zt, db, out)


def _a_whole_retailer(zt, db, out: str) -> None:
    """Stores, staff, catalogue, stock everywhere, members with merges and candidates, orders in every mode
    and status, held stock, returns, feedback; built once (a second run leaves it alone)."""
    assert "demo retailer built" in out and "admin" in out
    assert db.scalar(select(func.count(Store.id))) == 13
    assert db.scalar(select(func.count(User.id))) == 25
    assert db.scalar(select(func.count(Category.id))) == 23
    assert db.scalar(select(func.count(Sku.id))) == 2171
    per_location = select(StockLevel.location_id, func.count()).group_by(StockLevel.location_id)
    rows = dict(db.execute(per_location).all())
    assert sorted(rows) == sorted(db.scalars(select(Store.id))) and min(rows.values()) > 300
    members = dict(db.execute(select(Member.status, func.count()).group_by(Member.status)).all())
    assert 2_000 <= sum(members.values()) <= 3_000 and members["merged"] >= 10
    candidates = dict(db.execute(select(MemberDuplicateCandidate.reason, func.count())
                                 .group_by(MemberDuplicateCandidate.reason)).all())
    assert candidates["unverified_phone"] >= 100 and candidates.get("same_name_birthday")
    orders = dict(db.execute(select(Order.mode, func.count()).group_by(Order.mode)).all())
    assert set(orders) == {"in_store", "delivery", "pickup", "pickup_with_processing", "ship"}
    assert 450 <= sum(orders.values()) <= 800  # a week of orders and three days of till journals
    statuses = set(db.scalars(select(FulfilmentGroup.status).distinct()))
    assert statuses == {"placed", "accepted", "picking", "ready", "out_for_delivery", "shipped", "completed",
                        "cancelled"}
    waiting = select(func.count()).where(FulfilmentGroup.status.in_(["placed", "accepted", "picking"]))
    held = select(func.count()).where(Reservation.status == "active", Reservation.expires_at > datetime.now(UTC))
    assert db.scalar(held) == db.scalar(waiting) > 0  # open orders hold stock well past the build
    assert db.scalar(select(func.count(Return.id))) > 0
    assert db.scalar(select(func.count(Feedback.id)).where(Feedback.nps.is_not(None))) > 50
    assert db.scalar(select(func.count(Feedback.id)).where(Feedback.complaint)) > 0
    assert f"{sum(orders.values())} orders" in out and f"{members['merged']} merged" in out
    report = inventory_service.verify(db)
    assert report["levels_checked"] == sum(rows.values()) and not report["ledger_drift"]
    assert not report["reserved_drift"]
    assert "already present" in zt("demo", "--no-serve").stdout
    db.rollback()
    assert db.scalar(select(func.count(Sku.id))) == 2171
    assert db.scalar(select(func.count(Order.id))) == sum(orders.values())
