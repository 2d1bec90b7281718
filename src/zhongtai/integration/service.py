"""Integration use cases: register sources, land payloads raw, process them in chunks (dedupe, parse,
apply through the owning domains, quarantine what fails), replay the quarantine, list oversells.

Counts always add up: every record a parser yields is accepted, a duplicate or quarantined, never lost.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import queue
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session

from zhongtai.config import Settings
from zhongtai.integration import formats, repository
from zhongtai.integration.events import BatchProcessed, OversellFlagged, RecordsReplayed, SourceRegistered
from zhongtai.integration.formats.base import Kind, Parsed
from zhongtai.integration.models import Batch, InboundRecord, OversellException, Payload, Source
from zhongtai.integration.schemas import SourceCreate
from zhongtai.kernel import clock, outbox
from zhongtai.kernel.auth import Principal, Role
from zhongtai.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from zhongtai.kernel.ids import uuid7
from zhongtai.staff import service as staff
from zhongtai.staff.schemas import ApiClientCreate
from zhongtai.stores import service as stores


class SourceNotFound(NotFound):
    code, message = "source_not_found", "Integration source not found"


class SourceCodeTaken(Conflict):
    code, message = "source_code_taken", "A source with this code exists"


class UnknownKind(InvalidInput):
    code, message = "unknown_kind", "No inbound kind or format of that name"


class WrongSource(Forbidden):
    code, message = "wrong_source", "This API key belongs to another source"


class SourceInactive(Conflict):
    code, message = "source_inactive", "The source is deactivated"


class BatchNotFound(NotFound):
    code, message = "batch_not_found", "Batch not found"


class NothingToReplay(InvalidInput):
    code, message = "replay_needs_selection", "Name the records (external_ids) or a reason to replay"


class OversellNotFound(NotFound):
    code, message = "oversell_not_found", "Oversell exception not found"


# --- sources ------------------------------------------------------------------------------------------

def register_source(session: Session, *, source_in: SourceCreate) -> tuple[Source, str, str]:
    """Register a connected system with its own API client; returns (source, API key, signing secret) once."""
    if repository.source_by_code(session, source_in.code) is not None:
        raise SourceCodeTaken(detail={"code": source_in.code})
    store_ids = stores.ids_for_codes(session, codes=[source_in.store_code]) if source_in.store_code else {}
    if source_in.store_code and not store_ids:
        raise InvalidInput("Unknown store", detail={"store_code": source_in.store_code})
    client, key = staff.create_api_client(session, client_in=ApiClientCreate(
        code=f"src_{source_in.code}", name=source_in.name, kind=source_in.type, scopes=["ingest:write"],
        store_codes=[source_in.store_code] if source_in.store_code else [], all_stores=not source_in.store_code))
    source = Source(code=source_in.code, name=source_in.name, type=source_in.type, config=source_in.config,
                    store_id=next(iter(store_ids.values()), None), api_client_id=client.id, is_active=True,
                    created_at=clock.now())
    repository.add(session, source)
    outbox.record(session, SourceRegistered(source_id=source.id, code=source.code, type=source.type,
                                            store_id=source.store_id), store_id=source.store_id)
    return source, key, client.signing_secret


def get_source(session: Session, *, code: str) -> Source:
    """A source by code (404 if there is none)."""
    source = repository.source_by_code(session, code)
    if source is None:
        raise SourceNotFound(detail={"code": code})
    return source


def list_sources(session: Session) -> list[Source]:
    """Every registered source, by code."""
    return repository.sources(session)


def authorize(principal: Principal, source: Source) -> None:
    """A client may push only to its own source; staff need head office or the source's store."""
    if principal.kind == "client" and principal.id != source.api_client_id:
        raise WrongSource(detail={"source": source.code})
    if principal.kind == "user" and not (principal.role == Role.HQ_ADMIN or (
            source.store_id is not None and principal.can_see_store(source.store_id))):
        raise Forbidden("Not your source", detail={"source": source.code})
    if not source.is_active:
        raise SourceInactive(detail={"source": source.code})


def kind_of(name: str, format_name: str | None = None) -> tuple[Kind, str]:
    """The registered kind and the format to use (its default if none is named); 422 if unknown."""
    kinds = formats.kinds()
    kind = kinds.get(name)
    if kind is None or (format_name and format_name not in kind.parsers):
        raise UnknownKind(detail={"kind": name, "format": format_name,
                                  "known": {k: sorted(v.parsers) for k, v in sorted(kinds.items())}})
    return kind, format_name or kind.default_format


# --- landing ------------------------------------------------------------------------------------------

def land(session: Session, *, source: Source, kind: str, format_name: str | None, stream: IO[bytes], via: str,
         settings: Settings, filename: str = "", actor: str = "") -> Payload:
    """Store a payload exactly as received, before any parsing: inline if small, else a gzip file."""
    _kind, fmt = kind_of(kind, format_name)
    payload_id = uuid7()
    digest, size, body, path = _spool(stream, settings, source, payload_id)
    payload = Payload(source_id=source.id, id=payload_id, kind=kind, format=fmt, via=via, filename=filename[:255],
                      sha256=digest, size_bytes=size, storage="file" if path else "inline", body=body,
                      path=str(path) if path else None, actor=actor, received_at=clock.now())
    repository.add(session, payload)
    return payload


def _spool(stream: IO[bytes], settings: Settings, source: Source, payload_id: uuid.UUID):
    """(sha256, size, inline body or None, landed file or None): read once, kept in memory only while small."""
    digest, size, head = hashlib.sha256(), 0, bytearray()
    path, sink = None, None
    for block in iter(lambda: stream.read(1 << 20), b""):
        digest.update(block)
        size += len(block)
        if sink is None and len(head) + len(block) <= settings.ingest_inline_max_bytes:
            head += block
            continue
        if sink is None:
            path, sink = _open_landing_file(settings, source, payload_id)
            sink.write(bytes(head))
        sink.write(block)
    if sink is None:
        return digest.hexdigest(), size, bytes(head), None
    sink.close()
    return digest.hexdigest(), size, None, _commit_file(path)


def _open_landing_file(settings: Settings, source: Source, payload_id: uuid.UUID):
    folder = Path(settings.ingest_landing_dir).resolve() / source.code / f"{clock.now():%Y%m%d}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{payload_id}.gz.part"
    return path, gzip.open(path, "wb", compresslevel=1)


def _commit_file(path: Path) -> Path:
    final = path.with_suffix("")  # drop ".part": a landed file is complete or absent
    os.replace(path, final)
    return final


@contextmanager
def open_payload(payload: Payload) -> Iterator[IO[bytes]]:
    """The landed bytes, streamed (a gzip file is decompressed on the fly)."""
    if payload.storage == "inline":
        yield io.BytesIO(payload.body or b"")
        return
    with gzip.open(payload.path, "rb") as f:
        yield io.BufferedReader(f, buffer_size=1 << 20)


# --- processing ---------------------------------------------------------------------------------------

def process(session: Session, *, source: Source, payload: Payload, settings: Settings,
            on_chunk: Callable[[Batch], None] | None = None) -> Batch:
    """Parse a landed payload and apply it chunk by chunk in a new batch; `on_chunk` runs after each chunk."""
    kind, fmt = kind_of(payload.kind, payload.format)
    batch = Batch(source_id=source.id, id=uuid7(), payload_id=payload.id, kind=payload.kind, format=fmt,
                  status="processing", records=0, accepted=0, duplicates=0, quarantined=0, error="",
                  started_at=clock.now())
    repository.add(session, batch)
    with open_payload(payload) as stream:
        bulk = kind.bulk.get(fmt)
        chunks = bulk and bulk(session, source=source, batch=batch, stream=stream,
                               chunk_size=settings.ingest_chunk_size)
        if chunks is None:  # no set-based path for this format (or backend): parse every record in Python
            chunks = _read_ahead(kind.parsers[fmt](stream, source.config or {}), settings.ingest_chunk_size)
        for chunk in chunks:
            _apply_chunk(session, kind, source, batch, chunk)
            if on_chunk is not None:
                on_chunk(batch)
    return finish(session, source=source, batch=batch)


def _read_ahead(records: Iterator[Parsed], size: int) -> Iterator[list[Parsed]]:
    """Chunks of records, the next one parsed in a thread while this one is applied (parsers do no I/O but
    reading their stream, and the database work waits with the GIL released); at most two chunks ahead."""
    ready: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            while not stop.is_set() and (chunk := list(islice(records, size))):
                _put(ready, chunk, stop)
            _put(ready, None, stop)
        except BaseException as exc:  # noqa: BLE001 — handed to the consumer, raised there
            _put(ready, exc, stop)

    worker = threading.Thread(target=produce, name="ingest-parse", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)


def _put(ready: queue.Queue, item, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            ready.put(item, timeout=0.2)
            return
        except queue.Full:
            continue


def finish(session: Session, *, source: Source, batch: Batch) -> Batch:
    """Close a batch and publish what it did."""
    batch.status, batch.finished_at = "done", clock.now()
    session.flush()
    outbox.record(session, BatchProcessed(
        source_id=source.id, source_code=source.code, batch_id=str(batch.id), kind=batch.kind, format=batch.format,
        records=batch.records, accepted=batch.accepted, duplicates=batch.duplicates,
        quarantined=batch.quarantined), store_id=source.store_id)
    return batch


def _apply_chunk(session: Session, kind: Kind, source: Source, batch: Batch, chunk: list[Parsed]) -> None:
    unique: dict[str, Parsed] = {}
    for r in chunk:
        unique.setdefault(r.external_id, r)
    if kind.claim is not None:
        new = kind.claim(session, source_id=source.id, batch_id=batch.id, records=list(unique.values()))
    else:
        new = repository.claim_keys(session, source_id=source.id, batch_id=batch.id,
                                    keys=[(k, r.line_no) for k, r in unique.items()])
    fresh = [r for k, r in unique.items() if k in new]
    good = [r for r in fresh if r.data is not None]
    refused = {r.external_id: r.reason or "malformed" for r in fresh if r.data is None}
    refused |= _apply(session, kind, source, batch, good)
    repository.quarantine(session, source_id=source.id, batch_id=batch.id, rows=[
        {"key": r.external_id, "line_no": r.line_no, "reason": refused[r.external_id], "raw": r.raw, "data": r.data}
        for r in fresh if r.external_id in refused])
    batch.records += len(chunk)
    batch.duplicates += len(chunk) - len(fresh)
    batch.quarantined += len(refused)
    batch.accepted += len(fresh) - len(refused)
    session.flush([batch])


def _apply(session: Session, kind: Kind, source: Source, batch: Batch, good: list[Parsed]) -> dict[str, str]:
    """The applier's refusals; a domain error refusing the whole chunk quarantines all of it with its code."""
    if not good:
        return {}
    from zhongtai.kernel.errors import ZhongtaiError

    try:
        with session.begin_nested():
            result = kind.applier(session, source=source, batch=batch, records=good)
    except ZhongtaiError as exc:
        return {r.external_id: exc.code for r in good}
    return {k: v for k, v in (result or {}).items() if v}


def get_batch(session: Session, *, batch_id: uuid.UUID) -> Batch:
    """A batch by id (404 if there is none)."""
    batch = repository.get_batch(session, batch_id)
    if batch is None:
        raise BatchNotFound(detail={"batch_id": str(batch_id)})
    return batch


def list_batches(session: Session, *, source: Source | None, limit: int, offset: int,
                 principal: Principal | None = None):
    """Batches of the sources the caller may see, newest first."""
    ids = [check_visible(session, principal, source).id] if source else visible_source_ids(session, principal)
    return repository.batches(session, source_ids=ids, limit=limit, offset=offset)


def reprocess(session: Session, *, source: Source, batch_id: uuid.UUID, settings: Settings) -> Batch:
    """Run a landed payload through again as a new batch (what was taken before reports as duplicates)."""
    batch = get_batch(session, batch_id=batch_id)
    payload = repository.get_payload(session, batch.source_id, batch.payload_id)
    if batch.source_id != source.id or payload is None:
        raise BatchNotFound(detail={"batch_id": str(batch_id)})
    return process(session, source=source, payload=payload, settings=settings)


# --- quarantine ---------------------------------------------------------------------------------------

def visible_source_ids(session: Session, principal: Principal | None) -> list[int] | None:
    """Sources whose data the caller may read: all for head office (and internal callers: None), else
    those of the caller's stores."""
    if principal is None or principal.all_stores:
        return None
    return [s.id for s in repository.sources(session) if s.store_id is not None and principal.can_see_store(s.store_id)]


def check_visible(session: Session, principal: Principal | None, source: Source) -> Source:
    """The source, if the caller may see it (404 otherwise, like a source that does not exist)."""
    visible = visible_source_ids(session, principal)
    if visible is not None and source.id not in visible:
        raise SourceNotFound(detail={"code": source.code})
    return source


def quarantined(session: Session, *, source: Source | None, reason: str | None, limit: int, offset: int,
                principal: Principal | None = None):
    """Quarantined records the caller may see, by source and reason, with their raw text."""
    ids = [check_visible(session, principal, source).id] if source else visible_source_ids(session, principal)
    return repository.quarantined(session, source_ids=ids, reason=reason, limit=limit, offset=offset)


def quarantine_summary(session: Session, *, principal: Principal | None = None) -> list[dict]:
    """How many records each source the caller may see has in quarantine, per reason."""
    visible = visible_source_ids(session, principal)
    codes = {s.id: s.code for s in repository.sources(session)}
    return [{"source_id": sid, "source_code": codes.get(sid, "?"), "reason": reason, "count": n}
            for sid, reason, n in repository.quarantine_summary(session) if visible is None or sid in visible]


def replay(session: Session, *, source: Source, external_ids: list[str] | None = None, reason: str | None = None,
           limit: int = 10_000) -> dict[str, int]:
    """Run quarantined records through their applier again (after staff fixed the reference data)."""
    if not external_ids and not reason:
        raise NothingToReplay()
    rows, _total = repository.quarantined(session, source_ids=[source.id], reason=reason, keys=external_ids,
                                          limit=limit, offset=0)
    by_batch: dict[uuid.UUID, list[InboundRecord]] = defaultdict(list)
    for row in rows:
        by_batch[row.batch_id].append(row)
    result = {"replayed": len(rows), "accepted": 0, "still_quarantined": 0, "not_replayable": 0}
    for batch_id, recs in by_batch.items():
        _replay_batch(session, source, get_batch(session, batch_id=batch_id), recs, result)
    outbox.record(session, RecordsReplayed(source_id=source.id, source_code=source.code, replayed=result["replayed"],
                                           accepted=result["accepted"],
                                           still_quarantined=result["still_quarantined"]), store_id=source.store_id)
    return result


def _replay_batch(session: Session, source: Source, batch: Batch, recs: list[InboundRecord], result: dict) -> None:
    kind, _fmt = kind_of(batch.kind, batch.format)
    parsed = [Parsed(r.external_id, r.line_no, r.raw or "", r.data) for r in recs if r.data is not None]
    refused = _apply(session, kind, source, batch, parsed)
    accepted = [p.external_id for p in parsed if p.external_id not in refused]
    stuck = {r.external_id: refused.get(r.external_id, r.reason or "malformed") for r in recs
             if r.external_id not in accepted}
    repository.release(session, source_id=source.id, keys=accepted)
    repository.bump_replays(session, source_id=source.id, reasons=stuck)
    repository.adjust_batch_counts(session, source_id=source.id, moved={batch.id: len(accepted)})
    session.expire_all()
    result["accepted"] += len(accepted)
    result["still_quarantined"] += len(stuck)
    result["not_replayable"] += len(recs) - len(parsed)


# --- oversells ----------------------------------------------------------------------------------------

def oversells(session: Session, *, principal: Principal, status: str | None, limit: int, offset: int):
    """Oversell exceptions at the stores the caller may see."""
    return repository.oversells(session, store_ids=stores.visible_store_ids(principal), status=status,
                                limit=limit, offset=offset)


def resolve_oversell(session: Session, *, principal: Principal, oversell_id: uuid.UUID, note: str,
                     actor: str) -> OversellException:
    """Close an oversell exception once the store has dealt with it (count, transfer, adjustment)."""
    row = repository.get_oversell(session, oversell_id)
    if row is None or not principal.can_see_store(row.store_id):
        raise OversellNotFound(detail={"oversell_id": str(oversell_id)})
    row.status, row.note, row.resolved_at, row.resolved_by = "resolved", note, clock.now(), actor
    session.flush()
    return row


def oversells_flagged(session: Session, *, source: Source, batch: Batch, rows: list[tuple[int, int, int]]) -> None:
    """Publish that a batch took stock below zero somewhere."""
    if rows:
        outbox.record(session, OversellFlagged(source_id=source.id, batch_id=str(batch.id),
                                               store_ids=sorted({r[0] for r in rows}), count=len(rows)),
                      store_id=source.store_id)


def source_by_id(session: Session, *, source_id: int) -> Source:
    """A source by id (404 if there is none)."""
    source = repository.source_by_id(session, source_id)
    if source is None:
        raise SourceNotFound(detail={"source_id": source_id})
    return source


def fail_unfinished(session: Session, *, source: Source, payload: Payload, error: str) -> int:
    """Mark a payload's unfinished batches failed (the run died); what they committed stays, and running
    the payload again takes the rest (the rest of the records are new, the first ones duplicates)."""
    return repository.fail_batches(session, source_id=source.id, payload_id=payload.id, error=error[:2000])
