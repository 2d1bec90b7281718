"""Build the demo retailer through the domains' own services (so the demo exercises them)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy.orm import Session

from zhongtai.catalog import service as catalog_service
from zhongtai.config import Settings, get_settings
from zhongtai.demo import catalog, feeds, hub, members, orders, times
from zhongtai.demo.stores import STORES, WAREHOUSE
from zhongtai.integration.models import Source
from zhongtai.inventory import service as inventory_service
from zhongtai.kernel import clock
from zhongtai.kernel.auth import Principal, Role
from zhongtai.members import service as members_service
from zhongtai.orders import service as orders_service
from zhongtai.orders.models import Order
from zhongtai.orders.schemas import OrderCreate, PaymentIn, PickedLine, ReturnCreate, ReturnLine
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
    skus: int = 0
    stock_rows: int = 0
    members: int = 0  # members created (merged ones included)
    merged: int = 0
    duplicates: int = 0  # pairs listed for review
    orders: Counter = field(default_factory=Counter)  # (mode, status) -> orders
    unrouted: int = 0  # planned orders no location could take (none, unless the plan and the stock disagree)
    hub: hub.HubResult = field(default_factory=hub.HubResult)  # what the data hub took in, by kind


def already_built(session: Session) -> bool:
    return stores_service.ids_for_codes(session, codes=[WAREHOUSE[0]]) != {}


def build(session: Session, *, step: Step = lambda _msg, _n: None) -> DemoResult:
    """Seed stores, staff for every role and the data hub's sources; then the ERP's catalogue, prices and
    opening stock, members (sign-ups, and the old CRM's file), a week of orders (the Tmall shop's through its
    webhook path), the tills' POSLog, and stored value; does nothing if the demo exists."""
    if already_built(session):
        return DemoResult(created=False, logins=_logins())
    anchor = times.anchor(clock.now())
    result, sources = _build_retailer(session, step)
    member_plan, order_plan = _plans(anchor)
    with _replaying():
        member_ids = _build_members(session, member_plan, step, result)
        crm_people = feeds.crm_members(members.HOME_STORES)
        clock.freeze(times.opening_stock_at(anchor, days=orders.HISTORY_DAYS + 1))
        hub.crm_members(session, sources[hub.CRM], crm_people, step, result.hub)
        _build_orders(session, order_plan, member_ids, step, result, sources[hub.TMALL], _buyers(member_plan))
        hub.till_history(session, sources[hub.POS_FLEET], _shelves(), crm_people, anchor, step, result.hub)
        result.orders[("in_store", "completed")] += result.hub.till_orders
        hub.stored_value(session, member_ids, _home_stores(session, member_plan), anchor, step, result.hub)
    return result


def _build_retailer(session: Session, step: Step) -> tuple[DemoResult, dict[str, Source]]:
    for row in [*STORES, WAREHOUSE]:
        _create_store(session, row)
        step("stores", 1)
    for username, role, stores, name in _staff():
        staff_service.create_user(session, actor=SYSTEM, user_in=UserCreate(
            username=username, password=DEMO_PASSWORD, role=role, store_codes=stores, display_name=name))
        step("staff", 1)
    sources = hub.register_sources(session)
    step("data hub sources", len(sources))
    result = DemoResult(created=True, logins=_logins(), skus=len(catalog.catalogue().skus))
    _build_catalogue(session, sources[hub.ERP], step, result.hub)
    result.stock_rows = _build_stock(session, sources[hub.ERP], step, result.hub)
    return result, sources


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


def _build_catalogue(session: Session, erp: Source, step: Step, result: hub.HubResult) -> None:
    """Categories and products (names, brands) are set up by head office; the SKUs come from the ERP's product
    master, then the ERP's store price lists."""
    data = catalog.catalogue()
    for category_in in data.categories:
        catalog_service.create_category(session, category_in=category_in)
    step("categories", len(data.categories))
    for item in data.products:
        catalog_service.create_product(session, product_in=item.product)
    hub.product_master(session, erp, data, step, result)
    hub.price_lists(session, erp, _stock_plan(), _skus(), step, result)


def _skus() -> dict[str, catalog.SkuCreate]:
    return {s.code: s for s in catalog.catalogue().skus}


def _build_stock(session: Session, erp: Source, step: Step, result: hub.HubResult) -> int:
    """Opening stock everywhere (the ERP's goods receipts), then channel allocations; returns the stock rows
    (location, SKU) created."""
    ids = stores_service.ids_for_codes(session, codes=[row[0] for row in [*STORES, WAREHOUSE]])
    plans = _stock_plan()
    with _replaying():  # received before the week of orders replayed on it, so the ledger reads in order
        at = times.opening_stock_at(times.anchor(clock.now()), days=orders.HISTORY_DAYS + 2)
        clock.freeze(at)
        for plan in plans:
            _stock_location(session, erp, ids[plan.code], plan, at, step, result)
    for code, category_code, percent, buffer in catalog.ALLOCATIONS:
        inventory_service.set_allocation(session, location_id=ids[code], category_code=category_code,
                                         online_percent=percent, walk_in_buffer=buffer)
    step("channel allocations", len(catalog.ALLOCATIONS))
    return sum(plan.rows for plan in plans)


def _stock_location(session: Session, erp: Source, location_id: int, plan: catalog.LocationStock, at: datetime,
                    step: Step, result: hub.HubResult) -> None:
    # One ERP receipt with all the location's lines: the ledger, batches and events stay consistent.
    hub.opening_receipt(session, erp, plan, at, result)
    step(f"ERP goods receipt {plan.code}", len(plan.receipts))
    for sku_code, qty in plan.safety_stock:
        inventory_service.set_safety_stock(session, location_id=location_id, sku_code=sku_code, qty=qty)
    step(f"safety stock {plan.code}", len(plan.safety_stock))


def _stock_plan() -> list[catalog.LocationStock]:
    return catalog.stock_plan([(row[0], row[2]) for row in [*STORES, WAREHOUSE]], today=clock.now().date())


def step_total() -> int:
    data = catalog.catalogue()
    stock = sum(len(p.receipts) + len(p.safety_stock) for p in _stock_plan())
    people = len(STORES) + 1 + len(_staff())
    member_plan, order_plan = _plans(times.anchor(clock.now()))
    hub_steps = (len(hub.SOURCES) + feeds.prices_csv(_stock_plan(), _skus()).count(b"\n") - 1
                 + feeds.CRM_MEMBERS + 2 + hub.till_files(_shelves()) + hub.stored_value_steps())
    return (people + len(data.categories) + len(data.skus) + stock + len(catalog.ALLOCATIONS)
            + len(member_plan.joins) + len(order_plan) + hub_steps)


def _shelves() -> list[feeds.Shelf]:
    return feeds.shelves(_stock_plan(), _skus())


def _buyers(plan: members.MemberPlan) -> dict[str, str]:
    """Each shopper's Tmall buyer id, if they have one: the shop platform names its buyers by it."""
    return {j.person: i.value for j in plan.joins for i in j.identities
            if i.kind == "ecommerce_buyer" and i.app_id == "tmall"}


def _home_stores(session: Session, plan: members.MemberPlan) -> dict[str, int]:
    ids = stores_service.ids_for_codes(session, codes=list(members.HOME_STORES))
    return {p.key: ids[p.home_store] for p in plan.people if p.home_store in ids}


# --- members and orders, replayed at the moments they happened ------------------------------------------

@lru_cache(maxsize=2)
def _plans(anchor: datetime) -> tuple[members.MemberPlan, tuple[orders.PlannedOrder, ...]]:
    member_plan = members.plan(now=anchor)
    return member_plan, orders.plan(stock=_stock_plan(), people=member_plan.people, now=anchor)


@contextmanager
def _replaying() -> Iterator[None]:
    """The clock is moved to each planned moment (routing checks opening hours) and always let go after."""
    try:
        yield
    finally:
        clock.freeze(None)


def _build_members(session: Session, plan: members.MemberPlan, step: Step, result: DemoResult) -> dict[str, int]:
    """Replay every join; returns the member id each shopper ends up with (a merge's survivor)."""
    store_ids = stores_service.ids_for_codes(session, codes=list(members.HOME_STORES))
    member_of: dict[str, int] = {}
    for join in plan.joins:
        clock.freeze(join.at)
        out = members_service.join(session, channel=join.channel, identities=join.identities, profile=join.profile,
                                   store_id=store_ids.get(join.store or ""), consents=join.consents,
                                   actor=members_service.actor_of(SYSTEM))
        member_of[join.person] = out.member.id
        result.members += out.outcome == "created"
        result.merged += len(out.merged_member_ids)
        result.duplicates += out.duplicate_candidates
        step("members", 1)
    return member_of


@dataclass(frozen=True)
class _Ctx:
    location_ids: dict[str, int]
    member_ids: dict[str, int]
    settings: Settings
    tmall: Source
    buyers: dict[str, str]  # shopper key -> Tmall buyer id
    hub: hub.HubResult


def _build_orders(session: Session, plan: tuple[orders.PlannedOrder, ...], member_ids: dict[str, int], step: Step,
                  result: DemoResult, tmall: Source, buyers: dict[str, str]) -> None:
    """Place every planned order at its moment, then make each of its moves at theirs. The Tmall shop's orders
    arrive as its messages (created, paid, closed) through the data hub; the stores and the warehouse then
    work them like any other."""
    ctx = _Ctx(stores_service.ids_for_codes(session, codes=[row[0] for row in [*STORES, WAREHOUSE]]), member_ids,
               get_settings(), tmall, buyers, result.hub)
    for planned in plan:
        clock.freeze(planned.at)
        order = _place(session, planned, ctx)
        if order is None:
            result.unrouted += 1
        else:
            for move in planned.moves:
                clock.freeze(move.at)
                _moves_of(planned)[move.action](session, order, planned, ctx)
            result.orders[(planned.mode, order.status)] += 1
        step("orders", 1)


def _place(session: Session, planned: orders.PlannedOrder, ctx: _Ctx) -> Order | None:
    if planned.channel == "ecommerce":
        return _place_on_platform(session, planned, ctx)
    try:
        return orders_service.place(session, order_in=_order_in(planned, ctx), settings=ctx.settings,
                                    actor=_actor(planned.store, planned.channel))
    except orders_service.NoRoute:  # raised before anything is written
        return None


def _place_on_platform(session: Session, p: orders.PlannedOrder, ctx: _Ctx) -> Order | None:
    """The shop platform pushes `created`; the hub places the order (None if it refused it)."""
    c = p.contact
    content = {"receiver_name": c.name, "receiver_mobile": c.phone, "receiver_address": c.address,
               "receiver_lat": str(c.latitude), "receiver_lng": str(c.longitude), "shipping_type": "express",
               "orders": [{"outer_sku_id": ln.sku_code, "num": ln.amount} for ln in p.lines]}
    if ctx.buyers.get(p.person or ""):
        content["buyer_open_uid"] = ctx.buyers[p.person or ""]
    hub.push(session, ctx.tmall, "created", tid=p.external_ref, at=p.at, content=content, result=ctx.hub)
    order_id = hub.platform_order_id(session, ctx.tmall, p.external_ref)
    return orders_service.get(session, principal=SYSTEM, order_id=order_id) if order_id else None


def _platform(event: str, reason: str = ""):
    def move(session: Session, order: Order, p: orders.PlannedOrder, ctx: _Ctx) -> None:
        content = {"alipay_no": f"ALI{p.external_ref[2:]}"} if event == "paid" else \
            {"close_reason": reason or p.cancel_reason or "交易关闭"}
        hub.push(session, ctx.tmall, event, tid=p.external_ref, at=clock.now(), content=content, result=ctx.hub)
        session.refresh(order)
    return move


def _moves_of(planned: orders.PlannedOrder) -> dict[str, Callable]:
    return _PLATFORM_MOVES if planned.channel == "ecommerce" else _MOVES


def _order_in(p: orders.PlannedOrder, ctx: _Ctx) -> OrderCreate:
    chosen = p.mode in ("in_store", "pickup", "pickup_with_processing")
    return OrderCreate(channel=p.channel, mode=p.mode, lines=list(p.lines), contact=p.contact, service=p.service,
                       store_id=ctx.location_ids[p.store] if chosen else None, external_ref=p.external_ref,
                       member_id=ctx.member_ids.get(p.person or ""))


def _actor(code: str, channel: str = "pos") -> str:
    """Who does it: the store's manager (head office for the warehouse); the shopper's channel online."""
    if channel != "pos":
        return f"client:{channel}"
    index = next((i for i, row in enumerate(STORES, start=1) if row[0] == code), None)
    return f"user:manager{index:02d}" if index else "user:admin"


def _pay(session: Session, order: Order, p: orders.PlannedOrder, ctx: _Ctx, status: str = "succeeded") -> None:
    orders_service.record_payment(
        session, principal=SYSTEM, order_id=order.id, actor=f"client:{p.provider}", settings=ctx.settings,
        payment_in=PaymentIn(provider=p.provider, transaction_id=f"{p.provider}-{order.number}",
                             amount_fen=order.payable_fen, status=status))


def _advance(target: str):
    def move(session: Session, order: Order, p: orders.PlannedOrder, _ctx: _Ctx) -> None:
        orders_service.advance(session, principal=SYSTEM, order_id=order.id, group_no=1, target=target,
                               actor=_actor(p.store))
    return move


def _ready(session: Session, order: Order, p: orders.PlannedOrder, ctx: _Ctx, short: bool = False) -> None:
    picked = None
    if short:  # the last line of the pick list could not be picked in full
        line = orders_service.detail(session, order=order)["lines"][-1]
        picked = [PickedLine(line_no=line.line_no, picked=line.quantity - 1 if line.unit == "piece"
                             else line.quantity * 6 // 10)]
    orders_service.ready(session, principal=SYSTEM, order_id=order.id, group_no=1, picked=picked,
                         picking_minutes=None, actor=_actor(p.store), settings=ctx.settings)


def _handover(session: Session, order: Order, p: orders.PlannedOrder, _ctx: _Ctx) -> None:
    orders_service.handover(session, principal=SYSTEM, order_id=order.id, group_no=1, rider=dict(p.rider),
                            actor=_actor(p.store))


def _complete(session: Session, order: Order, p: orders.PlannedOrder, _ctx: _Ctx) -> None:
    code = None
    if p.mode.startswith("pickup"):  # the shopper shows the code from the ready notice
        code = orders_service.detail(session, order=order)["groups"][0]["pickup_code"]
    orders_service.complete(session, principal=SYSTEM, order_id=order.id, group_no=1, pickup_code=code,
                            actor=_actor(p.store))


def _cancel(session: Session, order: Order, p: orders.PlannedOrder, _ctx: _Ctx) -> None:
    orders_service.cancel_by_request(session, principal=SYSTEM, order_id=order.id, reason=p.cancel_reason,
                                     actor=_actor(p.store))


def _return(session: Session, order: Order, p: orders.PlannedOrder, ctx: _Ctx) -> None:
    """One piece back if the order had a piece line picked in full, else the first weighed line."""
    lines = [ln for ln in orders_service.detail(session, order=order)["lines"]
             if ln.picked_quantity in (None, ln.quantity)]
    line = next((ln for ln in lines if ln.unit == "piece"), lines[0])
    orders_service.return_goods(session, principal=SYSTEM, actor=_actor(p.return_to or ""), return_in=ReturnCreate(
        order_id=order.id, location_id=ctx.location_ids[p.return_to or ""], channel="pos", condition=p.return_condition,
        reason=p.return_reason, lines=[ReturnLine(line_no=line.line_no, quantity=1 if line.unit == "piece"
                                                  else line.quantity)]))


def _feedback(session: Session, order: Order, p: orders.PlannedOrder, _ctx: _Ctx) -> None:
    orders_service.submit_feedback(session, principal=SYSTEM, order_id=order.id, feedback_in=p.feedback)


_MOVES: dict[str, Callable[[Session, Order, orders.PlannedOrder, _Ctx], None]] = {
    "pay": _pay,
    "pay_failed": lambda session, order, p, ctx: _pay(session, order, p, ctx, status="failed"),
    "accept": _advance("accepted"),
    "pick": _advance("picking"),
    "ready": _ready,
    "ready_short": lambda session, order, p, ctx: _ready(session, order, p, ctx, short=True),
    "handover": _handover,
    "complete": _complete,
    "cancel": _cancel,
    "return": _return,
    "feedback": _feedback,
}
_PLATFORM_MOVES = _MOVES | {"pay": _platform("paid"), "pay_failed": _platform("cancelled", "买家未在规定时间内付款"),
                            "cancel": _platform("cancelled")}


def _logins() -> list[tuple[str, str, str]]:
    shown = [p for p in _staff() if p[0] in {"admin", "manager01", "guide01", "manager03"}]
    return [(u, r.value, ",".join(s) or "all") for u, r, s, _ in shown]
