"""Integration endpoints: register sources, push payloads (landed raw, then processed), batches, the
quarantine and its replay, oversell exceptions. Refused pushes (wrong key, missing scope, another
source's key) are logged with their code."""

from __future__ import annotations

import logging
import tempfile
import uuid
from typing import IO, Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from zhongtai.config import Settings
from zhongtai.deps import (
    HQPrincipal,
    ManagerPrincipal,
    SessionDep,
    SettingsDep,
    api_key_scheme,
    get_principal,
    oauth2_scheme,
    require_scope,
)
from zhongtai.integration import service
from zhongtai.integration.schemas import (
    BatchRead,
    OversellRead,
    OversellResolve,
    ReasonCount,
    RecordRead,
    ReplayRequest,
    ReplayResult,
    SourceCreate,
    SourceCreated,
    SourceRead,
)
from zhongtai.kernel.auth import Principal, Role
from zhongtai.kernel.errors import Forbidden, ZhongtaiError
from zhongtai.kernel.pagination import Page, PageParams, page_params

router = APIRouter(prefix="/api/v1/integration", tags=["integration"])
log = logging.getLogger("zhongtai.integration")
PageDep = Annotated[PageParams, Depends(page_params)]
_may_ingest = require_scope("ingest:write", Role.HQ_ADMIN, Role.STORE_MANAGER)


def ingest_principal(request: Request, settings: SettingsDep, token: Annotated[str | None, Depends(oauth2_scheme)],
                     api_key: Annotated[str | None, Depends(api_key_scheme)]) -> Principal:
    """The caller of an inbound push; every refusal is logged before it is answered."""
    try:
        return _may_ingest(get_principal(request, settings, token, api_key))
    except ZhongtaiError as exc:
        _refused(request, exc)
        raise


def _refused(request: Request, exc: ZhongtaiError, principal: Principal | None = None) -> None:
    log.warning("inbound push refused: %s %s", exc.code, request.url.path, extra={
        "code": exc.code, "path": request.url.path, "client": principal.name if principal else None})


Ingester = Annotated[Principal, Depends(ingest_principal)]
# Kinds a client must push to their own signed endpoint (API key and HMAC signature): a leaked key alone
# must not inject platform orders. Staff may still upload such files here (and through the CLI).
SIGNED_ONLY = frozenset({"orders"})


class SignedEndpointRequired(Forbidden):
    code, message = "signed_endpoint_required", "This kind is accepted from clients only with a signature"


@router.post("/sources", response_model=SourceCreated, status_code=status.HTTP_201_CREATED)
def register_source(session: SessionDep, _p: HQPrincipal, body: SourceCreate):
    """Register a connected system; its API key and signing secret are shown once."""
    source, key, secret = service.register_source(session, source_in=body)
    return SourceCreated(**SourceRead.model_validate(source).model_dump(), api_key=key, signing_secret=secret)


@router.get("/sources", response_model=list[SourceRead])
def list_sources(session: SessionDep, principal: ManagerPrincipal):
    """The registered sources the caller may see (head office: all)."""
    visible = service.visible_source_ids(session, principal)
    return [s for s in service.list_sources(session) if visible is None or s.id in visible]


@router.post("/sources/{code}/inbound/{kind}", response_model=BatchRead, status_code=status.HTTP_201_CREATED)
async def push(request: Request, session: SessionDep, settings: SettingsDep, principal: Ingester, code: str,
               kind: str, format: Annotated[str | None, Query(description="Format; the kind's default if absent")] = None):
    """Push a payload (raw body, or multipart `file`): landed raw first, then processed; returns the batch."""
    source = await run_in_threadpool(_authorized_source, request, session, principal, code, kind, format)
    with tempfile.SpooledTemporaryFile(max_size=settings.ingest_inline_max_bytes) as spool:
        filename = await _read_body(request, spool)
        spool.seek(0)
        return await run_in_threadpool(_land_and_process, session, settings, principal, source, kind, format,
                                       spool, filename)


def _authorized_source(request: Request, session: Session, principal: Principal, code: str, kind: str,
                       format_name: str | None):
    try:
        source = service.get_source(session, code=code)
        service.authorize(principal, source)
        if principal.kind == "client" and kind in SIGNED_ONLY:
            raise SignedEndpointRequired(detail={"use": f"/api/v1/integration/sources/{code}/{kind}"})
    except ZhongtaiError as exc:
        _refused(request, exc, principal)
        raise
    service.kind_of(kind, format_name)
    return source


async def _read_body(request: Request, spool: IO[bytes]) -> str:
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            from zhongtai.kernel.errors import InvalidInput

            raise InvalidInput("Send the payload as the multipart field `file`", detail={"field": "file"})
        while block := await upload.read(1 << 20):
            spool.write(block)
        return upload.filename or ""
    async for block in request.stream():
        spool.write(block)
    return ""


def _land_and_process(session: Session, settings: Settings, principal: Principal, source, kind: str,
                      format_name: str | None, stream: IO[bytes], filename: str):
    payload = service.land(session, source=source, kind=kind, format_name=format_name, stream=stream, via="api",
                           settings=settings, filename=filename, actor=f"{principal.kind}:{principal.name}")
    return service.process(session, source=source, payload=payload, settings=settings)


@router.get("/batches", response_model=Page[BatchRead])
def list_batches(session: SessionDep, principal: ManagerPrincipal, page: PageDep,
                 source: Annotated[str | None, Query(description="Source code")] = None):
    """Batches, newest first, with their counts."""
    src = service.get_source(session, code=source) if source else None
    items, total = service.list_batches(session, principal=principal, source=src, limit=page.limit,
                                        offset=page.offset)
    return Page[BatchRead](items=items, total=total, **page.model_dump())


@router.get("/batches/{batch_id}", response_model=BatchRead)
def get_batch(session: SessionDep, principal: ManagerPrincipal, batch_id: uuid.UUID):
    """One batch: accepted + duplicates + quarantined = records."""
    batch = service.get_batch(session, batch_id=batch_id)
    service.check_visible(session, principal, service.source_by_id(session, source_id=batch.source_id))
    return batch


@router.post("/batches/{batch_id}/reprocess", response_model=BatchRead, status_code=status.HTTP_201_CREATED)
def reprocess(session: SessionDep, settings: SettingsDep, _p: HQPrincipal, batch_id: uuid.UUID):
    """Run a batch's landed payload again as a new batch (records taken before count as duplicates)."""
    batch = service.get_batch(session, batch_id=batch_id)
    source = service.source_by_id(session, source_id=batch.source_id)
    return service.reprocess(session, source=source, batch_id=batch_id, settings=settings)


@router.get("/quarantine", response_model=Page[RecordRead])
def quarantine(session: SessionDep, principal: ManagerPrincipal, page: PageDep,
               source: Annotated[str | None, Query(description="Source code")] = None,
               reason: Annotated[str | None, Query(description="Reason code")] = None):
    """Quarantined records with their reason, line number and raw text."""
    src = service.get_source(session, code=source) if source else None
    items, total = service.quarantined(session, principal=principal, source=src, reason=reason, limit=page.limit,
                                       offset=page.offset)
    return Page[RecordRead](items=items, total=total, **page.model_dump())


@router.get("/quarantine/summary", response_model=list[ReasonCount])
def quarantine_summary(session: SessionDep, principal: ManagerPrincipal):
    """Records in quarantine per source and reason."""
    return service.quarantine_summary(session, principal=principal)


@router.post("/sources/{code}/replay", response_model=ReplayResult)
def replay(session: SessionDep, _p: HQPrincipal, code: str, body: ReplayRequest):
    """Replay quarantined records (named, or all of one reason) after the reference data was fixed."""
    source = service.get_source(session, code=code)
    return service.replay(session, source=source, external_ids=body.external_ids, reason=body.reason)


@router.get("/oversells", response_model=Page[OversellRead])
def oversells(session: SessionDep, principal: ManagerPrincipal, page: PageDep,
              status_: Annotated[str | None, Query(alias="status", pattern="^(open|resolved)$")] = "open"):
    """Stock that went below zero through till sales, per store and SKU, for the store to resolve."""
    items, total = service.oversells(session, principal=principal, status=status_, limit=page.limit,
                                     offset=page.offset)
    return Page[OversellRead](items=items, total=total, **page.model_dump())


@router.post("/oversells/{oversell_id}/resolve", response_model=OversellRead)
def resolve_oversell(session: SessionDep, principal: ManagerPrincipal, oversell_id: uuid.UUID, body: OversellResolve):
    """Close an oversell exception with a note."""
    return service.resolve_oversell(session, principal=principal, oversell_id=oversell_id, note=body.note,
                                    actor=f"{principal.kind}:{principal.name}")
