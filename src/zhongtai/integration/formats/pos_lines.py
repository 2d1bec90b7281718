"""POS line formats: CSV (one till line per row, header first) and JSON lines (one object per line).

Columns / keys (see docs/integration-pos.md): transaction_id, line_no, store_code, till_id, occurred_at,
type, sku_code, barcode, quantity, unit_price_fen, amount_fen, loyalty_card, tender.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any

from zhongtai.integration import policies
from zhongtai.integration.formats.base import Parsed, register, text_lines
from zhongtai.integration.formats.pos_common import to_parsed
from zhongtai.integration.pos_applier import apply_till_lines, claim_till_records

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

COLUMNS = ("transaction_id", "line_no", "store_code", "till_id", "occurred_at", "type", "sku_code", "barcode",
           "quantity", "unit_price_fen", "amount_fen", "loyalty_card", "tender")


def parse_csv(stream: IO[bytes], config: Mapping[str, Any]) -> Iterator[Parsed]:
    """Till lines from CSV, streaming; a row that cannot be read is yielded with its reason."""
    tz = config.get("timezone") or policies.DEFAULT_TZ
    header: list[str] | None = None
    for line_no, text, reason in text_lines(stream):
        if not text.strip():
            continue
        if header is None:
            header = csv_header(text)
            continue
        yield csv_record(header, line_no, text, reason, tz)


def csv_header(text: str) -> list[str]:
    """The column names of a CSV header line."""
    return [h.strip() for h in next(csv.reader([text]))]


def csv_record(header: list[str], line_no: int, text: str, reason: str | None, tz: str) -> Parsed:
    """One non-blank CSV data line as a record (quarantinable with its reason if it cannot be read)."""
    cells = text.split(",") if '"' not in text else next(csv.reader([text]), [])
    if reason or len(cells) != len(header):
        return Parsed(policies.raw_key(text), line_no, text, None, reason or "malformed")
    return to_parsed(dict(zip(header, cells, strict=True)), line_no, text, tz)


def parse_jsonl(stream: IO[bytes], config: Mapping[str, Any]) -> Iterator[Parsed]:
    """Till lines from JSON lines, streaming."""
    tz = config.get("timezone") or policies.DEFAULT_TZ
    for line_no, text, reason in text_lines(stream):
        if not text.strip():
            continue
        try:
            obj = None if reason else json.loads(text)
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            yield Parsed(policies.raw_key(text), line_no, text, None, reason or "malformed")
            continue
        yield to_parsed(obj, line_no, text, tz)


def read_csv_in_bulk(session: Session, **kwargs: Any) -> Iterator[list[Parsed]] | None:
    """The set-based CSV path (PostgreSQL), imported when used: it posts through the integration service."""
    from zhongtai.integration.pos_bulk import read_csv

    return read_csv(session, **kwargs)


register("pos", "csv", parse_csv, apply_till_lines, default=True, claim=claim_till_records, bulk=read_csv_in_bulk)
register("pos", "jsonl", parse_jsonl)
