"""Integration SQL: set-based key claims (the idempotency ledger), quarantine queries, till orders, oversells."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.orm import Session

from zhongtai.db import dialect
from zhongtai.db.base import UTCDateTime
from zhongtai.db.bulk import copy_temp, temp_table, uuid7_many
from zhongtai.integration.models import (
    Batch,
    InboundRecord,
    OversellException,
    Payload,
    Source,
    TillTransaction,
)
from zhongtai.kernel import clock

_CLAIM = text(
    "INSERT INTO inbound_records (source_id, external_id, batch_id, line_no, status, replays, recorded_at) "
    "SELECT :source_id, external_id, :batch_id, line_no, 'accepted', 0, :now FROM tmp_inbound_keys WHERE true "
    "ON CONFLICT (source_id, external_id) DO NOTHING RETURNING external_id"
).bindparams(bindparam("now", type_=UTCDateTime), bindparam("batch_id", type_=InboundRecord.batch_id.type))


# A transaction registered before without an order (only returns or refused lines so far) takes the order.
_CLAIM_TILL = (
    "INSERT INTO till_transactions (source_id, transaction_id, store_id, order_id, occurred_at) "
    "SELECT :source_id, transaction_id, store_id, order_id, {at} FROM tmp_till_orders WHERE true "
    "ORDER BY transaction_id ON CONFLICT (source_id, transaction_id) DO UPDATE SET "
    "store_id = excluded.store_id, order_id = excluded.order_id, occurred_at = excluded.occurred_at "
    "WHERE till_transactions.order_id IS NULL RETURNING transaction_id")

# Till line keys (PostgreSQL): the lines of each transaction not taken before are appended to its row. A
# transaction whose row gained any of the same lines meanwhile (a concurrent upload) is not updated and not
# returned: the caller claims its lines again, now seeing the other upload's.
_CLAIM_LINES = text(
    "WITH fresh AS (SELECT k.transaction_id, k.line_no, k.occurred_at FROM tmp_till_keys k "
    "  LEFT JOIN till_transactions t ON t.source_id = :source_id AND t.transaction_id = k.transaction_id "
    "  WHERE t.line_nos IS NULL OR k.line_no <> ALL (t.line_nos)), "
    "agg AS (SELECT transaction_id, min(occurred_at) AS occurred_at, array_agg(DISTINCT line_no) AS line_nos "
    "  FROM fresh GROUP BY transaction_id), "
    "ins AS (INSERT INTO till_transactions (source_id, transaction_id, occurred_at, line_nos) "
    "  SELECT :source_id, transaction_id, occurred_at, line_nos FROM agg ORDER BY transaction_id "
    "  ON CONFLICT (source_id, transaction_id) DO UPDATE "
    "  SET line_nos = coalesce(till_transactions.line_nos, '{}') || excluded.line_nos "
    "  WHERE NOT coalesce(till_transactions.line_nos && excluded.line_nos, false) RETURNING transaction_id) "
    "SELECT a.transaction_id, a.line_nos, i.transaction_id IS NOT NULL FROM agg a "
    "LEFT JOIN ins i ON i.transaction_id = a.transaction_id")
_CLAIM_TILL_PG = text(_CLAIM_TILL.format(at="CAST(occurred_at AS timestamptz)"))
_CLAIM_TILL_SQLITE = text(_CLAIM_TILL.format(at="occurred_at"))


_FLAG_OVERSELLS = text(
    "INSERT INTO oversell_exceptions (store_id, id, sku_id, source_id, batch_id, on_hand, status, note, flagged_at, "
    "resolved_by) SELECT store_id, id, sku_id, :source_id, :batch_id, on_hand, 'open', '', :now, '' "
    "FROM tmp_oversells WHERE true ORDER BY store_id, sku_id "
    "ON CONFLICT (store_id, sku_id, batch_id) DO UPDATE SET on_hand = excluded.on_hand"
).bindparams(bindparam("now", type_=UTCDateTime), bindparam("batch_id", type_=OversellException.batch_id.type))


def add(session: Session, obj: Any) -> None:
    session.add(obj)
    session.flush([obj])


def source_by_code(session: Session, code: str) -> Source | None:
    return session.scalar(select(Source).where(Source.code == code))


def source_by_id(session: Session, source_id: int) -> Source | None:
    return session.get(Source, source_id)


def sources(session: Session) -> list[Source]:
    return list(session.scalars(select(Source).order_by(Source.code)))


def claim_keys(session: Session, *, source_id: int, batch_id: uuid.UUID, keys: Sequence[tuple[str, int]]) -> set[str]:
    """Record (external_id, line_no) keys not seen before from this source; returns the new ones."""
    temp_table(session, "tmp_inbound_keys", "external_id VARCHAR(200), line_no INTEGER")
    copy_temp(session, "tmp_inbound_keys", ("external_id", "line_no"), keys)
    rows = session.execute(_CLAIM, {"source_id": source_id, "batch_id": batch_id, "now": clock.now()})
    return {r[0] for r in rows}


def quarantine(session: Session, *, source_id: int, batch_id: uuid.UUID, rows: Sequence[dict[str, Any]]) -> None:
    """Quarantine claimed records with their reason, raw text and parsed data (`key`, `line_no`, `reason`,
    `raw`, `data` each): their key row is marked, or written if the kind keys its records elsewhere (till
    lines on PostgreSQL are keyed per transaction, so only the refused ones get a row here)."""
    if not rows:
        return
    stmt = dialect.insert(session, InboundRecord)
    stmt = stmt.on_conflict_do_update(index_elements=[InboundRecord.source_id, InboundRecord.external_id], set_={
        "status": "quarantined", "reason": stmt.excluded.reason, "raw": stmt.excluded.raw, "data": stmt.excluded.data})
    now = clock.now()
    session.execute(stmt, [{"source_id": source_id, "external_id": r["key"], "batch_id": batch_id,
                            "line_no": r["line_no"], "status": "quarantined", "reason": r["reason"], "raw": r["raw"],
                            "data": r["data"], "replays": 0, "recorded_at": now} for r in rows])


def release(session: Session, *, source_id: int, keys: Collection[str]) -> None:
    """Quarantined records now accepted (after a replay)."""
    if keys:
        session.execute(update(InboundRecord).where(InboundRecord.source_id == source_id,
                                                    InboundRecord.external_id.in_(list(keys)))
                        .values(status="accepted", reason=None, data=None), execution_options={"synchronize_session": False})


def quarantined(session: Session, *, source_ids: Collection[int] | None, reason: str | None,
                keys: Collection[str] | None = None, limit: int, offset: int) -> tuple[list[InboundRecord], int]:
    stmt = select(InboundRecord).where(InboundRecord.status == "quarantined")
    if source_ids is not None:
        stmt = stmt.where(InboundRecord.source_id.in_(list(source_ids)))
    if reason:
        stmt = stmt.where(InboundRecord.reason == reason)
    if keys is not None:
        stmt = stmt.where(InboundRecord.external_id.in_(list(keys)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    order = (InboundRecord.source_id, InboundRecord.reason, InboundRecord.batch_id, InboundRecord.line_no)
    return list(session.scalars(stmt.order_by(*order).limit(limit).offset(offset))), total


def quarantine_summary(session: Session) -> list[tuple[int, str, int]]:
    """(source_id, reason, count) of records in quarantine."""
    stmt = (select(InboundRecord.source_id, InboundRecord.reason, func.count())
            .where(InboundRecord.status == "quarantined")
            .group_by(InboundRecord.source_id, InboundRecord.reason)
            .order_by(InboundRecord.source_id, InboundRecord.reason))
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def bump_replays(session: Session, *, source_id: int, reasons: dict[str, str]) -> None:
    if reasons:
        stmt = (update(InboundRecord).where(InboundRecord.source_id == source_id,
                                            InboundRecord.external_id == bindparam("key"))
                .values(reason=bindparam("reason"), replays=InboundRecord.replays + 1))
        session.connection().execute(stmt, [{"key": k, "reason": r} for k, r in reasons.items()])


def adjust_batch_counts(session: Session, *, source_id: int, moved: dict[uuid.UUID, int]) -> None:
    """Records of these batches left quarantine: accepted up, quarantined down (the sum stays)."""
    for batch_id, n in moved.items():
        session.execute(update(Batch).where(Batch.source_id == source_id, Batch.id == batch_id).values(
            accepted=Batch.accepted + n, quarantined=Batch.quarantined - n),
            execution_options={"synchronize_session": False})


def get_batch(session: Session, batch_id: uuid.UUID) -> Batch | None:
    return session.scalar(select(Batch).where(Batch.id == batch_id))


def batches(session: Session, *, source_ids: Collection[int] | None, limit: int, offset: int) -> tuple[list[Batch], int]:
    stmt = select(Batch)
    if source_ids is not None:
        stmt = stmt.where(Batch.source_id.in_(list(source_ids)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(session.scalars(stmt.order_by(Batch.started_at.desc(), Batch.id.desc()).limit(limit)
                                .offset(offset))), total


def get_payload(session: Session, source_id: int, payload_id: uuid.UUID) -> Payload | None:
    return session.get(Payload, (source_id, payload_id))


def till_orders(session: Session, *, source_id: int, transaction_ids: Collection[str]) -> dict[str, tuple[int, uuid.UUID]]:
    """Orders already made from these till transactions: (store_id, order_id) by transaction id."""
    if not transaction_ids:
        return {}
    stmt = select(TillTransaction.transaction_id, TillTransaction.store_id, TillTransaction.order_id).where(
        TillTransaction.source_id == source_id, TillTransaction.transaction_id.in_(list(transaction_ids)),
        TillTransaction.order_id.is_not(None))
    return {t: (s, o) for t, s, o in session.execute(stmt)}  # type: ignore[misc]


def claim_till_lines(session: Session, *, source_id: int, lines: Sequence[tuple[str, int, datetime]]) -> set[tuple[str, int]]:
    """PostgreSQL: register (transaction_id, line_no, occurred_at) till lines not taken before from this source
    in their transaction's row; returns the (transaction_id, line_no) this call took."""
    taken: set[tuple[str, int]] = set()
    todo = list(lines)
    while todo:
        temp_table(session, "tmp_till_keys", "transaction_id VARCHAR(100), line_no INTEGER, occurred_at TIMESTAMPTZ")
        copy_temp(session, "tmp_till_keys", ("transaction_id", "line_no", "occurred_at"), todo)
        contended: set[str] = set()
        for txn, line_nos, won in session.execute(_CLAIM_LINES, {"source_id": source_id}):
            if won:
                taken |= {(txn, n) for n in line_nos}
            else:
                contended.add(txn)
        todo = [k for k in todo if k[0] in contended]
    return taken


def claim_till_orders(session: Session, *, source_id: int,
                      rows: Sequence[tuple[str, int, uuid.UUID, datetime]]) -> set[str]:
    """Record (transaction_id, store_id, order_id, occurred_at) for transactions not seen before; returns
    the transaction ids this call recorded (one a concurrent upload recorded first keeps its order)."""
    temp_table(session, "tmp_till_orders", "transaction_id VARCHAR(100), store_id BIGINT, order_id "
               + ("UUID" if dialect.is_postgres(session) else "CHAR(32)") + ", occurred_at VARCHAR(40)")
    copy_temp(session, "tmp_till_orders", ("transaction_id", "store_id", "order_id", "occurred_at"),
              ((t, s, o if dialect.is_postgres(session) else o.hex, _stamp(session, at)) for t, s, o, at in rows))
    stmt = _CLAIM_TILL_PG if dialect.is_postgres(session) else _CLAIM_TILL_SQLITE
    result = session.execute(stmt, {"source_id": source_id})
    return {r[0] for r in result}


def _stamp(session: Session, at: datetime) -> str:
    """A timestamp as each backend stores it (SQLite: naive UTC text, like UTCDateTime)."""
    if dialect.is_postgres(session):
        return at.isoformat()
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def flag_oversells(session: Session, *, source_id: int, batch_id: uuid.UUID, rows: Sequence[tuple[int, int, int]]) -> None:
    """One open exception per store, SKU and batch whose stock went below what it must cover (set-based)."""
    if not rows:
        return
    pg = dialect.is_postgres(session)
    temp_table(session, "tmp_oversells", "store_id BIGINT, sku_id BIGINT, on_hand BIGINT, id "
               + ("UUID" if pg else "CHAR(32)"))
    ids = uuid7_many(len(rows))
    copy_temp(session, "tmp_oversells", ("store_id", "sku_id", "on_hand", "id"),
              ((loc, sku, on_hand, ids[i] if pg else ids[i].hex) for i, (loc, sku, on_hand) in enumerate(rows)))
    session.execute(_FLAG_OVERSELLS, {"source_id": source_id, "batch_id": batch_id, "now": clock.now()})


def oversells(session: Session, *, store_ids: Collection[int] | None, status: str | None, limit: int, offset: int):
    stmt = select(OversellException)
    if store_ids is not None:
        stmt = stmt.where(OversellException.store_id.in_(list(store_ids)))
    if status:
        stmt = stmt.where(OversellException.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.order_by(OversellException.flagged_at.desc(), OversellException.id).limit(limit).offset(offset)
    return list(session.scalars(stmt)), total


def get_oversell(session: Session, oversell_id: uuid.UUID) -> OversellException | None:
    return session.scalar(select(OversellException).where(OversellException.id == oversell_id))


def batch_reasons(session: Session, *, source_id: int, batch_id: uuid.UUID) -> list[tuple[str, int]]:
    """(reason, count) of a batch's records still in quarantine."""
    stmt = (select(InboundRecord.reason, func.count())
            .where(InboundRecord.source_id == source_id, InboundRecord.batch_id == batch_id,
                   InboundRecord.status == "quarantined")
            .group_by(InboundRecord.reason).order_by(InboundRecord.reason))
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def fail_batches(session: Session, *, source_id: int, payload_id: uuid.UUID, error: str) -> int:
    stmt = (update(Batch).where(Batch.source_id == source_id, Batch.payload_id == payload_id,
                                Batch.status == "processing")
            .values(status="failed", error=error, finished_at=clock.now()))
    return session.execute(stmt, execution_options={"synchronize_session": False}).rowcount or 0
