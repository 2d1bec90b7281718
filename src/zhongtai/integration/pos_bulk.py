"""Till lines in CSV on PostgreSQL, set-based: PostgreSQL parses, checks, deduplicates and posts each chunk.

Per chunk of the landed file (a few statements, no round trip per line):

1. the raw lines are `COPY`ed into a scratch table, one text row per line (with its line number);
2. one `INSERT … SELECT` splits and checks them: a line takes the set-based path only if every field is in
   the plain form SQL reads exactly as the Python parser does (digits, an ISO-8601 time with its offset, a
   SKU code, a sale);
3. the chunk's distinct store codes, SKU codes and loyalty cards are resolved through the owning domains'
   services (a few hundred codes, not a million lines) and `COPY`ed back;
4. the resolved lines are claimed in their transactions' `till_transactions` rows (idempotency per till
   transaction: the row lists the line numbers taken), new orders get their ids there;
5. orders and inventory post them from scratch views (`orders.record_till_sales_staged`,
   `inventory.post_till_movements_staged`).

Every other line (quoted cells, barcodes, returns and voids, unknown codes, anything unusual or wrong) is
handed back as a parsed record to the regular path (the Python parser, `claim_till_records`, the applier,
the quarantine), which keys it in the same transaction rows — so a line is taken once whichever path it goes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from zhongtai.catalog.models import Sku
from zhongtai.db.bulk import copy_temp, temp_table, uuid7_sql
from zhongtai.db.dialect import is_postgres
from zhongtai.integration import policies, repository, service
from zhongtai.integration.appliers_support import known_skus
from zhongtai.integration.formats.base import Parsed, text_lines
from zhongtai.integration.formats.pos_common import TENDERS
from zhongtai.integration.formats.pos_lines import csv_header, csv_record
from zhongtai.integration.models import Batch, Source
from zhongtai.inventory import service as inventory
from zhongtai.members import service as members
from zhongtai.orders import service as orders
from zhongtai.stores import service as stores

FIELDS = ("transaction_id", "line_no", "store_code", "till_id", "occurred_at", "type", "sku_code", "barcode",
          "quantity", "unit_price_fen", "amount_fen", "loyalty_card", "tender")
# Characters Python's str.strip() removes (Unicode white space and controls): a field holding one goes the
# regular path, so the SQL never has to strip like Python does.
_SPACE = "[[:space:][:cntrl:]\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
_INT_MAX = 2**31 - 1

_RAW = "tmp_pos_raw"
_PARSED_COLS = ("n BIGINT, raw TEXT, txn TEXT, line_no INTEGER, store TEXT, at TIMESTAMPTZ, sku TEXT, qty INTEGER, "
                "price INTEGER, amount BIGINT, card TEXT, tender TEXT")
_GOOD_COLS = ("n BIGINT, txn TEXT, line_no INTEGER, store_id BIGINT, at TIMESTAMPTZ, sku_id BIGINT, sku_code TEXT, "
              "sku_name TEXT, unit TEXT, qty INTEGER, price INTEGER, amount INTEGER, member_id BIGINT, tender TEXT")
_TXN_COLS = ("txn TEXT, store_id BIGINT, order_id UUID, is_new BOOLEAN, placed_at TIMESTAMPTZ, tender TEXT, "
             "member_id BIGINT, external_ref TEXT")
_REF_COLS = "kind CHAR(1), code TEXT, id BIGINT, name TEXT, unit TEXT"

# What orders and inventory read (their contracts: orders.record_till_sales_staged, post_till_movements_staged).
_VIEWS = (
    ("CREATE OR REPLACE TEMP VIEW tmp_pos_new_orders AS SELECT store_id, order_id AS id, placed_at, external_ref, "
    "member_id, tender FROM tmp_pos_txn WHERE is_new"),
    ("CREATE OR REPLACE TEMP VIEW tmp_pos_sale_lines AS SELECT t.store_id, t.order_id, g.line_no, g.sku_id, "
    "g.sku_code, g.sku_name, g.unit, g.qty AS quantity, g.price AS unit_price_fen, g.amount AS amount_fen "
    "FROM tmp_pos_good g JOIN tmp_pos_txn t ON t.txn = g.txn"),
    ("CREATE OR REPLACE TEMP VIEW tmp_pos_moves AS SELECT g.store_id AS location_id, g.sku_id, 'sale' AS kind, "
    "-g.qty AS delta, g.at AS occurred_at, t.external_ref AS source_id, g.n AS seq "
    "FROM tmp_pos_good g JOIN tmp_pos_txn t ON t.txn = g.txn"),
)


def read_csv(session: Session, *, source: Source, batch: Batch, stream: IO[bytes],
             chunk_size: int) -> Iterator[list[Parsed]] | None:
    """The set-based path for CSV till lines (PostgreSQL only; None elsewhere)."""
    if not is_postgres(session):
        return None
    return _chunks(session, source, batch, stream, chunk_size)


def _chunks(session: Session, source: Source, batch: Batch, stream: IO[bytes], size: int) -> Iterator[list[Parsed]]:
    tz = (source.config or {}).get("timezone") or policies.DEFAULT_TZ
    header, first, blocks = _header(stream, size)
    if header is None:
        return
    for block in blocks:
        lines = block.count(b"\n") + (not block.endswith(b"\n"))
        block = block.replace(b"\r\n", b"\n")  # a line's text never holds its line break (text_lines)
        if _copyable(block):
            yield _take(session, source, batch, block, first, header, tz)
        else:  # bytes COPY cannot carry as they are (not UTF-8, NUL, CR, ...): every line the regular way
            yield _python(block, first, header, tz)
        first += lines


def _header(stream: IO[bytes], size: int) -> tuple[list[str] | None, int, Iterator[bytes]]:
    """(the header's columns, the line number after it, blocks of whole lines after it)."""
    blocks = _blocks(stream, size)
    line_no = 0
    for block in blocks:
        lines = block.split(b"\n")
        for i, (_n, text_, _reason) in enumerate(text_lines(lines) if line_no == 0 else _decoded(lines)):
            if text_.strip():
                rest = b"\n".join(lines[i + 1:])
                return csv_header(text_), line_no + i + 2, _then(rest, blocks)
        line_no += block.count(b"\n")
    return None, line_no, iter(())


def _then(first: bytes, blocks: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from blocks


def _decoded(lines: list[bytes]) -> Iterator[tuple[int, str, str | None]]:
    """Like text_lines, for lines that do not start the file (no byte-order mark to drop)."""
    for i, raw in enumerate(lines, start=1):
        try:
            yield i, raw.decode("utf-8"), None
        except UnicodeDecodeError:
            yield i, raw.decode("utf-8", errors="replace"), "bad_encoding"


def _blocks(stream: IO[bytes], lines: int) -> Iterator[bytes]:
    """The stream in blocks of whole lines, about `lines` lines each."""
    carry, parts, count = b"", [], 0
    for piece in iter(lambda: stream.read(1 << 20), b""):
        cut = piece.rfind(b"\n") + 1
        if not cut:
            carry += piece
            continue
        parts.append(carry + piece[:cut])
        carry = piece[cut:]
        count += parts[-1].count(b"\n")
        if count >= lines:
            yield b"".join(parts)
            parts, count = [], 0
    if carry:
        parts.append(carry)
    if parts:
        yield b"".join(parts)


def _copyable(block: bytes) -> bool:
    """True if COPY (CSV mode, \\x01 delimiter, \\x02 quote) reads every line of `block` back unchanged."""
    if any(c in block for c in (b"\x00", b"\x01", b"\x02", b"\r")) or block.startswith(b"\\.\n") \
            or b"\n\\.\n" in block or block.endswith(b"\n\\.") or block == b"\\.":
        return False
    try:
        block.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _python(block: bytes, first: int, header: list[str], tz: str) -> list[Parsed]:
    """Every line of the block as the Python parser reads it."""
    lines = block.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return [csv_record(header, first + i, text_, reason, tz)
            for i, (_n, text_, reason) in enumerate(_decoded([ln.rstrip(b"\r") for ln in lines])) if text_.strip()]


def _take(session: Session, source: Source, batch: Batch, block: bytes, first: int, header: list[str],
          tz: str) -> list[Parsed]:
    """Stage, check, claim and post one chunk; the lines left for the regular path, parsed."""
    _stage(session, block)
    plain_ascii = block.isascii() and not any(c in block for c in (b"\t", b"\x0b", b"\x0c", b"\x1c", b"\x1d",
                                                                  b"\x1e", b"\x1f"))
    session.execute(text(_parse_sql(header, plain_ascii=plain_ascii)), {"first": first, "ws": _SPACE})
    skus = _resolve(session, source)
    good = session.execute(_GOOD, {"src_store": source.store_id, "tenders": json.dumps(TENDERS),
                                   "int_max": _INT_MAX}).rowcount
    left = [(n, raw) for n, raw in session.execute(text("SELECT n, raw FROM tmp_pos_parsed p WHERE NOT EXISTS "
                                                        "(SELECT 1 FROM tmp_pos_good g WHERE g.n = p.n)"))]
    seen = session.execute(_SEEN, {"source_id": source.id}).rowcount
    session.execute(text(_CLAIM.format(uuid=uuid7_sql("h.n"))), {"source_id": source.id, "code": source.code})
    lost = [n for (n,) in session.execute(text(
        "DELETE FROM tmp_pos_good g WHERE NOT EXISTS (SELECT 1 FROM tmp_pos_txn t WHERE t.txn = g.txn) RETURNING n"))]
    if lost:  # another upload took lines of the same transactions meanwhile: claim them again, the regular way
        left += session.execute(text("SELECT n, raw FROM tmp_pos_parsed WHERE n = ANY(:ns)"), {"ns": lost}).all()
    _post(session, source, batch, skus, accepted=good - seen - len(lost))
    batch.records += good - len(lost)
    batch.duplicates += seen
    batch.accepted += good - seen - len(lost)
    return [csv_record(header, n, raw, None, tz) for n, raw in sorted(left) if raw.strip()]


def _stage(session: Session, block: bytes) -> None:
    session.flush()
    # For this chunk's transaction: the scratch tables have no statistics, so the planner takes them for
    # millions of rows and JIT-compiles each big statement (100-200 ms of LLVM apiece, more than the work);
    # and a chunk's sorts fit in memory.
    session.execute(text("SET LOCAL jit = off"))
    session.execute(text("SET LOCAL work_mem = '64MB'"))
    for name, cols in ((_RAW, "n BIGSERIAL, line TEXT"), ("tmp_pos_parsed", _PARSED_COLS),
                       ("tmp_pos_good", _GOOD_COLS), ("tmp_pos_txn", _TXN_COLS), ("tmp_pos_refs", _REF_COLS)):
        temp_table(session, name, cols)
    for view in _VIEWS:
        session.execute(text(view))
    session.execute(text(f"SELECT setval(pg_get_serial_sequence('{_RAW}', 'n'), 1, false)"))
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {_RAW} (line) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\x01', "
                                       "QUOTE E'\\x02', ESCAPE E'\\x02')") as copy:
        copy.write(block)


def _parse_sql(header: list[str], *, plain_ascii: bool) -> str:
    """Split and check every line of the chunk; a line's typed fields are set only if it is plain. Plain
    checks are string shapes and comparisons (PostgreSQL's regular expressions cost microseconds a line)."""
    at = {name: i + 1 for i, name in enumerate(header)}  # the last of repeated names, as dict(zip(...)) does
    cells = ", ".join(f"c[{at[name]}] AS f{k}" if name in at else f"'' AS f{k}" for k, name in enumerate(FIELDS))
    f = {name: f"f{k}" for k, name in enumerate(FIELDS)}
    ok = " AND ".join((
        f"cells = {len(header)}", "strpos(line, '\"') = 0",
        _no_space("line" if set(header) <= set(FIELDS) else "concat(" + ", ".join(f.values()) + ")", plain_ascii),
        f"{f['transaction_id']} <> ''", f"length({f['transaction_id']}) <= 100",
        _positive(f["line_no"]), f"lower({f['type']}) IN ('', 'sale')", f"{f['sku_code']} <> ''",
        f"{f['barcode']} = ''", _positive(f["quantity"]), _digits(f["unit_price_fen"]),
        f"({f['amount_fen']} = '' OR {_digits(f['amount_fen'])})", _time(f["occurred_at"])))
    typed = (f"CASE WHEN ok THEN {f['line_no']}::int END, {f['store_code']}, "
             f"CASE WHEN ok THEN {f['occurred_at']}::timestamptz END, {f['sku_code']}, "
             f"CASE WHEN ok THEN {f['quantity']}::int END, CASE WHEN ok THEN {f['unit_price_fen']}::int END, "
             f"CASE WHEN ok AND {f['amount_fen']} <> '' THEN {f['amount_fen']}::bigint END, "
             f"{f['loyalty_card']}, {f['tender']}")
    # OFFSET 0 keeps each level a level: without it PostgreSQL inlines the split and the checks into every
    # use of their result, splitting and checking a line dozens of times.
    return (
        "INSERT INTO tmp_pos_parsed (n, raw, txn, line_no, store, at, sku, qty, price, amount, card, tender) "
        f"SELECT n, line, {f['transaction_id']}, {typed} FROM ("
        f"  SELECT *, coalesce({ok}, false) AS ok FROM ("
        f"    SELECT n, line, cardinality(c) AS cells, {cells} FROM ("
        f"      SELECT n + :first - 1 AS n, line, string_to_array(line, ',') AS c FROM {_RAW} "
        "       WHERE line IS NOT NULL OFFSET 0) a OFFSET 0) b OFFSET 0) c")


def _no_space(x: str, plain_ascii: bool) -> str:
    """No white space that Python would strip from a field: in a chunk of ASCII without control characters
    only the space can be one (a cheap check); otherwise every kind of white space (a regular expression)."""
    return f"strpos({x}, ' ') = 0" if plain_ascii else f"{x} !~ :ws"


def _digits(x: str) -> str:
    return f"({x} <> '' AND length({x}) <= 9 AND translate({x}, '0123456789', '') = '')"


def _positive(x: str) -> str:
    return f"({_digits(x)} AND ltrim({x}, '0') <> '')"


def _time(x: str) -> str:
    """A time in the form YYYY-MM-DDTHH:MM:SS followed by ±HH:MM or Z (what tills write; any other form goes
    the regular path): its shape by LIKE and its digits by what `translate` leaves, then each part's range
    compared as text — only behind the shape, as PostgreSQL does not promise to evaluate AND from left to
    right and a cast of a non-number would fail the statement."""
    part = lambda start, n=2: f"substr({x}, {start}, {n}) COLLATE \"C\""
    shape = (f"(({x} LIKE '____-__-__T__:__:_____:__' AND translate({x}, '0123456789', '') IN ('--T::+:', '--T::-:')) "
             f"OR ({x} LIKE '____-__-__T__:__:__Z' AND translate({x}, '0123456789', '') = '--T::Z'))")
    ranges = " AND ".join((
        f"{part(1, 4)} <> '0000'", f"{part(6)} BETWEEN '01' AND '12'",
        f"{part(9)} BETWEEN '01' AND {_days_in_month(x)}", f"{part(12)} <= '23'", f"{part(15)} <= '59'",
        f"{part(18)} <= '59'", f"({part(20, 1)} = 'Z' OR ({part(21)} <= '15' AND {part(24)} <= '59'))"))
    return f"CASE WHEN {shape} THEN {ranges} ELSE false END"


def _days_in_month(at: str) -> str:
    year, month = f"substr({at}, 1, 4)::int", f"substr({at}, 6, 2)"
    leap = f"CASE WHEN {year} % 4 = 0 AND ({year} % 100 <> 0 OR {year} % 400 = 0) THEN '29' ELSE '28' END"
    return (f"CASE WHEN substr({at}, 9, 2) COLLATE \"C\" <= '28' THEN '28' WHEN {month} = '02' THEN {leap} "
            f"WHEN {month} IN ('04', '06', '09', '11') THEN '30' ELSE '31' END")


def _resolve(session: Session, source: Source) -> dict[int, Sku]:
    """Store codes, SKU codes and loyalty cards of the chunk's plain lines, through their domains' services."""
    codes: dict[str, set[str]] = {"s": set(), "k": set(), "c": set()}
    for kind, code in session.execute(text(
            "SELECT DISTINCT 's', store FROM tmp_pos_parsed WHERE line_no IS NOT NULL AND store <> '' UNION ALL "
            "SELECT DISTINCT 'k', sku FROM tmp_pos_parsed WHERE line_no IS NOT NULL UNION ALL "
            "SELECT DISTINCT 'c', card FROM tmp_pos_parsed WHERE line_no IS NOT NULL AND card <> ''")):
        codes[kind].add(code)
    store_ids = stores.ids_for_codes(session, codes=codes["s"])
    skus = known_skus(session, codes["k"])
    cards = members.member_ids_by_identity(session, kind="pos_card", values=sorted(codes["c"])) if codes["c"] else {}
    rows: list[tuple[Any, ...]] = [("s", c, i, None, None) for c, i in store_ids.items()]
    rows += [("k", c, s.id, s.name_zh, s.unit) for c, s in skus.items()]
    rows += [("c", c, i, None, None) for c, i in cards.items()]
    copy_temp(session, "tmp_pos_refs", ("kind", "code", "id", "name", "unit"), rows)
    return {s.id: s for s in skus.values()}


# The plain lines whose store and SKU resolve (and whose store the source may send), first of each
# (transaction, line) in the chunk; the amount defaults as in pos_applier._amount.
_GOOD = text(
    "INSERT INTO tmp_pos_good (n, txn, line_no, store_id, at, sku_id, sku_code, sku_name, unit, qty, price, amount, "
    "member_id, tender) "
    "SELECT DISTINCT ON (txn, line_no) n, txn, line_no, store_id, at, sku_id, sku_code, sku_name, unit, qty, price, "
    "amount, member_id, tender FROM ("
    "SELECT p.n, p.txn, p.line_no, coalesce(s.id, :src_store) AS store_id, p.at, k.id AS sku_id, k.code AS sku_code, "
    "k.name AS sku_name, k.unit, p.qty, p.price, coalesce(p.amount, CASE WHEN k.unit = 'piece' THEN "
    "p.qty::bigint * p.price ELSE (p.qty::bigint * p.price + 500) / 1000 END) AS amount, m.id AS member_id, "
    "coalesce(CAST(:tenders AS jsonb) ->> lower(p.tender), 'other') AS tender "
    "FROM tmp_pos_parsed p JOIN tmp_pos_refs k ON k.kind = 'k' AND k.code = p.sku "
    "LEFT JOIN tmp_pos_refs s ON s.kind = 's' AND s.code = p.store AND p.store <> '' "
    "LEFT JOIN tmp_pos_refs m ON m.kind = 'c' AND m.code = p.card "
    "WHERE p.line_no IS NOT NULL AND (p.store = '' OR s.id IS NOT NULL)) r "
    "WHERE store_id IS NOT NULL AND (CAST(:src_store AS BIGINT) IS NULL OR store_id = :src_store) "
    "AND amount <= :int_max ORDER BY txn, line_no, n")

# Lines their transaction's row lists already (taken by an earlier chunk, file or path): duplicates.
_SEEN = text(
    "DELETE FROM tmp_pos_good g USING till_transactions t WHERE t.source_id = :source_id "
    "AND t.transaction_id = g.txn AND g.line_no = ANY (t.line_nos)")

# Register the chunk's lines per transaction. A new transaction (or one seen so far without sales) gets a new
# order, at the time and store of its first line here. A transaction whose row gained any of the same lines
# since _SEEN (a concurrent upload) is left out: its lines go the regular way.
_CLAIM = (
    "WITH h AS (SELECT DISTINCT ON (txn) txn, n, store_id, at, tender, member_id FROM tmp_pos_good ORDER BY txn, n), "
    "l AS (SELECT txn, array_agg(line_no) AS line_nos FROM tmp_pos_good GROUP BY txn), "
    "prop AS (SELECT h.*, l.line_nos, {uuid} AS order_id FROM h JOIN l ON l.txn = h.txn), "
    "ins AS (INSERT INTO till_transactions (source_id, transaction_id, store_id, order_id, occurred_at, line_nos) "
    "  SELECT :source_id, txn, store_id, order_id, at, line_nos FROM prop ORDER BY txn "
    "  ON CONFLICT (source_id, transaction_id) DO UPDATE SET "
    "  line_nos = coalesce(till_transactions.line_nos, '{{}}') || excluded.line_nos, "
    "  order_id = coalesce(till_transactions.order_id, excluded.order_id), "
    "  store_id = CASE WHEN till_transactions.order_id IS NULL THEN excluded.store_id "
    "    ELSE till_transactions.store_id END, "
    "  occurred_at = CASE WHEN till_transactions.order_id IS NULL THEN excluded.occurred_at "
    "    ELSE till_transactions.occurred_at END "
    "  WHERE NOT coalesce(till_transactions.line_nos && excluded.line_nos, false) "
    "  RETURNING transaction_id, store_id, order_id) "
    "INSERT INTO tmp_pos_txn (txn, store_id, order_id, is_new, placed_at, tender, member_id, external_ref) "
    "SELECT i.transaction_id, i.store_id, i.order_id, i.order_id = p.order_id, p.at, p.tender, p.member_id, "
    "left(:code || ':' || i.transaction_id, 100) FROM ins i JOIN prop p ON p.txn = i.transaction_id")


def _post(session: Session, source: Source, batch: Batch, skus: dict[int, Sku], *, accepted: int) -> None:
    if not accepted:
        return
    actor = f"source:{source.code}"
    orders.record_till_sales_staged(session, orders="tmp_pos_new_orders", lines="tmp_pos_sale_lines", actor=actor)
    oversold = inventory.post_till_movements_staged(session, movements="tmp_pos_moves", skus=skus, source_type="till",
                                                    reference=str(batch.id), actor=actor)
    repository.flag_oversells(session, source_id=source.id, batch_id=batch.id, rows=oversold)
    service.oversells_flagged(session, source=source, batch=batch, rows=oversold)

