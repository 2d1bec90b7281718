"""Pure coupon rules: validity windows, who may use a coupon where and when, codes, labels. No I/O.

A coupon may be used when it is the member's own, still `issued`, inside [valid_from, valid_to), on one of
its template's channels and at one of its stores (empty lists: everywhere). What it does to a cart
(thresholds, scope, stacking, amounts) is the pricing engine's business.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a till


@dataclass(frozen=True)
class Refusal:
    """Why a coupon cannot be used: a stable reason code and a sentence for the till."""

    reason: str
    message: str


def new_code() -> str:
    """A coupon code: 'CP' and 10 random characters (50 bits)."""
    return "CP" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def window(*, issued_at: datetime, valid_from: datetime | None, valid_to: datetime | None,
           valid_days: int | None) -> tuple[datetime, datetime]:
    """A coupon's validity: `valid_days` from issue (never past the template's end), else the template's window."""
    if valid_days is not None:
        end = issued_at + timedelta(days=valid_days)
        return issued_at, min(end, valid_to) if valid_to else end
    if valid_to is None:
        raise ValueError("a template needs valid_to or valid_days")
    return valid_from or issued_at, valid_to


def usable(*, member_id: int | None, owner_id: int, status: str, valid_from: datetime, valid_to: datetime,
           channels: Sequence[str], store_ids: Sequence[int], channel: str, store_id: int | None,
           now: datetime) -> Refusal | None:
    """None if the coupon may be used by `member_id` on `channel` at `store_id` now, else why not."""
    if member_id is None:
        return Refusal("member_required", "coupons need the member who holds them")
    if owner_id != member_id:
        return Refusal("not_owner", "this coupon belongs to another member")
    if status != "issued":
        return Refusal({"redeemed": "already_redeemed", "expired": "expired", "void": "void"}[status],
                       f"coupon is {status}")
    if now >= valid_to:
        return Refusal("expired", f"expired at {valid_to:%Y-%m-%d %H:%M} UTC")
    if now < valid_from:
        return Refusal("not_yet_valid", f"valid from {valid_from:%Y-%m-%d %H:%M} UTC")
    if channels and channel not in channels:
        return Refusal("wrong_channel", f"not valid on channel {channel}")
    if store_ids and store_id not in store_ids:
        return Refusal("wrong_store", "not for this store")
    return None


def yuan(fen: int) -> str:
    """Fen as a short yuan figure for labels: 10000 -> '100', 1050 -> '10.5'."""
    value = (Decimal(fen) / 100).normalize()
    return f"{value:f}"


def label(*, kind: str, threshold_fen: int, amount_fen: int, percent_off: int | None, cap_fen: int | None) -> str:
    """The offer in the words printed on it: 满100减20, 85折 (最高减30), 免运费."""
    if kind == "amount_off":
        return f"满{yuan(threshold_fen)}减{yuan(amount_fen)}" if threshold_fen else f"减{yuan(amount_fen)}"
    if kind == "percent_off":
        rate = Decimal(100 - (percent_off or 0)) / 10
        text = f"{rate.normalize():f}折"
        text = f"满{yuan(threshold_fen)}享{text}" if threshold_fen else text
        return f"{text} (最高减{yuan(cap_fen)})" if cap_fen else text
    text = "免运费"
    return f"满{yuan(threshold_fen)}{text}" if threshold_fen else text
