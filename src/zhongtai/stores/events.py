"""Facts the stores domain publishes."""

from __future__ import annotations

from zhongtai.kernel.outbox import Event


class StoreCreated(Event):
    """A store or warehouse was opened in zhongtai."""

    event_type = "stores.store_created"
    store_id: int
    code: str
    kind: str


class StoreUpdated(Event):
    event_type = "stores.store_updated"
    store_id: int
    code: str
    changed: list[str]
