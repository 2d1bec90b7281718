"""What every ERP/CRM/e-commerce applier shares: one savepoint per record (a refused record leaves no trace,
its neighbours still post), domain errors turned into quarantine reasons, and set-based look-ups of the
SKUs and locations a chunk names."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhongtai.catalog import service as catalog
from zhongtai.catalog.models import Sku
from zhongtai.integration.formats.base import Parsed
from zhongtai.kernel.auth import Principal, Role
from zhongtai.kernel.errors import ZhongtaiError
from zhongtai.stores import service as stores

# A domain error's code -> the quarantine reason a user reads in the console.
REASON_FOR_CODE = {
    "unknown_skus": "unknown_sku", "sku_not_found": "unknown_sku", "store_not_found": "unknown_store",
    "category_not_found": "unknown_category", "product_not_found": "unknown_product",
    "phone_invalid": "bad_phone", "email_invalid": "bad_email", "identity_in_use": "identity_conflict",
    "illegal_transition": "invalid_state", "illegal_transfer_transition": "invalid_state",
    "reservation_not_active": "invalid_state", "return_exceeds_sold": "invalid_state",
    "order_not_found": "order_unknown", "member_not_active": "invalid_state",
    "no_location_can_fulfil": "no_route", "location_required": "missing_field", "identity_invalid": "bad_value",
}


class Refused(Exception):
    """Raised inside a record's savepoint to quarantine it with `reason` (its writes are rolled back)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def reason_for(exc: Exception) -> str:
    """The quarantine reason for an error a domain service raised."""
    if isinstance(exc, Refused):
        return exc.reason
    if isinstance(exc, ValidationError):
        return "bad_value"
    if isinstance(exc, IntegrityError):
        return "conflict"  # e.g. a payment transaction id zhongtai already holds
    code = getattr(exc, "code", "rejected")
    return REASON_FOR_CODE.get(code, code)[:32]


def each(session: Session, records: Iterable[Parsed], apply_one: Callable[[Parsed], None]) -> dict[str, str]:
    """Apply records one by one, each in a savepoint; {external_id: reason} for those refused."""
    refused: dict[str, str] = {}
    for record in records:
        try:
            with session.begin_nested():
                apply_one(record)
        except (Refused, ZhongtaiError, ValidationError, IntegrityError) as exc:
            refused[record.external_id] = reason_for(exc)
    return refused


def grouped(session: Session, records: Iterable[Parsed], key: Callable[[Parsed], Hashable],
            apply_group: Callable[[list[Parsed]], None], apply_one: Callable[[Parsed], None]) -> dict[str, str]:
    """Apply records a document at a time (one savepoint and one service call per receipt or count); a
    document with any refused record falls back to record by record, so only the bad ones are refused."""
    groups: dict[Hashable, list[Parsed]] = defaultdict(list)
    for record in records:
        groups[key(record)].append(record)
    refused: dict[str, str] = {}
    for members in groups.values():
        try:
            with session.begin_nested():
                apply_group(members)
            continue
        except (Refused, ZhongtaiError, ValidationError, IntegrityError):
            pass
        refused |= each(session, members, apply_one)
    return refused


def known_skus(session: Session, codes: Collection[str]) -> dict[str, Sku]:
    """The SKUs among `codes` that exist, by code (two queries at most, however many are unknown)."""
    try:
        return catalog.skus_by_codes(session, codes=set(codes))
    except catalog.UnknownSkus as exc:
        rest = set(codes) - set(exc.detail["unknown"])
        return catalog.skus_by_codes(session, codes=rest) if rest else {}


def location_ids(session: Session, codes: Collection[str]) -> dict[str, int]:
    """Store and warehouse ids by code (unknown codes are absent)."""
    return stores.ids_for_codes(session, codes=set(codes))


def sku_of(skus: dict[str, Sku], code: str) -> Sku:
    if code not in skus:
        raise Refused("unknown_sku")
    return skus[code]


def location_of(locations: dict[str, int], code: str) -> int:
    if code not in locations:
        raise Refused("unknown_store")
    return locations[code]


def amount(sku: Sku, value: int) -> dict[str, Any]:
    """A base-unit amount as the inventory schemas want it: quantity for pieces, weight_g for grams."""
    return {"quantity": value} if sku.unit == "piece" else {"weight_g": value}


def actor(source: Any) -> str:
    return f"source:{source.code}"


def system_principal(source: Any) -> Principal:
    """Who a source acts as when a service asks: head-office reach, named after the source."""
    return Principal(kind="user", id=0, name=f"source:{source.code}", role=Role.HQ_ADMIN, all_stores=True)
