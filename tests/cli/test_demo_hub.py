"""`zhongtai demo` feeds the retailer's history through the data hub (ERP CSV, CRM CSV, POSLog, Tmall messages)
and gives members stored value: checked on the database it builds, and with the verify commands."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import func, select

from zhongtai.integration.models import Batch, InboundRecord, OversellException, Source
from zhongtai.orders.models import Order
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
