"""Inventory endpoints, scoped to the locations the caller may see (another location answers 404)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from zhongtai.catalog import service as catalog
from zhongtai.deps import SessionDep, require_scope
from zhongtai.inventory import handlers, policies, service
from zhongtai.inventory.schemas import (
    AdjustmentCreate, AllocationRead, AllocationSet, AtpOption, AtpRequest, AtpResponse, BatchRead, ConfirmBody,
    CountCreate, CountRead, ExtendBody, MovementRead, ReceiptCreate, ReservationCreate, ReservationLineRead,
    ReservationRead, ReturnCreate, SafetyStockSet, SaleCreate, StockRead, TransferCreate, TransferRead,
    VerifyReport,
)
from zhongtai.inventory.service import Doc
from zhongtai.kernel import live
from zhongtai.kernel.auth import Principal, Role
from zhongtai.kernel.pagination import Page, PageParams, page_params
from zhongtai.stores import service as stores

router = APIRouter(prefix="/api/v1", tags=["inventory"])
Reader = Annotated[Principal, Depends(require_scope("inventory:read"))]
Writer = Annotated[Principal, Depends(require_scope("inventory:write", Role.HQ_ADMIN, Role.STORE_MANAGER))]
Reserver = Annotated[Principal, Depends(require_scope("inventory:write"))]
Auditor = Annotated[Principal, Depends(require_scope("inventory:read", Role.HQ_ADMIN))]
PageDep = Annotated[PageParams, Depends(page_params)]


def _location(session: Session, principal: Principal, location_id: int) -> int:
    return stores.get(session, principal=principal, store_id=location_id).id


def _doc(principal: Principal, **kw) -> Doc:
    return Doc(actor=f"{principal.kind}:{principal.name}", **kw)


def _stock_read(location_id: int, level, sku) -> StockRead:
    on_hand, reserved, safety = level
    return StockRead(location_id=location_id, sku_id=sku.id, sku_code=sku.code, name_zh=sku.name_zh, unit=sku.unit,
                     on_hand=on_hand, reserved=reserved, safety_stock=safety,
                     available=policies.available(on_hand, reserved, safety))


@router.get("/locations/{location_id}/stock", response_model=Page[StockRead])
def list_stock(session: SessionDep, principal: Reader, location_id: int, page: PageDep,
               sku: Annotated[str | None, Query(description="SKU code")] = None,
               low: Annotated[bool, Query(description="Only rows at or below safety stock")] = False):
    """Stock at a location: on hand, reserved, safety stock and available."""
    _location(session, principal, location_id)
    sku_ids = [catalog.sku_by_code(session, code=sku).id] if sku else None
    rows, total = service.stock(session, location_id=location_id, sku_ids=sku_ids, low_only=low,
                                limit=page.limit, offset=page.offset)
    items = [_stock_read(location_id, (r.on_hand, r.reserved, r.safety_stock), s) for r, s in rows]
    return Page[StockRead](items=items, total=total, **page.model_dump())


@router.put("/locations/{location_id}/stock/{sku_code}/safety-stock", response_model=StockRead)
def set_safety_stock(session: SessionDep, principal: Writer, location_id: int, sku_code: str, body: SafetyStockSet):
    """Set the safety stock kept back from every promise."""
    _location(session, principal, location_id)
    level = service.set_safety_stock(session, location_id=location_id, sku_code=sku_code, qty=body.safety_stock)
    return _stock_read(location_id, level, catalog.sku_by_code(session, code=sku_code))


@router.post("/locations/{location_id}/receipts", status_code=status.HTTP_201_CREATED)
def post_receipt(session: SessionDep, principal: Writer, location_id: int, body: ReceiptCreate) -> dict:
    """Goods received (purchase receipt); fresh goods become dated batches."""
    _location(session, principal, location_id)
    n = service.receive(session, location_id=location_id, lines=body.lines, doc=_doc(
        principal, source_type="receipt", source_id=body.source_id, occurred_at=body.occurred_at))
    return {"lines_posted": n}


@router.post("/locations/{location_id}/adjustments", response_model=StockRead, status_code=status.HTTP_201_CREATED)
def post_adjustment(session: SessionDep, principal: Writer, location_id: int, body: AdjustmentCreate):
    """A signed stock correction with a reason."""
    _location(session, principal, location_id)
    level = service.adjust(session, location_id=location_id, sku_code=body.sku_code, delta=body.delta,
                           doc=_doc(principal, source_type="adjustment", reason=body.reason))
    return _stock_read(location_id, level, catalog.sku_by_code(session, code=body.sku_code))


@router.post("/locations/{location_id}/sales", status_code=status.HTTP_201_CREATED)
def post_sale(session: SessionDep, principal: Reserver, location_id: int, body: SaleCreate) -> dict:
    """A till sale; it always posts, and SKUs left oversold are reported for the store to resolve."""
    _location(session, principal, location_id)
    oversold = service.sell(session, location_id=location_id, lines=body.lines, doc=_doc(
        principal, source_type="sale", source_id=body.source_id, occurred_at=body.occurred_at))
    return {"oversold_sku_ids": oversold}


@router.post("/locations/{location_id}/returns", status_code=status.HTTP_201_CREATED)
def post_return(session: SessionDep, principal: Reserver, location_id: int, body: ReturnCreate) -> dict:
    """Goods returned at this location, sellable or damaged."""
    _location(session, principal, location_id)
    service.take_back(session, location_id=location_id, lines=body.lines, condition=body.condition, doc=_doc(
        principal, source_type="return", source_id=body.source_id, occurred_at=body.occurred_at))
    return {"condition": body.condition}


@router.get("/locations/{location_id}/movements", response_model=Page[MovementRead])
def list_movements(session: SessionDep, principal: Reader, location_id: int, page: PageDep,
                   sku: Annotated[str | None, Query(description="SKU code")] = None):
    """The stock ledger at a location, newest first."""
    _location(session, principal, location_id)
    sku_id = catalog.sku_by_code(session, code=sku).id if sku else None
    rows, total = service.movements(session, location_id=location_id, sku_id=sku_id, limit=page.limit,
                                    offset=page.offset)
    return Page[MovementRead](items=[MovementRead.model_validate(r) for r in rows], total=total, **page.model_dump())


@router.get("/locations/{location_id}/near-expiry", response_model=list[BatchRead])
def near_expiry(session: SessionDep, principal: Reader, location_id: int,
                hours: Annotated[int, Query(ge=1, le=24 * 90)] = 48):
    """Batches whose best-before date falls within the coming hours (for markdowns)."""
    _location(session, principal, location_id)
    return service.near_expiry(session, location_id=location_id, within_hours=hours)


def _reservation_read(session: Session, res) -> ReservationRead:
    lines = [ReservationLineRead(sku_id=ln.sku_id, quantity=ln.quantity)
             for ln in service.reservation_lines(session, reservation=res)]
    return ReservationRead.model_validate({**{k: getattr(res, k) for k in ReservationRead.model_fields
                                              if k != "lines"}, "lines": lines})


@router.post("/locations/{location_id}/reservations", response_model=ReservationRead,
             status_code=status.HTTP_201_CREATED)
def create_reservation(session: SessionDep, principal: Reserver, location_id: int, body: ReservationCreate,
                       response: Response):
    """Reserve stock for a channel with a time-to-live; all lines or none (409 insufficient_stock)."""
    _location(session, principal, location_id)
    res, created = service.reserve(session, location_id=location_id, reservation_in=body, actor=principal.name)
    if not created:
        response.status_code = status.HTTP_200_OK
    return _reservation_read(session, res)


@router.get("/locations/{location_id}/reservations/{reservation_id}", response_model=ReservationRead)
def get_reservation(session: SessionDep, principal: Reader, location_id: int, reservation_id: UUID):
    """One reservation."""
    _location(session, principal, location_id)
    return _reservation_read(session, service.get_reservation(session, location_id=location_id,
                                                              reservation_id=reservation_id))


@router.post("/locations/{location_id}/reservations/{reservation_id}/confirm", response_model=ReservationRead)
def confirm_reservation(session: SessionDep, principal: Reserver, location_id: int, reservation_id: UUID,
                        body: ConfirmBody | None = None):
    """Goods picked: reserved stock leaves as a fulfilment movement; unpicked amounts are released."""
    _location(session, principal, location_id)
    res = service.confirm(session, location_id=location_id, reservation_id=reservation_id,
                          picked=body.picked if body else None, actor=principal.name)
    return _reservation_read(session, res)


@router.post("/locations/{location_id}/reservations/{reservation_id}/release", response_model=ReservationRead)
def release_reservation(session: SessionDep, principal: Reserver, location_id: int, reservation_id: UUID):
    """Give the reserved stock back."""
    _location(session, principal, location_id)
    res = service.release(session, location_id=location_id, reservation_id=reservation_id, actor=principal.name)
    return _reservation_read(session, res)


@router.post("/locations/{location_id}/reservations/{reservation_id}/extend", response_model=ReservationRead)
def extend_reservation(session: SessionDep, principal: Reserver, location_id: int, reservation_id: UUID,
                       body: ExtendBody):
    """Keep a reservation longer while a payment is pending."""
    _location(session, principal, location_id)
    res = service.extend(session, location_id=location_id, reservation_id=reservation_id,
                         ttl_seconds=body.ttl_seconds)
    return _reservation_read(session, res)


@router.post("/atp", response_model=AtpResponse)
def available_to_promise(session: SessionDep, principal: Reader, body: AtpRequest):
    """Which stores and warehouses can supply which lines now, nearest and most complete first."""
    origin = (body.latitude, body.longitude) if body.latitude is not None and body.longitude is not None else None
    kinds = ("store", "warehouse") if body.include_warehouses else ("store",)
    locations = stores.active_locations(session, kinds=kinds)
    options = service.available_to_promise(session, lines=body.lines, channel=body.channel, locations=locations,
                                           origin=origin, max_distance_km=body.max_distance_km)
    return AtpResponse(channel=body.channel, options=[AtpOption(
        location_id=o.location_id, code=o.code, name=o.name, kind=o.kind, distance_km=o.distance_km,
        complete=o.complete, lines=o.lines) for o in options])


@router.get("/locations/{location_id}/channel-allocations", response_model=list[AllocationRead])
def list_allocations(session: SessionDep, principal: Reader, location_id: int):
    """How much stock online channels may promise at this location."""
    _location(session, principal, location_id)
    return service.list_allocations(session, location_id=location_id)


@router.put("/locations/{location_id}/channel-allocations", response_model=AllocationRead)
def set_allocation(session: SessionDep, principal: Writer, location_id: int, body: AllocationSet):
    """Keep a share (percent) or a buffer of stock for walk-in shoppers, per store or category."""
    _location(session, principal, location_id)
    return service.set_allocation(session, location_id=location_id, category_code=body.category_code,
                                  online_percent=body.online_percent, walk_in_buffer=body.walk_in_buffer)


@router.post("/transfers", response_model=TransferRead, status_code=status.HTTP_201_CREATED)
def create_transfer(session: SessionDep, principal: Writer, body: TransferCreate):
    """Draft a transfer out of a location the caller manages, to any location."""
    _location(session, principal, body.from_location_id)
    stores.get(session, principal=_any_store(principal), store_id=body.to_location_id)
    return service.create_transfer(session, from_location_id=body.from_location_id,
                                   to_location_id=body.to_location_id, lines=body.lines, note=body.note,
                                   actor=principal.name)


def _any_store(principal: Principal) -> Principal:
    """Sending to another store is allowed: the destination only has to exist."""
    return Principal(kind=principal.kind, id=principal.id, name=principal.name, all_stores=True)


@router.get("/transfers", response_model=Page[TransferRead])
def list_transfers(session: SessionDep, principal: Reader, page: PageDep):
    """Transfers into or out of the caller's locations."""
    rows, total = service.list_transfers(session, location_ids=stores.visible_store_ids(principal),
                                         limit=page.limit, offset=page.offset)
    return Page[TransferRead](items=[TransferRead.model_validate(t) for t in rows], total=total, **page.model_dump())


def _transfer_for(session: Session, principal: Principal, transfer_id: UUID, side: str):
    transfer = service.get_transfer(session, transfer_id=transfer_id)
    loc = transfer.from_location_id if side == "from" else transfer.to_location_id
    if not principal.can_see_store(loc):
        raise service.TransferNotFound(detail={"transfer_id": str(transfer_id)})
    return transfer


@router.post("/transfers/{transfer_id}/ship", response_model=TransferRead)
def ship_transfer(session: SessionDep, principal: Writer, transfer_id: UUID):
    """The sending location ships: stock leaves it (FEFO)."""
    _transfer_for(session, principal, transfer_id, "from")
    return service.ship_transfer(session, transfer_id=transfer_id, actor=principal.name)


@router.post("/transfers/{transfer_id}/receive", response_model=TransferRead)
def receive_transfer(session: SessionDep, principal: Writer, transfer_id: UUID):
    """The receiving location books the goods in."""
    _transfer_for(session, principal, transfer_id, "to")
    return service.receive_transfer(session, transfer_id=transfer_id, actor=principal.name)


@router.post("/transfers/{transfer_id}/cancel", response_model=TransferRead)
def cancel_transfer(session: SessionDep, principal: Writer, transfer_id: UUID):
    """Cancel a transfer that has not shipped."""
    _transfer_for(session, principal, transfer_id, "from")
    return service.cancel_transfer(session, transfer_id=transfer_id)


@router.post("/locations/{location_id}/counts", response_model=CountRead, status_code=status.HTTP_201_CREATED)
def post_count(session: SessionDep, principal: Writer, location_id: int, body: CountCreate):
    """Enter a cycle count; differences post as adjustments with the reason."""
    _location(session, principal, location_id)
    return service.post_count(session, location_id=location_id, lines=body.lines, reason=body.reason,
                              actor=principal.name)


@router.get("/locations/{location_id}/counts", response_model=Page[CountRead])
def list_counts(session: SessionDep, principal: Reader, location_id: int, page: PageDep):
    """Cycle counts posted at a location."""
    _location(session, principal, location_id)
    rows, total = service.list_counts(session, location_id=location_id, limit=page.limit, offset=page.offset)
    return Page[CountRead](items=[CountRead.model_validate(c) for c in rows], total=total, **page.model_dump())


@router.get("/inventory/verify", response_model=VerifyReport)
def verify(session: SessionDep, _: Auditor):
    """Check on hand = ledger sum and reserved = active reservations everywhere (head office)."""
    return service.verify(session)


@router.get("/locations/{location_id}/stock/stream", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
def stream_stock(session: SessionDep, principal: Reader, location_id: int):
    """Live stock changes at a location (Server-Sent Events, `event: stock_changed`)."""
    _location(session, principal, location_id)
    return StreamingResponse(live.subscribe(handlers.stock_topic(location_id)), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
