"""The inbound contract: how a data format plugs into the integration framework.

A *kind* of inbound data ("pos", "orders", "products", "prices", "receipts", "transfers", "counts",
"members") has one or more *formats* (a parser each) and one *applier*. The framework does the rest:

1. **Landing** — the raw payload is stored (with checksum, size, source) before anything is parsed.
2. **Parsing** — ``parser(stream, config)`` reads the binary stream and yields one :class:`Parsed` per
   record, lazily (bounded memory: never read the whole stream; a file may have millions of lines).
   A record that cannot be read (bad encoding, missing field, bad number) is still yielded, with
   ``data=None`` and ``reason`` set to a stable code, so it is quarantined, never lost. ``config`` is
   the source's configuration dict (e.g. a declarative field mapping for an e-commerce platform).
3. **Dedupe** — records are keyed by ``(source, external_id)``; a key seen before (in this payload or
   any earlier one, accepted or quarantined) counts as a duplicate and never reaches the applier.
4. **Applying** — ``applier(session, source=..., batch=..., records=[...])`` gets chunks (a few thousand)
   of NEW parsed records (``data`` is not None) and posts them through the owning domain's *service*
   functions (catalog, inventory, members, orders — never by writing their tables). It returns a
   mapping ``external_id -> reason code`` for the records it refused (``unknown_sku``, ``bad_barcode``,
   ``negative_quantity``, ``unknown_store``, ...); records missing from the mapping (or mapped to None)
   count as accepted. It must not commit; it may flush. Refused records are quarantined with their
   raw text and line number; staff fix the reference data and *replay* them, which calls the same
   applier again with the stored record, so an applier must accept any record on its own.
5. **Counting** — accepted + duplicate + quarantined always equals the records the parser yielded.

Optionally a kind keys its records its own way (``claim=``: POS lines per till transaction on PostgreSQL)
and a format brings a set-based reader (``bulk=``) that takes what it can of each chunk in SQL and hands the
rest to steps 3–5 as parsed records (CSV till lines on PostgreSQL, see ``integration/pos_bulk.py``).

Registering a kind (from its own module; no edit to this package is needed — every module in
``zhongtai.integration.formats`` is imported when the registry is first used)::

    # src/zhongtai/integration/formats/erp.py
    from zhongtai.integration.formats.base import Parsed, register

    def parse_products_csv(stream, config):
        for line_no, text, reason in text_lines(stream, skip_header=False):
            ...
            yield Parsed(external_id=..., line_no=line_no, raw=text, data={...})

    def apply_products(session, *, source, batch, records):
        ...  # call zhongtai.catalog.service functions
        return {"P-17": "bad_barcode"}

    register("products", "csv", parse_products_csv, apply_products, default=True)

``source`` is a :class:`zhongtai.integration.models.Source` (``id``, ``code``, ``type``, ``store_id``,
``config``); ``batch`` is a :class:`zhongtai.integration.models.Batch` (``id``, ``kind``, ``format``).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

KIND_NAMES = ("pos", "orders", "products", "prices", "receipts", "transfers", "counts", "members")

# Stable reason codes (a format may add its own; keep them snake_case and document them).
REASONS = ("bad_encoding", "malformed", "missing_field", "bad_number", "bad_timestamp", "unknown_sku",
           "bad_barcode", "negative_quantity", "unknown_store", "unknown_member", "unit_mismatch",
           "wrong_store", "invalid_state")


@dataclass(slots=True)
class Parsed:
    """One inbound record as the parser saw it: its key, where it was, its raw text and what it means.

    ``data`` is None exactly when the record could not be parsed; ``reason`` then says why."""

    external_id: str
    line_no: int
    raw: str
    data: dict[str, Any] | None = None
    reason: str | None = None


class Parser(Protocol):
    """Turns a binary stream into parsed records, lazily."""

    def __call__(self, stream: IO[bytes], config: Mapping[str, Any], /) -> Iterator[Parsed]: ...


class Applier(Protocol):
    """Posts a chunk of new records through the owning domain's services; returns refusals by external_id."""

    def __call__(self, session: Session, *, source: Any, batch: Any,
                 records: list[Parsed]) -> Mapping[str, str | None]: ...


class Claimer(Protocol):
    """Takes the keys of new records (those not seen before from the source); returns the new external ids.
    A kind may key its records its own way (POS: per till transaction); the default is `inbound_records`."""

    def __call__(self, session: Session, *, source_id: int, batch_id: Any, records: list[Parsed]) -> set[str]: ...


class BulkReader(Protocol):
    """A set-based path for a format: takes what it can of each chunk of the stream in SQL (claiming, posting
    and counting it in `batch`) and yields the rest of each chunk as parsed records for the regular path.
    Returns None when it does not apply (e.g. on another database backend)."""

    def __call__(self, session: Session, *, source: Any, batch: Any, stream: IO[bytes],
                 chunk_size: int) -> Iterator[list[Parsed]] | None: ...


@dataclass
class Kind:
    """A kind of inbound data: its parsers by format name, its applier, and the scope a client needs; optionally
    its own key claim and set-based readers by format name."""

    name: str
    applier: Applier
    parsers: dict[str, Parser] = field(default_factory=dict)
    default_format: str = ""
    scope: str = "ingest:write"
    claim: Claimer | None = None
    bulk: dict[str, BulkReader] = field(default_factory=dict)

    def parser(self, format_name: str | None) -> tuple[str, Parser]:
        name = format_name or self.default_format
        return name, self.parsers[name]


KINDS: dict[str, Kind] = {}


def register(kind: str, format_name: str, parser: Parser, applier: Applier | None = None, *,
             default: bool = False, claim: Claimer | None = None, bulk: BulkReader | None = None) -> None:
    """Add a format (and, the first time for a kind, its applier) to the registry."""
    entry = KINDS.get(kind)
    if entry is None:
        if applier is None:
            raise ValueError(f"the first format registered for {kind!r} must bring its applier")
        entry = KINDS[kind] = Kind(name=kind, applier=applier)
    elif applier is not None:
        entry.applier = applier
    entry.parsers[format_name] = parser
    if claim is not None:
        entry.claim = claim
    if bulk is not None:
        entry.bulk[format_name] = bulk
    if default or not entry.default_format:
        entry.default_format = format_name


# --- helpers for parsers ------------------------------------------------------------------------------

def text_lines(stream: IO[bytes], *, encoding: str = "utf-8") -> Iterator[tuple[int, str, str | None]]:
    """(line number from 1, text without newline, None or "bad_encoding") per line, streaming.

    A line that is not valid `encoding` is decoded with replacement characters and flagged, so the
    caller can quarantine it with readable raw text."""
    for line_no, raw in enumerate(stream, start=1):
        raw = raw.rstrip(b"\r\n")
        if line_no == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        try:
            yield line_no, raw.decode(encoding), None
        except UnicodeDecodeError:
            yield line_no, raw.decode(encoding, errors="replace"), "bad_encoding"


def csv_rows(stream: IO[bytes], *, required: tuple[str, ...] = ()) -> Iterator[tuple[int, str, dict[str, str] | None, str | None]]:
    """(line number, raw text, row dict by header or None, reason or None) per CSV data line, streaming.

    The first line is the header; blank lines are skipped; a row with the wrong number of cells is
    `malformed`, one lacking a value in `required` is `missing_field`. Quoted cells spanning lines are
    not supported (one record per line keeps line numbers and raw text exact)."""
    header: list[str] | None = None
    for line_no, text, reason in text_lines(stream):
        if not text.strip():
            continue
        if header is None:
            header = [h.strip() for h in next(csv.reader([text]))]
            continue
        if reason:
            yield line_no, text, None, reason
            continue
        yield (line_no, text, *_csv_row(header, text, required))


def _csv_row(header: list[str], text: str, required: tuple[str, ...]) -> tuple[dict[str, str] | None, str | None]:
    try:
        cells = next(csv.reader(io.StringIO(text)))
    except csv.Error:
        return None, "malformed"
    if len(cells) != len(header):
        return None, "malformed"
    row = dict(zip(header, (c.strip() for c in cells), strict=True))
    if any(not row.get(name) for name in required):
        return None, "missing_field"
    return row, None

