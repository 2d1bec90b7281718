"""The finance view: points, stored value and gift cards per month, breakage on expiry, reconciled with the
ledgers (the sums are checked independently here), exportable as CSV, for head office only."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from tests import factories as f
from zhongtai.db.session import session_scope
from zhongtai.kernel import clock
from zhongtai.kernel.auth import Role
from zhongtai.loyalty import service as loyalty
from zhongtai.loyalty.models import PointsEntry
from zhongtai.wallet import service as wallet
from zhongtai.wallet.models import GiftCardEntry, WalletEntry
from zhongtai.wallet.schemas import BatchCreate

SEP = datetime(2026, 9, 10, 9, tzinfo=UTC)


def history(db) -> None:
    """September: points earned and spent, stored value topped up with bonus; October: a gift card sold and
    partly spent, stored value spent; then points and the card expire (breakage)."""
    m1, m2 = f.member(db), f.member(db)
    try:
        clock.freeze(SEP)
        f.points(db, m1.id, 1_000)
        loyalty.redeem(db, member_id=m1.id, points=300, source=loyalty.Source("order", "o-1", "o-1"))
        from zhongtai.wallet.schemas import BonusRuleCreate

        wallet.create_bonus_rule(db, rule_in=BonusRuleCreate(code="R500", min_topup_fen=50_000, bonus_fen=5_000),
                                 actor="tests")
        wallet.top_up(db, member_id=m2.id, amount_fen=50_000, source=wallet.Source("topup", "t-1"))
        db.commit()
        clock.freeze(SEP + timedelta(days=30))
        _, cards = wallet.issue_batch(db, batch_in=BatchCreate(code="G", name="g", face_value_fen=10_000,
                                                               quantity=1, valid_days=20), actor="tests")
        code, pin = cards[0]
        wallet.activate_card(db, code=code, member_id=m2.id, source=wallet.Source("sale", "s-1"))
        wallet.spend_card(db, code=code, pin=pin, amount_fen=4_000, source=wallet.Source("payment", "g-1", "t-9"))
        wallet.spend(db, member_id=m2.id, amount_fen=10_000, source=wallet.Source("payment", "p-1", "t-8"))
        db.commit()
        clock.freeze(SEP + timedelta(days=55))
        with session_scope() as session:
            assert wallet.expire_cards(session) == 1
        clock.freeze(SEP + timedelta(days=366))
        with session_scope() as session:
            loyalty.expire_due(session)
    finally:
        clock.freeze(None)


class TestLiabilities:
    def test_months_reconcile_with_the_ledgers_and_show_breakage(self, client, db):
        history(db)
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.get("/api/v1/finance/liabilities", headers=hq)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["reconciled"] == {"points": True, "stored_value": True, "gift_cards": True}
        rows = {r["month"]: r for r in body["rows"]}
        assert rows["2026-09"]["points_other"] == 1_000 and rows["2026-09"]["points_redeemed"] == 300  # an adjustment
        assert rows["2026-09"]["sv_topup_bonus_fen"] == 5_000
        assert rows["2026-10"]["sv_spent_principal_fen"] == 9_091 and rows["2026-10"]["gc_redeemed_fen"] == 4_000
        assert rows["2026-10"]["gc_outstanding_fen"] == 6_000
        assert rows["2026-11"]["gc_breakage_fen"] == 6_000
        assert rows["2027-09"]["points_expired"] == 700 and rows["2027-09"]["points_breakage_fen"] == 700
        db.rollback()
        last = body["rows"][-1]
        assert last["points_outstanding"] == db.scalar(select(func.sum(PointsEntry.points))) == 0
        assert last["sv_principal_outstanding_fen"] == db.scalar(select(func.sum(WalletEntry.principal_fen)))
        assert last["sv_bonus_outstanding_fen"] == db.scalar(select(func.sum(WalletEntry.bonus_fen))) == 4_091
        assert last["gc_outstanding_fen"] == db.scalar(select(func.sum(GiftCardEntry.amount_fen))) == 0
        assert sum(r["gc_breakage_fen"] for r in body["rows"]) == 6_000
        assert body["held"] == {"points": 0, "principal_fen": 40_909, "bonus_fen": 4_091, "gift_card_fen": 0}

    def test_csv_has_the_same_months(self, client, db):
        history(db)
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.get("/api/v1/finance/liabilities.csv?months=3", headers=hq)
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(resp.text)))
        as_json = client.get("/api/v1/finance/liabilities?months=3", headers=hq).json()["rows"]
        assert len(rows) == 3
        assert [r["month"] for r in rows] == [r["month"] for r in as_json]
        assert [int(r["sv_principal_outstanding_fen"]) for r in rows] == [
            r["sv_principal_outstanding_fen"] for r in as_json]

    def test_head_office_only(self, client, db):
        store = f.store(db)
        manager = f.as_role(client, db, Role.STORE_MANAGER, [store])
        assert client.get("/api/v1/finance/liabilities", headers=manager).status_code == 403
        assert client.get("/api/v1/finance/liabilities.csv").status_code == 401

    def test_an_empty_ledger_reconciles(self, client, db):
        body = client.get("/api/v1/finance/liabilities", headers=f.as_role(client, db, Role.HQ_ADMIN)).json()
        assert body["rows"] == [] and all(body["reconciled"].values())
