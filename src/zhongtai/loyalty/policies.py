"""Pure points rules: earning, lots consumed first-in-first-out, expiry, reversal of refunded orders. No I/O.

Rules, in fen and whole points:
* Earning: each line earns floor(paid fen / 100 × earn_per_yuan × channel × category × tier multipliers),
  where "paid" is the line's amount less its share of order discounts. The most specific category rule on the
  SKU's category path wins; a missing rule is 1. Lines are floored separately, so a cart earns exactly the sum
  of its lines.
* Redemption: `redeem_points_per_yuan` points are worth one yuan. A request is worth floor(points × 100 /
  rate) fen, at most `max_redeem_percent`% of what is payable for the goods; only the points that value
  needs are charged. It never takes a balance below zero.
* Lots: every positive entry is a lot. Redemption, expiry and clawback consume the lot that expires first
  (then the oldest). Lots expire `expiry_days` after they were earned.
* Reversal when an order is refunded: the points the refunded lines earned are taken back pro rata,
  cumulatively per line (refunding a line in parts takes back exactly what refunding it at once would).
  Policy when those points were already spent: take what is still open — the order's own lot first, then
  the other lots first-in-first-out — and let the balance go negative by the rest. The debt can never
  exceed the points the refunded order earned; later earnings pay it off before they become spendable.
  Nothing is ever taken from the refund itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

ONE = Decimal(1)


@dataclass(frozen=True)
class Lot:
    """The open part of a positive entry."""

    id: Any
    remaining: int
    expires_at: datetime | None


def fifo(lots: Iterable[Lot]) -> list[Lot]:
    """Lots in the order they are consumed: soonest expiry first (never-expiring last), then oldest."""
    return sorted(lots, key=lambda lot: (lot.expires_at is None, lot.expires_at or datetime.max, lot.id))


def take(lots: Iterable[Lot], points: int, *, prefer: Any = None) -> tuple[list[tuple[Any, int]], int]:
    """Take `points` from lots (the `prefer`red lot first, then FIFO); returns [(lot id, taken)] and the
    part no lot covered."""
    ordered = fifo(lots)
    ordered.sort(key=lambda lot: lot.id != prefer)  # stable: FIFO order kept behind the preferred lot
    takes, left = [], points
    for lot in ordered:
        if left == 0:
            break
        n = min(lot.remaining, left)
        if n > 0:
            takes.append((lot.id, n))
            left -= n
    return takes, left


def spendable_part(balance_before: int, points: int) -> int:
    """How much of a credit becomes a spendable lot: a negative balance (debt) is paid off first."""
    return points - min(points, max(0, -balance_before))


def due(lots: Iterable[Lot], now: datetime) -> list[Lot]:
    """Lots with points left whose expiry has come."""
    return [lot for lot in lots if lot.remaining > 0 and lot.expires_at is not None and lot.expires_at <= now]


@dataclass(frozen=True)
class Programme:
    """The earning and redemption parameters, with multipliers by channel, category code and tier."""

    earn_per_yuan: Decimal = ONE
    redeem_points_per_yuan: int = 100
    max_redeem_percent: int = 50
    expiry_days: int = 365
    channel_multipliers: Mapping[str, Decimal] = field(default_factory=dict)
    category_multipliers: Mapping[str, Decimal] = field(default_factory=dict)
    tier_multipliers: Mapping[str, Decimal] = field(default_factory=dict)

    def category_multiplier(self, category_path: str) -> Decimal:
        """The deepest category on the path that has a rule, else 1."""
        for code in reversed([c for c in category_path.split("/") if c]):
            if code in self.category_multipliers:
                return self.category_multipliers[code]
        return ONE

    def multiplier(self, *, channel: str, category_path: str, tier: str) -> Decimal:
        return (self.channel_multipliers.get(channel, ONE) * self.category_multiplier(category_path)
                * self.tier_multipliers.get(tier, ONE))

    def points_for(self, net_fen: int, *, channel: str, category_path: str, tier: str) -> int:
        """Points a line paid `net_fen` earns (floored; never negative)."""
        if net_fen <= 0:
            return 0
        raw = Decimal(net_fen) * self.earn_per_yuan * self.multiplier(
            channel=channel, category_path=category_path, tier=tier) / 100
        return int(raw.to_integral_value(rounding=ROUND_FLOOR))

    def value_fen(self, points: int) -> int:
        """What `points` are worth, in fen (floored)."""
        return points * 100 // self.redeem_points_per_yuan

    def points_for_value(self, fen: int) -> int:
        """The fewest points worth at least `fen` (what a redemption of `fen` charges)."""
        return -(-fen * self.redeem_points_per_yuan // 100)

    def max_redeem_fen(self, payable_fen: int) -> int:
        return max(0, payable_fen) * self.max_redeem_percent // 100

    def expires_at(self, earned_at: datetime) -> datetime:
        return earned_at + timedelta(days=self.expiry_days)

    def redeem(self, requested: int, payable_fen: int) -> Redemption:
        """See `redemption`."""
        return redemption(self, requested=requested, payable_fen=payable_fen)


@dataclass(frozen=True)
class Redemption:
    """Points charged and the fen they pay, with why it is less than asked (if it is)."""

    requested: int
    points: int
    value_fen: int
    note: str = ""


def redemption(programme: Programme, *, requested: int, payable_fen: int) -> Redemption:
    """How much of a points request applies to `payable_fen` (the goods after coupons)."""
    if requested <= 0:
        return Redemption(requested, 0, 0)
    value, cap = programme.value_fen(requested), programme.max_redeem_fen(payable_fen)
    note = ""
    if value > cap:
        value, note = cap, f"capped at {programme.max_redeem_percent}% of the payable amount"
    points = programme.points_for_value(value)
    if points < requested and not note:
        note = f"{requested - points} points are worth less than a fen and were not used"
    return Redemption(requested, points, value, note)


def line_points(lines: Sequence[tuple[int, int, str]], programme: Programme, *, channel: str,
                tier: str) -> dict[int, tuple[int, int]]:
    """{line_no: (points, paid fen)} for (line_no, paid fen, category path) lines."""
    return {no: (programme.points_for(paid, channel=channel, category_path=path, tier=tier), paid)
            for no, paid, path in lines}


def reversal(accrued: Mapping[int, tuple[int, int]], refunded_before: Mapping[int, int],
             refund_now: Mapping[int, int]) -> dict[int, int]:
    """Points to take back per line for a refund: cumulative, floored, never more than the line earned."""
    out = {}
    for line_no, fen in refund_now.items():
        if line_no not in accrued:
            continue
        points, paid = accrued[line_no]
        before = min(paid, refunded_before.get(line_no, 0))
        after = min(paid, before + fen)
        back = _share(points, paid, after) - _share(points, paid, before)
        if back > 0:
            out[line_no] = back
    return out


def _share(points: int, paid: int, refunded: int) -> int:
    if paid <= 0:
        return points if refunded > 0 else 0
    return points * refunded // paid
