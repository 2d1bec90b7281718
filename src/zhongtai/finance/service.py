"""Finance use cases: the monthly liability view, built from the points, stored-value and gift-card ledgers
through their services, and its reconciliation with the balances those domains hold."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy.orm import Session

from zhongtai.finance import policies
from zhongtai.kernel import clock
from zhongtai.loyalty import service as loyalty
from zhongtai.wallet import service as wallet


def liabilities(session: Session, *, months: int | None = None) -> dict[str, Any]:
    """Month by month: points, stored value and gift cards issued, used, expired (breakage) and outstanding,
    with the balances held now and whether the ledgers' running sums reconcile with them."""
    rate = loyalty.programme(session).redeem_points_per_yuan
    rows = policies.monthly(loyalty.monthly_movements(session), wallet.monthly_movements(session),
                            wallet.card_monthly_movements(session), redeem_points_per_yuan=rate,
                            until=f"{clock.now():%Y-%m}")
    held = {"points": loyalty.outstanding(session), **wallet.outstanding(session)}
    last = rows[-1] if rows else dict.fromkeys(policies.COLUMNS[1:], 0)
    reconciled = {"points": last["points_outstanding"] == held["points"],
                  "stored_value": (last["sv_principal_outstanding_fen"], last["sv_bonus_outstanding_fen"])
                  == (held["principal_fen"], held["bonus_fen"]),
                  "gift_cards": last["gc_outstanding_fen"] == held["gift_card_fen"]}
    return {"rows": rows[-months:] if months else rows, "held": held, "reconciled": reconciled,
            "points_value_fen_per_100": 100 * 100 // rate}


def liabilities_csv(session: Session, *, months: int | None = None) -> str:
    """The monthly rows as CSV (one header line, one line per month)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=policies.COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(liabilities(session, months=months)["rows"])
    return out.getvalue()
