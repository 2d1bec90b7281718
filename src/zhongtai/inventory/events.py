"""Facts the inventory domain publishes."""

from __future__ import annotations

from zhongtai.kernel.outbox import Event


class StockChanged(Event):
    """Stock of a SKU at a location moved (a ledger movement, or a reservation taken, released or expired); carries the levels after the change."""

    event_type = "inventory.stock_changed"
    location_id: int
    sku_id: int
    kind: str  # a movement kind, or reserve / release / expire
    delta_on_hand: int
    delta_reserved: int
    on_hand: int
    reserved: int
    available: int
    safety_stock: int = 0
    source_type: str = ""
    source_id: str = ""


class ReservationCreated(Event):
    """Stock was reserved for a channel until `expires_at` (all lines or none)."""

    event_type = "inventory.reservation_created"
    location_id: int
    reservation_id: str
    reference: str
    channel: str
    expires_at: str
    lines: list[dict[str, int]]


class ReservationClosed(Event):
    """A reservation ended: confirmed (goods picked), released, or expired."""

    event_type = "inventory.reservation_closed"
    location_id: int
    reservation_id: str
    reference: str
    status: str  # confirmed, released, expired


class StockOversold(Event):
    """On hand fell below zero or below what is reserved at a location; the store must resolve it."""

    event_type = "inventory.stock_oversold"
    location_id: int
    sku_id: int
    on_hand: int
    reserved: int
    source_type: str
    source_id: str
