"""How the console writes quantities, money and times: grams as kilograms, fen as yuan, store-local clocks."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from zhongtai.kernel import clock
from zhongtai.kernel.money import format_fen

GRAMS_PER_KG = 1000


def quantity(amount: int, unit: str) -> str:
    """Base units for people: 12 pieces as '12', 1250 grams as '1.250 kg' (integer arithmetic, no float)."""
    if unit != "gram":
        return f"{amount:,}"
    whole, grams = divmod(abs(amount), GRAMS_PER_KG)
    return f"{'-' if amount < 0 else ''}{whole:,}.{grams:03d} kg"


def signed_quantity(amount: int, unit: str) -> str:
    """A ledger delta with its sign: '+5', '-1.250 kg'."""
    return ("+" if amount > 0 else "") + quantity(amount, unit)


def money(fen: int) -> str:
    """Integer fen as yuan: 12345 -> '¥123.45'."""
    return format_fen(fen)


def parse_amount(text: str | None, unit: str, *, allow_zero: bool = False) -> int | None:
    """What a clerk typed, in base units: pieces as a whole number, weighed SKUs in kilograms.

    None if it is not a positive amount in that unit (or zero, when `allow_zero`: nothing could be picked).
    """
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    base = value * GRAMS_PER_KG if unit == "gram" else value
    if not value.is_finite() or base < 0 or base != base.to_integral_value():
        return None
    if base == 0 and not allow_zero:
        return None
    return int(base)


def local_time(at: datetime, tz: str) -> str:
    """A UTC instant on the store's wall clock, to the minute."""
    return at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def clock_time(at: datetime, tz: str) -> str:
    """A UTC instant on the store's wall clock: '14:05' today, '05-18 14:05' on another day."""
    zone = ZoneInfo(tz)
    local = at.astimezone(zone)
    return local.strftime("%H:%M" if local.date() == clock.now().astimezone(zone).date() else "%m-%d %H:%M")


def url(path: str, **params: object) -> str:
    """`path` with the given query parameters, leaving out empty ones (None, '', False)."""
    kept = {k: ("1" if v is True else v) for k, v in params.items() if not (v is None or v == "" or v is False)}
    return f"{path}?{urlencode(kept)}" if kept else path
