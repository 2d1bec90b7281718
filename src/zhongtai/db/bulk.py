"""Bulk row writes for set-based ingestion: COPY on PostgreSQL, executemany on SQLite.

Used by domains' bulk service functions (till uploads: a million lines must not be a million round
trips). Rows go in the caller's transaction; pending ORM changes are flushed first.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.orm import Session

from zhongtai.db.dialect import is_postgres


def copy_rows(session: Session, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
              json_columns: Sequence[str] = ()) -> int:
    """Insert `rows` (tuples in `columns` order) into `table`; returns how many."""
    session.flush()
    if is_postgres(session):
        return _copy(session, table, columns, rows, [columns.index(c) for c in json_columns])
    params = [dict(zip(columns, row, strict=True)) for row in rows]
    if params:
        session.execute(insert(table), params)
    return len(params)


def _copy(session: Session, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          json_at: list[int]) -> int:
    from psycopg.types.json import Jsonb

    raw = session.connection().connection.driver_connection
    n = 0
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            if json_at:
                row = list(row)
                for i in json_at:
                    row[i] = Jsonb(row[i])
            copy.write_row(row)
            n += 1
    return n


def temp_table(session: Session, name: str, columns_sql: str) -> None:
    """A connection-local scratch table (created once per connection, emptied on each call)."""
    if is_postgres(session):
        session.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns_sql}) ON COMMIT DELETE ROWS"))
    else:
        session.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns_sql})"))
    session.execute(text(f"DELETE FROM {name}"))


def copy_temp(session: Session, name: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Fill a scratch table made by `temp_table` (COPY on PostgreSQL, executemany on SQLite)."""
    if is_postgres(session):
        raw = session.connection().connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(f":{c}" for c in columns)
    params = [dict(zip(columns, row, strict=True)) for row in rows]
    if params:
        session.execute(text(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})"), params)



def uuid7_many(n: int) -> list:
    """`n` UUIDv7 for bulk rows: this millisecond, a counter, random tail (one urandom call for all)."""
    import time
    import uuid

    ms = time.time_ns() // 1_000_000
    rand = os.urandom(8 * n)
    base = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | 0x2 << 62
    seq0 = int.from_bytes(os.urandom(2), "big") & 0x3FF
    mask = (1 << 62) - 1
    return [uuid.UUID(int=base | ((seq0 + i) & 0xFFF) << 64 | int.from_bytes(rand[8 * i:8 * i + 8], "big") & mask)
            for i in range(n)]


def uuid7_sql(seq: str) -> str:
    """PostgreSQL: an SQL expression for UUIDv7 of rows made in one statement: this millisecond, the row's
    `seq` (an integer expression unique within the statement, below 2**24) as the counter, a random tail —
    time-ordered like `uuid7_many`, so bulk rows append to their primary-key index instead of scattering."""
    import time

    high = (time.time_ns() // 1_000_000) << 16 | 0x7000  # 48 bits of milliseconds, version 7, then the counter
    return (f"(lpad(to_hex({high}::bigint | ((({seq})::bigint >> 12) & 4095)), 16, '0') || lpad(to_hex("
            f"(-9223372036854775808)::bigint | ((({seq})::bigint & 4095) << 48) | (random() * 281474976710655)::bigint"
            f"), 16, '0'))::uuid")
