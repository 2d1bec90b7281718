"""ERP appliers: post parsed product, price, receipt, transfer and count records through the catalog and
inventory services. Each record stands alone (a replay of one quarantined record works the same)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from zhongtai.catalog import service as catalog
from zhongtai.catalog.models import Sku
from zhongtai.catalog.schemas import ProductCreate, SkuCreate, SkuUpdate
from zhongtai.integration import links
from zhongtai.integration.appliers_support import (
    Refused,
    actor,
    amount,
    each,
    grouped,
    known_skus,
    location_ids,
    location_of,
    sku_of,
)
from zhongtai.integration.formats.base import Parsed
from zhongtai.inventory import service as inventory
from zhongtai.inventory.schemas import CountLine, Qty, ReceiptLine

UPDATABLE = ("name_zh", "name_en", "spec", "list_price_fen", "shelf_life_days", "cold_chain", "status")


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# --- product master ----------------------------------------------------------------------------------

def apply_products(session: Session, *, source: Any, batch: Any, records: list[Parsed]) -> dict[str, str]:
    """Create SKUs (and their products) the catalogue lacks; update the ones it has."""
    skus = known_skus(session, {r.data["sku_code"] for r in records})

    def one(record: Parsed) -> None:
        data = record.data
        sku = skus.get(data["sku_code"])
        if sku is None:
            skus[data["sku_code"]] = _create_sku(session, data)
        else:
            _update_sku(session, sku, data)

    return each(session, records, one)


def _create_sku(session: Session, data: dict) -> Sku:
    catalog.category(session, code=data["category_code"])  # unknown_category, before anything is written
    try:
        with session.begin_nested():
            catalog.create_product(session, product_in=ProductCreate(
                code=data["product_code"], name_zh=data["name_zh"], name_en=data["name_en"] or "",
                brand=data["brand"], category_code=data["category_code"]))
    except catalog.CodeTaken:
        pass  # the product exists: this SKU joins it
    try:
        sku = catalog.create_sku(session, sku_in=SkuCreate(
            code=data["sku_code"], product_code=data["product_code"], barcode=data["barcode"],
            name_zh=data["name_zh"], name_en=data["name_en"] or "", spec=data["spec"] or "",
            unit=data["unit"] or "piece", list_price_fen=data["list_price_fen"],
            shelf_life_days=data["shelf_life_days"], cold_chain=bool(data["cold_chain"])))
    except catalog.CodeTaken as exc:
        raise Refused("barcode_taken") from exc
    if data["status"] == "inactive":
        catalog.update_sku(session, sku_id=sku.id, sku_in=SkuUpdate(status="inactive"))
    return sku


def _update_sku(session: Session, sku: Sku, data: dict) -> None:
    if data["unit"] and data["unit"] != sku.unit:
        raise Refused("unit_change")
    if data["barcode"] and data["barcode"] != sku.barcode:
        raise Refused("barcode_change")
    changes = {k: data[k] for k in UPDATABLE if data[k] is not None and data[k] != getattr(sku, k)}
    if changes:
        catalog.update_sku(session, sku_id=sku.id, sku_in=SkuUpdate(**changes))


# --- store prices ------------------------------------------------------------------------------------

def apply_prices(session: Session, *, source: Any, batch: Any, records: list[Parsed]) -> dict[str, str]:
    """Set (or, with a blank price, clear) each store's own price for a SKU."""
    skus = known_skus(session, {r.data["sku_code"] for r in records})
    stores = location_ids(session, {r.data["store_code"] for r in records})

    def one(record: Parsed) -> None:
        data = record.data
        catalog.set_store_price(session, store_id=location_of(stores, data["store_code"]),
                                sku_id=sku_of(skus, data["sku_code"]).id, price_fen=data["price_fen"])

    return each(session, records, one)


# --- stock -------------------------------------------------------------------------------------------

def apply_receipts(session: Session, *, source: Any, batch: Any, records: list[Parsed]) -> dict[str, str]:
    """Goods in, a receipt at a time, at the time the ERP says they arrived."""
    skus = known_skus(session, {r.data["sku_code"] for r in records})
    locations = location_ids(session, {r.data["location_code"] for r in records})

    def post(group: list[Parsed]) -> None:
        first = group[0].data
        lines = [_receipt_line(skus, r.data) for r in group]
        inventory.receive(session, location_id=location_of(locations, first["location_code"]), lines=lines,
                          doc=inventory.Doc(source_type="erp_receipt", source_id=first["receipt_no"],
                                            actor=actor(source), occurred_at=_at(first["received_at"])))

    return grouped(session, records, lambda r: (r.data["receipt_no"], r.data["location_code"], r.data["received_at"]),
                   post, lambda r: post([r]))


def _receipt_line(skus: dict, data: dict) -> ReceiptLine:
    sku = sku_of(skus, data["sku_code"])
    if data["best_before"] and not sku.is_fresh:
        raise Refused("best_before_not_tracked")
    return ReceiptLine(sku_code=sku.code, best_before=data["best_before"], batch_code=data["batch_code"],
                       **amount(sku, data["quantity"]))


def apply_transfers(session: Session, *, source: Any, batch: Any, records: list[Parsed]) -> dict[str, str]:
    """A shipped line leaves its location (in transit); a received line arrives (shipped first if the ERP
    never said it left). One zhongtai transfer per ERP transfer number and SKU."""
    skus = known_skus(session, {r.data["sku_code"] for r in records})
    locations = location_ids(session, {r.data[k] for r in records for k in ("from_code", "to_code")})

    def one(record: Parsed) -> None:
        data = record.data
        ref = f"{data['transfer_no']}:{data['sku_code']}"
        link = links.find(session, source_id=source.id, kind="transfer", external_ref=ref)
        transfer = _ship(session, source, data, ref, skus, locations) if link is None else \
            inventory.get_transfer(session, transfer_id=link.target_id)
        if data["status"] == "received" and transfer.status != "received":
            if transfer.status != "in_transit":
                raise Refused("invalid_state")
            inventory.receive_transfer(session, transfer_id=transfer.id, actor=actor(source))

    return each(session, records, one)


def _ship(session: Session, source: Any, data: dict, ref: str, skus: dict, locations: dict):
    sku = sku_of(skus, data["sku_code"])
    transfer = inventory.create_transfer(
        session, from_location_id=location_of(locations, data["from_code"]),
        to_location_id=location_of(locations, data["to_code"]), lines=[Qty(sku_code=sku.code, **amount(
            sku, data["quantity"]))], note=f"ERP {data['transfer_no']}"[:200], actor=actor(source))
    inventory.ship_transfer(session, transfer_id=transfer.id, actor=actor(source))
    links.add(session, source_id=source.id, kind="transfer", external_ref=ref, target_id=transfer.id,
              store_id=transfer.from_location_id)
    return transfer


def apply_counts(session: Session, *, source: Any, batch: Any, records: list[Parsed]) -> dict[str, str]:
    """Counted amounts, a count sheet per location at a time: each difference from on hand posts as a count
    movement with the ERP's reason."""
    skus = known_skus(session, {r.data["sku_code"] for r in records})
    locations = location_ids(session, {r.data["location_code"] for r in records})

    def post(group: list[Parsed]) -> None:
        first = group[0].data
        inventory.post_count(session, location_id=location_of(locations, first["location_code"]),
                             lines=[CountLine(sku_code=sku_of(skus, r.data["sku_code"]).code, counted=r.data["counted"])
                                    for r in group],
                             reason=f"{first['reason']} ({first['count_no']})"[:200], actor=actor(source))

    return grouped(session, records, lambda r: (r.data["count_no"], r.data["location_code"], r.data["reason"]),
                   post, lambda r: post([r]))
