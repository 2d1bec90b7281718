"""Pricing use cases: quote a cart (reads only: SKUs with store prices, category paths, markdowns, the member's
tier, points and coupons, the programme — a handful of set-based queries) and manage markdowns."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from zhongtai.catalog import service as catalog
from zhongtai.db.session import Read, read_all
from zhongtai.kernel import clock
from zhongtai.kernel.auth import Principal
from zhongtai.kernel.errors import InvalidInput, NotFound
from zhongtai.kernel.ids import uuid7
from zhongtai.loyalty import service as loyalty
from zhongtai.loyalty.coupons import service as coupons
from zhongtai.members import policies as member_policies
from zhongtai.members import service as members
from zhongtai.pricing import policies, repository
from zhongtai.pricing.models import Markdown
from zhongtai.pricing.schemas import MarkdownCreate, QuoteRequest
from zhongtai.stores import service as stores


class UnitMismatch(InvalidInput):
    code, message = "unit_mismatch", "Amount given in the wrong unit for this SKU"


class MemberRequired(InvalidInput):
    code, message = "member_required", "Points need a member"


class MarkdownNotFound(NotFound):
    code, message = "markdown_not_found", "Markdown not found"


@dataclass
class Priced:
    """A quote and the member it was made for (the survivor, if the given member was merged)."""

    quote: policies.Quote
    member_id: int | None
    tier: str | None
    benefits: member_policies.Tier | None
    balance: int | None
    markdowns: list[tuple[policies.Line, policies.Markdown]]


def quote(session: Session, *, quote_in: QuoteRequest, principal: Principal) -> Priced:
    """Price a cart for a store, channel and member: writes nothing. Every read goes out at once (one round
    trip on PostgreSQL): the store, the SKUs with their store prices, the markdowns, the member's standing and
    points, the coupons."""
    codes, now = {ln.sku_code for ln in quote_in.lines}, clock.now()
    reads = {"store": stores.visible_read(principal=principal, store_id=quote_in.store_id),
             "skus": catalog.pricing_read(codes=codes, store_id=quote_in.store_id),
             "markdowns": repository.active_markdowns_read(quote_in.store_id, codes, now),
             **_context_reads(quote_in.member_id, quote_in.coupon_codes)}
    rows = dict(zip(reads, read_all(session, list(reads.values())), strict=True))
    stores.check_found(rows["store"], store_id=quote_in.store_id)
    return _price(session, _items(quote_in, catalog.skus_for_pricing_from(rows["skus"], codes=codes),
                                  rows["markdowns"]), rows,
                  store_id=quote_in.store_id, channel=quote_in.channel, member_id=quote_in.member_id,
                  coupon_codes=quote_in.coupon_codes, points=quote_in.points_to_redeem,
                  delivery_fee_fen=quote_in.delivery_fee_fen)


def price_order(session: Session, *, store_id: int, channel: str, member_id: int | None,
                lines: Sequence[tuple[int, Any, int, int | None]], coupon_codes: Sequence[str], points: int,
                delivery_fee_fen: int) -> Priced:
    """Price an order being placed with the engine every quote uses. `lines` are (fulfilling location, SKU
    row, amount, that location's price or None), so each line carries its own store's price and markdown;
    coupons and points apply to the whole order at `store_id`. Writes nothing; its reads go out at once."""
    now, in_force = clock.now(), defaultdict(list)
    locations = sorted({loc for loc, *_ in lines})
    reads = {("markdowns", loc): repository.active_markdowns_read(loc, [s.code for at, s, *_ in lines if at == loc], now)
             for loc in locations}
    if coupon_codes or member_id is not None:
        reads["paths"] = catalog.paths_read(category_ids={s.category_id for _, s, *_ in lines})
    reads.update(_context_reads(member_id, coupon_codes))
    rows = dict(zip(reads, read_all(session, list(reads.values())), strict=True))
    for loc in locations:
        for md in rows["markdowns", loc]:
            in_force[(loc, md.sku_id)].append(policies.Markdown(md.price_fen, md.percent_off, md.reason))
    paths = dict(rows.get("paths", []))
    items = [policies.Item(
        line_no=no, sku_code=sku.code, name=sku.name_zh, unit=sku.unit, quantity=qty,
        category_path=paths.get(sku.category_id, ""), list_price_fen=sku.list_price_fen, store_price_fen=price,
        markdown=policies.best_markdown(sku.list_price_fen if price is None else price, in_force.get((loc, sku.id), [])))
        for no, (loc, sku, qty, price) in enumerate(lines, start=1)]
    return _price(session, items, rows, store_id=store_id, channel=channel, member_id=member_id,
                  coupon_codes=coupon_codes, points=points, delivery_fee_fen=delivery_fee_fen)


def _context_reads(member_id: int | None, coupon_codes: Sequence[str]) -> dict[Any, Read]:
    """What pricing reads besides the goods: the member's standing and points, the coupons presented."""
    reads: dict[Any, Read] = {}
    if member_id is not None:
        reads["standing"] = members.standing_read(member_id=member_id)
        reads["points"] = loyalty.programme_and_balance_read(member_id=member_id)
    if coupon_codes:
        reads["coupons"] = coupons.terms_read(codes=coupon_codes)
    return reads


def _price(session: Session, items: list[policies.Item], rows: dict[Any, list], *, store_id: int, channel: str,
           member_id: int | None, coupon_codes: Sequence[str], points: int, delivery_fee_fen: int) -> Priced:
    member_id, tier, balance, redeem, earner = _member(session, rows, member_id=member_id, points=points,
                                                       channel=channel)
    offers = [_offer(t) for t in coupons.terms_from(rows.get("coupons", []), codes=coupon_codes,
                                                      member_id=member_id, channel=channel, store_id=store_id)]
    benefits = member_policies.TIERS_BY_CODE.get(tier) if tier else None
    result = policies.quote(items, offers, delivery_fee_fen=delivery_fee_fen, points_requested=points,
                            redeem=redeem, earner=earner, free_delivery=bool(benefits and benefits.free_delivery))
    marked = [(ln, ln.item.markdown) for ln in result.lines if ln.price_source == "markdown"]
    return Priced(result, member_id, tier, benefits, balance, marked)  # type: ignore[arg-type]


def _items(quote_in: QuoteRequest, skus: dict[str, Any], markdowns: Sequence[Any]) -> list[policies.Item]:
    wrong = sorted({ln.sku_code for ln in quote_in.lines if skus[ln.sku_code].unit != ln.unit})
    if wrong:
        raise UnitMismatch(detail={"sku_codes": wrong,
                                   "hint": "use weight_g for gram SKUs, quantity for piece SKUs"})
    in_force: dict[int, list[policies.Markdown]] = defaultdict(list)
    for md in markdowns:
        in_force[md.sku_id].append(policies.Markdown(md.price_fen, md.percent_off, md.reason))
    items = []
    for no, ln in enumerate(quote_in.lines, start=1):
        sku = skus[ln.sku_code]
        base = sku.list_price_fen if sku.store_price_fen is None else sku.store_price_fen
        items.append(policies.Item(
            line_no=no, sku_code=sku.code, name=sku.name_zh, unit=sku.unit, quantity=ln.amount,
            category_path=sku.category_path or "", list_price_fen=sku.list_price_fen,
            store_price_fen=sku.store_price_fen, markdown=policies.best_markdown(base, in_force.get(sku.id, []))))
    return items


def _member(session: Session, rows: dict[Any, list], *, member_id: int | None, points: int, channel: str):
    """(member, tier, balance, redeemer, earner) — all None without a member."""
    if member_id is None:
        if points:
            raise MemberRequired(detail={"points_to_redeem": points})
        return None, None, None, None, None
    standing = members.survivor_tier_from(session, rows["standing"])
    if standing is None:
        raise members.MemberNotFound(detail={"member_id": member_id})
    survivor, tier = standing
    # A merged member's points are the survivor's: read again for it (rare), else use what came with the rest.
    prog, balance = loyalty.programme_and_balance(session, member_id=survivor) if survivor != member_id \
        else loyalty.programme_and_balance_from(rows["points"])
    member_id = survivor
    if points > max(balance, 0):
        raise loyalty.InsufficientPoints(detail={"member_id": member_id, "requested": points, "balance": balance})

    def redeem(requested: int, payable_fen: int) -> policies.PointsUse:
        use = prog.redeem(requested, payable_fen)
        return policies.PointsUse(use.requested, use.points, use.value_fen, use.note)

    def earner(net_fen: int, category_path: str) -> int:
        return prog.points_for(net_fen, channel=channel, category_path=category_path, tier=tier)

    return member_id, tier, balance, redeem, earner


def _offer(offer: coupons.Terms) -> policies.CouponOffer:
    refusal = (offer.refusal.reason, offer.refusal.message) if offer.refusal else None
    t = offer.template
    if t is None:
        return policies.CouponOffer(code=offer.code, template_code="", label="", kind="amount_off", refusal=refusal)
    return policies.CouponOffer(
        code=offer.code, template_code=t.template_code, label=offer.label, kind=t.kind,
        threshold_fen=t.threshold_fen, amount_fen=t.amount_fen, percent_off=t.percent_off, cap_fen=t.cap_fen,
        sku_codes=frozenset(t.sku_codes), category_codes=frozenset(t.category_codes), stackable=t.stackable,
        refusal=refusal)


# --- markdowns ------------------------------------------------------------------------------------------

def create_markdown(session: Session, *, markdown_in: MarkdownCreate, actor: str) -> Markdown:
    """Mark a SKU down at a store for a while (a fixed price or a percentage off)."""
    sku = catalog.sku_by_code(session, code=markdown_in.sku_code)
    row = Markdown(store_id=markdown_in.store_id, id=uuid7(), sku_id=sku.id,
                   price_fen=markdown_in.price_fen, percent_off=markdown_in.percent_off, reason=markdown_in.reason,
                   starts_at=markdown_in.starts_at or clock.now(), ends_at=markdown_in.ends_at, created_by=actor,
                   created_at=clock.now())
    session.add(row)
    session.flush()
    return row


def list_markdowns(session: Session, *, store_id: int, current_only: bool) -> Sequence[Markdown]:
    return repository.markdowns(session, store_id, current_only=current_only, now=clock.now())


def delete_markdown(session: Session, *, store_id: int, markdown_id: uuid.UUID) -> None:
    """End a markdown now by removing it."""
    if not repository.delete_markdown(session, store_id, markdown_id):
        raise MarkdownNotFound(detail={"markdown_id": str(markdown_id)})
