"""Store queries; every list is narrowed to the stores the caller may see."""

from __future__ import annotations

import math
from collections.abc import Collection

from sqlalchemy import Select, func, or_, select
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


def near(session: Session, *, origin: tuple[float, float] | None, radius_km: float, kinds: Collection[str],
         store_id: int | None = None) -> list[Store]:
    """Active stores of `kinds` inside a bounding box around `origin` (or just `store_id`)."""
    stmt = select(Store).where(Store.status == "active", Store.kind.in_(list(kinds)))
    if store_id is not None:
        stmt = stmt.where(Store.id == store_id)
    elif origin is not None:
        dlat = radius_km / 111.0
        dlon = radius_km / max(1e-6, 111.0 * math.cos(math.radians(origin[0])))
        stmt = stmt.where(Store.latitude.between(origin[0] - dlat, origin[0] + dlat),
                          Store.longitude.between(origin[1] - dlon, origin[1] + dlon))
    return list(session.scalars(stmt.order_by(Store.id)))
