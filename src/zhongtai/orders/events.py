"""Facts the orders domain publishes."""

from __future__ import annotations

from zhongtai.kernel.outbox import Event


class OrderPlaced(Event):
    """An order was accepted, routed and its lines reserved (or sold, at a till)."""

    event_type = "orders.order_placed"
    store_id: int
    order_id: str
    number: str
    channel: str
    mode: str
    member_id: int | None
    payable_fen: int
    locations: list[int]
    lines: list[dict]


class OrderCompleted(Event):
    """An order was completed (handed over, delivered or sold at the till); loyalty accrues on it."""

    event_type = "orders.order_completed"
    store_id: int
    order_id: str
    number: str
    channel: str
    member_id: int | None
    guide_user_id: int | None
    paid_fen: int
    lines: list[dict]  # sku_id, category_id-free: quantity, amount_fen, discount_fen


class OrderCancelled(Event):
    """An order was cancelled; its reservations are released and its coupons and points given back."""

    event_type = "orders.order_cancelled"
    store_id: int
    order_id: str
    number: str
    member_id: int | None
    reason: str


class ReturnReceived(Event):
    """Goods were returned at a store (from any channel) and refunded pro rata."""

    event_type = "orders.return_received"
    location_id: int
    return_id: str
    store_id: int
    order_id: str
    number: str
    member_id: int | None
    channel: str
    refund_fen: int
    lines: list[dict]
    full_return: bool


class FeedbackReceived(Event):
    """A customer rated an order (rating, NPS 0–10, comment, complaint routed to the store)."""

    event_type = "orders.feedback_received"
    store_id: int
    order_id: str
    channel: str
    rating: int
    nps: int | None
    complaint: bool
