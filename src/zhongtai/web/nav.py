"""The console's left navigation, by role. Pages not built yet are listed but not linked."""

from __future__ import annotations

from dataclasses import dataclass

from zhongtai.kernel.auth import Role


@dataclass(frozen=True)
class NavItem:
    label: str  # message key
    href: str | None = None  # None: the page does not exist yet ("coming soon")
    per_store: bool = False  # the page is about one store: the link keeps the store being looked at


_STORES = NavItem("nav.stores", "/console/")
_MY_STORE = NavItem("nav.my_store", "/console/")
_STOCK = NavItem("nav.stock", "/console/stock", per_store=True)
_FIND = NavItem("nav.find", "/console/stock/find", per_store=True)
_EXPIRING = NavItem("nav.expiring", "/console/stock/expiring", per_store=True)
_MOVEMENTS = NavItem("nav.movements", "/console/stock/movements", per_store=True)
_STAFF = NavItem("nav.staff")
_INTEGRATIONS = NavItem("nav.integrations", "/console/integration")
_MAPPINGS = NavItem("nav.mappings", "/console/integration/mappings")
_FULFILMENT = NavItem("nav.fulfilment", "/console/fulfilment", per_store=True)
_ORDERS = NavItem("nav.orders", "/console/orders")
_CUSTOMERS = NavItem("nav.customers", "/console/members")
_MY_CUSTOMERS = NavItem("nav.my_customers", "/console/members")
_CLIENTELING = NavItem("nav.clienteling")
_OVERVIEW = NavItem("nav.overview", "/console/overview")
_FINANCE = NavItem("nav.finance", "/console/finance")
_WEBHOOKS = NavItem("nav.webhooks", "/console/webhooks")

_INVENTORY = (_STOCK, _FIND, _EXPIRING, _MOVEMENTS)
_ORDER_FLOW = (_FULFILMENT, _ORDERS)
# Who may open the overview. Store managers reach it from the orders page; it is not in their menu yet.
OVERVIEW_ROLES = (Role.HQ_ADMIN, Role.STORE_MANAGER)
NAV: dict[Role, tuple[NavItem, ...]] = {
    Role.HQ_ADMIN: (_STORES, *_INVENTORY, *_ORDER_FLOW, _CUSTOMERS, _STAFF, _INTEGRATIONS, _MAPPINGS, _WEBHOOKS, _OVERVIEW,
                    _FINANCE),
    Role.STORE_MANAGER: (_MY_STORE, *_INVENTORY, *_ORDER_FLOW, _CUSTOMERS, _STAFF),
    Role.GUIDE: (_MY_STORE, _STOCK, _FIND, *_ORDER_FLOW, _MY_CUSTOMERS, _CLIENTELING),
}


def items_for(role: Role | None) -> tuple[NavItem, ...]:
    """The navigation entries a user of `role` sees."""
    return NAV.get(role, ()) if role else ()
