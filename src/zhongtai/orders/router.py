"""Order endpoints: quote, place, work through the store board, pay, cancel, return, feedback; and the
signed delivery-partner callback."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from pydantic import ValidationError
from sqlalchemy.orm import Session

from zhongtai.deps import SessionDep, SettingsDep, scope_dependency
from zhongtai.kernel import signing
from zhongtai.kernel.auth import Principal
from zhongtai.kernel.errors import InvalidInput
from zhongtai.kernel.pagination import Page, PageParams, page_params
from zhongtai.orders import service
from zhongtai.orders.schemas import (
    CancelBody,
    CompleteBody,
    FeedbackCreate,
    FeedbackRead,
    GroupRead,
    HandoverBody,
    LineRead,
    NpsRow,
    OrderCreate,
    OrderRead,
    PaymentUpdate,
    QuoteOption,
    QuoteRequest,
    QuoteResponse,
    ReadyBody,
    ResolveBody,
    ReturnCreate,
    ReturnRead,
    RiderEvent,
    TimelineRead,
)
from zhongtai.staff import service as staff
from zhongtai.stores import service as stores

router = APIRouter(prefix="/api/v1", tags=["orders"])
Reader = Annotated[Principal, Depends(scope_dependency("orders:read"))]
Writer = Annotated[Principal, Depends(scope_dependency("orders:write"))]
Courier = Annotated[Principal, Depends(scope_dependency("delivery:write"))]
PageDep = Annotated[PageParams, Depends(page_params)]


def _read(session: Session, order, principal: Principal | None = None) -> OrderRead:
    d = service.detail(session, order=order)
    groups = [GroupRead.model_validate(g) for g in d["groups"]]
    if principal is not None and principal.kind == "user":
        for g in groups:  # the code proves the customer is there: staff must ask for it, not read it
            g.pickup_code = None
    return OrderRead.model_validate({**{k: getattr(order, k) for k in OrderRead.model_fields
                                        if k not in ("lines", "groups", "timeline")},
                                     "lines": [LineRead.model_validate(x) for x in d["lines"]],
                                     "groups": groups,
                                     "timeline": [TimelineRead.model_validate(e) for e in d["timeline"]]})


def _read_for(principal: Principal, session: Session, order, status_code: int = 200) -> Response:
    """The response, then the request's one commit, here in the endpoint's worker thread (see `get_session`)."""
    response = _json(_read(session, order, principal), status_code)
    session.commit()
    return response


def _json(model: OrderRead, status_code: int = 200) -> Response:
    """The order as FastAPI would render it for `response_model=OrderRead`, serialised here in the endpoint's
    worker thread. Returned as is, FastAPI skips validating the (already validated) model again, which for a
    sync endpoint costs one more worker-thread hop per request, and its serialisation on the event loop."""
    return Response(model.model_dump_json(by_alias=True), status_code=status_code, media_type="application/json")


def _actor(p: Principal) -> str:
    return f"{p.kind}:{p.name}"


@router.post("/orders/quote", response_model=QuoteResponse)
def quote(session: SessionDep, settings: SettingsDep, _: Reader, body: QuoteRequest):
    """Options before the customer pays: for each mode, where from, promised time, price, and why."""
    return QuoteResponse(options=[QuoteOption.model_validate(o) for o in service.quote(
        session, quote_in=body, settings=settings)])


@router.post("/orders", response_model=OrderRead, status_code=status.HTTP_201_CREATED)
def place_order(session: SessionDep, settings: SettingsDep, principal: Writer, body: OrderCreate):
    """Place an order from any channel: routed, priced and reserved (409 when nothing can fulfil it)."""
    if body.mode == "in_store":
        stores.get(session, principal=principal, store_id=body.store_id)
    order = service.place(session, order_in=body, actor=_actor(principal), settings=settings)
    session.flush()
    return _read_for(principal, session, order, status.HTTP_201_CREATED)


@router.get("/orders", response_model=Page[OrderRead])
def list_orders(session: SessionDep, principal: Reader, page: PageDep, status_: Annotated[
        str | None, Query(alias="status")] = None, channel: str | None = None, member_id: int | None = None):
    """Orders of the caller's stores, newest first."""
    rows, total = service.list_orders(session, principal=principal, status=status_, channel=channel,
                                      member_id=member_id, limit=page.limit, offset=page.offset)
    return Page[OrderRead](items=[_read(session, o, principal) for o in rows], total=total, **page.model_dump())


@router.get("/orders/{order_id}", response_model=OrderRead)
def get_order(session: SessionDep, principal: Reader, order_id: UUID):
    """One order with lines, fulfilment groups and its timeline."""
    return _read_for(principal, session, service.get(session, principal=principal, order_id=order_id))


@router.post("/orders/{order_id}/groups/{group_no}/ready", response_model=OrderRead)
def mark_ready(session: SessionDep, settings: SettingsDep, principal: Writer, order_id: UUID, group_no: int,
               body: ReadyBody | None = None):
    """Picked: stock leaves; short lines are substituted or refunded as the customer chose."""
    body = body or ReadyBody()
    return _read_for(principal, session, service.ready(session, principal=principal, order_id=order_id, group_no=group_no,
                                        picked=body.picked, picking_minutes=body.picking_minutes,
                                        actor=_actor(principal), settings=settings))


@router.post("/orders/{order_id}/groups/{group_no}/handover", response_model=OrderRead)
def hand_over(session: SessionDep, principal: Writer, order_id: UUID, group_no: int, body: HandoverBody):
    """Give a delivery to the rider (or a parcel to the carrier)."""
    return _read_for(principal, session, service.handover(session, principal=principal, order_id=order_id, group_no=group_no,
                                           rider=body.model_dump(), actor=_actor(principal)))


@router.post("/orders/{order_id}/groups/{group_no}/complete", response_model=OrderRead)
def complete(session: SessionDep, principal: Writer, order_id: UUID, group_no: int, body: CompleteBody | None = None):
    """Customer has the goods (pickup: verify the pickup code)."""
    return _read_for(principal, session, service.complete(session, principal=principal, order_id=order_id, group_no=group_no,
                                           pickup_code=(body or CompleteBody()).pickup_code,
                                           actor=_actor(principal)))


@router.post("/orders/{order_id}/cancel", response_model=OrderRead)
def cancel(session: SessionDep, principal: Writer, order_id: UUID, body: CancelBody):
    """Cancel: reservations released, picked goods restocked, payment refunded."""
    return _read_for(principal, session, service.cancel_by_request(session, principal=principal, order_id=order_id,
                                                    reason=body.reason, actor=_actor(principal)))


@router.post("/orders/{order_id}/payments", response_model=OrderRead)
def payment(session: SessionDep, settings: SettingsDep, principal: Writer, order_id: UUID, body: PaymentUpdate):
    """Record a payment result; pending extends the stock hold, failed cancels the order."""
    return _read_for(principal, session, service.record_payment(session, principal=principal, order_id=order_id, payment_in=body,
                                                 actor=_actor(principal), settings=settings))


@router.get("/fulfilment/board")
def board(session: SessionDep, principal: Reader, location_id: int) -> list[dict]:
    """A store's queue: open groups with pick lists, soonest promise first."""
    stores.get(session, principal=principal, store_id=location_id)
    return [{"order_id": str(r["order_id"]), "number": r["number"], "channel": r["channel"],
             "contact_name": r["contact_name"], "allowed_next": r["allowed_next"],
             "group": GroupRead.model_validate(r["group"]).model_dump(mode="json"),
             "pick_list": [LineRead.model_validate(ln).model_dump(mode="json") for ln in r["lines"]]}
            for r in service.board(session, location_id=location_id)]


@router.post("/returns", response_model=ReturnRead, status_code=status.HTTP_201_CREATED)
def create_return(session: SessionDep, principal: Writer, body: ReturnCreate):
    """Take goods back at any location for an order of any store; refund pro-rated, stock back."""
    return service.return_goods(session, principal=principal, return_in=body, actor=_actor(principal))


@router.get("/orders/{order_id}/returns", response_model=list[ReturnRead])
def list_returns(session: SessionDep, principal: Reader, order_id: UUID):
    """Returns against an order."""
    return service.returns_of(session, order=service.get(session, principal=principal, order_id=order_id))


@router.post("/orders/{order_id}/feedback", response_model=FeedbackRead, status_code=status.HTTP_201_CREATED)
def feedback(session: SessionDep, principal: Writer, order_id: UUID, body: FeedbackCreate):
    """Rating, NPS (0–10) and comment after completion; a complaint becomes a ticket for the store."""
    return service.submit_feedback(session, principal=principal, order_id=order_id, feedback_in=body)


@router.get("/feedback/nps", response_model=list[NpsRow])
def nps(session: SessionDep, principal: Reader, by: Literal["store", "channel"] = "store"):
    """NPS and average rating by store or channel."""
    return service.nps_report(session, principal=principal, by=by)


@router.get("/feedback/complaints", response_model=list[FeedbackRead])
def complaints(session: SessionDep, principal: Reader, status_: Annotated[
        Literal["open", "resolved"] | None, Query(alias="status")] = None):
    """Complaint tickets routed to the caller's stores."""
    return service.complaints(session, principal=principal, status=status_)


@router.post("/feedback/{feedback_id}/resolve", response_model=FeedbackRead)
def resolve(session: SessionDep, principal: Writer, feedback_id: UUID, body: ResolveBody):
    """Close a complaint with the resolution."""
    return service.resolve_complaint(session, principal=principal, feedback_id=feedback_id,
                                     resolution=body.resolution)


async def _raw_body(request: Request) -> bytes:
    return await request.body()


@router.post("/partners/delivery/events", response_model=OrderRead, openapi_extra={"requestBody": {
    "content": {"application/json": {"schema": RiderEvent.model_json_schema()}}, "required": True}})
def rider_event(session: SessionDep, principal: Courier, raw: Annotated[bytes, Depends(_raw_body)],
                x_zhongtai_timestamp: Annotated[str | None, Header()] = None,
                x_zhongtai_signature: Annotated[str | None, Header()] = None):
    """A delivery partner reports rider status, signed: X-Zhongtai-Signature = sha256=HMAC(secret, ts.body)."""
    signing.verify(staff.signing_secret(session, client_id=principal.id), x_zhongtai_timestamp,
                   x_zhongtai_signature, raw)
    try:
        evt = RiderEvent.model_validate_json(raw)
    except ValidationError as exc:
        raise InvalidInput("Malformed rider event", detail=[{"loc": list(e["loc"]), "msg": e["msg"]}
                                                            for e in exc.errors()]) from exc
    return _read_for(principal, session, service.rider_update(
        session, order_id=evt.order_id, group_no=evt.group_no, event=evt.event,
        rider={"rider_name": evt.rider_name, "rider_phone": evt.rider_phone},
        delivery_fee_fen=evt.delivery_fee_fen, actor=_actor(principal)))


# Registered last: the fixed steps above (ready, handover, complete) must match before this pattern.
Step = Literal["accept", "start-picking", "ship"]
TARGET = {"accept": "accepted", "start-picking": "picking", "ship": "shipped"}


@router.post("/orders/{order_id}/groups/{group_no}/{step}", response_model=OrderRead)
def step(session: SessionDep, principal: Writer, order_id: UUID, group_no: int, step: Step):
    """Move a group on: accept, start picking (illegal moves are 409 naming the allowed ones)."""
    return _read_for(principal, session, service.advance(session, principal=principal, order_id=order_id, group_no=group_no,
                                          target=TARGET[step], actor=_actor(principal)))
