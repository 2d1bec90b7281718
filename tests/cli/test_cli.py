"""The `zhongtai` command as an operator runs it: a real subprocess against the test database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from zhongtai.catalog.models import Category, Sku
from zhongtai.inventory import service as inventory_service
from zhongtai.inventory.models import StockLevel
from zhongtai.staff.models import User
from zhongtai.stores.models import Store


@pytest.fixture
def zt(settings, engine):
    env = {**os.environ, "ZHONGTAI_DATABASE_URL": settings.database_url, "ZHONGTAI_ENVIRONMENT": "test",
           "COLUMNS": "200", "NO_COLOR": "1"}

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([sys.executable, "-m", "zhongtai.cli", *args], capture_output=True, text=True,
                              env=env, timeout=120)
        if ok:
            assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc

    return run


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

    def test_demo_builds_a_retailer_once(self, zt, db):
        out = zt("demo", "--no-serve").stdout
        assert "demo retailer built" in out and "admin" in out
        assert db.scalar(select(func.count(Store.id))) == 13
        assert db.scalar(select(func.count(User.id))) == 25
        assert db.scalar(select(func.count(Category.id))) == 23
        assert db.scalar(select(func.count(Sku.id))) == 2171
        per_location = select(StockLevel.location_id, func.count()).group_by(StockLevel.location_id)
        rows = dict(db.execute(per_location).all())
        assert sorted(rows) == sorted(db.scalars(select(Store.id))) and min(rows.values()) > 300
        report = inventory_service.verify(db)
        assert report["levels_checked"] == sum(rows.values()) and not report["ledger_drift"]
        assert not report["reserved_drift"]
        assert "already present" in zt("demo", "--no-serve").stdout
        db.rollback()
        assert db.scalar(select(func.count(Sku.id))) == 2171

    def test_outbox_relay_once_delivers_pending_events(self, zt):
        zt("users", "create", "--username", "relayed", "--password", "long-enough-1", "--role", "hq_admin")
        assert zt("outbox", "status").stdout.startswith("pending 1")
        out = zt("outbox", "relay", "--once").stdout
        assert "dispatched 1" in out and "failed 0" in out
        assert zt("outbox", "status").stdout.startswith("pending 0")
