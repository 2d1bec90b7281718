"""Store endpoints: read within scope; head office creates and edits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from zhongtai.deps import CurrentPrincipal, HQPrincipal, ManagerPrincipal, SessionDep, require_scope
from zhongtai.kernel.pagination import Page, PageParams, page_params
from zhongtai.stores import service
from zhongtai.stores.schemas import StoreCreate, StoreFilter, StoreKind, StoreRead, StoreStatus, StoreUpdate

router = APIRouter(prefix="/api/v1/stores", tags=["stores"])
ReadScope = Depends(require_scope("stores:read"))


@router.get("", response_model=Page[StoreRead], dependencies=[ReadScope])
def list_stores(
    session: SessionDep,
    principal: CurrentPrincipal,
    page: Annotated[PageParams, Depends(page_params)],
    kind: StoreKind | None = None,
    status_: Annotated[StoreStatus | None, Query(alias="status")] = None,
    city: str | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
):
    """Stores and warehouses the caller may see."""
    flt = StoreFilter(kind=kind, status=status_, city=city, q=q)
    items, total = service.list_stores(session, principal=principal, flt=flt, limit=page.limit, offset=page.offset)
    return Page[StoreRead](items=[StoreRead.model_validate(s) for s in items], total=total, **page.model_dump())


@router.post("", response_model=StoreRead, status_code=status.HTTP_201_CREATED)
def create_store(session: SessionDep, _: HQPrincipal, store_in: StoreCreate):
    """Open a store or warehouse (head office)."""
    return service.create(session, store_in=store_in)


@router.get("/{store_id}", response_model=StoreRead, dependencies=[ReadScope])
def get_store(session: SessionDep, principal: CurrentPrincipal, store_id: int):
    """One store; another store's id answers 404."""
    return service.get(session, principal=principal, store_id=store_id)


@router.patch("/{store_id}", response_model=StoreRead)
def update_store(session: SessionDep, principal: ManagerPrincipal, store_id: int, store_in: StoreUpdate):
    """Edit a store (head office, or the store's own manager)."""
    return service.update(session, principal=principal, store_id=store_id, store_in=store_in)
