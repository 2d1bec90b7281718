"""Catalogue queries."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from zhongtai.catalog.models import Category, Product, Sku, StorePrice
from zhongtai.db.dialect import any_of
from zhongtai.db.session import Read, plain_rows


def category_by_code(session: Session, code: str) -> Category | None:
    return session.scalar(select(Category).where(Category.code == code))


def categories(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).order_by(Category.path)))


def product_by_code(session: Session, code: str) -> Product | None:
    return session.scalar(select(Product).where(Product.code == code))


def products_page(session: Session, *, q: str | None, limit: int, offset: int) -> tuple[list[Product], int]:
    stmt = select(Product)
    if q:
        stmt = stmt.where(or_(Product.name_zh.ilike(f"%{q}%"), Product.code.ilike(f"%{q}%")))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(session.scalars(stmt.order_by(Product.code).limit(limit).offset(offset))), total


def sku_by_code(session: Session, code: str) -> Sku | None:
    return session.scalar(select(Sku).where(Sku.code == code))


def sku_by_barcode(session: Session, barcode: str) -> Sku | None:
    return session.scalar(select(Sku).where(Sku.barcode == barcode))


def skus_by_codes(session: Session, codes: Collection[str]) -> dict[str, Sku]:
    return {s.code: s for s in session.scalars(select(Sku).where(Sku.code.in_(list(codes))))}


def skus_by_ids(session: Session, ids: Collection[int]) -> dict[int, Sku]:
    return {s.id: s for s in session.scalars(select(Sku).where(Sku.id.in_(list(ids))))}


def skus_page(session: Session, *, q: str | None, category_path: str | None, status: str | None,
              limit: int, offset: int) -> tuple[list[Sku], int]:
    stmt = select(Sku)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Sku.name_zh.ilike(like), Sku.name_en.ilike(like), Sku.code.ilike(like),
                              Sku.barcode == q))
    if category_path:
        stmt = stmt.where(Sku.category_id.in_(select(Category.id).where(Category.path.like(f"{category_path}%"))))
    if status:
        stmt = stmt.where(Sku.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(session.scalars(stmt.order_by(Sku.code).limit(limit).offset(offset))), total


def store_price(session: Session, store_id: int, sku_id: int) -> StorePrice | None:
    return session.get(StorePrice, (store_id, sku_id))


def store_prices(session: Session, store_id: int, sku_ids: Collection[int] | None = None) -> dict[int, int]:
    stmt = select(StorePrice.sku_id, StorePrice.price_fen).where(StorePrice.store_id == store_id)
    if sku_ids is not None:
        stmt = stmt.where(StorePrice.sku_id.in_(list(sku_ids)))
    return dict(session.execute(stmt).all())


def store_price_rows(session: Session, store_id: int, *, limit: int, offset: int):
    stmt = (select(StorePrice, Sku.code, Sku.list_price_fen).join(Sku, Sku.id == StorePrice.sku_id)
            .where(StorePrice.store_id == store_id))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return session.execute(stmt.order_by(Sku.code).limit(limit).offset(offset)).all(), total


def category_paths(session: Session, category_ids: Collection[int]) -> dict[int, str]:
    return dict(plain_rows(session, _PATHS, {"ids": sorted(category_ids)}).all())  # type: ignore[arg-type]


_SKU, _PRICE, _CAT = Sku.__table__.c, StorePrice.__table__.c, Category.__table__.c
# Every order placement prices through the category paths of its SKUs (built once, like the two below).
_PATHS = select(_CAT.id, _CAT.path).where(any_of(_CAT.id, "ids", "bigint"))
# Built once, with bind parameters: a quote runs it on every call, and building and keying a statement
# costs more than running it. Plain rows, no ORM identity map.
_PRICING_ROWS = (
    select(_SKU.id, _SKU.code, _SKU.name_zh, _SKU.unit, _SKU.list_price_fen, _SKU.category_id,
           _CAT.path.label("category_path"), _PRICE.price_fen.label("store_price_fen"))
    .outerjoin(StorePrice.__table__, (_PRICE.sku_id == _SKU.id) & (_PRICE.store_id == bindparam("store_id")))
    .outerjoin(Category.__table__, _CAT.id == _SKU.category_id)
    .where(any_of(_SKU.code, "codes")))


# What routing and placing an order read of its SKUs, with their price at each candidate store: built once,
# plain rows (an order reads it every time; ORM entities would cost more than the query).
_ROUTING_ROWS = (
    select(_SKU.id, _SKU.code, _SKU.name_zh, _SKU.unit, _SKU.list_price_fen, _SKU.category_id,
           _SKU.shelf_life_days.is_not(None).label("is_fresh"), _PRICE.store_id.label("price_store_id"),
           _PRICE.price_fen.label("store_price_fen"))
    .outerjoin(StorePrice.__table__, (_PRICE.sku_id == _SKU.id)
               & any_of(_PRICE.store_id, "store_ids", "bigint"))
    .where(any_of(_SKU.code, "codes")))


def skus_with_overrides_read(codes: Collection[str], store_ids: Collection[int]) -> Read:
    """SKUs by code, one row per price override at the given stores (or one row with none): id, code,
    name_zh, unit, list_price_fen, category_id, is_fresh, price_store_id, store_price_fen."""
    return Read(_ROUTING_ROWS, {"codes": sorted(codes), "store_ids": sorted(store_ids)})


def pricing_read(codes: Collection[str], store_id: int) -> Read:
    """What prices SKUs at one store, by code, in one query: rows of (id, code, name_zh, unit,
    list_price_fen, category_id, category_path, store_price_fen or None)."""
    return Read(_PRICING_ROWS, {"codes": sorted(codes), "store_id": store_id})


def paths_read(category_ids: Collection[int]) -> Read:
    """(id, path) of categories."""
    return Read(_PATHS, {"ids": sorted(category_ids)})
