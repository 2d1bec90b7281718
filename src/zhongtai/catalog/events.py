"""Facts the catalogue publishes."""

from __future__ import annotations

from zhongtai.kernel.outbox import Event


class SkuCreated(Event):
    event_type = "catalog.sku_created"
    sku_id: int
    code: str
    barcode: str | None
    list_price_fen: int


class SkuUpdated(Event):
    event_type = "catalog.sku_updated"
    sku_id: int
    code: str
    changed: list[str]


class StorePriceChanged(Event):
    event_type = "catalog.store_price_changed"
    store_id: int
    sku_id: int
    price_fen: int | None
