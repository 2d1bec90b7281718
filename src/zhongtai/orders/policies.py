"""Pure order rules: the lifecycle state machine, order status from its groups, discounts and refunds
pro-rated in fen, fulfilment cost, NPS. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

FLOW = {
    "in_store": ("completed",),
    "pickup": ("placed", "accepted", "picking", "ready", "completed"),
    "pickup_with_processing": ("placed", "accepted", "picking", "ready", "completed"),
    "delivery": ("placed", "accepted", "picking", "ready", "out_for_delivery", "completed"),
    "ship": ("placed", "accepted", "picking", "ready", "shipped", "completed"),
}
CANCELLABLE = frozenset({"placed", "accepted", "picking", "ready"})
OPEN = frozenset({"placed", "accepted", "picking", "ready", "out_for_delivery", "shipped"})
TERMINAL = frozenset({"completed", "cancelled"})


def allowed_next(mode: str, status: str) -> list[str]:
    """The statuses a group of `mode` may move to from `status`."""
    flow = FLOW[mode]
    nxt = [flow[flow.index(status) + 1]] if status in flow and status != flow[-1] else []
    return nxt + (["cancelled"] if status in CANCELLABLE else [])


def can_move(mode: str, status: str, target: str) -> bool:
    return target in allowed_next(mode, status)


def order_status(group_statuses: Sequence[str]) -> str:
    """The order's status from its groups: the same when they agree, else a partial state."""
    distinct = set(group_statuses)
    if len(distinct) == 1:
        return group_statuses[0]
    if distinct <= TERMINAL:
        return "partially_cancelled"  # some groups completed, the others cancelled
    if "completed" in distinct:
        return "partially_completed"
    if "cancelled" in distinct:
        return "partially_cancelled"
    order = ("placed", "accepted", "picking", "ready", "out_for_delivery", "shipped")
    return min(distinct, key=order.index)  # the order is as far along as its slowest group


def prorate(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` fen across lines in proportion to `weights`, exactly (largest remainder)."""
    base = sum(weights)
    if base <= 0 or total == 0:
        return [0] * len(weights)
    shares = [total * w // base for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % base), i))
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares


def refund_for(amount_fen: int, discount_fen: int, quantity: int, already_returned: int, returning: int) -> int:
    """Refund for returning part of a line: what was paid for it (net of its discount share), pro rata.

    Computed as the difference of cumulative refunds, so returning a line in parts refunds exactly
    what returning it at once would.
    """
    paid = amount_fen - discount_fen
    return paid * (already_returned + returning) // quantity - paid * already_returned // quantity


def fulfilment_cost(picking_minutes: int, rate_fen_per_minute: int, delivery_fee_fen: int) -> int:
    """Cost to fulfil a group: picking labour plus the delivery partner's fee."""
    return picking_minutes * rate_fen_per_minute + delivery_fee_fen


def delivery_fee(distance_km: float | None, base_fen: int, per_km_fen: int) -> int:
    """Rider fee: a base plus a rate per started kilometre."""
    import math

    return base_fen + per_km_fen * math.ceil(distance_km or 0)


def nps(scores: Iterable[int]) -> float | None:
    """Net Promoter Score: % promoters (9–10) minus % detractors (0–6), or None with no answers."""
    values = list(scores)
    if not values:
        return None
    promoters = sum(s >= 9 for s in values)
    detractors = sum(s <= 6 for s in values)
    return round(100 * (promoters - detractors) / len(values), 1)
