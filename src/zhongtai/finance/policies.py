"""Pure finance rules: monthly liability rows from ledger movements. No I/O.

* Every ledger movement falls in the calendar month (UTC) it was booked in.
* Points: issued = accrued + restored; redeemed = spent as payment; expired = breakage; other = reversals on
  refunds, head-office adjustments and merges (merges net to zero). Outstanding at a month's end is the running
  sum of every movement, so the last month's outstanding equals the sum of all balances. Points are valued at
  the current redemption rate (floor(points × 100 / rate) fen).
* Stored value, by bucket: topped up, spent (net of refunds to it), cashed out (principal paid back; the bonus
  forfeited with it is bonus breakage), other (merges). Principal is the liability owed to members; bonus is a
  promised discount, shown apart.
* Gift cards: activated (sold), redeemed (net of refunds), expired = breakage; outstanding as above.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

COLUMNS = (
    "month",
    "points_issued", "points_redeemed", "points_expired", "points_other", "points_outstanding",
    "points_liability_fen", "points_breakage_fen",
    "sv_topup_principal_fen", "sv_topup_bonus_fen", "sv_spent_principal_fen", "sv_spent_bonus_fen",
    "sv_cash_out_fen", "sv_bonus_forfeited_fen", "sv_other_fen",
    "sv_principal_outstanding_fen", "sv_bonus_outstanding_fen",
    "gc_activated_fen", "gc_redeemed_fen", "gc_breakage_fen", "gc_outstanding_fen",
)

POINTS_KINDS = {"accrue": "points_issued", "restore": "points_issued", "redeem": "points_redeemed",
                "expire": "points_expired"}


def months_between(first: str, last: str) -> list[str]:
    """Every 'YYYY-MM' from `first` to `last`, both included."""
    y, m = map(int, first.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _points(rows: dict[str, dict[str, int]], moves: Iterable[tuple[str, str, int]]) -> None:
    for month, kind, points in moves:
        col = POINTS_KINDS.get(kind, "points_other")
        rows[month][col] += -points if col in ("points_redeemed", "points_expired") else points
        rows[month]["_points"] += points


def _stored_value(rows: dict[str, dict[str, int]], moves: Iterable[tuple[str, str, int, int]]) -> None:
    for month, kind, principal, bonus in moves:
        row = rows[month]
        if kind == "topup":
            row["sv_topup_principal_fen"] += principal
            row["sv_topup_bonus_fen"] += bonus
        elif kind in ("spend", "refund"):
            row["sv_spent_principal_fen"] -= principal
            row["sv_spent_bonus_fen"] -= bonus
        elif kind == "cash_out":
            row["sv_cash_out_fen"] -= principal
            row["sv_bonus_forfeited_fen"] -= bonus
        else:
            row["sv_other_fen"] += principal + bonus
        row["_principal"] += principal
        row["_bonus"] += bonus


def _cards(rows: dict[str, dict[str, int]], moves: Iterable[tuple[str, str, int]]) -> None:
    for month, kind, fen in moves:
        col = {"activate": "gc_activated_fen", "expire": "gc_breakage_fen"}.get(kind, "gc_redeemed_fen")
        rows[month][col] += fen if kind == "activate" else -fen
        rows[month]["_cards"] += fen


def monthly(points: Iterable[tuple[str, str, int]], stored_value: Iterable[tuple[str, str, int, int]],
            cards: Iterable[tuple[str, str, int]], *, redeem_points_per_yuan: int, until: str) -> list[dict[str, int]]:
    """One row per month from the first movement to `until`, with running outstanding balances."""
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    _points(rows, points)
    _stored_value(rows, stored_value)
    _cards(rows, cards)
    if not rows:
        return []
    running = defaultdict(int)
    out = []
    for month in months_between(min(rows), max(max(rows), until)):
        row = rows[month]
        for key in ("_points", "_principal", "_bonus", "_cards"):
            running[key] += row[key]
        out.append({"month": month, **{c: row[c] for c in COLUMNS[1:]},
                    "points_outstanding": running["_points"],
                    "points_liability_fen": max(0, running["_points"]) * 100 // redeem_points_per_yuan,
                    "points_breakage_fen": row["points_expired"] * 100 // redeem_points_per_yuan,
                    "sv_principal_outstanding_fen": running["_principal"],
                    "sv_bonus_outstanding_fen": running["_bonus"], "gc_outstanding_fen": running["_cards"]})
    return out
