"""The demo's history arrives as the retailer's systems send it: each file or push is landed raw and processed
by the data hub's own entry points (`integration.service.land` + `process`, as the CLI import and the signed
webhook do), never written to tables. Also stored value: top-ups under a bonus rule and a gift-card batch."""

from __future__ import annotations

import io
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from zhongtai.catalog.schemas import SkuCreate
from zhongtai.config import get_settings
from zhongtai.demo import catalog, feeds, times
from zhongtai.integration import links
from zhongtai.integration import service as hub
from zhongtai.integration.models import Batch, Source
from zhongtai.integration.schemas import SourceCreate
from zhongtai.kernel import clock
from zhongtai.wallet import service as wallet
from zhongtai.wallet.schemas import BatchCreate, BonusRuleCreate

Step = Callable[[str, int], None]
POS_FLEET, ERP, CRM, TMALL = "POS-FLEET", "ERP-SAP", "CRM-LEGACY", "TMALL-XFH"
SOURCES = ((POS_FLEET, "鲜丰汇 门店收银（全部门店）", "pos", {"timezone": "Asia/Shanghai"}),
           (ERP, "鲜丰汇 ERP", "erp", {}), (CRM, "旧会员系统 CRM", "crm", {}),
           (TMALL, "天猫旗舰店", "ecommerce", {"mapping": "tmall"}))
BONUS_RULES = (("TOPUP-200", 20_000, 1_500), ("TOPUP-500", 50_000, 5_000), ("TOPUP-1000", 100_000, 12_000))
TOPUPS = 40
TOPUP_AMOUNTS = (10_000, 20_000, 20_000, 50_000, 50_000, 100_000)
GIFT_CARDS, GIFT_CARDS_SOLD = 30, 12


@dataclass
class HubResult:
    batches: Counter = field(default_factory=Counter)  # (kind, outcome) -> records
    till_orders: int = 0  # completed in-store orders the tills' transactions became
    topups: int = 0
    gift_cards: int = 0

    def count(self, batch: Batch) -> Batch:
        for outcome in ("records", "accepted", "duplicates", "quarantined"):
            self.batches[(batch.kind, outcome)] += getattr(batch, outcome)
        return batch


def register_sources(session: Session) -> dict[str, Source]:
    """The tills, the ERP, the old CRM and the Tmall shop, each with its own API client."""
    return {code: hub.register_source(session, source_in=SourceCreate(code=code, name=name, type=kind,
                                                                      config=config))[0]
            for code, name, kind, config in SOURCES}


def feed(session: Session, source: Source, kind: str, body: bytes, filename: str, result: HubResult,
         format_name: str | None = None) -> Batch:
    """Land a body raw, then process it: what `zhongtai import` and the webhooks do."""
    settings = get_settings()
    payload = hub.land(session, source=source, kind=kind, format_name=format_name, stream=io.BytesIO(body), via="demo",
                       settings=settings, filename=filename, actor="demo")
    return result.count(hub.process(session, source=source, payload=payload, settings=settings))


# --- ERP and CRM files -------------------------------------------------------------------------------------

def product_master(session: Session, source: Source, data: catalog.Catalogue, step: Step, result: HubResult) -> None:
    """The SKUs of each department as one ERP product-master file."""
    departments: dict[str, list[catalog.DemoProduct]] = {}
    for product in data.products:
        departments.setdefault(product.department, []).append(product)
    for name, products in departments.items():
        feed(session, source, "products", feeds.products_csv(products), f"sku_master_{name.lower()}.csv", result)
        step(f"ERP product master {name}", sum(len(p.skus) for p in products))


def price_lists(session: Session, source: Source, stock: Sequence[catalog.LocationStock],
                skus: dict[str, SkuCreate], step: Step, result: HubResult) -> int:
    body = feeds.prices_csv(stock, skus)
    rows = body.count(b"\n") - 1
    feed(session, source, "prices", body, "store_prices.csv", result)
    step("ERP store price lists", rows)
    return rows


def opening_receipt(session: Session, source: Source, plan: catalog.LocationStock, at: datetime,
                    result: HubResult) -> None:
    feed(session, source, "receipts", feeds.receipts_csv(plan, received_at=at), f"receipt_{plan.code}.csv", result)


def crm_members(session: Session, source: Source, people: Sequence[feeds.CrmMember], step: Step,
                result: HubResult) -> None:
    feed(session, source, "members", feeds.members_csv(people), "crm_members.csv", result)
    step("CRM members", len(people) + 2)


# --- tills ---------------------------------------------------------------------------------------------------

def till_history(session: Session, source: Source, shelves: Sequence[feeds.Shelf], people: Sequence[feeds.CrmMember],
                 anchor: datetime, step: Step, result: HubResult) -> None:
    """Each store's POSLog of each day, uploaded at closing; then a till that was offline uploads late."""
    cards: dict[str, list[str]] = {}
    for p in people:
        cards.setdefault(p.store, []).append(p.card)
    for store, day, txns in feeds.till_days(shelves, cards, anchor=anchor):
        clock.freeze(datetime.combine(day, times.OPEN_UNTIL, times.SHANGHAI) + timedelta(hours=1, minutes=30))
        feed(session, source, "pos", feeds.poslog(txns), f"poslog_{store}_{day:%Y%m%d}.xml", result,
             "poslog")
        result.till_orders += feeds.till_orders(txns)
        step(f"POSLog {store} {day:%m-%d}", 1)
    clock.freeze(anchor)
    late = feeds.offline_till(next(s for s in shelves if s.store == "SH005"), anchor=anchor)
    feed(session, source, "pos", feeds.poslog(late), "poslog_SH005_T9_late.xml", result, "poslog")
    result.till_orders += feeds.till_orders(late)
    step("POSLog late upload SH005 T9", 1)


def till_files(shelves: Sequence[feeds.Shelf]) -> int:
    return len(shelves) * feeds.TILL_DAYS + 1


# --- the shop platform ----------------------------------------------------------------------------------------

def push(session: Session, source: Source, event: str, *, tid: str, at: datetime, content: dict | None,
         result: HubResult) -> None:
    """One Tmall message, as the signed webhook lands and applies it (at the moment it was pushed)."""
    clock.freeze(at)
    feed(session, source, "orders", feeds.tmall_message(event, tid=tid, at=at, content=content),
         f"{tid}-{event}.json", result)


def platform_order_id(session: Session, source: Source, tid: str):
    """The zhongtai order a platform order became (None if the hub refused it)."""
    link = links.find(session, source_id=source.id, kind="order", external_ref=tid)
    return link.target_id if link else None


# --- stored value ---------------------------------------------------------------------------------------------

def stored_value(session: Session, member_ids: dict[str, int], home_stores: dict[str, int], anchor: datetime,
                 step: Step, result: HubResult) -> None:
    """Top-up bonus rules, members topping up at their store's till, and a batch of gift cards, some sold."""
    clock.freeze(anchor - timedelta(days=10))
    for code, minimum, bonus in BONUS_RULES:
        wallet.create_bonus_rule(session, rule_in=BonusRuleCreate(code=code, min_topup_fen=minimum, bonus_fen=bonus),
                                 actor="user:admin")
    rng = random.Random(feeds.SEED + 3)
    people = rng.sample(sorted(p for p in member_ids if p in home_stores), k=min(TOPUPS, len(home_stores)))
    for n, person in enumerate(people, start=1):
        clock.freeze(times.daytime(rng, times.local_day(anchor) - timedelta(days=rng.randint(1, 9))))
        wallet.top_up(session, member_id=member_ids[person], amount_fen=rng.choice(TOPUP_AMOUNTS),
                      source=wallet.Source("topup", f"DEMO-TU-{n:04d}", f"DEMO-TU-{n:04d}", "pos",
                                           home_stores[person], "user:admin"))
        result.topups += 1
        step("wallet top-ups", 1)
    _gift_cards(session, rng, [member_ids[p] for p in people], home_stores, anchor, result)
    step("gift cards", GIFT_CARDS_SOLD)


def _gift_cards(session: Session, rng: random.Random, members: list[int], home_stores: dict[str, int],
                anchor: datetime, result: HubResult) -> None:
    clock.freeze(anchor - timedelta(days=8))
    _batch, cards = wallet.issue_batch(session, batch_in=BatchCreate(
        code="XFH-GC200", name="鲜丰汇 礼品卡 200 元", face_value_fen=20_000, quantity=GIFT_CARDS), actor="user:admin")
    stores = sorted(set(home_stores.values()))
    for n, (code, _pin) in enumerate(cards[:GIFT_CARDS_SOLD], start=1):
        clock.freeze(anchor - timedelta(days=7, hours=-n))
        wallet.activate_card(session, code=code, member_id=members[n] if n % 2 else None, source=wallet.Source(
            "sale", f"DEMO-GC-{n:04d}", f"DEMO-GC-{n:04d}", "pos", rng.choice(stores), "user:admin"))
        result.gift_cards += 1


def stored_value_steps() -> int:
    return TOPUPS + GIFT_CARDS_SOLD
