"""Catalogue use cases: categories, products, SKUs and store prices."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy.orm import Session

from zhongtai.catalog import policies, repository
from zhongtai.catalog.events import SkuCreated, SkuUpdated, StorePriceChanged
from zhongtai.catalog.models import Category, Product, Sku, StorePrice
from zhongtai.catalog.schemas import CategoryCreate, ProductCreate, SkuCreate, SkuUpdate
from zhongtai.db.session import Read
from zhongtai.kernel import clock, outbox
from zhongtai.kernel.errors import Conflict, InvalidInput, NotFound


class CategoryNotFound(NotFound):
    code, message = "category_not_found", "Category not found"


class ProductNotFound(NotFound):
    code, message = "product_not_found", "Product not found"


class SkuNotFound(NotFound):
    code, message = "sku_not_found", "SKU not found"


class UnknownSkus(InvalidInput):
    code, message = "unknown_skus", "Some SKU codes do not exist"


class CodeTaken(Conflict):
    code, message = "code_taken", "This code or barcode is already in use"


def create_category(session: Session, *, category_in: CategoryCreate) -> Category:
    """Add a category under an optional parent."""
    if repository.category_by_code(session, category_in.code):
        raise CodeTaken(detail={"code": category_in.code})
    parent = None
    if category_in.parent_code:
        parent = repository.category_by_code(session, category_in.parent_code)
        if parent is None:
            raise CategoryNotFound(detail={"code": category_in.parent_code})
    category = Category(code=category_in.code, name_zh=category_in.name_zh, name_en=category_in.name_en,
                        parent_id=parent.id if parent else None,
                        path=f"{parent.path if parent else ''}{category_in.code}/")
    session.add(category)
    session.flush()
    return category


def list_categories(session: Session) -> list[Category]:
    """The whole category tree, parents before children."""
    return repository.categories(session)


def category(session: Session, *, code: str) -> Category:
    found = repository.category_by_code(session, code)
    if found is None:
        raise CategoryNotFound(detail={"code": code})
    return found


def create_product(session: Session, *, product_in: ProductCreate) -> Product:
    """Add a product (the family of SKUs, e.g. a shirt in several sizes)."""
    if repository.product_by_code(session, product_in.code):
        raise CodeTaken(detail={"code": product_in.code})
    cat = category(session, code=product_in.category_code)
    product = Product(**product_in.model_dump(exclude={"category_code"}), category_id=cat.id)
    session.add(product)
    session.flush()
    return product


def list_products(session: Session, *, q: str | None, limit: int, offset: int):
    return repository.products_page(session, q=q, limit=limit, offset=offset)


def create_sku(session: Session, *, sku_in: SkuCreate) -> Sku:
    """Add a sellable SKU to a product."""
    if repository.sku_by_code(session, sku_in.code) or (sku_in.barcode and repository.sku_by_barcode(
            session, sku_in.barcode)):
        raise CodeTaken(detail={"code": sku_in.code, "barcode": sku_in.barcode})
    product = repository.product_by_code(session, sku_in.product_code)
    if product is None:
        raise ProductNotFound(detail={"code": sku_in.product_code})
    sku = Sku(**sku_in.model_dump(exclude={"product_code"}), product_id=product.id, category_id=product.category_id)
    session.add(sku)
    session.flush()
    outbox.record(session, SkuCreated(sku_id=sku.id, code=sku.code, barcode=sku.barcode,
                                      list_price_fen=sku.list_price_fen))
    return sku


def get_sku(session: Session, *, sku_id: int) -> Sku:
    sku = session.get(Sku, sku_id)
    if sku is None:
        raise SkuNotFound(detail={"sku_id": sku_id})
    return sku


def sku_by_code(session: Session, *, code: str) -> Sku:
    sku = repository.sku_by_code(session, code)
    if sku is None:
        raise SkuNotFound(detail={"code": code})
    return sku


def sku_by_barcode(session: Session, *, barcode: str) -> Sku:
    sku = repository.sku_by_barcode(session, barcode)
    if sku is None:
        raise SkuNotFound(detail={"barcode": barcode})
    return sku


def skus_by_codes(session: Session, *, codes: Collection[str]) -> dict[str, Sku]:
    """SKUs for every code, or UnknownSkus naming the missing ones."""
    found = repository.skus_by_codes(session, set(codes))
    missing = sorted(set(codes) - set(found))
    if missing:
        raise UnknownSkus(detail={"unknown": missing})
    return found


def skus_by_ids(session: Session, *, ids: Collection[int]) -> dict[int, Sku]:
    return repository.skus_by_ids(session, set(ids))


def list_skus(session: Session, *, q: str | None, category_code: str | None, status: str | None,
              limit: int, offset: int):
    """A page of SKUs by text, barcode, category subtree or status."""
    path = category(session, code=category_code).path if category_code else None
    return repository.skus_page(session, q=q, category_path=path, status=status, limit=limit, offset=offset)


def update_sku(session: Session, *, sku_id: int, sku_in: SkuUpdate) -> Sku:
    """Change a SKU's names, price, freshness or status."""
    sku = get_sku(session, sku_id=sku_id)
    changes = sku_in.model_dump(exclude_unset=True)
    nulls = sorted(k for k, v in changes.items() if v is None and k != "shelf_life_days")
    if nulls:
        raise InvalidInput("These fields cannot be null", detail={"fields": nulls})
    for field, value in changes.items():
        setattr(sku, field, value)
    session.flush()
    outbox.record(session, SkuUpdated(sku_id=sku.id, code=sku.code, changed=sorted(changes)))
    return sku


def set_store_price(session: Session, *, store_id: int, sku_id: int, price_fen: int | None) -> StorePrice | None:
    """Override (or, with None, clear) a store's price for a SKU."""
    get_sku(session, sku_id=sku_id)
    row = repository.store_price(session, store_id, sku_id)
    if price_fen is None:
        if row is not None:
            session.delete(row)
        row = None
    elif row is None:
        row = StorePrice(store_id=store_id, sku_id=sku_id, price_fen=price_fen, updated_at=clock.now())
        session.add(row)
    else:
        row.price_fen = price_fen
    session.flush()
    outbox.record(session, StorePriceChanged(store_id=store_id, sku_id=sku_id, price_fen=price_fen),
                  store_id=store_id)
    return row


def store_prices(session: Session, *, store_id: int, limit: int, offset: int):
    return repository.store_price_rows(session, store_id, limit=limit, offset=offset)


def prices_at(session: Session, *, store_id: int, skus: Collection[Sku]) -> dict[int, int]:
    """Effective price per SKU id at a store (override, else list price)."""
    overrides = repository.store_prices(session, store_id, [s.id for s in skus])
    return {s.id: policies.effective_price_fen(s.list_price_fen, overrides.get(s.id)) for s in skus}


def category_paths(session: Session, *, category_ids: Collection[int]) -> dict[int, str]:
    return repository.category_paths(session, set(category_ids))


def paths_read(*, category_ids: Collection[int]) -> Read:
    """`category_paths` as (id, path) rows, to run with other reads."""
    return repository.paths_read(set(category_ids))


def skus_with_prices_read(*, codes: Collection[str], store_ids: Collection[int]) -> Read:
    """SKUs by code with their price overrides at `store_ids`, to run with other reads; see
    `skus_with_prices_from`."""
    return repository.skus_with_overrides_read(set(codes), set(store_ids))


def skus_with_prices_from(rows: Sequence[Any], *, codes: Collection[str]):
    """SKUs for every code (UnknownSkus otherwise) and the price overrides, from `skus_with_prices_read`:
    ({code: row}, {(store_id, sku_id): price_fen}). The rows (plain, read-only) have id, code, name_zh,
    unit, list_price_fen, category_id and is_fresh, as a Sku does."""
    skus: dict[str, Any] = {}
    overrides: dict[tuple[int, int], int] = {}
    for row in rows:
        skus[row.code] = row
        if row.price_store_id is not None:
            overrides[(row.price_store_id, row.id)] = row.store_price_fen
    missing = sorted(set(codes) - set(skus))
    if missing:
        raise UnknownSkus(detail={"unknown": missing})
    return skus, overrides


def pricing_read(*, codes: Collection[str], store_id: int) -> Read:
    """The SKUs a quote prices, to run with its other reads (`db.session.read_all`); see `skus_for_pricing_from`."""
    return repository.pricing_read(set(codes), store_id)


def skus_for_pricing_from(rows: Sequence[Any], *, codes: Collection[str]) -> dict[str, Any]:
    """What a quote needs about its SKUs at one store, from the rows of `pricing_read`, by code: id, code,
    name_zh, unit, list_price_fen, category_id, category_path, store_price_fen (None: no store price);
    UnknownSkus if a code has no SKU."""
    found = {row.code: row for row in rows}
    missing = sorted(set(codes) - set(found))
    if missing:
        raise UnknownSkus(detail={"unknown": missing})
    return found
