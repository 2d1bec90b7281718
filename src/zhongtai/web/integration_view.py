"""What the data hub page shows: sources, recent batches with their counts, the quarantine by source and
reason (with raw text), open oversell exceptions; and the replay action. Everything through the
integration service."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from zhongtai.integration import service
from zhongtai.integration.models import Batch, InboundRecord, OversellException, Source
from zhongtai.kernel.auth import Principal, Role
from zhongtai.kernel.errors import Forbidden
from zhongtai.web.stock_view import PAGE_SIZE, Paging


class DataHubForbidden(Forbidden):
    code, message = "data_hub_forbidden", "Head office and store managers see the data hub"


@dataclass(frozen=True)
class Hub:
    sources: list[Source]
    codes: dict[int, str]
    batches: list[Batch]
    summary: list[dict]
    records: list[InboundRecord]
    paging: Paging
    source: str
    reason: str
    oversells: list[OversellException]
    oversell_total: int


def check_may_view(principal: Principal) -> None:
    if principal.role not in (Role.HQ_ADMIN, Role.STORE_MANAGER):
        raise DataHubForbidden()


def hub(session: Session, *, principal: Principal, source: str, reason: str, page: int) -> Hub:
    """Everything the page shows, the quarantine filtered by source code and reason."""
    check_may_view(principal)
    src = service.get_source(session, code=source) if source else None
    records, total = service.quarantined(session, principal=principal, source=src, reason=reason or None,
                                         limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    batches, _ = service.list_batches(session, principal=principal, source=src, limit=10, offset=0)
    oversells, oversell_total = service.oversells(session, principal=principal, status="open", limit=10, offset=0)
    visible = service.visible_source_ids(session, principal)
    sources = [s for s in service.list_sources(session) if visible is None or s.id in visible]
    return Hub(sources=sources, codes={s.id: s.code for s in sources}, batches=batches,
               summary=service.quarantine_summary(session, principal=principal), records=records, paging=Paging(page, total),
               source=source, reason=reason, oversells=oversells, oversell_total=oversell_total)


def replay(session: Session, *, principal: Principal, source: str, reason: str, external_id: str) -> dict[str, int]:
    """Replay one record or every record of a reason (head office)."""
    if principal.role != Role.HQ_ADMIN:
        raise DataHubForbidden("Only head office replays the quarantine")
    src = service.get_source(session, code=source)
    return service.replay(session, source=src, external_ids=[external_id] if external_id else None,
                          reason=None if external_id else reason or None)
