"""Webhook use cases: manage subscriptions (head office, or an integration client for itself), fan an outbox
event out to the subscriptions that want it, read the delivery log, replay deliveries. Sending is the
worker's job (`worker`), outside any transaction."""

from __future__ import annotations

import ipaddress
import json
import socket
import uuid
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from zhongtai.config import get_settings
from zhongtai.kernel import catalogue, clock, signing
from zhongtai.kernel.auth import Principal
from zhongtai.kernel.errors import Conflict, InvalidInput, NotFound
from zhongtai.kernel.ids import uuid7
from zhongtai.kernel.outbox import OutboxEvent
from zhongtai.stores import service as stores
from zhongtai.webhooks import policies, repository
from zhongtai.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from zhongtai.webhooks.schemas import SubscriptionCreate, SubscriptionUpdate

_ACTIVE_CACHE = "webhooks.active_subscriptions"


class SubscriptionNotFound(NotFound):
    code, message = "webhook_subscription_not_found", "Webhook subscription not found"


class DeliveryNotFound(NotFound):
    code, message = "webhook_delivery_not_found", "Webhook delivery not found"


class EventTypeUnknown(InvalidInput):
    code, message = "webhook_event_type_unknown", "Unknown event type or pattern (see /api/v1/events/catalogue)"


class StoreNotAllowed(InvalidInput):
    code, message = "webhook_store_not_allowed", "Unknown store, or a store this caller may not see"


class DeliveryPending(Conflict):
    code, message = "webhook_delivery_pending", "This delivery is still being attempted"


class UrlNotAllowed(InvalidInput):
    code, message = "webhook_url_not_allowed", "The URL's host is not a public address"


class SubscriptionInactive(Conflict):
    code, message = "webhook_subscription_inactive", "The subscription is paused; activate it to replay"


# --- subscriptions --------------------------------------------------------------------------------------

def create(session: Session, *, principal: Principal, sub_in: SubscriptionCreate,
           allow_private_urls: bool | None = None) -> WebhookSubscription:
    """Subscribe a URL to event types; the new secret is on the returned row (show it once)."""
    _check_url(str(sub_in.url), allow_private_urls)
    sub = WebhookSubscription(
        name=sub_in.name, partner=sub_in.partner or (principal.name if principal.kind == "client" else ""),
        api_client_id=principal.id if principal.kind == "client" else None, url=str(sub_in.url),
        secret=signing.new_secret(), event_types=_patterns(sub_in.event_types),
        store_ids=_stores(session, principal, sub_in.store_ids), active=sub_in.active,
        max_attempts=sub_in.max_attempts, created_by=f"{principal.kind}:{principal.name}")
    session.add(sub)
    session.flush()
    return sub


def update(session: Session, *, principal: Principal, subscription_id: int, sub_in: SubscriptionUpdate,
           allow_private_urls: bool | None = None) -> WebhookSubscription:
    """Change a subscription's URL, event types, stores, attempt limit or active flag."""
    sub = get(session, principal=principal, subscription_id=subscription_id)
    if sub_in.url is not None:
        _check_url(str(sub_in.url), allow_private_urls)
    values = sub_in.model_dump(exclude_unset=True)
    if values.get("event_types") is not None:
        values["event_types"] = _patterns(values["event_types"])
    if values.get("store_ids") is not None:
        values["store_ids"] = _stores(session, principal, values["store_ids"])
    for key, value in values.items():
        if value is not None:
            setattr(sub, key, str(value) if key == "url" else value)
    session.flush()
    return sub


def rotate_secret(session: Session, *, principal: Principal, subscription_id: int) -> WebhookSubscription:
    """A new signing secret; the old one stops at once (deliveries are signed when sent)."""
    sub = get(session, principal=principal, subscription_id=subscription_id)
    sub.secret = signing.new_secret()
    session.flush()
    return sub


def get(session: Session, *, principal: Principal, subscription_id: int) -> WebhookSubscription:
    """A subscription the caller may manage (an integration client: only its own), else 404."""
    sub = repository.get(session, subscription_id)
    if sub is None or not _may_manage(principal, sub):
        raise SubscriptionNotFound(detail={"subscription_id": subscription_id})
    return sub


def list_subscriptions(session: Session, *, principal: Principal, limit: int, offset: int):
    """Subscriptions the caller may manage, newest first; (rows, total)."""
    owner = principal.id if principal.kind == "client" else None
    return repository.page(session, api_client_id=owner, limit=limit, offset=offset)


def delivery_counts(session: Session, *, subscription_ids: list[int]) -> dict[int, dict[str, int]]:
    """Deliveries per status for each subscription."""
    return repository.status_counts(session, subscription_ids) if subscription_ids else {}


def _may_manage(principal: Principal, sub: WebhookSubscription) -> bool:
    return principal.kind != "client" or sub.api_client_id == principal.id


def _check_url(url: str, allow_private: bool | None) -> None:
    """Refuse a URL whose host is (or resolves to) a non-public address, unless the settings allow them
    (development and test do by default): webhooks must not become a way into the internal network."""
    if allow_private if allow_private is not None else get_settings().webhooks_allow_private_urls:
        return
    host = (urlsplit(url).hostname or "").strip("[]")
    addresses = _addresses(host)
    bad = [a for a in addresses if not policies.address_is_public(a)]
    if not addresses or bad:
        raise UrlNotAllowed(detail={"url": url, "host": host, "addresses": bad or "unresolvable"})


def _addresses(host: str) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, None)})
    except (OSError, UnicodeError):
        return []


def _patterns(patterns: list[str]) -> list[str]:
    known = catalogue.event_types()
    bad = [p for p in patterns if not policies.pattern_is_valid(p, known)]
    if bad:
        raise EventTypeUnknown(detail={"unknown": bad, "patterns": "exact type, <domain>.* or *"})
    return sorted(set(patterns))


def _stores(session: Session, principal: Principal, store_ids: list[int]) -> list[int]:
    """The store filter, each store visible to the caller; a client limited to some stores gets those by default."""
    if not store_ids and not principal.all_stores:
        return sorted(principal.store_ids)
    for store_id in set(store_ids):
        try:
            stores.get(session, principal=principal, store_id=store_id)
        except stores.StoreNotFound:
            raise StoreNotAllowed(detail={"store_id": store_id}) from None
    return sorted(set(store_ids))


# --- fan-out --------------------------------------------------------------------------------------------

def envelope(event: OutboxEvent) -> str:
    """The JSON body partners receive (the same envelope the relay publishes to NATS)."""
    return json.dumps({"id": str(event.id), "type": event.event_type, "occurred_at": event.occurred_at.isoformat(),
                       "store_id": event.store_id, "data": event.payload}, ensure_ascii=False, separators=(",", ":"))


def fan_out(session: Session, *, event: OutboxEvent) -> int:
    """One pending delivery per active subscription that wants `event`, written in the caller's transaction;
    a redelivered event adds nothing (unique per subscription and event). Returns how many matched."""
    subs = [s for s in _active(session) if _wants(s, event)]
    if not subs:
        return 0
    now, body = clock.now(), envelope(event)
    rows = [{"subscription_id": s.id, "id": uuid7(), "event_id": event.id, "event_type": event.event_type,
             "store_id": event.store_id, "body": body, "status": "pending", "attempts": 0, "round_attempts": 0,
             "replays": 0, "next_attempt_at": now, "last_error": "", "created_at": now} for s in subs]
    repository.insert_deliveries(session, rows)
    return len(rows)


def _active(session: Session) -> list[WebhookSubscription]:
    # Read once per relay batch (one session), not once per event.
    if _ACTIVE_CACHE not in session.info:
        session.info[_ACTIVE_CACHE] = repository.active(session)
    return session.info[_ACTIVE_CACHE]


def _wants(sub: WebhookSubscription, event: OutboxEvent) -> bool:
    # Events from before the subscription existed are not sent: subscribing does not replay history.
    return (policies.matches(sub.event_types, event.event_type) and policies.store_matches(sub.store_ids, event.store_id)
            and event.occurred_at >= sub.created_at)


# --- the delivery log and replays -----------------------------------------------------------------------

def deliveries(session: Session, *, principal: Principal, subscription_id: int, status: str | None,
               limit: int, offset: int) -> tuple[list[WebhookDelivery], int]:
    """A subscription's deliveries, newest first, optionally of one status."""
    get(session, principal=principal, subscription_id=subscription_id)
    return repository.deliveries(session, subscription_id, status=status, limit=limit, offset=offset)


def delivery(session: Session, *, principal: Principal, subscription_id: int,
             delivery_id: uuid.UUID) -> tuple[WebhookDelivery, list[WebhookAttempt]]:
    """One delivery with every attempt made."""
    get(session, principal=principal, subscription_id=subscription_id)
    found = repository.delivery(session, subscription_id, delivery_id)
    if found is None:
        raise DeliveryNotFound(detail={"delivery_id": str(delivery_id)})
    return found, repository.attempts(session, subscription_id, delivery_id)


def attempts_of(session: Session, *, principal: Principal, subscription_id: int,
                delivery_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[WebhookAttempt]]:
    """The attempts of several deliveries of one subscription, by delivery."""
    get(session, principal=principal, subscription_id=subscription_id)
    return repository.attempts_for(session, subscription_id, delivery_ids) if delivery_ids else {}


def replay(session: Session, *, principal: Principal, subscription_id: int,
           delivery_id: uuid.UUID) -> WebhookDelivery:
    """Send a dead (or already delivered) delivery again, same event id and body, with a fresh attempt budget."""
    sub = _replayable(session, principal, subscription_id)
    found, _ = delivery(session, principal=principal, subscription_id=sub.id, delivery_id=delivery_id)
    if found.status == "pending":
        raise DeliveryPending(detail={"delivery_id": str(delivery_id), "next_attempt_at": found.next_attempt_at})
    _requeue(found)
    session.flush()
    return found


def replay_dead(session: Session, *, principal: Principal, subscription_id: int) -> int:
    """Send every dead letter of a subscription again; how many were requeued."""
    sub = _replayable(session, principal, subscription_id)
    return repository.requeue_dead(session, sub.id, clock.now())


def _replayable(session: Session, principal: Principal, subscription_id: int) -> WebhookSubscription:
    sub = get(session, principal=principal, subscription_id=subscription_id)
    if not sub.active:
        raise SubscriptionInactive(detail={"subscription_id": subscription_id})
    return sub


def _requeue(found: WebhookDelivery) -> None:
    values: dict[str, Any] = {"status": "pending", "next_attempt_at": clock.now(), "round_attempts": 0,
                              "dead_at": None, "delivered_at": None, "replays": found.replays + 1}
    for key, value in values.items():
        setattr(found, key, value)
