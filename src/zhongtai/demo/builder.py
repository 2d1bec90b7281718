"""Build the demo retailer through the domains' own services (so the demo exercises them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from zhongtai.catalog import service as catalog_service
from zhongtai.demo import catalog
from zhongtai.demo.stores import STORES, WAREHOUSE
from zhongtai.inventory import service as inventory_service
from zhongtai.kernel import clock
from zhongtai.kernel.auth import Principal, Role
from zhongtai.staff import service as staff_service
from zhongtai.staff.schemas import UserCreate
from zhongtai.stores import service as stores_service
from zhongtai.stores.schemas import StoreCreate

SYSTEM = Principal(kind="user", id=0, name="demo", role=Role.HQ_ADMIN, all_stores=True)
DEMO_PASSWORD = "zhongtai-demo"
OPENING_STOCK = inventory_service.Doc(source_type="demo", source_id="opening-stock", actor="demo",
                                      reason="opening stock")
Step = Callable[[str, int], None]


@dataclass
class DemoResult:
    created: bool
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, stores
    skus: int = 0
    stock_rows: int = 0


def already_built(session: Session) -> bool:
    return stores_service.ids_for_codes(session, codes=[WAREHOUSE[0]]) != {}


def build(session: Session, *, step: Step = lambda _msg, _n: None) -> DemoResult:
    """Seed stores, staff for every role, the catalogue and opening stock; does nothing if the demo exists."""
    if already_built(session):
        return DemoResult(created=False, logins=_logins())
    for row in [*STORES, WAREHOUSE]:
        _create_store(session, row)
        step("stores", 1)
    for username, role, stores, name in _staff():
        staff_service.create_user(session, actor=SYSTEM, user_in=UserCreate(
            username=username, password=DEMO_PASSWORD, role=role, store_codes=stores, display_name=name))
        step("staff", 1)
    _build_catalogue(session, step)
    rows = _build_stock(session, step)
    return DemoResult(created=True, logins=_logins(), skus=len(catalog.catalogue().skus), stock_rows=rows)


def _create_store(session: Session, row: tuple) -> None:
    code, name, fmt, district, address, lat, lon, radius, services, hours = row
    stores_service.create(session, store_in=StoreCreate(
        code=code, name=name, kind="warehouse" if fmt == "warehouse" else "store", format=fmt, city="上海",
        district=district, address=address, latitude=lat, longitude=lon,
        delivery_radius_km=radius, processing_services=services, opening_hours=hours,
        pickup_enabled=fmt != "warehouse"))


def _staff() -> list[tuple[str, Role, list[str], str]]:
    people = [("admin", Role.HQ_ADMIN, [], "总部管理员")]
    for i, row in enumerate(STORES, start=1):
        code = row[0]
        people.append((f"manager{i:02d}", Role.STORE_MANAGER, [code], f"{row[1]} 店长"))
        people.append((f"guide{i:02d}", Role.GUIDE, [code], f"{row[1]} 导购"))
    return people


def _build_catalogue(session: Session, step: Step) -> None:
    data = catalog.catalogue()
    for category_in in data.categories:
        catalog_service.create_category(session, category_in=category_in)
    step("categories", len(data.categories))
    for item in data.products:
        catalog_service.create_product(session, product_in=item.product)
        for sku_in in item.skus:
            catalog_service.create_sku(session, sku_in=sku_in)
        step("catalogue", len(item.skus))


def _build_stock(session: Session, step: Step) -> int:
    """Opening stock everywhere, then channel allocations; returns the stock rows (location, SKU) created."""
    ids = stores_service.ids_for_codes(session, codes=[row[0] for row in [*STORES, WAREHOUSE]])
    plans = _stock_plan()
    for plan in plans:
        _stock_location(session, ids[plan.code], plan, step)
    for code, category_code, percent, buffer in catalog.ALLOCATIONS:
        inventory_service.set_allocation(session, location_id=ids[code], category_code=category_code,
                                         online_percent=percent, walk_in_buffer=buffer)
    step("channel allocations", len(catalog.ALLOCATIONS))
    return sum(plan.rows for plan in plans)


def _stock_location(session: Session, location_id: int, plan: catalog.LocationStock, step: Step) -> None:
    # One receipt with all the location's lines: the ledger, batches and events stay consistent.
    inventory_service.receive(session, location_id=location_id, lines=plan.receipts, doc=OPENING_STOCK)
    step(f"stock {plan.code}", len(plan.receipts))
    for sku_code, qty in plan.safety_stock:
        inventory_service.set_safety_stock(session, location_id=location_id, sku_code=sku_code, qty=qty)
    step(f"safety stock {plan.code}", len(plan.safety_stock))


def _stock_plan() -> list[catalog.LocationStock]:
    return catalog.stock_plan([(row[0], row[2]) for row in [*STORES, WAREHOUSE]], today=clock.now().date())


def step_total() -> int:
    data = catalog.catalogue()
    stock = sum(len(p.receipts) + len(p.safety_stock) for p in _stock_plan())
    people = len(STORES) + 1 + len(_staff())
    return people + len(data.categories) + len(data.skus) + stock + len(catalog.ALLOCATIONS)


def _logins() -> list[tuple[str, str, str]]:
    shown = [p for p in _staff() if p[0] in {"admin", "manager01", "guide01", "manager03"}]
    return [(u, r.value, ",".join(s) or "all") for u, r, s, _ in shown]
