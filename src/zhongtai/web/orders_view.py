"""What the order pages show: a store's fulfilment board and pick lists, order lists, an order's detail with
its routing explained, and the overview's figures. Everything goes through the orders and stores services,
scoped to what the viewer may see."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from zhongtai.config import Settings
from zhongtai.kernel import clock
from zhongtai.kernel.auth import Principal
from zhongtai.kernel.errors import InvalidInput
from zhongtai.orders import service as orders
from zhongtai.orders.models import FulfilmentGroup, Order, OrderLine
from zhongtai.orders.schemas import PickedLine
from zhongtai.stores import service as stores_service
from zhongtai.stores.models import Store
from zhongtai.stores.schemas import StoreFilter
from zhongtai.web import formatting

PAGE_SIZE = 50
STORE_LIMIT = 500  # as on the stores page: a regional chain's names and time zones in one read
DEFAULT_TZ = "Asia/Shanghai"
CHANNELS = ("pos", "app", "mini_program", "ecommerce", "guide")
STATUSES = ("placed", "accepted", "picking", "ready", "out_for_delivery", "shipped", "completed",
            "partially_completed", "partially_cancelled", "cancelled")
# One column per stage of the flow; deliveries on the road and parcels handed to the carrier share the last.
COLUMNS = (("placed", ("placed",)), ("accepted", ("accepted",)), ("picking", ("picking",)),
           ("ready", ("ready",)), ("on_the_way", ("out_for_delivery", "shipped")))
STEPS = {"accept": "accepted", "start-picking": "picking"}
RIDER_LIMITS = {"rider_name": 100, "rider_phone": 20, "partner": 50}
CANCEL_REASON = (2, 200)
RESOLUTION = (2, 2000)


class PickedAmountInvalid(InvalidInput):
    code, message = "picked_amount_invalid", "Enter what was picked: from 0 up to the amount ordered"


class CancelReasonInvalid(InvalidInput):
    code, message = "cancel_reason_invalid", "Give a reason for cancelling (2–200 characters)"


class ResolutionInvalid(InvalidInput):
    code, message = "resolution_invalid", "Say how the complaint was resolved (2–2000 characters)"


class RiderDetailsInvalid(InvalidInput):
    code, message = "rider_details_invalid", "Rider name, phone or partner is too long"


def actor(principal: Principal) -> str:
    """Who did it, as the order timeline records it (the same form the API uses)."""
    return f"{principal.kind}:{principal.name}"


def visible_stores(session: Session, *, principal: Principal) -> dict[int, Store]:
    """The stores and warehouses the viewer may see, by id (for names and time zones)."""
    rows, _ = stores_service.list_stores(session, principal=principal, flt=StoreFilter(), limit=STORE_LIMIT,
                                         offset=0)
    return {s.id: s for s in rows}


# --- the fulfilment board -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    """One fulfilment group on the board: its order, pick list and the moves it may make next."""

    order_id: uuid.UUID
    number: str
    channel: str
    contact_name: str
    group: FulfilmentGroup
    lines: list[OrderLine]
    allowed_next: list[str]
    late: bool

    @property
    def pickup(self) -> bool:
        return self.group.mode.startswith("pickup")


@dataclass(frozen=True)
class Column:
    key: str
    cards: list[Card]


def board(session: Session, *, store: Store) -> list[Column]:
    """The store's open work as cards, one column per stage, soonest promise first."""
    now = clock.now()
    cards = [Card(r["order_id"], r["number"], r["channel"], r["contact_name"], r["group"], r["lines"],
                  r["allowed_next"], is_late(r["group"], now))
             for r in orders.board(session, location_id=store.id)]
    return [Column(key, [c for c in cards if c.group.status in statuses]) for key, statuses in COLUMNS]


def is_late(group: FulfilmentGroup, now: datetime) -> bool:
    """Past its promised time, the customer still waiting (a ready pickup waits on the customer instead)."""
    waiting_on_customer = group.mode.startswith("pickup") and group.status == "ready"
    return group.promised_at is not None and group.promised_at < now and not waiting_on_customer


def advance(session: Session, *, principal: Principal, order_id: uuid.UUID, group_no: int,
            step: str) -> Order:
    """Accept a group, or start picking it."""
    return orders.advance(session, principal=principal, order_id=order_id, group_no=group_no,
                          target=STEPS[step], actor=actor(principal))


def ready(session: Session, *, principal: Principal, order_id: uuid.UUID, group_no: int,
          amounts: dict[int, str], settings: Settings) -> Order:
    """Picked and packed; `amounts` holds what was typed for lines picked short (blank: picked in full)."""
    picked = picked_lines(session, principal=principal, order_id=order_id, group_no=group_no,
                          amounts=amounts)
    return orders.ready(session, principal=principal, order_id=order_id, group_no=group_no,
                        picked=picked or None, picking_minutes=None, actor=actor(principal),
                        settings=settings)


def picked_lines(session: Session, *, principal: Principal, order_id: uuid.UUID, group_no: int,
                 amounts: dict[int, str]) -> list[PickedLine]:
    """The short-picked lines, in base units (kilograms typed for weighed SKUs become grams)."""
    order = orders.get(session, principal=principal, order_id=order_id)
    lines = {ln.line_no: ln for ln in orders.detail(session, order=order)["lines"] if ln.group_no == group_no}
    out = []
    for line_no, text in sorted(amounts.items()):
        if not text.strip():
            continue
        line = lines.get(line_no)
        amount = formatting.parse_amount(text, line.unit, allow_zero=True) if line else None
        if line is None or amount is None or amount > line.quantity:
            raise PickedAmountInvalid(detail={"line_no": line_no})
        out.append(PickedLine(line_no=line_no, picked=amount))
    return out


def handover(session: Session, *, principal: Principal, order_id: uuid.UUID, group_no: int,
             rider: dict[str, str]) -> Order:
    """Give the goods to the rider (or the parcel to the carrier)."""
    rider = {k: (rider.get(k) or "").strip() for k in RIDER_LIMITS}
    if any(len(rider[k]) > limit for k, limit in RIDER_LIMITS.items()):
        raise RiderDetailsInvalid(detail={"limits": RIDER_LIMITS})
    return orders.handover(session, principal=principal, order_id=order_id, group_no=group_no, rider=rider,
                           actor=actor(principal))


def complete(session: Session, *, principal: Principal, order_id: uuid.UUID, group_no: int,
             pickup_code: str) -> Order:
    """The customer has the goods (a pickup only with the right code)."""
    return orders.complete(session, principal=principal, order_id=order_id, group_no=group_no,
                           pickup_code=pickup_code.strip() or None, actor=actor(principal))


def cancel(session: Session, *, principal: Principal, order_id: uuid.UUID, reason: str) -> Order:
    """Cancel what is still open of the order, with the reason the clerk gave."""
    reason = reason.strip()
    low, high = CANCEL_REASON
    if not low <= len(reason) <= high:
        raise CancelReasonInvalid(detail={"min_length": low, "max_length": high})
    return orders.cancel_by_request(session, principal=principal, order_id=order_id, reason=reason,
                                    actor=actor(principal))


# --- one order ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OrderDetail:
    order: Order
    lines: list[OrderLine]
    groups: list[dict]
    timeline: list  # the placing (a dict) then the recorded events, oldest first
    returns: list
    places: dict[int, str]  # location id -> its name, for groups and routing candidates
    tz: str  # the order's store's time zone

    @property
    def routing(self) -> dict:
        return self.order.routing or {}


def order_detail(session: Session, *, principal: Principal, order_id: uuid.UUID) -> OrderDetail:
    """An order the viewer may see (404 otherwise) with its lines, groups, timeline and returns."""
    order = orders.get(session, principal=principal, order_id=order_id)
    d = orders.detail(session, order=order)
    known = visible_stores(session, principal=principal)
    return OrderDetail(order, d["lines"], d["groups"], d["timeline"], orders.returns_of(session, order=order),
                       _places(order, known), _timezone(order, d["groups"], known))


def _places(order: Order, known: dict[int, Store]) -> dict[int, str]:
    # The routing explanation names every candidate: groups at stores the viewer cannot list get a name too.
    places = {c["location_id"]: c["name"] for c in (order.routing or {}).get("candidates", [])}
    return {**places, **{sid: s.name for sid, s in known.items()}}


def _timezone(order: Order, groups: list[dict], known: dict[int, Store]) -> str:
    for location_id in (order.store_id, *(g["location_id"] for g in groups)):
        if location_id in known:
            return known[location_id].timezone
    return DEFAULT_TZ


@dataclass(frozen=True)
class PickGroup:
    group: dict
    place: str
    lines: list[OrderLine]


def pick_list(session: Session, *, principal: Principal, order_id: uuid.UUID,
              group_no: int | None) -> tuple[OrderDetail, list[PickGroup]]:
    """The groups of an order the viewer's stores fulfil (or the one asked for), each with its lines."""
    detail = order_detail(session, principal=principal, order_id=order_id)
    groups = [g for g in detail.groups if principal.can_see_store(g["location_id"])
              and group_no in (None, g["group_no"])]
    return detail, [PickGroup(g, detail.places.get(g["location_id"], str(g["location_id"])),
                              [ln for ln in detail.lines if ln.group_no == g["group_no"]]) for g in groups]


# --- lists of orders ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Paging:
    page: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


@dataclass(frozen=True)
class OrderListing:
    rows: list[Order]
    paging: Paging
    stores: dict[int, Store]

    def tz(self, order: Order) -> str:
        store = self.stores.get(order.store_id)
        return store.timezone if store else DEFAULT_TZ


def order_listing(session: Session, *, principal: Principal, status: str | None, channel: str | None,
                  member_id: int | None, page: int, size: int | None = None) -> OrderListing:
    """A page of the orders the viewer may see, newest first."""
    size = size or PAGE_SIZE
    rows, total = orders.list_orders(session, principal=principal, status=status or None,
                                     channel=channel or None, member_id=member_id, limit=size,
                                     offset=(page - 1) * size)
    return OrderListing(rows, Paging(page, total, size), visible_stores(session, principal=principal))


def channel_totals(session: Session, *, principal: Principal, member_id: int | None = None) -> dict[str, int]:
    """How many orders the viewer may see came through each channel (one count per channel)."""
    return {c: orders.list_orders(session, principal=principal, status=None, channel=c, member_id=member_id,
                                  limit=0, offset=0)[1] for c in CHANNELS}


# --- the overview ---------------------------------------------------------------------------------------

def nps_by_store(session: Session, *, principal: Principal, stores: dict[int, Store]) -> list[dict[str, Any]]:
    """NPS, responses and average rating per store the viewer may see, best NPS first."""
    rows = orders.nps_report(session, principal=principal, by="store")
    named = [{**r, "name": _store_name(stores, r["key"])} for r in rows]
    return sorted(named, key=lambda r: (r["nps"] is None, -(r["nps"] or 0), r["name"]))


def _store_name(stores: dict[int, Store], key: str) -> str:
    store = stores.get(int(key)) if key.isdigit() else None
    return store.name if store else key


def overview_chart(nps_rows: list[dict], totals: dict[str, int]) -> dict[str, Any]:
    """Language-neutral chart data: NPS per store (bars), orders per channel (pie); the page adds labels."""
    scored = [r for r in nps_rows if r["nps"] is not None]
    return {"nps": {"names": [r["name"] for r in scored], "values": [r["nps"] for r in scored],
                    "responses": [r["responses"] for r in scored]},
            "channels": [{"key": c, "value": n} for c, n in totals.items() if n]}


def resolve_complaint(session: Session, *, principal: Principal, feedback_id: uuid.UUID, resolution: str):
    """Close a complaint of one of the viewer's stores with what was done about it."""
    resolution = resolution.strip()
    low, high = RESOLUTION
    if not low <= len(resolution) <= high:
        raise ResolutionInvalid(detail={"min_length": low, "max_length": high})
    return orders.resolve_complaint(session, principal=principal, feedback_id=feedback_id,
                                    resolution=resolution)


# --- routing, in the reader's language ------------------------------------------------------------------

# The routing policy explains itself in English prose; these patterns map each kind of sentence to a message
# key. Anything not recognised is shown as written.
_SENTENCES = [(re.compile(p), key) for p, key in (
    (r"not a store", "routing.reason.not_store"),
    (r"not a warehouse", "routing.reason.not_warehouse"),
    (r"not the store the customer chose", "routing.reason.not_chosen"),
    (r"no pickup at this store", "routing.reason.no_pickup"),
    (r"does not offer (?P<service>.+)", "routing.reason.no_service"),
    (r"customer outside delivery radius", "routing.reason.outside_radius"),
    (r"closed now", "routing.reason.closed"),
    (r"over capacity \((?P<queue>\d+)/(?P<capacity>\d+) open orders\)", "routing.reason.over_capacity"),
    (r"no stock of (?P<skus>.+)", "routing.reason.no_stock"),
    (r"fresh food needs (?P<limit>\d+) min; this store needs (?P<minutes>\d+)",
     "routing.reason.fresh_too_slow"),
    (r"(?P<code>\S+) can serve every line soonest \((?P<minutes>\d+) min\)", "routing.decision.best"),
    (r"no single location can serve every line and the customer did not allow splitting",
     "routing.decision.no_split"),
    (r"no single location can serve every line", "routing.decision.none"),
    (r"even split across locations cannot cover (?P<skus>.+)", "routing.decision.split_short"),
    (r"split: (?P<plan>.+)", "routing.decision.split"),
)]


def explain(sentence: str, t: Callable[..., str]) -> str:
    """A routing reason or decision in the page's language (as written if it is not a known kind)."""
    for pattern, key in _SENTENCES:
        match = pattern.fullmatch(sentence or "")
        if match:
            params = match.groupdict()
            if "service" in params:
                params["service"] = t(f"service.{params['service']}", default=params["service"])
            return t(key, **params)
    return sentence
