"""`zhongtai wallet verify` and `zhongtai wallet expire`, and `zhongtai loyalty tiers`, as an operator runs them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from typer.testing import CliRunner

from tests import factories as f
from zhongtai.kernel import clock
from zhongtai.wallet import service as wallet
from zhongtai.wallet.cli import app
from zhongtai.wallet.schemas import BatchCreate


def funded(db, amount: int):
    member = f.member(db)
    wallet.top_up(db, member_id=member.id, amount_fen=amount, source=wallet.Source("topup", f"fund-{member.id}"))
    db.commit()
    return member


class TestWalletCli:
    def test_verify_is_clean_then_reports_drift_with_exit_1(self, zt, db):
        funded(db, 5_000)
        ok = zt("wallet", "verify")
        assert "checked 1 stored-value accounts: 0 account drift, 0 gift-card drift" in ok.stdout
        db.execute(text("UPDATE wallet_accounts SET bonus_fen = bonus_fen + 1"))
        db.commit()
        bad = zt("wallet", "verify", ok=False)
        assert bad.returncode == 1 and "1 account drift" in bad.stdout

    def test_expire_books_what_is_left_on_cards_as_breakage(self, engine, db):
        _, cards = wallet.issue_batch(db, batch_in=BatchCreate(code="B1", name="b", face_value_fen=5_000,
                                                               quantity=3, valid_days=1), actor="tests")
        for code, _ in cards[:2]:
            wallet.activate_card(db, code=code, member_id=None, source=wallet.Source("sale", code))
        db.commit()
        clock.freeze(clock.now() + timedelta(days=2))
        try:
            out = CliRunner().invoke(app, ["expire", "--batch", "1"])
        finally:
            clock.freeze(None)
        assert out.exit_code == 0, out.output
        assert "expired 2 gift cards" in out.output
        db.rollback()
        assert wallet.outstanding(db)["gift_card_fen"] == 0
        assert wallet.verify(db)["card_drift"] == []

    def test_loyalty_tiers_recomputes_everyone(self, zt, db):
        from zhongtai.loyalty import service as loyalty

        member = f.member(db)
        loyalty.record_completed(db, order={"member_id": member.id, "order_id": "O-1", "store_id": None,
                                            "paid_fen": 900_000}, completed_at=clock.now() - timedelta(days=364))
        db.commit()
        db.refresh(member)
        assert member.tier == "gold"
        out = zt("loyalty", "tiers")
        assert "recomputed the tiers of 1 members" in out.stdout
