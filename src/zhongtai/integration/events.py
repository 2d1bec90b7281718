"""Facts the integration domain publishes."""

from __future__ import annotations

from zhongtai.kernel.outbox import Event


class SourceRegistered(Event):
    """A connected system (tills, ERP, shop platform, CRM) was registered with its own API key."""

    event_type = "integration.source_registered"
    source_id: int
    code: str
    type: str
    store_id: int | None


class BatchProcessed(Event):
    """A landed payload was processed: its records counted as accepted, duplicates and quarantined."""

    event_type = "integration.batch_processed"
    source_id: int
    source_code: str
    batch_id: str
    kind: str
    format: str
    records: int
    accepted: int
    duplicates: int
    quarantined: int


class RecordsReplayed(Event):
    """Quarantined records were run through their applier again; some may still be quarantined."""

    event_type = "integration.records_replayed"
    source_id: int
    source_code: str
    replayed: int
    accepted: int
    still_quarantined: int


class OversellFlagged(Event):
    """Till sales of a batch took stock below zero (or below what is reserved) at these stores."""

    event_type = "integration.oversell_flagged"
    source_id: int
    batch_id: str
    store_ids: list[int]
    count: int
