"""Pure pricing: line prices (list, store price, markdown), coupons applied to a cart with the reason for every
decision, points as payment, points to earn. Integer fen throughout. No I/O.

Rounding rules
* A weighed line costs its grams at the per-kilogram price, half up to the fen (`catalog.policies`).
* A percentage markdown gives a unit price rounded half up to the fen (the shelf label), never above the
  price it marks down; a fixed markdown price only applies when it is lower.
* A percent-off coupon takes floor(eligible × percent / 100) fen, then at most its cap.
* Every cart-level discount (a coupon, the points) is spread over the lines it applies to in proportion to
  their net amounts, largest remainder first and ties to the earlier line, so line discounts always add up
  to the discount exactly.
* Points pay floor(points × 100 / rate) fen, at most the programme's share of the goods payable after
  coupons; only the points that value needs are charged. Points earned are floored per line.

Coupon order and stacking
1. Product and category coupons first, then whole-cart coupons, then free delivery; within each group in
   the order presented.
2. A threshold (满) is checked against the eligible lines' net amount after the discounts applied before it.
3. One coupon per template per order. A non-stackable coupon is only used alone among goods coupons: once
   one is applied every later goods coupon is refused, and it is refused itself if another came first.
   Free-delivery coupons reduce the delivery fee, stack with goods coupons, and one is used per order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from zhongtai.catalog.policies import line_amount_fen
from zhongtai.orders.policies import prorate


@dataclass(frozen=True)
class Markdown:
    """A store's temporary reduction of a SKU: a fixed unit price or a percentage off."""

    price_fen: int | None = None
    percent_off: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class Item:
    """A cart line with the facts that price it."""

    line_no: int
    sku_code: str
    name: str
    unit: str  # piece | gram (quantity in grams, prices per kilogram)
    quantity: int
    category_path: str
    list_price_fen: int
    store_price_fen: int | None = None
    markdown: Markdown | None = None


@dataclass(frozen=True)
class CouponOffer:
    """A coupon presented at checkout, with its template's terms and (if any) why it cannot be used at all."""

    code: str
    template_code: str
    label: str
    kind: str  # amount_off | percent_off | free_delivery
    threshold_fen: int = 0
    amount_fen: int = 0
    percent_off: int | None = None
    cap_fen: int | None = None
    sku_codes: frozenset[str] = frozenset()
    category_codes: frozenset[str] = frozenset()
    stackable: bool = True
    refusal: tuple[str, str] | None = None  # (reason, message)

    @property
    def scoped(self) -> bool:
        return bool(self.sku_codes or self.category_codes)


@dataclass
class Line:
    item: Item
    unit_price_fen: int
    price_source: str  # list | store | markdown
    price_note: str
    list_amount_fen: int
    base_amount_fen: int  # at the store's price, before any markdown
    amount_fen: int
    discounts: list[tuple[str, int]] = field(default_factory=list)
    points_earned: int = 0

    @property
    def discount_fen(self) -> int:
        return sum(d for _, d in self.discounts)

    @property
    def net_fen(self) -> int:
        return self.amount_fen - self.discount_fen


@dataclass(frozen=True)
class Applied:
    code: str
    template_code: str
    kind: str
    label: str
    amount_fen: int
    reason: str
    lines: dict[int, int]


@dataclass(frozen=True)
class Refused:
    code: str
    reason: str
    message: str


@dataclass(frozen=True)
class PointsUse:
    requested: int = 0
    points: int = 0
    value_fen: int = 0
    note: str = ""


@dataclass
class Quote:
    lines: list[Line]
    applied: list[Applied]
    refused: list[Refused]
    delivery_fee_fen: int
    delivery_discount_fen: int
    points: PointsUse
    points_to_earn: int
    tier_delivery_fen: int = 0  # the delivery fee the member's tier waived

    @property
    def list_subtotal_fen(self) -> int:
        return sum(ln.list_amount_fen for ln in self.lines)

    @property
    def subtotal_fen(self) -> int:
        return sum(ln.amount_fen for ln in self.lines)

    @property
    def markdown_fen(self) -> int:
        return sum(ln.base_amount_fen - ln.amount_fen for ln in self.lines)

    @property
    def coupon_fen(self) -> int:
        return sum(a.amount_fen for a in self.applied)

    @property
    def payable_fen(self) -> int:
        return sum(ln.net_fen for ln in self.lines) + self.delivery_fee_fen - self.delivery_discount_fen


# --- line prices ----------------------------------------------------------------------------------------

def yuan(fen: int) -> str:
    """¥12.30"""
    return f"¥{Decimal(fen) / 100:.2f}"


def short_yuan(fen: int) -> str:
    """100, 12.3: as printed in 满100减20."""
    return f"{(Decimal(fen) / 100).normalize():f}"


def unit_price(item: Item) -> tuple[int, str, str]:
    """(unit price, where it comes from, why): the store's price wins over the list price, a markdown
    over both when it is lower."""
    price, source = item.list_price_fen, "list"
    note = "list price"
    if item.store_price_fen is not None and item.store_price_fen != item.list_price_fen:
        price, source, note = item.store_price_fen, "store", f"store price (list {yuan(item.list_price_fen)})"
    md = item.markdown
    if md is not None:
        marked = markdown_price(price, md)
        if marked < price:
            off = f"{Decimal(100 - md.percent_off) / 10:.1f}".rstrip("0").rstrip(".") + "折" \
                if md.percent_off is not None else f"now {yuan(marked)}"
            why = f"markdown {off}" + (f": {md.reason}" if md.reason else "")
            return marked, "markdown", f"{why} (was {yuan(price)})"
    return price, source, note


def markdown_price(price_fen: int, md: Markdown) -> int:
    """A unit price after a markdown: the fixed price if lower, or the percentage off, half up to the fen."""
    if md.percent_off is not None:
        marked = Decimal(price_fen) * (100 - md.percent_off) / 100
        return min(price_fen, int(marked.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    return min(price_fen, md.price_fen if md.price_fen is not None else price_fen)


def best_markdown(price_fen: int, markdowns: Sequence[Markdown]) -> Markdown | None:
    """Of several markdowns in force, the one giving the lowest price (the first on a tie)."""
    return min(markdowns, key=lambda md: markdown_price(price_fen, md), default=None)


def price_line(item: Item) -> Line:
    price, source, note = unit_price(item)
    base = item.store_price_fen if item.store_price_fen is not None else item.list_price_fen
    return Line(item=item, unit_price_fen=price, price_source=source, price_note=note,
                list_amount_fen=line_amount_fen(item.unit, item.list_price_fen, item.quantity),
                base_amount_fen=line_amount_fen(item.unit, base, item.quantity),
                amount_fen=line_amount_fen(item.unit, price, item.quantity))


# --- coupons --------------------------------------------------------------------------------------------

def eligible(line: Line, offer: CouponOffer) -> bool:
    """A line a coupon applies to: any line for a whole-cart coupon, else its SKUs or categories (a
    category covers its subtree)."""
    if not offer.scoped:
        return True
    codes = {c for c in line.item.category_path.split("/") if c}
    return line.item.sku_code in offer.sku_codes or bool(codes & offer.category_codes)


def coupon_order(offers: Sequence[CouponOffer]) -> list[CouponOffer]:
    """Product/category coupons, then whole-cart coupons, then free delivery (stable within each)."""
    rank = {True: 0, False: 1}
    return sorted(offers, key=lambda o: 2 if o.kind == "free_delivery" else rank[o.scoped])


def discount_for(offer: CouponOffer, base_fen: int) -> int:
    """What a goods coupon takes from `base_fen` of eligible net amount."""
    if offer.kind == "amount_off":
        return min(offer.amount_fen, base_fen)
    off = base_fen * (offer.percent_off or 0) // 100
    return min(off, offer.cap_fen) if offer.cap_fen is not None else off


@dataclass
class _Stack:
    templates: set[str] = field(default_factory=set)
    goods: list[CouponOffer] = field(default_factory=list)
    delivery_used: bool = False


def apply_coupons(lines: list[Line], offers: Sequence[CouponOffer],
                  delivery_fee_fen: int) -> tuple[list[Applied], list[Refused], int]:
    """Apply coupons to priced lines (their discounts are added in place); (applied, refused, delivery
    discount)."""
    applied, refused, stack, delivery_off = [], [], _Stack(), 0
    for offer in coupon_order(offers):
        refusal = offer.refusal or _stacking_refusal(offer, stack)
        if refusal is None and offer.kind == "free_delivery":
            result = _free_delivery(lines, offer, delivery_fee_fen)
        elif refusal is None:
            result = _goods(lines, offer)
        else:
            result = refusal
        if isinstance(result, tuple):
            refused.append(Refused(offer.code, *result))
            continue
        applied.append(result)
        stack.templates.add(offer.template_code)
        if offer.kind == "free_delivery":
            stack.delivery_used, delivery_off = True, result.amount_fen
        else:
            stack.goods.append(offer)
    return applied, refused, delivery_off


def _stacking_refusal(offer: CouponOffer, stack: _Stack) -> tuple[str, str] | None:
    if offer.template_code in stack.templates:
        return "duplicate_template", "another coupon of the same offer is already used on this order"
    if offer.kind == "free_delivery":
        return ("not_stackable", "one free-delivery coupon per order") if stack.delivery_used else None
    blocker = next((o for o in stack.goods if not o.stackable), None) or (
        stack.goods[0] if stack.goods and not offer.stackable else None)
    if blocker is not None:
        return "not_stackable", f"not stackable with {blocker.code} ({blocker.label})"
    return None


def _goods(lines: list[Line], offer: CouponOffer) -> Applied | tuple[str, str]:
    targets = [ln for ln in lines if eligible(ln, offer) and ln.net_fen > 0]
    if not targets:
        return "no_eligible_items", "no eligible items in the cart"
    base = sum(ln.net_fen for ln in targets)
    if base < offer.threshold_fen:
        return "below_threshold", f"below threshold 满{short_yuan(offer.threshold_fen)} (eligible {yuan(base)})"
    amount = discount_for(offer, base)
    if amount <= 0:
        return "nothing_to_discount", "the discount rounds to nothing on this cart"
    shares = prorate(amount, [ln.net_fen for ln in targets])
    for ln, share in zip(targets, shares, strict=True):
        if share:
            ln.discounts.append((f"coupon:{offer.code}", share))
    return Applied(offer.code, offer.template_code, offer.kind, offer.label, amount,
                   f"{offer.label} on {yuan(base)} of eligible items",
                   {ln.item.line_no: s for ln, s in zip(targets, shares, strict=True) if s})


def _free_delivery(lines: list[Line], offer: CouponOffer, fee_fen: int) -> Applied | tuple[str, str]:
    if fee_fen <= 0:
        return "no_delivery_fee", "this order has no delivery fee"
    goods = sum(ln.net_fen for ln in lines)
    if goods < offer.threshold_fen:
        return "below_threshold", f"below threshold 满{short_yuan(offer.threshold_fen)} (goods {yuan(goods)})"
    amount = min(fee_fen, offer.cap_fen) if offer.cap_fen is not None else fee_fen
    return Applied(offer.code, offer.template_code, offer.kind, offer.label, amount,
                   f"delivery fee {yuan(fee_fen)} waived" + (" up to the cap" if amount < fee_fen else ""), {})


# --- points ---------------------------------------------------------------------------------------------

Redeemer = Callable[[int, int], PointsUse]  # (points requested, goods payable) -> what applies
Earner = Callable[[int, str], int]  # (net fen, category path) -> points


def apply_points(lines: list[Line], requested: int, redeem: Redeemer | None) -> PointsUse:
    """Points as payment, spread over the lines; nothing when no member (no redeemer) or nothing asked."""
    if redeem is None or requested <= 0:
        return PointsUse(requested=max(0, requested))
    use = redeem(requested, sum(ln.net_fen for ln in lines))
    if use.value_fen:
        targets = [ln for ln in lines if ln.net_fen > 0]
        for ln, share in zip(targets, prorate(use.value_fen, [ln.net_fen for ln in targets]), strict=True):
            if share:
                ln.discounts.append(("points", share))
    return use


def earn(lines: list[Line], earner: Earner | None) -> int:
    """Points each line will earn on what is paid for it (after coupons and points), floored per line."""
    if earner is None:
        return 0
    for ln in lines:
        ln.points_earned = earner(ln.net_fen, ln.item.category_path)
    return sum(ln.points_earned for ln in lines)


def quote(items: Sequence[Item], offers: Sequence[CouponOffer], *, delivery_fee_fen: int = 0,
          points_requested: int = 0, redeem: Redeemer | None = None, earner: Earner | None = None,
          free_delivery: bool = False) -> Quote:
    """Price a cart: lines, then the tier's free delivery, then coupons, then points, then the points it will
    earn. A tier with free delivery waives the fee first, so no free-delivery coupon is used up on it."""
    lines = [price_line(item) for item in items]
    waived = delivery_fee_fen if free_delivery else 0
    applied, refused, delivery_off = apply_coupons(lines, offers, delivery_fee_fen - waived)
    points = apply_points(lines, points_requested, redeem)
    return Quote(lines=lines, applied=applied, refused=refused, delivery_fee_fen=delivery_fee_fen,
                 delivery_discount_fen=waived + delivery_off, points=points, points_to_earn=earn(lines, earner),
                 tier_delivery_fen=waived)
