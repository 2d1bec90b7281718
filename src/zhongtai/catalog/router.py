"""Catalogue endpoints: everyone reads; head office (or the ERP with catalog:write) writes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from zhongtai.catalog import service
from zhongtai.catalog.schemas import (
    CategoryCreate,
    CategoryRead,
    ProductCreate,
    ProductRead,
    SkuCreate,
    SkuRead,
    SkuUpdate,
    Status,
    StorePriceRead,
    StorePriceSet,
)
from zhongtai.deps import SessionDep, require_scope
from zhongtai.kernel.auth import Principal, Role
from zhongtai.kernel.pagination import Page, PageParams, page_params
from zhongtai.stores import service as stores_service

router = APIRouter(prefix="/api/v1", tags=["catalog"])
Reader = Annotated[Principal, Depends(require_scope("catalog:read"))]
Writer = Annotated[Principal, Depends(require_scope("catalog:write", Role.HQ_ADMIN))]
PriceSetter = Annotated[Principal, Depends(require_scope("catalog:write", Role.HQ_ADMIN, Role.STORE_MANAGER))]
PageDep = Annotated[PageParams, Depends(page_params)]


@router.get("/categories", response_model=list[CategoryRead])
def list_categories(session: SessionDep, _: Reader):
    """The category tree (ordered by path)."""
    return service.list_categories(session)


@router.post("/categories", response_model=CategoryRead, status_code=status.HTTP_201_CREATED)
def create_category(session: SessionDep, _: Writer, category_in: CategoryCreate):
    """Add a category."""
    return service.create_category(session, category_in=category_in)


@router.get("/products", response_model=Page[ProductRead])
def list_products(session: SessionDep, _: Reader, page: PageDep, q: Annotated[str | None, Query(max_length=100)] = None):
    """Products by name or code."""
    items, total = service.list_products(session, q=q, limit=page.limit, offset=page.offset)
    return Page[ProductRead](items=[ProductRead.model_validate(p) for p in items], total=total, **page.model_dump())


@router.post("/products", response_model=ProductRead, status_code=status.HTTP_201_CREATED)
def create_product(session: SessionDep, _: Writer, product_in: ProductCreate):
    """Add a product."""
    return service.create_product(session, product_in=product_in)


@router.get("/skus", response_model=Page[SkuRead])
def list_skus(session: SessionDep, _: Reader, page: PageDep,
              q: Annotated[str | None, Query(max_length=100)] = None, category: str | None = None,
              status_: Annotated[Status | None, Query(alias="status")] = None):
    """SKUs by name, code or barcode, category subtree and status."""
    items, total = service.list_skus(session, q=q, category_code=category, status=status_, limit=page.limit,
                                     offset=page.offset)
    return Page[SkuRead](items=[SkuRead.model_validate(s) for s in items], total=total, **page.model_dump())


@router.post("/skus", response_model=SkuRead, status_code=status.HTTP_201_CREATED)
def create_sku(session: SessionDep, _: Writer, sku_in: SkuCreate):
    """Add a SKU; barcodes are checked as EAN-13."""
    return service.create_sku(session, sku_in=sku_in)


@router.get("/skus/by-barcode/{barcode}", response_model=SkuRead)
def sku_by_barcode(session: SessionDep, _: Reader, barcode: str):
    """Look a SKU up by its scanned barcode."""
    return service.sku_by_barcode(session, barcode=barcode)


@router.get("/skus/{sku_id}", response_model=SkuRead)
def get_sku(session: SessionDep, _: Reader, sku_id: int):
    """One SKU."""
    return service.get_sku(session, sku_id=sku_id)


@router.patch("/skus/{sku_id}", response_model=SkuRead)
def update_sku(session: SessionDep, _: Writer, sku_id: int, sku_in: SkuUpdate):
    """Change a SKU."""
    return service.update_sku(session, sku_id=sku_id, sku_in=sku_in)


@router.get("/stores/{store_id}/prices", response_model=Page[StorePriceRead])
def list_store_prices(session: SessionDep, principal: Reader, store_id: int, page: PageDep):
    """A store's price overrides."""
    stores_service.get(session, principal=principal, store_id=store_id)
    rows, total = service.store_prices(session, store_id=store_id, limit=page.limit, offset=page.offset)
    items = [StorePriceRead(store_id=p.store_id, sku_id=p.sku_id, sku_code=code, list_price_fen=lp,
                            price_fen=p.price_fen, updated_at=p.updated_at) for p, code, lp in rows]
    return Page[StorePriceRead](items=items, total=total, **page.model_dump())


@router.put("/stores/{store_id}/prices/{sku_id}", response_model=StorePriceRead)
def set_store_price(session: SessionDep, principal: PriceSetter, store_id: int, sku_id: int, body: StorePriceSet):
    """Set a store's own price for a SKU (head office or the store's manager)."""
    stores_service.get(session, principal=principal, store_id=store_id)
    row = service.set_store_price(session, store_id=store_id, sku_id=sku_id, price_fen=body.price_fen)
    sku = service.get_sku(session, sku_id=sku_id)
    return StorePriceRead(store_id=store_id, sku_id=sku_id, sku_code=sku.code, list_price_fen=sku.list_price_fen,
                          price_fen=row.price_fen, updated_at=row.updated_at)


@router.delete("/stores/{store_id}/prices/{sku_id}", status_code=status.HTTP_204_NO_CONTENT)
def clear_store_price(session: SessionDep, principal: PriceSetter, store_id: int, sku_id: int):
    """Remove a store's override: the list price applies again."""
    stores_service.get(session, principal=principal, store_id=store_id)
    service.set_store_price(session, store_id=store_id, sku_id=sku_id, price_fen=None)
