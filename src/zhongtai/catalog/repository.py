"""Catalogue queries."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from zhongtai.catalog.models import Category, Product, Sku, StorePrice


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
    return dict(session.execute(select(Category.id, Category.path).where(Category.id.in_(list(category_ids)))).all())


def skus_with_overrides(session: Session, codes: Collection[str], store_ids: Collection[int],
                        *, with_paths: bool = False):
    """SKUs by code joined with their price overrides at the given stores (and, if asked, their category's
    path), in one query."""
    cols = [Sku, StorePrice.store_id, StorePrice.price_fen, *([Category.path] if with_paths else [])]
    stmt = (select(*cols)
            .outerjoin(StorePrice, (StorePrice.sku_id == Sku.id) & StorePrice.store_id.in_(list(store_ids) or [-1]))
            .where(Sku.code.in_(list(codes))))
    if with_paths:
        stmt = stmt.outerjoin(Category, Category.id == Sku.category_id)
    return session.execute(stmt).all()
