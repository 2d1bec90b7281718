"""Facts the catalogue publishes."""

from __future__ import annotations

from zhongtai.kernel.outbox import Event


class SkuCreated(Event):
    """A SKU was added to the catalogue (code, barcode, unit, list price)."""

    event_type = "catalog.sku_created"
    sku_id: int
    code: str
    barcode: str | None
    list_price_fen: int


class SkuUpdated(Event):
    """A SKU's name, price, status or fresh attributes changed."""

    event_type = "catalog.sku_updated"
    sku_id: int
    code: str
    changed: list[str]


class StorePriceChanged(Event):
    """A store's own price for a SKU was set or removed (falls back to the list price)."""

    event_type = "catalog.store_price_changed"
    store_id: int
    sku_id: int
    price_fen: int | None
