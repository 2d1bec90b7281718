"""Store use cases: create, update, look up within the caller's scope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from zhongtai.db.session import Read
from zhongtai.kernel import outbox
from zhongtai.kernel.auth import Principal
from zhongtai.kernel.errors import Conflict, InvalidInput, NotFound
from zhongtai.stores import repository
from zhongtai.stores.events import StoreCreated, StoreUpdated
from zhongtai.stores.models import Store
from zhongtai.stores.schemas import StoreCreate, StoreFilter, StoreUpdate


class StoreNotFound(NotFound):
    code, message = "store_not_found", "Store not found"


class StoreCodeTaken(Conflict):
    code, message = "store_code_taken", "A store with this code already exists"


def visible_store_ids(principal: Principal) -> frozenset[int] | None:
    """The stores `principal` may see, or None for all of them."""
    return None if principal.all_stores else principal.store_ids


def get(session: Session, *, principal: Principal, store_id: int) -> Store:
    """A store the caller may see; another store answers 404 so ids cannot be probed."""
    store = repository.get(session, store_id)
    if store is None or not principal.can_see_store(store.id):
        raise StoreNotFound(detail={"store_id": store_id})
    return store


def visible_read(*, principal: Principal, store_id: int) -> Read:
    """`get`'s check without loading the store (a quote makes it on every call), in two steps for a caller
    that runs its reads together: the scope is checked now (StoreNotFound), the store's existence from this
    read's rows by `check_found`."""
    if not principal.can_see_store(store_id):
        raise StoreNotFound(detail={"store_id": store_id})
    return repository.exists_read(store_id)


def check_found(rows: Sequence[Any], *, store_id: int) -> None:
    if not rows:
        raise StoreNotFound(detail={"store_id": store_id})


def get_by_code(session: Session, *, principal: Principal, code: str) -> Store:
    """A store by its code, within the caller's scope."""
    store = repository.get_by_code(session, code)
    if store is None or not principal.can_see_store(store.id):
        raise StoreNotFound(detail={"code": code})
    return store


def list_stores(session: Session, *, principal: Principal, flt: StoreFilter, limit: int, offset: int):
    """A page of the stores the caller may see."""
    return repository.list_page(session, flt, visible_store_ids(principal), limit=limit, offset=offset)


def create(session: Session, *, store_in: StoreCreate) -> Store:
    """Open a new store or warehouse."""
    if repository.get_by_code(session, store_in.code) is not None:
        raise StoreCodeTaken(detail={"code": store_in.code})
    store = Store(**store_in.model_dump(mode="json"))
    session.add(store)
    session.flush()
    outbox.record(session, StoreCreated(store_id=store.id, code=store.code, kind=store.kind), store_id=store.id)
    return store


def update(session: Session, *, principal: Principal, store_id: int, store_in: StoreUpdate) -> Store:
    """Change a store's details; only the fields given are touched."""
    store = get(session, principal=principal, store_id=store_id)
    changes = store_in.model_dump(exclude_unset=True)
    nulls = sorted(field for field, value in changes.items() if value is None)
    if nulls:
        raise InvalidInput("These fields cannot be null", detail={"fields": nulls})
    for field, value in changes.items():
        if field == "opening_hours":
            value = store_in.model_dump(mode="json", include={"opening_hours"})["opening_hours"]
        setattr(store, field, value)
    session.flush()
    outbox.record(session, StoreUpdated(store_id=store.id, code=store.code, changed=sorted(changes)),
                  store_id=store.id)
    return store


def ids_for_codes(session: Session, *, codes) -> dict[str, int]:
    """Map store codes to ids (unknown codes are absent)."""
    return repository.ids_for_codes(session, codes) if codes else {}


def active_locations(session: Session, *, kinds=("store", "warehouse")) -> list[tuple]:
    """(id, code, name, kind, latitude, longitude) of every active store or warehouse of `kinds`."""
    return repository.active_locations(session, kinds)


def near(session: Session, *, origin: tuple[float, float] | None, radius_km: float, kinds=("store",),
         store_id: int | None = None) -> list:
    """Active locations around a point (bounding box; callers measure exact distance), or one store:
    rows of what routing reads (id, code, name, kind, position, hours, services, capacity)."""
    return repository.near(session, origin=origin, radius_km=radius_km, kinds=kinds, store_id=store_id)
