"""Pure stored-value and gift-card rules. Integer fen, no I/O.

Stored value (储值) has two buckets: principal (what the member paid in) and bonus (what a top-up rule gave,
e.g. 充500送50). They are refunded and accounted differently: principal is a liability to the member, bonus a
discount promised.

* Top-up bonus: of the rules in force, the one with the highest threshold the amount reaches applies, once
  (充500送50 and 充1000送120: topping up 1,000 gives 120, topping up 999 gives 50). A rule gives a fixed
  bonus, or a percentage of the amount (floored to the fen), capped if it says so.
* Spend order: **pro rata**. A spend of X from principal P and bonus B takes floor(X × B / (P + B)) from the
  bonus and the rest from the principal, so the buckets shrink together and the bonus can never be spent
  first nor left to the last. Spending the whole balance empties both exactly.
* Refunds go back to the buckets the spend came from, cumulatively per spend (refunding a spend in parts
  returns exactly what refunding it at once would): the bonus gets floor(refunded × spent bonus / spent),
  the principal the rest.
* An order paid partly with stored value is refunded to it pro rata by tender, cumulatively: after refunds
  totalling R of an order paid T, the stored value has had floor(R × stored-value paid / T) back.
* Cashing out (退卡) pays the principal back and forfeits the bonus.
* A merge moves both buckets and the member's gift cards to the survivor; an undone merge gives back what it
  brought as far as the survivor has not spent it (bucket by bucket), and the cards it brought.
* Gift cards (礼品卡) carry one balance from activation to expiry; what is left at expiry is breakage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class BonusRule:
    """Top up at least `min_topup_fen` and get `bonus_fen`, or `bonus_percent`% (at most `cap_fen`)."""

    code: str
    min_topup_fen: int
    bonus_fen: int = 0
    bonus_percent: int = 0
    cap_fen: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    def in_force(self, now: datetime) -> bool:
        return (self.starts_at is None or self.starts_at <= now) and (self.ends_at is None or now < self.ends_at)

    def bonus_for(self, amount_fen: int) -> int:
        bonus = self.bonus_fen + amount_fen * self.bonus_percent // 100
        return min(bonus, self.cap_fen) if self.cap_fen is not None else bonus


def bonus(rules: Sequence[BonusRule], amount_fen: int, now: datetime) -> tuple[int, BonusRule | None]:
    """(bonus, the rule that gave it) for a top-up: the highest threshold reached among rules in force."""
    reached = [r for r in rules if r.in_force(now) and amount_fen >= r.min_topup_fen]
    if not reached:
        return 0, None
    rule = max(reached, key=lambda r: (r.min_topup_fen, r.bonus_for(amount_fen)))
    return rule.bonus_for(amount_fen), rule


@dataclass(frozen=True)
class Split:
    """An amount divided between the buckets."""

    principal_fen: int
    bonus_fen: int

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.bonus_fen


def spend_split(principal_fen: int, bonus_fen: int, amount_fen: int) -> Split | None:
    """How a spend of `amount_fen` divides between the buckets (pro rata); None if the balance is short."""
    balance = principal_fen + bonus_fen
    if amount_fen <= 0 or amount_fen > balance:
        return None
    from_bonus = amount_fen * bonus_fen // balance
    return Split(amount_fen - from_bonus, from_bonus)


def refund_split(spent: Split, refunded_before_fen: int, refund_fen: int) -> Split:
    """What a refund of `refund_fen` gives back to each bucket of a spend, after `refunded_before_fen`
    already went back (cumulative, never more than was spent)."""
    before = min(spent.total_fen, refunded_before_fen)
    after = min(spent.total_fen, before + max(0, refund_fen))
    bonus_back = _share(spent.bonus_fen, spent.total_fen, after) - _share(spent.bonus_fen, spent.total_fen, before)
    return Split(after - before - bonus_back, bonus_back)


def _share(part: int, total: int, amount: int) -> int:
    return part * amount // total if total else 0


def tender_share(tender_paid_fen: int, order_paid_fen: int, refunded_after_fen: int) -> int:
    """How much of an order's refunds (totalling `refunded_after_fen`) belongs to one tender, cumulatively."""
    if order_paid_fen <= 0 or tender_paid_fen <= 0:
        return 0
    paid = min(tender_paid_fen, order_paid_fen)
    return paid * min(refunded_after_fen, order_paid_fen) // order_paid_fen


def gift_card_spendable(status: str, expires_at: datetime | None, now: datetime) -> str | None:
    """Why a gift card cannot be spent now (a stable reason), or None if it can."""
    if status == "issued":
        return "not_activated"
    if status in ("expired", "void") or (expires_at is not None and expires_at <= now):
        return "expired"
    return None


PIN_ATTEMPTS = 5  # wrong PINs in a row before a card's PIN checks pause
PIN_LOCK = timedelta(minutes=15)


def after_wrong_pin(failures: int, locked_until: datetime | None, now: datetime) -> tuple[int, datetime | None]:
    """A card's (wrong PINs in a row, locked until) after one more wrong PIN; a lock that ran out starts over."""
    if locked_until is not None and locked_until <= now:
        failures = 0
    failures += 1
    return (0, now + PIN_LOCK) if failures >= PIN_ATTEMPTS else (failures, None)
