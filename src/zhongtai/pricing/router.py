"""Pricing endpoints: the quote every channel prices a cart with, and store markdowns."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status

from zhongtai.deps import SessionDep, scope_dependency
from zhongtai.kernel.auth import Principal, Role
from zhongtai.pricing import policies, service
from zhongtai.pricing.schemas import (
    AppliedDiscount,
    LineDiscount,
    MarkdownCreate,
    MarkdownRead,
    PointsRead,
    QuoteLine,
    QuoteRequest,
    QuoteResponse,
    RefusedCoupon,
    TierBenefits,
)
from zhongtai.stores import service as stores

router = APIRouter(prefix="/api/v1/pricing", tags=["pricing"])
Quoter = Annotated[Principal, Depends(scope_dependency("orders:read"))]
Reader = Annotated[Principal, Depends(scope_dependency("catalog:read"))]
Marker = Annotated[Principal, Depends(scope_dependency("catalog:write", Role.HQ_ADMIN, Role.STORE_MANAGER))]


@router.post("/quote", response_model=QuoteResponse)
def quote(request: Request, principal: Quoter, body: QuoteRequest):
    """Price a cart: line prices (store prices, markdowns), each coupon applied or refused and why, points as
    payment, the payable amount and the points it will earn. Writes nothing."""
    # A read-only session (on SQLite it never takes the write lock, so quotes never queue behind writes),
    # opened and closed in this worker thread: as a `yield` dependency it would cost two more thread hops.
    with request.app.state.read_sessionmaker() as session:
        priced = service.quote(session, quote_in=body, principal=principal)
    # Serialised here, once: returning a Response spares FastAPI a second validation pass (in a worker thread)
    # of a model built just above; `response_model` still documents the shape.
    return Response(_response(body, priced).model_dump_json(), media_type="application/json")


def _response(body: QuoteRequest, priced: service.Priced) -> QuoteResponse:
    q = priced.quote
    discounts = [_markdown(ln, md) for ln, md in priced.markdowns]
    discounts += _tier_delivery(priced)
    discounts += [AppliedDiscount(kind="coupon", code=a.code, template_code=a.template_code, coupon_kind=a.kind,
                                  label=a.label, amount_fen=a.amount_fen, reason=a.reason, lines=a.lines)
                  for a in q.applied]
    tb = priced.benefits
    return QuoteResponse(
        store_id=body.store_id, channel=body.channel, member_id=priced.member_id, tier=priced.tier,
        tier_benefits=tb and TierBenefits(code=tb.code, name_zh=tb.name_zh, points_multiplier=tb.points_multiplier,
                                          free_delivery=tb.free_delivery),
        lines=[_line(ln) for ln in q.lines], list_subtotal_fen=q.list_subtotal_fen, subtotal_fen=q.subtotal_fen,
        markdown_fen=q.markdown_fen, discounts=discounts,
        refused_coupons=[RefusedCoupon(code=r.code, reason=r.reason, message=r.message) for r in q.refused],
        coupon_discount_fen=q.coupon_fen, delivery_fee_fen=q.delivery_fee_fen,
        delivery_discount_fen=q.delivery_discount_fen,
        points=PointsRead(balance=priced.balance, requested=body.points_to_redeem, redeemed=q.points.points,
                          value_fen=q.points.value_fen, note=q.points.note),
        payable_fen=q.payable_fen, points_to_earn=q.points_to_earn)


def _tier_delivery(priced: service.Priced) -> list[AppliedDiscount]:
    waived = priced.quote.tier_delivery_fen
    if not waived or priced.benefits is None:
        return []
    return [AppliedDiscount(kind="tier", label=f"{priced.benefits.name_zh} free delivery", amount_fen=waived,
                            reason=f"{priced.benefits.code} tier: delivery fee waived")]


def _markdown(ln: policies.Line, md: policies.Markdown) -> AppliedDiscount:
    saved = ln.base_amount_fen - ln.amount_fen
    return AppliedDiscount(kind="markdown", label=ln.price_note, amount_fen=saved, reason=md.reason or "markdown",
                           lines={ln.item.line_no: saved})


def _line(ln: policies.Line) -> QuoteLine:
    it = ln.item
    return QuoteLine(line_no=it.line_no, sku_code=it.sku_code, name=it.name, unit=it.unit, quantity=it.quantity,
                     list_price_fen=it.list_price_fen, unit_price_fen=ln.unit_price_fen,
                     price_source=ln.price_source, price_note=ln.price_note, list_amount_fen=ln.list_amount_fen, amount_fen=ln.amount_fen,
                     discounts=[LineDiscount(source=s, amount_fen=a) for s, a in ln.discounts],
                     discount_fen=ln.discount_fen, payable_fen=ln.net_fen, points_earned=ln.points_earned)


@router.post("/markdowns", response_model=MarkdownRead, status_code=status.HTTP_201_CREATED)
def create_markdown(session: SessionDep, principal: Marker, body: MarkdownCreate):
    """Mark a SKU down at a store until `ends_at` (store managers for their stores)."""
    stores.get(session, principal=principal, store_id=body.store_id)
    return service.create_markdown(session, markdown_in=body, actor=f"{principal.kind}:{principal.name}")


@router.get("/markdowns", response_model=list[MarkdownRead])
def list_markdowns(session: SessionDep, principal: Reader, store_id: int, current: bool = True):
    """A store's markdowns (current and future by default)."""
    stores.get(session, principal=principal, store_id=store_id)
    return service.list_markdowns(session, store_id=store_id, current_only=current)


@router.delete("/markdowns/{store_id}/{markdown_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_markdown(session: SessionDep, principal: Marker, store_id: int, markdown_id: UUID):
    """Remove a markdown."""
    stores.get(session, principal=principal, store_id=store_id)
    service.delete_markdown(session, store_id=store_id, markdown_id=markdown_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
