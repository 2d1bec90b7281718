"""`zhongtai loyalty verify` and `zhongtai loyalty expire`, run in process against the test database."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from typer.testing import CliRunner

from tests import factories as f
from zhongtai.kernel import clock
from zhongtai.loyalty import service as loyalty
from zhongtai.loyalty.cli import app

runner = CliRunner()


class TestLoyaltyCli:
    def test_verify_is_clean_then_reports_drift_with_exit_1(self, engine, db):
        member = f.member(db)
        f.points(db, member.id, 120)
        ok = runner.invoke(app, ["verify"])
        assert ok.exit_code == 0, ok.output
        assert "checked 1 points accounts: 0 balance drift, 0 lot drift" in ok.output
        db.execute(text("UPDATE points_accounts SET balance = balance + 1"))
        db.commit()
        bad = runner.invoke(app, ["verify"])
        assert bad.exit_code == 1 and "1 balance drift" in bad.output

    def test_expire_sweeps_due_lots_and_coupons(self, engine, db):
        member = f.member(db)
        f.points(db, member.id, 75)
        f.coupon(db, f.coupon_template(db, valid_days=1), member.id)
        clock.freeze(clock.now() + timedelta(days=366))
        try:
            out = runner.invoke(app, ["expire", "--batch", "1"])
        finally:
            clock.freeze(None)
        assert out.exit_code == 0, out.output
        assert "expired 1 points lots and 1 coupons" in out.output
        db.rollback()
        assert loyalty.balance(db, member_id=member.id) == 0
        assert runner.invoke(app, ["verify"]).exit_code == 0
