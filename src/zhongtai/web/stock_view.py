"""What the stock pages show: a store's stock, near-expiry batches, a SKU's ledger, and where else a SKU is.

Everything goes through the inventory, catalog and stores services, scoped to what the viewer may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from zhongtai.catalog import service as catalog
from zhongtai.catalog.models import Sku
from zhongtai.inventory import policies
from zhongtai.inventory import service as inventory
from zhongtai.inventory.models import StockMovement
from zhongtai.inventory.schemas import MAX_QTY, Qty
from zhongtai.kernel import clock
from zhongtai.kernel.auth import Principal
from zhongtai.stores import service as stores_service
from zhongtai.stores.models import Store
from zhongtai.stores.schemas import StoreFilter
from zhongtai.web import formatting

PAGE_SIZE = 50
STORE_LIMIT = 500  # as on the stores page: a regional chain fits in one picker
SEARCH_LIMIT = 1000  # SKUs a stock search may match before the page asks for a narrower search
SUGGESTIONS = 8
CHART_MOVEMENTS = 500  # the on-hand chart covers the latest movements
CHART_SOURCES = 20
# A clerk sending a shopper to another shop sells at that shop's till: no online allocation applies.
FIND_CHANNEL = "pos"


@dataclass(frozen=True)
class StorePick:
    """The stores the viewer may pick from, and the one the page is about (None: they have none)."""

    stores: list[Store]
    current: Store | None


def pick_store(session: Session, *, principal: Principal, store_id: int | None) -> StorePick:
    """The store asked for (StoreNotFound outside the viewer's scope), else their first store."""
    stores, _ = stores_service.list_stores(session, principal=principal, flt=StoreFilter(), limit=STORE_LIMIT,
                                           offset=0)
    if store_id is None:
        return StorePick(stores, stores[0] if stores else None)
    current = stores_service.get(session, principal=principal, store_id=store_id)
    return StorePick(stores if current in stores else [current, *stores], current)


@dataclass(frozen=True)
class Paging:
    page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


@dataclass(frozen=True)
class StockRow:
    sku: Sku
    on_hand: int
    reserved: int
    safety_stock: int

    @property
    def available(self) -> int:
        return policies.available(self.on_hand, self.reserved, self.safety_stock)

    @property
    def low(self) -> bool:
        """At or below safety stock (the same rule as the stock list's `low` filter)."""
        return self.on_hand - self.reserved <= self.safety_stock


@dataclass(frozen=True)
class StockListing:
    rows: list[StockRow]
    paging: Paging
    narrowed: bool  # the search matched more SKUs than were looked up


def stock_listing(session: Session, *, store_id: int, q: str | None, low_only: bool, page: int) -> StockListing:
    """A page of a store's stock, optionally only SKUs matching `q` (name, code, barcode) or running low."""
    sku_ids, narrowed = _matching_sku_ids(session, q)
    rows, total = inventory.stock(session, location_id=store_id, sku_ids=sku_ids, low_only=low_only,
                                  limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return StockListing([StockRow(sku, lvl.on_hand, lvl.reserved, lvl.safety_stock) for lvl, sku in rows],
                        Paging(page, total), narrowed)


def _matching_sku_ids(session: Session, q: str | None) -> tuple[list[int] | None, bool]:
    if not q or not q.strip():
        return None, False
    skus, total = catalog.list_skus(session, q=q.strip(), category_code=None, status=None, limit=SEARCH_LIMIT,
                                    offset=0)
    return [s.id for s in skus], total > len(skus)


@dataclass(frozen=True)
class ExpiringBatch:
    sku: Sku
    batch_code: str
    best_before: date
    quantity: int
    days_left: int  # from the store's today; negative once past


def expiring(session: Session, *, store: Store, hours: int) -> list[ExpiringBatch]:
    """Batches at `store` whose best-before falls within `hours`, soonest first."""
    batches = inventory.near_expiry(session, location_id=store.id, within_hours=hours)
    skus = catalog.skus_by_ids(session, ids={b.sku_id for b in batches})
    today = clock.now().astimezone(ZoneInfo(store.timezone)).date()
    out = [ExpiringBatch(skus[b.sku_id], b.batch_code, b.best_before, b.quantity, (b.best_before - today).days)
           for b in batches]
    return sorted(out, key=lambda b: (b.best_before, b.sku.code))


@dataclass(frozen=True)
class SkuLookup:
    """What a typed code, barcode or name refers to: one SKU, or the candidates to choose from."""

    text: str
    sku: Sku | None = None
    candidates: list[Sku] = field(default_factory=list)


def lookup_sku(session: Session, text: str | None) -> SkuLookup:
    """An exact code or barcode wins; otherwise a search that finds exactly one SKU."""
    text = (text or "").strip()
    if not text:
        return SkuLookup(text)
    exact = _exact_sku(session, text)
    if exact is not None:
        return SkuLookup(text, exact)
    candidates = suggest_skus(session, text)
    return SkuLookup(text, candidates[0], []) if len(candidates) == 1 else SkuLookup(text, None, candidates)


def _exact_sku(session: Session, text: str) -> Sku | None:
    try:
        return catalog.sku_by_code(session, code=text)
    except catalog.SkuNotFound:
        pass
    try:
        return catalog.sku_by_barcode(session, barcode=text)
    except catalog.SkuNotFound:
        return None


def suggest_skus(session: Session, text: str | None) -> list[Sku]:
    """A few SKUs whose name, code or barcode match what was typed so far."""
    if not text or not text.strip():
        return []
    skus, _ = catalog.list_skus(session, q=text.strip(), category_code=None, status=None, limit=SUGGESTIONS,
                                offset=0)
    return skus


@dataclass(frozen=True)
class Source:
    """A location that can supply the SKU now, as the clerk sees it."""

    code: str
    name: str
    kind: str
    distance_km: float | None
    promisable: int
    complete: bool
    here: bool  # the clerk's own store


@dataclass(frozen=True)
class FindResult:
    amount: int | None  # in base units; None if what was typed is not a valid amount
    sources: list[Source] = field(default_factory=list)


def find_sources(session: Session, *, sku: Sku, amount_text: str | None, origin: Store) -> FindResult:
    """Locations that can supply `sku` now: whole amount first, nearest to `origin` first, then partial ones."""
    amount = formatting.parse_amount(amount_text, sku.unit)
    if amount is None or amount > MAX_QTY:
        return FindResult(None)
    line = Qty(sku_code=sku.code, **{"weight_g" if sku.unit == "gram" else "quantity": amount})
    options = inventory.available_to_promise(session, lines=[line], channel=FIND_CHANNEL,
                                             locations=stores_service.active_locations(session),
                                             origin=(origin.latitude, origin.longitude), max_distance_km=None)
    return FindResult(amount, [Source(o.code, o.name, o.kind, o.distance_km, o.lines[0]["promisable"], o.complete,
                                      o.location_id == origin.id)
                               for o in options if o.lines[0]["promisable"] > 0])


def sources_chart(result: FindResult, sku: Sku) -> dict[str, Any]:
    """Language-neutral data for the promisable-by-location bar chart (nearest first, as in the table)."""
    shown = result.sources[:CHART_SOURCES]
    return {"names": [s.name for s in shown], "values": [s.promisable for s in shown],
            "complete": [s.complete for s in shown], "requested": result.amount, "unit": sku.unit}


@dataclass(frozen=True)
class Ledger:
    rows: list[StockMovement]
    paging: Paging
    level: StockRow  # today's stock of the SKU at the store
    chart: list[list]  # [store-local time, on hand after the movement], oldest first


def ledger(session: Session, *, store: Store, sku: Sku, page: int) -> Ledger:
    """The SKU's movements at `store`, newest first, with the on-hand line rebuilt from them."""
    rows, total = inventory.movements(session, location_id=store.id, sku_id=sku.id, limit=PAGE_SIZE,
                                      offset=(page - 1) * PAGE_SIZE)
    window, _ = inventory.movements(session, location_id=store.id, sku_id=sku.id, limit=CHART_MOVEMENTS, offset=0)
    level = _level(session, store.id, sku)
    # The whole ledger sums from zero; a longer one starts the window where today's level says it must.
    start = 0 if total <= len(window) else level.on_hand - sum(m.quantity for m in window)
    return Ledger(rows, Paging(page, total), level, on_hand_series(window, start=start, tz=store.timezone))


def _level(session: Session, store_id: int, sku: Sku) -> StockRow:
    levels, _ = inventory.stock(session, location_id=store_id, sku_ids=[sku.id], limit=1, offset=0)
    lvl = levels[0][0] if levels else None
    return StockRow(sku, lvl.on_hand, lvl.reserved, lvl.safety_stock) if lvl else StockRow(sku, 0, 0, 0)


def on_hand_series(newest_first: list[StockMovement], *, start: int, tz: str) -> list[list]:
    """On hand after each movement (a running sum from `start`), oldest first, ending at now."""
    zone, balance, points = ZoneInfo(tz), start, []
    for m in reversed(newest_first):
        balance += m.quantity
        points.append([_wall_clock(m.occurred_at, zone), balance])
    now = _wall_clock(clock.now(), zone)
    if points and now > points[-1][0]:
        points.append([now, balance])
    return points


def _wall_clock(at: datetime, zone: ZoneInfo) -> str:
    # No offset on purpose: the browser reads it as local time, so the chart shows the store's clock.
    return at.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S")
