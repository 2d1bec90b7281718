"""What the stores page shows of the stores a user may see: counts, table rows and chart data."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from zhongtai.kernel.auth import Principal
from zhongtai.stores import service as stores_service
from zhongtai.stores.models import Store
from zhongtai.stores.schemas import StoreFilter

# Enough for a regional chain on one screen; the page says when it shows fewer than there are.
PAGE_LIMIT = 500


def load(session: Session, *, principal: Principal, q: str | None = None) -> tuple[list[Store], int]:
    """The stores matching `q` that `principal` may see (at most PAGE_LIMIT), and how many match."""
    flt = StoreFilter(q=q.strip() if q and q.strip() else None)
    return stores_service.list_stores(session, principal=principal, flt=flt, limit=PAGE_LIMIT, offset=0)


def counts(session: Session, *, principal: Principal) -> dict[str, int]:
    """How many stores and warehouses `principal` may see."""
    return {kind: stores_service.list_stores(session, principal=principal, flt=StoreFilter(kind=kind),
                                             limit=0, offset=0)[1]
            for kind in ("store", "warehouse")}


def chart_data(stores: list[Store]) -> dict[str, Any]:
    """Language-neutral data for the map and the per-district chart (labels come from the template)."""
    sites = [{"name": s.name, "code": s.code, "kind": s.kind, "address": s.address,
              "value": [s.longitude, s.latitude]} for s in stores]
    return {"sites": sites, "districts": _by_district(stores)}


def _by_district(stores: list[Store]) -> dict[str, list]:
    per_kind = Counter((s.district, s.kind) for s in stores)
    per_district = Counter(s.district for s in stores)
    names = sorted(per_district, key=lambda d: (-per_district[d], d))
    return {"names": names, "stores": [per_kind[(d, "store")] for d in names],
            "warehouses": [per_kind[(d, "warehouse")] for d in names]}
