"""Store queries; every list is narrowed to the stores the caller may see."""

from __future__ import annotations

import math
from collections.abc import Collection

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from zhongtai.stores.models import Store
from zhongtai.stores.schemas import StoreFilter


def get(session: Session, store_id: int) -> Store | None:
    return session.get(Store, store_id)


def get_by_code(session: Session, code: str) -> Store | None:
    return session.scalar(select(Store).where(Store.code == code))


def ids_for_codes(session: Session, codes: Collection[str]) -> dict[str, int]:
    rows = session.execute(select(Store.code, Store.id).where(Store.code.in_(list(codes))))
    return {code: store_id for code, store_id in rows}


def _filtered(stmt: Select, flt: StoreFilter, visible: Collection[int] | None) -> Select:
    if visible is not None:
        stmt = stmt.where(Store.id.in_(list(visible)))
    if flt.kind:
        stmt = stmt.where(Store.kind == flt.kind)
    if flt.status:
        stmt = stmt.where(Store.status == flt.status)
    if flt.city:
        stmt = stmt.where(Store.city == flt.city)
    if flt.q:
        like = f"%{flt.q}%"
        stmt = stmt.where(or_(Store.name.ilike(like), Store.code.ilike(like), Store.address.ilike(like)))
    return stmt


def list_page(
    session: Session, flt: StoreFilter, visible: Collection[int] | None, *, limit: int, offset: int
) -> tuple[list[Store], int]:
    """A page of stores and the total; `visible=None` means every store."""
    total = session.scalar(_filtered(select(func.count(Store.id)), flt, visible)) or 0
    rows = session.scalars(_filtered(select(Store), flt, visible).order_by(Store.code).limit(limit).offset(offset))
    return list(rows), total


def active_locations(session: Session, kinds: Collection[str]) -> list[tuple]:
    stmt = (select(Store.id, Store.code, Store.name, Store.kind, Store.latitude, Store.longitude)
            .where(Store.status == "active", Store.kind.in_(list(kinds))).order_by(Store.id))
    return [tuple(r) for r in session.execute(stmt)]


# What routing needs of each location, as plain rows (no ORM objects), from statements built once.
_ROUTING_COLS = (Store.id, Store.code, Store.name, Store.kind, Store.latitude, Store.longitude, Store.opening_hours,
                 Store.timezone, Store.pickup_enabled, Store.delivery_radius_km, Store.processing_services,
                 Store.order_capacity)
_ACTIVE_OF_KINDS = select(*_ROUTING_COLS).where(Store.status == "active",
                                                Store.kind.in_(bindparam("kinds", expanding=True)))
_NEAR_BOX = _ACTIVE_OF_KINDS.where(Store.latitude.between(bindparam("lat_lo"), bindparam("lat_hi")),
                                   Store.longitude.between(bindparam("lon_lo"), bindparam("lon_hi"))).order_by(Store.id)
_NEAR_ONE = _ACTIVE_OF_KINDS.where(Store.id == bindparam("store_id"))
_ALL_OF_KINDS = _ACTIVE_OF_KINDS.order_by(Store.id)


def near(session: Session, *, origin: tuple[float, float] | None, radius_km: float, kinds: Collection[str],
         store_id: int | None = None) -> list:
    """Active stores of `kinds` inside a bounding box around `origin` (or just `store_id`), as rows
    with the columns routing reads."""
    params: dict = {"kinds": list(kinds)}
    if store_id is not None:
        return list(session.execute(_NEAR_ONE, {**params, "store_id": store_id}))
    if origin is None:
        return list(session.execute(_ALL_OF_KINDS, params))
    dlat = radius_km / 111.0
    dlon = radius_km / max(1e-6, 111.0 * math.cos(math.radians(origin[0])))
    return list(session.execute(_NEAR_BOX, {**params, "lat_lo": origin[0] - dlat, "lat_hi": origin[0] + dlat,
                                            "lon_lo": origin[1] - dlon, "lon_hi": origin[1] + dlon}))
