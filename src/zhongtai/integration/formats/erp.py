"""ERP CSV files: the product master, store price lists, purchase receipts, transfers and stock counts.

UTF-8 (a BOM is fine), comma-separated, a header line naming the columns (any order; unknown columns are
ignored), one record per line. Every column is documented in docs/integration-erp-crm-ecommerce.md.
Amounts are integers in base units (pieces, or grams for SKUs sold by weight); money is integer fen.
The readers here are pure: they turn a row into (external id, data) or a reason; the appliers
(`zhongtai.integration.appliers_erp`) post the data through the catalog and inventory services.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, Any

from zhongtai.catalog.policies import is_valid_ean13
from zhongtai.integration import csv_fields as f
from zhongtai.integration.formats.base import Parsed, register

UNITS = {"piece": "piece", "pcs": "piece", "件": "piece", "gram": "gram", "g": "gram", "克": "gram"}
STATUSES = {"active": "active", "inactive": "inactive"}
TRANSFER_STATUSES = {"shipped": "shipped", "received": "received"}


def read_product(row: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """One SKU of the product master (created, or updated when its code exists). Blank optional cells are
    None: defaults when the SKU is created, "leave as is" when it is updated."""
    barcode = f.text(row, "barcode", max_length=64) or None
    if barcode is not None and not is_valid_ean13(barcode):
        raise f.Bad("bad_barcode", "barcode")
    sku_code = f.text(row, "sku_code", required=True, max_length=64)
    data = {"sku_code": sku_code, "product_code": f.text(row, "product_code", max_length=64) or sku_code,
            "category_code": f.text(row, "category_code", required=True, max_length=32),
            "name_zh": f.text(row, "name_zh", required=True), "name_en": f.text(row, "name_en") or None,
            "brand": f.text(row, "brand", max_length=100), "spec": f.text(row, "spec", max_length=100) or None,
            "unit": f.choice(row, "unit", UNITS, "") or None, "barcode": barcode,
            "list_price_fen": f.integer(row, "list_price_fen", minimum=0),
            "shelf_life_days": f.integer(row, "shelf_life_days", required=False, minimum=1),
            "cold_chain": f.flag(row, "cold_chain"), "status": f.choice(row, "status", STATUSES, "") or None}
    return f.versioned_id(sku_code, row), data


def read_price(row: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """A store's own price for a SKU; a blank price clears the override (the list price applies)."""
    store, sku = f.text(row, "store_code", required=True), f.text(row, "sku_code", required=True)
    price = f.integer(row, "price_fen", required=False, minimum=0)
    return f.versioned_id(f"{store}:{sku}", row), {"store_code": store, "sku_code": sku, "price_fen": price}


def read_receipt(row: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """A purchase receipt line: goods in at a store or warehouse."""
    data = {"receipt_no": f.text(row, "receipt_no", required=True, max_length=100),
            "location_code": f.text(row, "location_code", required=True),
            "sku_code": f.text(row, "sku_code", required=True, max_length=64), "quantity": f.quantity(row),
            "best_before": f.day(row, "best_before"), "batch_code": f.text(row, "batch_code", max_length=64),
            "received_at": f.moment(row, "received_at")}
    line = f.text(row, "line", max_length=20) or ":".join(
        [data["sku_code"], data["batch_code"], data["best_before"] or ""])
    return f"{data['receipt_no']}:{line}", data


def read_transfer(row: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """A transfer line between two locations, reported shipped (in transit) or received."""
    data = {"transfer_no": f.text(row, "transfer_no", required=True, max_length=100),
            "from_code": f.text(row, "from_code", required=True), "to_code": f.text(row, "to_code", required=True),
            "sku_code": f.text(row, "sku_code", required=True, max_length=64), "quantity": f.quantity(row),
            "status": f.choice(row, "status", TRANSFER_STATUSES, "received"),
            "occurred_at": f.moment(row, "occurred_at")}
    if data["from_code"] == data["to_code"]:
        raise f.Bad("bad_value", "to_code")
    return f"{data['transfer_no']}:{data['sku_code']}:{data['status']}", data


def read_count(row: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """A counted amount of a SKU at a location (a stock-take line)."""
    data = {"count_no": f.text(row, "count_no", required=True, max_length=100),
            "location_code": f.text(row, "location_code", required=True),
            "sku_code": f.text(row, "sku_code", required=True, max_length=64),
            "counted": f.integer(row, "counted", minimum=0, below_minimum="negative_quantity"),
            "reason": f.text(row, "reason") or "ERP stock count", "counted_at": f.moment(row, "counted_at")}
    return f"{data['count_no']}:{data['location_code']}:{data['sku_code']}", data


def _parser(read, required: tuple[str, ...]):
    def parse(stream: IO[bytes], config: Mapping[str, Any]) -> Iterator[Parsed]:
        return f.parse_csv(stream, read, required=required)

    parse.__name__ = parse.__qualname__ = f"parse_{read.__name__.removeprefix('read_')}s_csv"
    parse.__doc__ = f"CSV rows → records via `{read.__name__}` (streaming)."
    return parse


parse_products_csv = _parser(read_product, ("sku_code",))
parse_prices_csv = _parser(read_price, ("store_code", "sku_code"))
parse_receipts_csv = _parser(read_receipt, ("receipt_no",))
parse_transfers_csv = _parser(read_transfer, ("transfer_no",))
parse_counts_csv = _parser(read_count, ("count_no",))


def _register() -> None:
    from zhongtai.integration import appliers_erp as apply

    register("products", "csv", parse_products_csv, apply.apply_products, default=True)
    register("prices", "csv", parse_prices_csv, apply.apply_prices, default=True)
    register("receipts", "csv", parse_receipts_csv, apply.apply_receipts, default=True)
    register("transfers", "csv", parse_transfers_csv, apply.apply_transfers, default=True)
    register("counts", "csv", parse_counts_csv, apply.apply_counts, default=True)


_register()
