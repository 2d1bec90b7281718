"""Small builders for test data, going through the domains' services like real callers."""

from __future__ import annotations

import itertools

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from zhongtai.kernel.auth import Principal, Role
from zhongtai.staff import service as staff_service
from zhongtai.staff.schemas import ApiClientCreate, UserCreate
from zhongtai.stores import service as stores_service
from zhongtai.stores.models import Store
from zhongtai.stores.schemas import StoreCreate

SYSTEM = Principal(kind="user", id=0, name="tests", role=Role.HQ_ADMIN, all_stores=True)
PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)
OPEN_DAILY = {d: [{"open": "08:00", "close": "22:00"}] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def store_in(**overrides) -> StoreCreate:
    n = next(_seq)
    data = {"code": f"S{n:03d}", "name": f"测试门店 {n}", "city": "上海", "latitude": 31.2304,
                "longitude": 121.4737, "delivery_radius_km": 3, "opening_hours": OPEN_DAILY}
    return StoreCreate(**{**data, **overrides})


def store(session: Session, **overrides) -> Store:
    created = stores_service.create(session, store_in=store_in(**overrides))
    session.commit()
    return created


def user(session: Session, *, role: Role = Role.HQ_ADMIN, stores: list[Store] = (), username: str | None = None,
         password: str = PASSWORD):
    created = staff_service.create_user(session, actor=SYSTEM, user_in=UserCreate(
        username=username or f"user{next(_seq)}", password=password, role=role,
        store_codes=[s.code for s in stores]))
    session.commit()
    return created


def api_client(session: Session, *, scopes: list[str], stores: list[Store] = (), all_stores: bool = False,
               kind: str = "pos") -> str:
    _client, key = staff_service.create_api_client(session, client_in=ApiClientCreate(
        code=f"client{next(_seq)}", name="Test client", kind=kind, scopes=scopes,
        store_codes=[s.code for s in stores], all_stores=all_stores))
    session.commit()
    return key


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Bearer headers for a user, obtained through the real token endpoint."""
    resp = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def as_role(client: TestClient, session: Session, role: Role, stores: list[Store] = ()) -> dict[str, str]:
    """Create a user of `role` in `stores` and return their auth headers."""
    return login(client, user(session, role=role, stores=stores).username)


def catalog_sku(session: Session, *, code: str | None = None, unit: str = "piece", price: int = 990,
                shelf_life_days: int | None = None, category: str = "GROCERY", barcode: str | None = None):
    """A SKU (with its category and product created on the way)."""
    from zhongtai.catalog import service as catalog
    from zhongtai.catalog.schemas import CategoryCreate, ProductCreate, SkuCreate

    if catalog.repository.category_by_code(session, category) is None:
        catalog.create_category(session, category_in=CategoryCreate(code=category, name_zh=category))
    n = next(_seq)
    code = code or f"SKU{n:05d}"
    catalog.create_product(session, product_in=ProductCreate(code=f"P-{code}", name_zh=f"商品 {code}",
                                                             category_code=category))
    sku = catalog.create_sku(session, sku_in=SkuCreate(
        code=code, product_code=f"P-{code}", name_zh=f"商品 {code}", unit=unit, list_price_fen=price,
        shelf_life_days=shelf_life_days, barcode=barcode))
    session.commit()
    return sku


def stock(session: Session, store: Store, sku, amount: int, *, best_before=None) -> None:
    """Receive `amount` of `sku` at `store` through the inventory service."""
    from zhongtai.inventory import service as inventory
    from zhongtai.inventory.schemas import ReceiptLine

    key = "quantity" if sku.unit == "piece" else "weight_g"
    inventory.receive(session, location_id=store.id, lines=[ReceiptLine(sku_code=sku.code, best_before=best_before,
                                                                        **{key: amount})],
                      doc=inventory.Doc(source_type="receipt", source_id="test"))
    session.commit()


# --- members ------------------------------------------------------------------------------------------

def phone() -> str:
    """A fresh, valid mainland mobile number."""
    return f"139{next(_seq):08d}"


def member(session: Session, *, phone: str | None = None, verified: bool = True, store: Store | None = None,
           name: str = "", birthday=None, identities: list[dict] = (), channel: str = "pos"):
    """A member joined through the members service (a POS card if no identity is given)."""
    from zhongtai.members import service as members
    from zhongtai.members.schemas import IdentityIn, ProfileIn

    idents = [IdentityIn(kind="phone", value=phone, verified=verified)] if phone else []
    idents += [IdentityIn(**i) for i in identities]
    result = members.join(session, channel=channel, actor="tests",
                          identities=idents or [IdentityIn(kind="pos_card", value=f"CARD{next(_seq):08d}")],
                          profile=ProfileIn(display_name=name, birthday=birthday), store_id=store.id if store else None)
    session.commit()
    return result.member


# --- loyalty and pricing ------------------------------------------------------------------------------

def coupon_template(session: Session, **overrides):
    """A coupon template (满100减20 for 30 days unless told otherwise) through the coupons service."""
    from zhongtai.loyalty.coupons import service as coupons
    from zhongtai.loyalty.coupons.schemas import TemplateCreate

    data = {"code": f"TPL{next(_seq):05d}", "name": "满100减20", "kind": "amount_off", "threshold_fen": 10_000,
            "amount_fen": 2_000, "valid_days": 30, "per_member_limit": None}
    tpl = coupons.create_template(session, template_in=TemplateCreate(**{**data, **overrides}), actor="tests")
    session.commit()
    return tpl


def coupon(session: Session, template, member_id: int) -> str:
    """Issue one coupon of `template` to a member; its code."""
    from zhongtai.loyalty.coupons import service as coupons

    issued = coupons.issue(session, template_code=template.code, member_ids=[member_id], via="campaign",
                           issued_by="tests")
    session.commit()
    return issued.coupons[0][0].code


def points(session: Session, member_id: int, amount: int, *, reason: str = "test credit") -> None:
    """Credit (or debit) a member's points through a head-office adjustment."""
    from zhongtai.loyalty import service as loyalty

    loyalty.adjust(session, member_id=member_id, points=amount, reason=reason,
                   source=loyalty.Source("adjust", f"test-{next(_seq)}", actor="tests"))
    session.commit()
