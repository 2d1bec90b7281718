"""What every POS format produces: one till line as a plain dict (the `data` of a Parsed record).

Keys: txn (transaction id), line (line number in it), store (store code, "" = the source's store),
till, at (occurred_at, ISO-8601 UTC), type (sale | return | void), sku (SKU code) or barcode,
qty (base units: pieces, or grams for weighed goods), price (unit price in fen: per piece or per kg),
amount (line amount in fen, None = qty × price), card (loyalty card number), tender (how it was paid).
"""

from __future__ import annotations

from typing import Any

from zhongtai.integration import policies
from zhongtai.integration.formats.base import Parsed
from zhongtai.integration.policies import BadValue

TYPES = ("sale", "return", "void")
TENDERS = {"cash": "cash", "card": "card", "creditdebit": "card", "credit": "card", "debit": "card",
           "wechat": "wechat_pay", "wechat_pay": "wechat_pay", "alipay": "alipay", "stored_value": "stored_value",
           "storedvalue": "stored_value", "points": "points", "voucher": "voucher", "": "cash"}


def till_line(f: dict[str, Any], tz: str) -> dict[str, Any]:
    """Normalise one till line's fields (any format) into the record data; BadValue names what is wrong."""
    txn, sku, barcode = _text(f.get("transaction_id")), _text(f.get("sku_code")), _text(f.get("barcode"))
    if not txn or not (sku or barcode) or not _text(f.get("occurred_at")):
        raise BadValue("missing_field")
    kind = _text(f.get("type")).lower() or "sale"
    if kind not in TYPES:
        raise BadValue("malformed", f"type {kind!r}")
    if barcode and not policies.gtin_ok(barcode):
        raise BadValue("bad_barcode")
    qty = policies.parse_int(f.get("quantity"), field="quantity")
    if qty < 0:
        raise BadValue("negative_quantity")
    if qty == 0 and kind != "void":
        raise BadValue("bad_number", "quantity")
    price = policies.parse_int(f.get("unit_price_fen"), field="unit_price_fen")
    amount = f.get("amount_fen")
    return {"txn": txn, "line": _line_no(f.get("line_no")), "store": _text(f.get("store_code")),
            "till": _text(f.get("till_id")), "at": policies.parse_time(str(f["occurred_at"]), tz).isoformat(),
            "type": kind, "sku": sku, "barcode": barcode, "qty": qty, "price": _nonneg(price),
            "amount": None if amount in (None, "") else _nonneg(policies.parse_int(amount, field="amount_fen")),
            "card": _text(f.get("loyalty_card")), "tender": TENDERS.get(_text(f.get("tender")).lower(), "other")}


def to_parsed(fields: dict[str, Any], line_no: int, raw: str, tz: str) -> Parsed:
    """A Parsed record for one till line, quarantinable with its reason if a field is wrong."""
    txn, line = _text(fields.get("transaction_id")), _text(fields.get("line_no"))
    key = policies.line_key(txn, line) if txn and line else policies.raw_key(raw)
    try:
        return Parsed(key, line_no, raw, till_line(fields, tz))
    except BadValue as exc:
        return Parsed(key, line_no, raw, None, exc.code)


def _text(value: Any) -> str:
    if value.__class__ is str:
        return value.strip()
    return "" if value is None else str(value).strip()


def _line_no(value: Any) -> int:
    n = policies.parse_int(value, field="line_no")
    if n < 1:
        raise BadValue("bad_number", "line_no")
    return n


def _nonneg(n: int) -> int:
    if n < 0:
        raise BadValue("bad_number", "negative money")
    return n
