"""The demo retailer's orders: a few hundred through every channel and mode over the last week, left at
every step of their lifecycle so the fulfilment boards, returns and NPS reports have something to show.

Pure data: no I/O. A seeded `random.Random` plans the same orders on every run: till sales with member
cards, app and mini-program deliveries and pickups (fish cleaned at the counter), online-shop parcels from
the warehouse. Each order carries the moves that happen to it and when (pay, accept, pick, ready — some
picked short —, hand over, complete, cancel, return at another store, feedback); the builder replays them
through `orders.service` with the clock set to each move's moment. Baskets are drawn from what each
location stocks, and the plan keeps track of what it has promised, so every order can be routed.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from zhongtai.demo import catalog, times
from zhongtai.demo.members import Identities, Person, chinese_name
from zhongtai.demo.stores import STORES, WAREHOUSE
from zhongtai.inventory.schemas import Qty
from zhongtai.orders.schemas import Contact, FeedbackCreate

SEED = 20240620
HISTORY_DAYS = 6
# mode, channel, how many
MIX = (("in_store", "pos", 140), ("delivery", "app", 55), ("delivery", "mini_program", 55), ("pickup", "app", 25),
       ("pickup", "mini_program", 35), ("pickup_with_processing", "mini_program", 30), ("ship", "ecommerce", 45))
# Online orders of each mode that are left open (by status), cancelled or picked short; the rest complete.
FATES = {
    "delivery": {"placed": 4, "accepted": 4, "picking": 4, "ready": 4, "out_for_delivery": 6, "cancelled": 6,
                 "short": 5},
    "pickup": {"placed": 3, "accepted": 3, "picking": 3, "ready": 8, "cancelled": 4, "short": 2},
    "pickup_with_processing": {"accepted": 2, "picking": 2, "ready": 3, "cancelled": 1, "short": 1},
    "ship": {"placed": 3, "accepted": 3, "picking": 2, "ready": 2, "shipped": 6, "cancelled": 2, "short": 1},
}
OPEN = ("placed", "accepted", "picking", "ready", "out_for_delivery", "shipped")
# Where a cancellation happens, and why, in turn.
CANCELS = (("placed", "顾客取消：下错单了"), ("payment", ""), ("accepted", "门店缺货，已联系顾客取消"),
           ("ready", "顾客临时有事，不来取了"))
RETURNS = 12
RETURN_REASONS = (("sellable", "买多了"), ("sellable", "不想要了"), ("sellable", "重复购买"),
                  ("damaged", "包装破损"), ("sellable", "家人已经买了"), ("damaged", "商品有异味"))
FEEDBACK_SHARE = {"in_store": 0.08, "online": 0.45}
NPS_WEIGHTS = ((10, 30), (9, 25), (8, 18), (7, 10), (6, 6), (5, 4), (4, 3), (3, 2), (2, 1), (0, 1))
COMMENTS = {
    "promoter": ("送货很快，菜很新鲜", "小程序下单很方便，准时送达", "鱼处理得很干净，省心", "店员很热情",
                 "品质稳定，一直在这里买", "", ""),
    "passive": ("还可以，就是配送慢了一点", "价格稍微有点贵", "包装可以再好一点", ""),
    "detractor": ("等了很久才拣好货", "少了一样东西，不过退款很快", "水果不太新鲜", ""),
}
COMPLAINT_COUNT = 3
COMPLAINTS = ("送到的时候冰鲜鱼已经不冰了，希望门店处理", "自提等了二十分钟，店员说系统里找不到订单",
              "收到的鸡蛋碎了三个，要求补发")
DELIVERY_PARTNERS = ("达达秒送", "蜂鸟即配", "顺丰同城")
CARRIERS = ("顺丰速运", "京东物流", "中通快递")
PROVIDERS = {"app": ("alipay", "wechat_pay"), "mini_program": ("wechat_pay",), "ecommerce": ("alipay",)}
COMPOUNDS = ("康乐", "锦华", "金桂", "银杏", "紫藤", "翠湖", "明珠", "阳光", "春晖", "和平", "长乐", "永安", "景苑",
             "东方", "海悦", "兰亭")
COMPOUND_KINDS = ("小区", "新村", "花园", "公寓", "苑")
# city, address, latitude, longitude: where online-shop parcels go
SHIP_TO = (("上海", "闵行区虹梅路 2000 弄", 31.170, 121.390), ("杭州", "西湖区文三路 398 号", 30.274, 120.155),
           ("苏州", "姑苏区人民路 1200 号", 31.299, 120.585), ("南京", "鼓楼区中山北路 30 号", 32.060, 118.797),
           ("无锡", "梁溪区中山路 200 号", 31.491, 120.312), ("宁波", "海曙区中山西路 100 号", 29.868, 121.544),
           ("合肥", "蜀山区长江西路 500 号", 31.821, 117.227), ("北京", "朝阳区建国路 88 号", 39.904, 116.407),
           ("广州", "天河区天河路 385 号", 23.129, 113.264), ("成都", "锦江区春熙路 10 号", 30.573, 104.067))
# What a basket is drawn from, by kind of location: shelf -> weight.
BASKETS = {
    "supermarket": {"fresh": 40, "dairy": 20, "grocery": 30, "household": 10},
    "fresh": {"fresh": 60, "dairy": 25, "grocery": 10, "household": 5},
    "apparel": {"apparel": 1},
    "warehouse": {"dairy": 25, "grocery": 45, "household": 20, "apparel": 10},
}
LOCATIONS = {row[0]: row for row in [*STORES, WAREHOUSE]}


@dataclass(frozen=True)
class Move:
    at: datetime
    action: str  # pay, pay_failed, accept, pick, ready, ready_short, handover, complete, cancel, return, feedback


@dataclass(frozen=True)
class PlannedOrder:
    """One order as its channel sends it, where it should go, and what happens to it afterwards."""

    ref: str
    at: datetime
    channel: str
    mode: str
    store: str  # the till or pickup store, the store near the customer (delivery), or the warehouse (ship)
    lines: tuple[Qty, ...]
    person: str | None  # the member's key in the member plan
    contact: Contact
    fate: str  # the status it is left at: completed, cancelled, or an open status
    moves: tuple[Move, ...] = ()
    service: str | None = None
    external_ref: str = ""
    provider: str = ""
    rider: tuple[tuple[str, str], ...] = ()
    cancel_reason: str = ""
    return_to: str | None = None
    return_condition: str = "sellable"
    return_reason: str = ""
    feedback: FeedbackCreate | None = None


# --- shelves: what each location may still promise ----------------------------------------------------

@lru_cache(maxsize=1)
def _sku_facts() -> dict[str, tuple[str, str]]:
    """SKU code -> (unit, category code)."""
    return {s.code: (s.unit, p.product.category_code) for p in catalog.catalogue().products for s in p.skus}


def _shelves_of(category: str) -> list[str]:
    """The shelves a basket draws from that hold a category: its department, and seafood or meat."""
    department = category.split("-")[0].lower()
    return [department, category.split("-")[1].lower()] if category in ("FRESH-SEAFOOD", "FRESH-MEAT") else [department]


class Shelves:
    """What each location may still promise online (allocation rules applied), used up as orders are planned."""

    def __init__(self, stock: Sequence[catalog.LocationStock]):
        facts, rules = _sku_facts(), {(c, cat): (pct, buf) for c, cat, pct, buf in catalog.ALLOCATIONS}
        self.left: dict[tuple[str, str], int] = {}
        self.shelves: dict[tuple[str, str], list[str]] = defaultdict(list)
        for plan in stock:
            floors, totals = {code for code, _ in plan.safety_stock}, defaultdict(int)
            for line in plan.receipts:
                totals[line.sku_code] += line.amount
            for code, amount in totals.items():
                category = facts[code][1]
                pct, buffer = rules.get((plan.code, category)) or rules.get((plan.code, None)) or (100, 0)
                if code not in floors and (amount - buffer) * pct // 100 > 0:
                    self.left[(plan.code, code)] = (amount - buffer) * pct // 100
                    for shelf in _shelves_of(category):
                        self.shelves[(plan.code, shelf)].append(code)

    def take(self, rng: random.Random, location: str, shelf: str) -> Qty | None:
        """A line from one shelf, if one can be promised twice over (so a few misroutes cannot run it dry)."""
        codes = self.shelves.get((location, shelf))
        for _ in range(12 if codes else 0):
            code = rng.choice(codes)
            amount = _amount(rng, *_sku_facts()[code])
            if self.left[(location, code)] >= 2 * amount:
                self.left[(location, code)] -= amount
                return Qty(sku_code=code, **({"weight_g": amount} if _sku_facts()[code][0] == "gram"
                                             else {"quantity": amount}))
        return None


def _amount(rng: random.Random, unit: str, category: str) -> int:
    if unit == "gram":
        low, high = {"FRESH-SEAFOOD": (500, 1500), "FRESH-MEAT": (300, 1200), "FRESH-DELI": (200, 600)}.get(
            category, (300, 2000))
        return rng.randrange(low, high + 1, 50)
    return 1 if category.startswith("APPAREL") else rng.choices((1, 2, 3), weights=(70, 22, 8))[0]


def _basket(rng: random.Random, shelves: Shelves, location: str, size: int, first: str | None = None) -> tuple:
    kinds = BASKETS[LOCATIONS[location][2]]
    wanted = [first] if first else []
    wanted += rng.choices(list(kinds), weights=list(kinds.values()), k=size - len(wanted))
    lines = {}
    for shelf in wanted:
        line = shelves.take(rng, location, shelf)
        if line is not None:
            lines.setdefault(line.sku_code, line)
    return tuple(lines.values())


# --- the plan -----------------------------------------------------------------------------------------

def plan(*, stock: Sequence[catalog.LocationStock], people: Sequence[Person], now: datetime,
         seed: int = SEED) -> tuple[PlannedOrder, ...]:
    """Every order, in time order; `now` (UTC, in trading hours: see `times.anchor`) is when the demo stands."""
    rng = random.Random(seed)
    shelves, by_store = Shelves(stock), defaultdict(list)
    for p in people:
        by_store[p.home_store].append(p)
    orders: list[PlannedOrder] = []
    cancelled = 0
    for mode, channel, count in MIX:
        for fate in _fates(rng, mode, count):
            planned = _order(rng, shelves, (by_store, people), (mode, channel, fate), now, len(orders) + 1,
                             cancelled)
            if planned is not None:
                orders.append(planned)
                cancelled += planned.fate == "cancelled"
    _add_returns(rng, orders, now)
    _add_complaints(rng, orders)
    return tuple(sorted(orders, key=lambda o: (o.at, o.ref)))


def _fates(rng: random.Random, mode: str, count: int) -> list[str]:
    """This channel's share of the mode's fates (open statuses, cancelled, short), the rest completed."""
    share = count / sum(n for m, _, n in MIX if m == mode)
    fates = [f for f, n in FATES.get(mode, {}).items() for _ in range(round(n * share))]
    fates += ["completed"] * (count - len(fates))
    rng.shuffle(fates)
    return fates


def _order(rng: random.Random, shelves: Shelves, customers, kind: tuple[str, str, str], now: datetime, n: int,
           cancelled: int) -> PlannedOrder | None:
    """One order of `kind` (mode, channel, fate), or None if its location has nothing left to sell."""
    mode, channel, fate = kind
    store, person, service = _where(rng, *customers, mode)
    start = _placed_at(rng, mode, fate, store, now)
    first = {"fish_cleaning": "seafood", "meat_cutting": "meat"}.get(service or "")
    size = {"in_store": rng.randint(1, 8), "delivery": rng.randint(2, 5)}.get(mode, rng.randint(1, 4))
    lines = _basket(rng, shelves, store, size, first)
    if not lines or (first and lines[0].sku_code not in shelves.shelves[(store, first)]):
        return None
    moves, cancel_reason = _moves(rng, mode, fate, start, cancelled, now)
    feedback = _feedback(rng, mode, fate)
    if feedback is not None:
        moves += (Move(min(now, (moves[-1].at if moves else start) + timedelta(minutes=rng.randint(20, 600))),
                       "feedback"),)
    return PlannedOrder(
        ref=f"O{n:04d}", at=start, channel=channel, mode=mode, store=store, lines=lines,
        person=person.key if person else None, contact=_contact(rng, mode, store, person), fate=fate,
        moves=moves, service=service, external_ref=_external_ref(rng, channel),
        provider=rng.choice(PROVIDERS.get(channel, ("cash",))), rider=_rider(rng, mode),
        cancel_reason=cancel_reason, feedback=feedback)


def _where(rng, by_store, people, mode) -> tuple[str, Person | None, str | None]:
    """The location, the member (if any) and the processing service of an order."""
    if mode == "ship":
        return WAREHOUSE[0], rng.choice(people) if rng.random() < 0.6 else None, None
    if mode == "in_store":
        store = rng.choices([row[0] for row in STORES], weights=[3] * 11 + [1])[0]
        pool = by_store.get(store) if rng.random() < 0.8 else people
        return store, rng.choice(pool or people) if rng.random() < 0.65 else None, None
    service = None
    if mode == "pickup_with_processing":
        service = "fish_cleaning" if rng.random() < 0.8 else "meat_cutting"
        store = rng.choice([row[0] for row in STORES if service in row[8]])
    else:
        store = rng.choice([row[0] for row in STORES if row[7] > 0])
    return store, rng.choice(by_store[store]), service


def _placed_at(rng: random.Random, mode: str, fate: str, store: str, now: datetime) -> datetime:
    """Open orders in the last few trading hours; the rest over the week before (parcels a day earlier)."""
    if fate in OPEN:
        return now - timedelta(minutes=rng.randint(50, int(times.RECENT_WINDOW.total_seconds()) // 60))
    days_back = rng.randint(2 if mode == "ship" else 1, HISTORY_DAYS + (mode == "ship"))
    day = times.local_day(now) - timedelta(days=days_back)
    opens = LOCATIONS[store][9]["mon"][0]["open"]
    start = max(times.OPEN_FROM, datetime.strptime(opens, "%H:%M").time()) if mode == "in_store" else times.OPEN_FROM
    end = times.OPEN_UNTIL if mode == "in_store" else datetime.strptime("17:30", "%H:%M").time()
    return times.daytime(rng, day, start=start, end=end)


FLOWS = {"delivery": ("accept", "pick", "ready", "handover", "complete"),
         "pickup": ("accept", "pick", "ready", "complete"),
         "pickup_with_processing": ("accept", "pick", "ready", "complete"),
         "ship": ("accept", "pick", "ready", "handover", "complete")}
REACHES = {"placed": 0, "accepted": 1, "picking": 2, "ready": 3, "out_for_delivery": 4, "shipped": 4}


def _moves(rng: random.Random, mode: str, fate: str, start: datetime, cancelled: int,
           now: datetime) -> tuple[tuple[Move, ...], str]:
    """The moves after placing, each a few minutes after the last; and the cancellation reason, if any."""
    if mode == "in_store":
        return (), ""
    flow, reason = FLOWS[mode], ""
    if fate == "cancelled":
        stage, reason = CANCELS[cancelled % len(CANCELS)]
        if stage == "payment":
            return (Move(start + timedelta(minutes=1), "pay_failed"),), ""
        steps = [*flow[:REACHES[stage]], "cancel"]
    elif fate in REACHES:
        steps = list(flow[:REACHES[fate]])
    else:
        steps = list(flow)
    at, moves = start + timedelta(minutes=1), []
    moves.append(Move(at, "pay"))
    for step in steps:
        at += timedelta(minutes=_gap(rng, mode, step))
        moves.append(Move(min(at, now), "ready_short" if step == "ready" and fate == "short" else step))
    return tuple(moves), reason


def _gap(rng: random.Random, mode: str, step: str) -> int:
    """Minutes from the previous move to `step`."""
    if step == "complete":
        return {"delivery": rng.randint(10, 25), "ship": 24 * 60 + rng.randint(-120, 120)}.get(mode, rng.randint(20, 180))
    if step == "handover":
        return 3 if mode == "delivery" else 40
    if step == "cancel":
        return rng.randint(2, 30)
    return {"accept": 2, "pick": 3, "ready": 18 if mode == "pickup_with_processing" else 9}[step]


def _contact(rng: random.Random, mode: str, store: str, person: Person | None) -> Contact:
    name = person.name if person else chinese_name(rng, rng.choice(("female", "male")))
    phone = person.phone if person else Identities(rng).phone()
    if mode == "in_store":
        return Contact()
    if mode == "ship":
        city, address, lat, lon = rng.choice(SHIP_TO)
        return Contact(name=name, phone=phone, address=f"{city}市{address}", latitude=round(lat + rng.uniform(
            -0.03, 0.03), 5), longitude=round(lon + rng.uniform(-0.03, 0.03), 5))
    row = LOCATIONS[store]
    if mode != "delivery":
        return Contact(name=name, phone=phone)
    km, angle = rng.uniform(0.3, 1.5), rng.uniform(0, 2 * math.pi)
    lat = row[5] + km * math.cos(angle) / 111.0
    lon = row[6] + km * math.sin(angle) / (111.0 * math.cos(math.radians(row[5])))
    address = (f"{row[3]}{rng.choice(COMPOUNDS)}{rng.choice(COMPOUND_KINDS)} {rng.randint(1, 40)}号"
               f"{rng.randint(1, 24)}{rng.randint(1, 4):02d}室")
    return Contact(name=name, phone=phone, address=address, latitude=round(lat, 5), longitude=round(lon, 5))


def _external_ref(rng: random.Random, channel: str) -> str:
    return f"TM{rng.randrange(10**15, 10**16)}" if channel == "ecommerce" else ""


def _rider(rng: random.Random, mode: str) -> tuple[tuple[str, str], ...]:
    if mode == "delivery":
        return (("rider_name", chinese_name(rng, "male")[0] + "师傅"), ("rider_phone", Identities(rng).phone()),
                ("partner", rng.choice(DELIVERY_PARTNERS)))
    return (("partner", rng.choice(CARRIERS)),) if mode == "ship" else ()


def _feedback(rng: random.Random, mode: str, fate: str) -> FeedbackCreate | None:
    """Some completed orders are rated (NPS 0–10)."""
    share = FEEDBACK_SHARE["in_store" if mode == "in_store" else "online"]
    if fate not in ("completed", "short") or rng.random() >= share:
        return None
    nps = rng.choices([s for s, _ in NPS_WEIGHTS], weights=[w for _, w in NPS_WEIGHTS])[0]
    kind = "promoter" if nps >= 9 else "passive" if nps >= 7 else "detractor"
    rating = {"promoter": 5, "passive": 4}.get(kind, 3 if nps >= 5 else 2)
    return FeedbackCreate(rating=rating, nps=nps, comment=rng.choice(COMMENTS[kind]))


def _add_returns(rng: random.Random, orders: list[PlannedOrder], now: datetime) -> None:
    """Goods from completed orders brought back to another store a day or two later."""
    done = [i for i, o in enumerate(orders) if o.fate in ("completed", "short") and o.mode != "ship"
            and _completed_at(o) < now - timedelta(days=1)]
    for k, i in enumerate(sorted(rng.sample(done, min(RETURNS, len(done))))):
        o = orders[i]
        at = min(now - timedelta(minutes=5), _completed_at(o) + timedelta(days=1, minutes=rng.randint(0, 600)))
        condition, reason = RETURN_REASONS[k % len(RETURN_REASONS)]
        other = rng.choice([row[0] for row in STORES[:11] if row[0] != o.store])
        moves = tuple(sorted((*o.moves, Move(at, "return")), key=lambda m: m.at))
        orders[i] = PlannedOrder(**{**o.__dict__, "moves": moves, "return_to": other, "return_condition": condition,
                                    "return_reason": reason})


def _completed_at(order: PlannedOrder) -> datetime:
    return next((m.at for m in order.moves if m.action == "complete"), order.at)


def _add_complaints(rng: random.Random, orders: list[PlannedOrder]) -> None:
    """A few ratings of online orders are complaints, which open a ticket for the store."""
    rated = [i for i, o in enumerate(orders) if o.feedback is not None and o.mode != "in_store"]
    for k, i in enumerate(sorted(rng.sample(rated, min(COMPLAINT_COUNT, len(rated))))):
        complaint = FeedbackCreate(rating=1, nps=rng.randint(0, 3), comment=COMPLAINTS[k % len(COMPLAINTS)],
                                   complaint=True)
        orders[i] = PlannedOrder(**{**orders[i].__dict__, "feedback": complaint})
