"""Store queries; every list is narrowed to the stores the caller may see."""

from __future__ import annotations

import math
from collections.abc import Collection

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from zhongtai.db.session import Read, plain_rows
from zhongtai.stores.models import Store
from zhongtai.stores.schemas import StoreFilter


def get(session: Session, store_id: int) -> Store | None:
    return session.get(Store, store_id)


_EXISTS = select(Store.__table__.c.id).where(Store.__table__.c.id == bindparam("store_id"))  # built once


def exists_read(store_id: int) -> Read:
    """One row (id) if the store exists, none otherwise."""
    return Read(_EXISTS, {"store_id": store_id})


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
_S = Store.__table__.c  # table columns, run on the connection: no ORM layer, once per order
_ROUTING_COLS = (_S.id, _S.code, _S.name, _S.kind, _S.latitude, _S.longitude, _S.opening_hours, _S.timezone,
                 _S.pickup_enabled, _S.delivery_radius_km, _S.processing_services, _S.order_capacity)
_ACTIVE_OF_KINDS = select(*_ROUTING_COLS).where(_S.status == "active", _S.kind.in_(bindparam("kinds", expanding=True)))
_NEAR_BOX = _ACTIVE_OF_KINDS.where(_S.latitude.between(bindparam("lat_lo"), bindparam("lat_hi")),
                                   _S.longitude.between(bindparam("lon_lo"), bindparam("lon_hi"))).order_by(_S.id)
_NEAR_ONE = _ACTIVE_OF_KINDS.where(_S.id == bindparam("store_id"))
_ALL_OF_KINDS = _ACTIVE_OF_KINDS.order_by(_S.id)


def near(session: Session, *, origin: tuple[float, float] | None, radius_km: float, kinds: Collection[str],
         store_id: int | None = None) -> list:
    """Active stores of `kinds` inside a bounding box around `origin` (or just `store_id`), as rows
    with the columns routing reads."""
    params: dict = {"kinds": list(kinds)}
    if store_id is not None:
        return list(plain_rows(session, _NEAR_ONE, {**params, "store_id": store_id}))
    if origin is None:
        return list(plain_rows(session, _ALL_OF_KINDS, params))
    dlat = radius_km / 111.0
    dlon = radius_km / max(1e-6, 111.0 * math.cos(math.radians(origin[0])))
    return list(plain_rows(session, _NEAR_BOX, {**params, "lat_lo": origin[0] - dlat, "lat_hi": origin[0] + dlat,
                                                "lon_lo": origin[1] - dlon, "lon_hi": origin[1] + dlon}))
