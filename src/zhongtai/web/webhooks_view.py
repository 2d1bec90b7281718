"""What the webhook pages show: head office's subscriptions with their delivery counts, one subscription's
delivery log with every attempt, and the replays. Everything goes through the webhooks service."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from zhongtai.kernel.auth import Principal, Role
from zhongtai.kernel.errors import Forbidden
from zhongtai.web.stock_view import Paging
from zhongtai.webhooks import service
from zhongtai.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from zhongtai.webhooks.policies import RetryPolicy

PAGE_SIZE = 50
STATUSES = ("pending", "delivered", "dead")


class HeadOfficeOnly(Forbidden):
    code, message = "head_office_only", "Only head office manages webhooks"


def check_may_manage(principal: Principal) -> None:
    """Webhooks carry every store's data to partners: head office only."""
    if principal.role != Role.HQ_ADMIN:
        raise HeadOfficeOnly()


@dataclass(frozen=True)
class SubscriptionRow:
    sub: WebhookSubscription
    counts: dict[str, int]


def subscriptions(session: Session, *, principal: Principal, page: int) -> tuple[list[SubscriptionRow], Paging]:
    """Subscriptions, newest first, each with its deliveries counted by status."""
    check_may_manage(principal)
    subs, total = service.list_subscriptions(session, principal=principal, limit=PAGE_SIZE,
                                             offset=(page - 1) * PAGE_SIZE)
    counts = service.delivery_counts(session, subscription_ids=[s.id for s in subs])
    return [SubscriptionRow(s, counts.get(s.id, {})) for s in subs], Paging(page, total)


@dataclass(frozen=True)
class DeliveryLog:
    sub: WebhookSubscription
    counts: dict[str, int]
    rows: list[tuple[WebhookDelivery, list[WebhookAttempt]]]
    paging: Paging
    status: str | None
    schedule: list[float]


def delivery_log(session: Session, *, principal: Principal, subscription_id: int, status: str | None,
                 page: int) -> DeliveryLog:
    """A subscription and a page of its deliveries, newest first, each with its attempts."""
    check_may_manage(principal)
    sub = service.get(session, principal=principal, subscription_id=subscription_id)
    found, total = service.deliveries(session, principal=principal, subscription_id=sub.id, status=status,
                                      limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    attempts = service.attempts_of(session, principal=principal, subscription_id=sub.id,
                                   delivery_ids=[d.id for d in found])
    counts = service.delivery_counts(session, subscription_ids=[sub.id]).get(sub.id, {})
    return DeliveryLog(sub, counts, [(d, attempts.get(d.id, [])) for d in found], Paging(page, total), status,
                       RetryPolicy().schedule(sub.max_attempts))


def replay_dead(session: Session, *, principal: Principal, subscription_id: int) -> int:
    """Requeue the subscription's dead letters; how many."""
    check_may_manage(principal)
    return service.replay_dead(session, principal=principal, subscription_id=subscription_id)


def replay_one(session: Session, *, principal: Principal, subscription_id: int, delivery_id: uuid.UUID) -> Any:
    """Requeue one delivery."""
    check_may_manage(principal)
    return service.replay(session, principal=principal, subscription_id=subscription_id, delivery_id=delivery_id)
