"""Build the demo retailer through the domains' own services (so the demo exercises them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from zhongtai.demo.stores import STORES, WAREHOUSE
from zhongtai.kernel.auth import Principal, Role
from zhongtai.staff import service as staff_service
from zhongtai.staff.schemas import UserCreate
from zhongtai.stores import service as stores_service
from zhongtai.stores.schemas import StoreCreate

SYSTEM = Principal(kind="user", id=0, name="demo", role=Role.HQ_ADMIN, all_stores=True)
DEMO_PASSWORD = "zhongtai-demo"
Step = Callable[[str, int], None]


@dataclass
class DemoResult:
    created: bool
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, stores


def already_built(session: Session) -> bool:
    return stores_service.ids_for_codes(session, codes=[WAREHOUSE[0]]) != {}


def build(session: Session, *, step: Step = lambda _msg, _n: None) -> DemoResult:
    """Seed stores, a warehouse and staff for every role; does nothing if the demo already exists."""
    if already_built(session):
        return DemoResult(created=False, logins=_logins())
    for row in [*STORES, WAREHOUSE]:
        _create_store(session, row)
        step("stores", 1)
    for username, role, stores, name in _staff():
        staff_service.create_user(session, actor=SYSTEM, user_in=UserCreate(
            username=username, password=DEMO_PASSWORD, role=role, store_codes=stores, display_name=name))
        step("staff", 1)
    return DemoResult(created=True, logins=_logins())


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


def step_total() -> int:
    return len(STORES) + 1 + len(_staff())


def _logins() -> list[tuple[str, str, str]]:
    shown = [p for p in _staff() if p[0] in {"admin", "manager01", "guide01", "manager03"}]
    return [(u, r.value, ",".join(s) or "all") for u, r, s, _ in shown]
