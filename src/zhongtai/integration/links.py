"""Links from a source's own document numbers to what zhongtai made of them (a platform order → our order,
an ERP transfer line → our transfer), so later events about the same document find it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from zhongtai.db.base import Base, BigId, UTCDateTime
from zhongtai.integration import models as _integration_models  # noqa: F401  (the table the FK names)
from zhongtai.kernel import clock


class InboundLink(Base):
    """(source, kind, the source's reference) → our object. Keyed by the source's reference, not by store:
    a platform names its order before zhongtai has routed it to any store."""

    __tablename__ = "integration_links"

    source_id: Mapped[int] = mapped_column(BigId, ForeignKey("integration_sources.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # order | transfer
    external_ref: Mapped[str] = mapped_column(String(200), primary_key=True)
    target_id: Mapped[uuid.UUID] = mapped_column()
    store_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


def find(session: Session, *, source_id: int, kind: str, external_ref: str) -> InboundLink | None:
    """The link for a source's reference, if one was made."""
    return session.execute(select(InboundLink).where(
        InboundLink.source_id == source_id, InboundLink.kind == kind,
        InboundLink.external_ref == external_ref)).scalar_one_or_none()


def add(session: Session, *, source_id: int, kind: str, external_ref: str, target_id: uuid.UUID,
        store_id: int | None) -> InboundLink:
    """Remember what a source's reference became."""
    link = InboundLink(source_id=source_id, kind=kind, external_ref=external_ref, target_id=target_id,
                       store_id=store_id, created_at=clock.now())
    session.add(link)
    session.flush([link])
    return link
