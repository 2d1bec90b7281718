"""ARTS/NRF POSLog XML: each sale or return LineItem of a RetailTransaction is one record.

Streams with an XML pull parser fed line by line (bounded memory, exact line numbers). Elements are
matched by local name, so any POSLog namespace works and vendor extensions (other namespaces, unknown
elements, `<Extension>` blocks) are skipped. Mapping: docs/integration-pos.md.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from zhongtai.integration import policies
from zhongtai.integration.formats.base import Parsed, register
from zhongtai.integration.formats.pos_common import to_parsed

WEIGHT_UNITS = {"KGM": 1000, "KG": 1000, "GRM": 1, "G": 1}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(el: ET.Element | None, name: str) -> ET.Element | None:
    if el is None:
        return None
    return next((c for c in el if _local(c.tag) == name), None)


def _first(*elements: ET.Element | None) -> ET.Element | None:
    """The first element that exists (an Element without children is falsy: never use `or`)."""
    return next((el for el in elements if el is not None), None)


def _text(el: ET.Element | None, *path: str) -> str:
    for name in path:
        el = _child(el, name)
    return (el.text or "").strip() if el is not None else ""


def _fen(value: str) -> int | str:
    """Yuan as a decimal text → fen; the text itself if it is not a number (the record is quarantined)."""
    try:
        return int((Decimal(value) * 100).quantize(Decimal(1)))
    except (InvalidOperation, ValueError):
        return value


def parse_poslog(stream: IO[bytes], config: Mapping[str, Any]) -> Iterator[Parsed]:
    """Till lines from POSLog XML, streaming; a transaction that cannot be read is one quarantined record."""
    tz = config.get("timezone") or policies.DEFAULT_TZ
    parser = ET.XMLPullParser(events=("start", "end"))
    starts: dict[int, int] = {}
    line_no = 0
    for line_no, raw in enumerate(stream, start=1):
        try:
            parser.feed(raw)
            yield from _events(parser, starts, line_no, tz)
        except ET.ParseError:
            yield Parsed(policies.raw_key(f"poslog:{line_no}:{raw!r}"), line_no,
                         raw.decode("utf-8", "replace"), None, "malformed")
            return  # XML after a syntax error cannot be trusted; the rest of the file is not read


def _events(parser: ET.XMLPullParser, starts: dict[int, int], line_no: int, tz: str) -> Iterator[Parsed]:
    for event, el in parser.read_events():
        if event == "start":
            if _local(el.tag) in ("Transaction", "LineItem"):
                starts[id(el)] = line_no
        elif _local(el.tag) == "Transaction":
            yield from _transaction(el, starts, tz)
            starts.clear()
            el.clear()  # bounded memory: a finished transaction is dropped


def _transaction(txn: ET.Element, starts: dict[int, int], tz: str) -> Iterator[Parsed]:
    retail = _child(txn, "RetailTransaction")
    if retail is None:
        return  # control transactions (sign-on, till open): nothing to import
    head = _header(txn, retail)
    if not head["transaction_id"]:
        raw = ET.tostring(txn, encoding="unicode")
        yield Parsed(policies.raw_key(raw), starts.get(id(txn), 0), raw, None, "missing_field")
        return
    seq = 0
    for item in (c for c in retail if _local(c.tag) == "LineItem"):
        fields = _line_item(item, head)
        if fields is None:
            continue
        seq += 1
        fields.setdefault("line_no", _text(item, "SequenceNumber") or str(seq))
        yield to_parsed(fields, starts.get(id(item), 0), ET.tostring(item, encoding="unicode").strip(), tz)


def _header(txn: ET.Element, retail: ET.Element) -> dict[str, Any]:
    store, till = _text(txn, "RetailStoreID"), _text(txn, "WorkstationID")
    seq, day = _text(txn, "SequenceNumber"), _text(txn, "BusinessDayDate")
    txn_id = _text(txn, "TransactionID") or (f"{store}-{till}-{day}-{seq}" if store and seq else "")
    voided = (retail.get("TransactionStatus", "").lower() in ("voided", "cancelled", "canceled")
              or txn.get("CancelFlag", "").lower() == "true")
    tenders = [c for li in retail if _local(li.tag) == "LineItem" for c in li if _local(c.tag) == "Tender"]
    return {"transaction_id": txn_id, "store_code": store, "till_id": till,
            "occurred_at": _text(txn, "EndDateTime") or _text(txn, "BeginDateTime"),
            "voided": voided, "tender": tenders[0].get("TenderType", "") if tenders else "",
            "loyalty_card": _card(retail)}


def _card(retail: ET.Element) -> str:
    for el in retail.iter():
        if _local(el.tag) in ("LoyaltyCardNumber", "LoyaltyCardID", "CardNumber") and (el.text or "").strip():
            return el.text.strip()
        if _local(el.tag) == "LoyaltyAccount" and _text(el, "CustomerID"):
            return _text(el, "CustomerID")
    return ""


def _line_item(item: ET.Element, head: dict[str, Any]) -> dict[str, Any] | None:
    body = _first(_child(item, "Sale"), _child(item, "Return"))
    if body is None:
        return None  # tenders, taxes, discounts, vendor line types: not records of their own
    voided = head["voided"] or item.get("VoidFlag", "").lower() == "true"
    item_id = _first(_child(body, "ItemID"), _child(_child(body, "POSIdentity"), "POSItemID"))
    code = (item_id.text or "").strip() if item_id is not None else ""
    is_gtin = (item_id is not None and item_id.get("Type", "").upper() in ("GTIN", "EAN", "UPC")) or \
        (code.isdigit() and len(code) in (8, 12, 13, 14))
    qty_el = _child(body, "Quantity")
    return {k: v for k, v in head.items() if k != "voided"} | {
        "type": "void" if voided else ("return" if _local(body.tag) == "Return" else "sale"),
        "sku_code": "" if is_gtin else code, "barcode": code if is_gtin else "",
        "quantity": _quantity(qty_el), "unit_price_fen": _fen(_text(body, "ActualSalesUnitPrice")
                                                               or _text(body, "RegularSalesUnitPrice") or "0"),
        "amount_fen": _fen(_text(body, "ExtendedAmount")) if _text(body, "ExtendedAmount") else None}


def _quantity(el: ET.Element | None) -> int | str:
    """Pieces, or grams for a weight (UnitOfMeasureCode KGM/GRM); the text itself if unreadable."""
    text = (el.text or "").strip() if el is not None else "1"
    scale = WEIGHT_UNITS.get((el.get("UnitOfMeasureCode", "") if el is not None else "").upper(), 1)
    try:
        value = Decimal(text) * scale
    except InvalidOperation:
        return text
    return int(value) if value == value.to_integral_value() else text


register("pos", "poslog", parse_poslog)
