"""Webhook subscriptions, their delivery log and replays (/api/v1/webhooks: head office, or an integration
client with scope `webhooks:admin` for its own subscriptions), and the event catalogue (/api/v1/events)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from zhongtai.deps import SessionDep, SettingsDep, require_scope
from zhongtai.kernel import catalogue
from zhongtai.kernel.auth import Principal, Role
from zhongtai.kernel.errors import NotFound
from zhongtai.kernel.pagination import Page, PageParams, page_params
from zhongtai.webhooks import service
from zhongtai.webhooks.models import WebhookSubscription
from zhongtai.webhooks.schemas import (
    AttemptRead,
    DeliveryDetail,
    DeliveryRead,
    DeliveryStatus,
    EventTypeRead,
    ReplayResult,
    SubscriptionCreate,
    SubscriptionRead,
    SubscriptionUpdate,
    SubscriptionWithSecret,
)

router = APIRouter(prefix="/api/v1", tags=["webhooks"])
Admin = Annotated[Principal, Depends(require_scope("webhooks:admin", Role.HQ_ADMIN))]
Reader = Annotated[Principal, Depends(require_scope("events:read"))]
PageDep = Annotated[PageParams, Depends(page_params)]
SubId = Annotated[int, Path(ge=1, le=2**63 - 1)]
SUBS = "/webhooks/subscriptions"


class EventTypeNotFound(NotFound):
    code, message = "event_type_not_found", "No such event type"


def _with_secret(sub: WebhookSubscription) -> SubscriptionWithSecret:
    return SubscriptionWithSecret.model_validate(sub)


@router.post(SUBS, response_model=SubscriptionWithSecret, status_code=status.HTTP_201_CREATED)
def create_subscription(session: SessionDep, settings: SettingsDep, principal: Admin, body: SubscriptionCreate):
    """Subscribe a URL to event types (exact, `domain.*` or `*`); the signing secret is shown only here.
    A URL whose host is not a public address is 422 `webhook_url_not_allowed` (unless the settings allow)."""
    return _with_secret(service.create(session, principal=principal, sub_in=body,
                                       allow_private_urls=settings.webhooks_allow_private_urls))


@router.get(SUBS, response_model=Page[SubscriptionRead])
def list_subscriptions(session: SessionDep, principal: Admin, page: PageDep):
    """Subscriptions, newest first (an integration client sees its own)."""
    rows, total = service.list_subscriptions(session, principal=principal, limit=page.limit, offset=page.offset)
    return Page[SubscriptionRead](items=[SubscriptionRead.model_validate(r) for r in rows], total=total,
                                  **page.model_dump())


@router.get(SUBS + "/{subscription_id}", response_model=SubscriptionRead)
def get_subscription(session: SessionDep, principal: Admin, subscription_id: SubId):
    """One subscription (without its secret)."""
    return service.get(session, principal=principal, subscription_id=subscription_id)


@router.patch(SUBS + "/{subscription_id}", response_model=SubscriptionRead)
def update_subscription(session: SessionDep, settings: SettingsDep, principal: Admin, subscription_id: SubId,
                        body: SubscriptionUpdate):
    """Change the URL, event types, stores or attempt limit; `active: false` pauses deliveries (they wait)."""
    return service.update(session, principal=principal, subscription_id=subscription_id, sub_in=body,
                          allow_private_urls=settings.webhooks_allow_private_urls)


@router.post(SUBS + "/{subscription_id}/rotate-secret", response_model=SubscriptionWithSecret)
def rotate_secret(session: SessionDep, principal: Admin, subscription_id: SubId):
    """A new signing secret, shown only here; the old one stops signing at once."""
    return _with_secret(service.rotate_secret(session, principal=principal, subscription_id=subscription_id))


@router.get(SUBS + "/{subscription_id}/deliveries", response_model=Page[DeliveryRead])
def list_deliveries(session: SessionDep, principal: Admin, subscription_id: SubId, page: PageDep,
                    status_: Annotated[DeliveryStatus | None, Query(alias="status")] = None):
    """The delivery log of a subscription, newest first; `status=dead` lists its dead letters."""
    rows, total = service.deliveries(session, principal=principal, subscription_id=subscription_id,
                                     status=status_, limit=page.limit, offset=page.offset)
    return Page[DeliveryRead](items=[DeliveryRead.model_validate(r) for r in rows], total=total,
                              **page.model_dump())


@router.get(SUBS + "/{subscription_id}/deliveries/{delivery_id}", response_model=DeliveryDetail)
def get_delivery(session: SessionDep, principal: Admin, subscription_id: SubId, delivery_id: uuid.UUID):
    """One delivery: the exact body sent and every attempt (status code, latency, error)."""
    found, attempts = service.delivery(session, principal=principal, subscription_id=subscription_id,
                                       delivery_id=delivery_id)
    return DeliveryDetail(**DeliveryRead.model_validate(found).model_dump(), body=found.body,
                          attempt_log=[AttemptRead.model_validate(a) for a in attempts])


@router.post(SUBS + "/{subscription_id}/deliveries/{delivery_id}/replay", response_model=DeliveryRead)
def replay_delivery(session: SessionDep, principal: Admin, subscription_id: SubId, delivery_id: uuid.UUID):
    """Send a dead or delivered delivery again (same event id and body); 409 while it is still pending."""
    return service.replay(session, principal=principal, subscription_id=subscription_id, delivery_id=delivery_id)


@router.post(SUBS + "/{subscription_id}/replay-dead-letters", response_model=ReplayResult)
def replay_dead_letters(session: SessionDep, principal: Admin, subscription_id: SubId):
    """Send every dead letter of the subscription again, each with a fresh attempt budget."""
    return ReplayResult(replayed=service.replay_dead(session, principal=principal, subscription_id=subscription_id))


# --- the event catalogue --------------------------------------------------------------------------------

def _entry(e: catalogue.EventType, prefix: str) -> EventTypeRead:
    return EventTypeRead(name=e.name, domain=e.domain, description=e.description, nats_subject=e.subject(prefix),
                         json_schema=e.schema, example=e.example)


@router.get("/events/catalogue", response_model=list[EventTypeRead], response_model_by_alias=True)
def event_catalogue(_: Reader, settings: SettingsDep, domain: Annotated[str | None, Query(max_length=50)] = None):
    """Every event type the platform publishes, with its JSON schema, description and an example payload."""
    return [_entry(e, settings.nats_subject_prefix) for e in catalogue.catalogue() if domain in (None, e.domain)]


@router.get("/events/catalogue/{event_type}", response_model=EventTypeRead, response_model_by_alias=True)
def event_type(_: Reader, settings: SettingsDep, event_type: Annotated[str, Path(max_length=100)]):
    """One event type by name, e.g. `orders.order_placed`."""
    found = catalogue.find(event_type)
    if found is None:
        raise EventTypeNotFound(detail={"event_type": event_type, "known": catalogue.event_types()})
    return _entry(found, settings.nats_subject_prefix)
