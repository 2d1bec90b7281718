"""The `zhongtai` command as an operator runs it: a real subprocess against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

from sqlalchemy import func, select

from zhongtai.catalog.models import Category, Sku
from zhongtai.inventory import service as inventory_service
from zhongtai.inventory.models import Reservation, StockLevel
from zhongtai.members.models import Member, MemberDuplicateCandidate
from zhongtai.orders.models import Feedback, FulfilmentGroup, Order, Return
from zhongtai.staff.models import User
from zhongtai.stores.models import Store




class TestCli:
    def test_help_lists_the_commands(self, zt):
        out = zt("--help").stdout
        for command in ("serve", "demo", "db", "users", "outbox"):
            assert command in out

    def test_db_upgrade_is_idempotent(self, zt):
        assert "at revision 00" in zt("db", "upgrade").stdout

    def test_users_create_then_login(self, zt, client, db):
        zt("users", "create", "--username", "ops", "--password", "long-enough-1", "--role", "hq_admin")
        resp = client.post("/api/v1/auth/token", data={"username": "ops", "password": "long-enough-1"})
        assert resp.status_code == 200

    def test_users_create_reports_domain_errors_cleanly(self, zt):
        proc = zt("users", "create", "--username", "g-x", "--password", "long-enough-1", "--role", "guide",
                  "--store", "NOPE", ok=False)
        assert proc.returncode == 2 and "unknown_store_codes" in proc.stderr and "Traceback" not in proc.stderr

    def test_users_create_rejects_bad_role(self, zt):
        proc = zt("users", "create", "--username", "x-y", "--password", "long-enough-1", "--role", "king", ok=False)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr

    def test_demo_builds_a_retailer_once(self, zt, settings, db):
        # Thousands of member joins and hundreds of orders: allow a busy machine more than zt's two minutes.
        env = {**os.environ, "ZHONGTAI_DATABASE_URL": settings.database_url, "ZHONGTAI_ENVIRONMENT": "test",
               "COLUMNS": "200", "NO_COLOR": "1"}
        proc = subprocess.run([sys.executable, "-m", "zhongtai.cli", "demo", "--no-serve"], check=False,
                              capture_output=True, text=True, env=env, timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        out = proc.stdout
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

    def test_outbox_relay_once_delivers_pending_events(self, zt):
        zt("users", "create", "--username", "relayed", "--password", "long-enough-1", "--role", "hq_admin")
        assert zt("outbox", "status").stdout.startswith("pending 1")
        out = zt("outbox", "relay", "--once").stdout
        assert "dispatched 1" in out and "failed 0" in out
        assert zt("outbox", "status").stdout.startswith("pending 0")
