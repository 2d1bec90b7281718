"""Pure catalogue rules: barcodes, units, prices. No I/O."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def ean13_check_digit(first12: str) -> int:
    """The EAN-13 check digit for 12 leading digits (weights 1,3,1,3… from the left)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return (10 - total % 10) % 10


def is_valid_ean13(code: str) -> bool:
    """True for 13 digits whose last digit is the right check digit."""
    return len(code) == 13 and code.isdigit() and ean13_check_digit(code[:12]) == int(code[12])


def line_amount_fen(unit: str, unit_price_fen: int, quantity: int) -> int:
    """Amount for a quantity: pieces times the piece price, or grams at the per-kilogram price (half up)."""
    if unit == "piece":
        return unit_price_fen * quantity
    return int((Decimal(unit_price_fen) * quantity / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def effective_price_fen(list_price_fen: int, store_price_fen: int | None) -> int:
    """A store's override wins over the list price."""
    return list_price_fen if store_price_fen is None else store_price_fen
