"""Inbound e-commerce webhooks and the field mappings behind them.

A platform pushes order events to ``POST /api/v1/integration/sources/{code}/orders`` with the source's own
API key (scope ``ingest:write``) and an HMAC signature over ``<timestamp>.<raw body>`` made with the
source's signing secret. The body is landed raw, then parsed through the source's declarative mapping
and applied; the answer is the batch (accepted / duplicates / quarantined). Refusals are logged.
"""

from __future__ import annotations

import io
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel, ConfigDict, Field

from zhongtai.deps import SessionDep, SettingsDep, api_key_scheme, get_principal, require_roles
from zhongtai.integration import mapping_admin, service
from zhongtai.integration.mapping_presets import PRESETS
from zhongtai.integration.schemas import BatchRead
from zhongtai.kernel import signing
from zhongtai.kernel.auth import Principal, Role
from zhongtai.kernel.errors import Forbidden, ZhongtaiError
from zhongtai.staff import service as staff

log = logging.getLogger("zhongtai.integration.webhooks_in")
router = APIRouter(prefix="/api/v1/integration", tags=["integration"])
HQ = Annotated[Principal, Depends(require_roles(Role.HQ_ADMIN))]
_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


class SignedClientOnly(Forbidden):
    code, message = "signed_client_only", "Webhooks are pushed by the source's own API key, signed"


class MappingSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mapping: str | dict[str, Any] = Field(description="A preset name (tmall, jd) or a whole mapping object")


class MappingRead(BaseModel):
    source: str
    mapping: str | dict[str, Any]
    platform: str
    fields: dict[str, str]


class PreviewRecord(BaseModel):
    external_id: str
    reason: str | None
    data: dict[str, Any] | None


async def _raw_body(request: Request) -> bytes:
    return await request.body()


def _pusher(request: Request, settings: SettingsDep, code: str, token: Annotated[str | None, Depends(_bearer)],
            api_key: Annotated[str | None, Depends(api_key_scheme)]) -> Principal:
    """The calling platform (its API key with scope ingest:write); every refusal is logged."""
    try:
        principal = get_principal(request, settings, token, api_key)
        if principal.kind != "client":
            raise SignedClientOnly(detail={"source": code})
        if "ingest:write" not in principal.scopes:
            raise Forbidden("API key lacks scope ingest:write", detail={"required_scope": "ingest:write"})
        return principal
    except ZhongtaiError as exc:
        _refused(request, code, exc)
        raise


def _refused(request: Request, code: str, exc: ZhongtaiError) -> None:
    log.warning("inbound webhook refused: source=%s error=%s status=%s client=%s", code, exc.code, exc.status,
                request.client.host if request.client else "?")


@router.post("/sources/{code}/orders", response_model=BatchRead, openapi_extra={"requestBody": {
    "content": {"application/json": {"schema": {"type": "object"}}}, "required": True}})
def order_webhook(request: Request, session: SessionDep, settings: SettingsDep, code: str,
                  principal: Annotated[Principal, Depends(_pusher)], raw: Annotated[bytes, Depends(_raw_body)],
                  x_zhongtai_timestamp: Annotated[str | None, Header()] = None,
                  x_zhongtai_signature: Annotated[str | None, Header()] = None):
    """A platform's order events (created, paid, cancelled, refunded), signed; landed raw, then applied."""
    try:
        source = service.get_source(session, code=code)
        service.authorize(principal, source)
        if source.type != "ecommerce":
            raise mapping_admin.WrongSourceType(detail={"source": code, "type": source.type})
        signing.verify(staff.signing_secret(session, client_id=principal.id), x_zhongtai_timestamp,
                       x_zhongtai_signature, raw)
    except ZhongtaiError as exc:
        _refused(request, code, exc)
        raise
    payload = service.land(session, source=source, kind="orders", format_name="json", stream=io.BytesIO(raw),
                           via="webhook", settings=settings, actor=f"client:{principal.name}")
    return service.process(session, source=source, payload=payload, settings=settings)


# --- mappings ----------------------------------------------------------------------------------------

@router.get("/mappings/presets")
def mapping_presets(principal: HQ) -> dict[str, dict[str, Any]]:
    """The shipped field mappings a source may name (or copy and adapt)."""
    return PRESETS


@router.get("/sources/{code}/mapping", response_model=MappingRead)
def get_mapping(session: SessionDep, principal: HQ, code: str):
    """The field mapping an e-commerce source's order events are read with."""
    return _mapping_read(service.get_source(session, code=code))


@router.put("/sources/{code}/mapping", response_model=MappingRead)
def set_mapping(session: SessionDep, principal: HQ, code: str, body: MappingSet):
    """Set a source's field mapping (checked first; a new platform is configuration, not code)."""
    return _mapping_read(mapping_admin.set_mapping(session, code=code, mapping=body.mapping))


@router.post("/sources/{code}/mapping/preview", response_model=list[PreviewRecord])
def preview_mapping(session: SessionDep, principal: HQ, code: str, body: Annotated[Any, Body()]):
    """What a platform body would become under the source's mapping; writes nothing."""
    return [PreviewRecord(external_id=r.external_id, reason=r.reason, data=r.data)
            for r in mapping_admin.preview(session, code=code, body=body)]


def _mapping_read(source) -> MappingRead:
    mapping = mapping_admin.compiled(source.config)
    return MappingRead(source=source.code, mapping=source.config["mapping"], platform=mapping.platform,
                       fields=mapping.fields)
