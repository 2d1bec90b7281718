"""Webhook SQL: subscriptions, idempotent delivery rows, claiming due deliveries (SKIP LOCKED on
PostgreSQL, the BEGIN IMMEDIATE write lock on SQLite), and recording attempts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from zhongtai.db import dialect
from zhongtai.staff.models import ApiClient
from zhongtai.webhooks import policies
from zhongtai.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

SUB = WebhookSubscription
DEL = WebhookDelivery
ATT = WebhookAttempt


def get(session: Session, subscription_id: int) -> WebhookSubscription | None:
    return session.get(SUB, subscription_id)


def page(session: Session, *, api_client_id: int | None, limit: int, offset: int):
    stmt = select(SUB)
    if api_client_id is not None:
        stmt = stmt.where(SUB.api_client_id == api_client_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(session.scalars(stmt.order_by(SUB.id.desc()).limit(limit).offset(offset))), total


def _revoked_owners():
    return select(ApiClient.id).where(ApiClient.is_active.is_(False)).scalar_subquery()


def _owner_not_revoked():
    """Head office's subscriptions, and those of API clients still active (a revoked client gets nothing)."""
    return or_(SUB.api_client_id.is_(None), SUB.api_client_id.not_in(_revoked_owners()))


def active(session: Session) -> list[WebhookSubscription]:
    stmt = select(SUB).where(SUB.active.is_(True), _owner_not_revoked()).order_by(SUB.id)
    return list(session.scalars(stmt))


def refuse_revoked(session: Session, now: datetime) -> int:
    """Pending deliveries of subscriptions whose API client was revoked: dead with `owner_revoked`, unsent."""
    subs = select(SUB.id).where(SUB.api_client_id.in_(_revoked_owners()))
    stmt = (update(DEL).where(DEL.status == "pending", DEL.subscription_id.in_(subs))
            .values(status="dead", dead_at=now, next_attempt_at=None, last_error=policies.OWNER_REVOKED))
    return session.execute(stmt).rowcount


def insert_deliveries(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """One delivery per (subscription, event); a row already there (a redelivered event) is left alone."""
    # A Core insert with the rows as parameters: compiled once and cached, however many events pass.
    stmt = dialect.insert(session, DEL.__table__).on_conflict_do_nothing(
        index_elements=["subscription_id", "event_id"])
    session.execute(stmt, list(rows))


def delivery(session: Session, subscription_id: int, delivery_id: uuid.UUID) -> WebhookDelivery | None:
    return session.get(DEL, (subscription_id, delivery_id))


def deliveries(session: Session, subscription_id: int, *, status: str | None, limit: int, offset: int):
    stmt = select(DEL).where(DEL.subscription_id == subscription_id)
    if status:
        stmt = stmt.where(DEL.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(DEL.created_at.desc(), DEL.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def status_counts(session: Session, subscription_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """{subscription id: {status: count}} for the listed subscriptions, in one query."""
    rows = session.execute(select(DEL.subscription_id, DEL.status, func.count())
                           .where(DEL.subscription_id.in_(subscription_ids))
                           .group_by(DEL.subscription_id, DEL.status))
    out: dict[int, dict[str, int]] = {i: {} for i in subscription_ids}
    for sid, status, n in rows:
        out[sid][status] = n
    return out


def attempts(session: Session, subscription_id: int, delivery_id: uuid.UUID) -> list[WebhookAttempt]:
    return list(session.scalars(select(ATT).where(ATT.subscription_id == subscription_id,
                                                  ATT.delivery_id == delivery_id).order_by(ATT.number)))


def due(session: Session, now: datetime, limit: int) -> list[tuple[WebhookDelivery, WebhookSubscription]]:
    """Pending deliveries of active subscriptions whose time has come, oldest first, locked for this claim;
    rows another worker holds are skipped (PostgreSQL), so two workers never take the same one."""
    stmt = (select(DEL, SUB).join(SUB, SUB.id == DEL.subscription_id)
            .where(DEL.status == "pending", DEL.next_attempt_at <= now, SUB.active.is_(True), _owner_not_revoked())
            .order_by(DEL.next_attempt_at, DEL.id).limit(limit))
    if dialect.is_postgres(session):
        stmt = stmt.with_for_update(of=DEL, skip_locked=True)
    return [(d, s) for d, s in session.execute(stmt)]


def add_attempt(session: Session, row: dict[str, Any]) -> None:
    session.add(ATT(**row))


def settle(session: Session, subscription_id: int, delivery_id: uuid.UUID, claimed_attempt: int,
           values: dict[str, Any]) -> bool:
    """Apply an attempt's outcome unless the delivery moved on meanwhile (its lease ran out and another worker
    claimed it, or it was replayed); True if applied."""
    stmt = (update(DEL).where(DEL.subscription_id == subscription_id, DEL.id == delivery_id,
                              DEL.attempts == claimed_attempt, DEL.status == "pending")
            .values(**values))
    return session.execute(stmt).rowcount == 1


def requeue_dead(session: Session, subscription_id: int, now: datetime) -> int:
    """Every dead letter of a subscription back to pending, due now, with a fresh attempt budget."""
    stmt = (update(DEL).where(DEL.subscription_id == subscription_id, DEL.status == "dead")
            .values(status="pending", next_attempt_at=now, round_attempts=0, dead_at=None,
                    replays=DEL.replays + 1))
    return session.execute(stmt).rowcount


def attempts_for(session: Session, subscription_id: int,
                 delivery_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[WebhookAttempt]]:
    """Every attempt of the listed deliveries, by delivery, in one query."""
    out: dict[uuid.UUID, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
    stmt = (select(ATT).where(ATT.subscription_id == subscription_id, ATT.delivery_id.in_(list(delivery_ids)))
            .order_by(ATT.delivery_id, ATT.number))
    for a in session.scalars(stmt):
        out[a.delivery_id].append(a)
    return out
