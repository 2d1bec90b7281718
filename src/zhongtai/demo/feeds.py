"""The demo retailer's history as its other systems send it: ERP CSV (product master, store prices, goods
receipts), CRM CSV (members of the old loyalty system), ARTS POSLog XML from the tills and Tmall-like order
messages. Pure and seeded: the same day gives the same files; `demo.hub` feeds them through the data hub."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from xml.sax.saxutils import escape

from zhongtai.catalog.schemas import SkuCreate
from zhongtai.demo import catalog, times
from zhongtai.demo.members import GIVEN, chinese_name
from zhongtai.inventory.schemas import ReceiptLine

SEED = 20240621
PRODUCT_COLUMNS = ("sku_code", "product_code", "category_code", "name_zh", "name_en", "brand", "spec", "unit",
                   "barcode", "list_price_fen", "shelf_life_days", "cold_chain")
CRM_MEMBERS = 120
CRM_PHONE_PREFIX = "147"  # not a prefix the signup plan hands out: CRM members are people of their own
PREMIUM = {"SH003": 108, "SH006": 108, "SH009": 95}  # store: price as % of list on the fresh SKUs it stocks
TILL_DAYS = 3
TILL_TXNS = 6  # per store and day
TENDERS = ("WeChat", "Alipay", "Cash", "CreditDebit")
UNKNOWN_SKU = "FR-9999-99"
BAD_BARCODE = "6901234567891"  # 13 digits, wrong check digit
NS = "http://www.nrf-arts.org/IXRetail/namespace/"


def _csv(columns: Sequence[str], rows: Iterable[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


# --- ERP ---------------------------------------------------------------------------------------------------

def products_csv(products: Sequence[catalog.DemoProduct]) -> bytes:
    """The ERP product master: one row per SKU."""
    return _csv(PRODUCT_COLUMNS, ({
        "sku_code": s.code, "product_code": s.product_code, "category_code": p.product.category_code,
        "name_zh": s.name_zh, "name_en": s.name_en, "brand": p.product.brand, "spec": s.spec, "unit": s.unit,
        "barcode": s.barcode or "", "list_price_fen": s.list_price_fen, "shelf_life_days": s.shelf_life_days or "",
        "cold_chain": "true" if s.cold_chain else "false"} for p in products for s in p.skus))


def prices_csv(stock: Sequence[catalog.LocationStock], skus: dict[str, SkuCreate]) -> bytes:
    """Store price lists: the premium stores charge more, the suburban one less, on the fresh SKUs they stock."""
    rows = []
    for plan in stock:
        percent = PREMIUM.get(plan.code)
        for code in sorted({ln.sku_code for ln in plan.receipts}) if percent else ():
            sku = skus[code]
            if code.startswith("FR-"):
                rows.append({"store_code": plan.code, "sku_code": code,
                             "price_fen": (sku.list_price_fen * percent + 50) // 100 // 10 * 10})
    return _csv(("store_code", "sku_code", "price_fen"), rows)


def receipts_csv(plan: catalog.LocationStock, *, received_at: datetime) -> bytes:
    """A location's opening stock as one ERP goods receipt (fresh lines with their best-before dates)."""
    number = f"GR-{plan.code}-{times.local_day(received_at):%Y%m%d}"
    return _csv(("receipt_no", "line", "location_code", "sku_code", "quantity", "best_before", "received_at"), ({
        "receipt_no": number, "line": i, "location_code": plan.code, "sku_code": ln.sku_code,
        "quantity": _base_units(ln), "best_before": ln.best_before.isoformat() if ln.best_before else "",
        "received_at": received_at.isoformat()} for i, ln in enumerate(plan.receipts, start=1)))


def _base_units(line: ReceiptLine) -> int:
    return line.weight_g if line.weight_g is not None else line.quantity


# --- CRM ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CrmMember:
    crm_id: str
    name: str
    phone: str
    card: str
    store: str


def crm_members(stores: Sequence[str], seed: int = SEED) -> list[CrmMember]:
    """Members of the old loyalty system, each with a till card of their home store."""
    rng = random.Random(seed)
    return [CrmMember(f"CRM{n:06d}", chinese_name(rng, rng.choice(tuple(GIVEN))), f"{CRM_PHONE_PREFIX}{n:08d}",
                      f"77{store[2:]}{n:08d}", store)
            for n, store in ((n, rng.choice(stores)) for n in range(1, CRM_MEMBERS + 1))]


def members_csv(people: Sequence[CrmMember], seed: int = SEED) -> bytes:
    """CRM export with consent flags; two rows a CRM clerk got wrong (a bad phone, no contact at all)."""
    rng = random.Random(seed + 1)
    rows = [{"crm_id": p.crm_id, "name": p.name, "phone": p.phone, "pos_card": p.card, "store_code": p.store,
             "gender": rng.choice(("female", "male")),
             "birthday": (date(1960, 1, 1) + timedelta(days=rng.randrange(16_000))).isoformat(),
             "marketing_messages": rng.choice(("true", "false")), "wecom_contact": rng.choice(("true", "false", "")),
             "personalised_recommendations": rng.choice(("true", ""))} for p in people]
    rows += [{"crm_id": "CRM900001", "name": "号码录错", "phone": "1234567", "store_code": stores_of(people)[0]},
             {"crm_id": "CRM900002", "name": "无联系方式", "store_code": stores_of(people)[0]}]
    return _csv(("crm_id", "name", "phone", "pos_card", "store_code", "gender", "birthday", "marketing_messages",
                 "wecom_contact", "personalised_recommendations"), rows)


def stores_of(people: Sequence[CrmMember]) -> list[str]:
    return sorted({p.store for p in people})


# --- tills (ARTS POSLog) ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TillLine:
    item: str  # SKU code, or a barcode when `gtin`
    qty: int  # pieces, or grams
    price_fen: int  # per piece or per kg
    gram: bool = False
    kind: str = "Sale"  # Sale | Return
    gtin: bool = False
    void: bool = False


@dataclass(frozen=True)
class TillTxn:
    store: str
    till: str
    seq: int
    at: datetime
    lines: tuple[TillLine, ...]
    card: str = ""
    tender: str = "WeChat"
    voided: bool = False


def poslog(txns: Sequence[TillTxn]) -> bytes:
    """A POSLog document of the transactions, with a vendor extension a real till would add."""
    body = "".join(_txn_xml(t) for t in txns)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<POSLog xmlns="{NS}" xmlns:xfh="urn:xfh:till" '
            f'MajorVersion="6">\n{body}</POSLog>\n').encode()


def _txn_xml(t: TillTxn) -> str:
    local = t.at.astimezone(times.SHANGHAI)
    items = "".join(_line_xml(i, ln) for i, ln in enumerate(t.lines, start=1))
    card = f"<LoyaltyAccount><LoyaltyCardNumber>{t.card}</LoyaltyCardNumber></LoyaltyAccount>" if t.card else ""
    total = sum(_amount(ln) for ln in t.lines if not ln.void) / 100
    status = "Voided" if t.voided else "Finished"
    return (f"<Transaction><RetailStoreID>{t.store}</RetailStoreID><WorkstationID>{t.till}</WorkstationID>"
            f"<SequenceNumber>{t.seq}</SequenceNumber><BusinessDayDate>{local:%Y-%m-%d}</BusinessDayDate>"
            f"<EndDateTime>{local.isoformat()}</EndDateTime><CurrencyCode>CNY</CurrencyCode>"
            f'<xfh:Drawer no="1"/>\n<RetailTransaction TransactionStatus="{status}">\n{items}'
            f'<LineItem><SequenceNumber>{len(t.lines) + 1}</SequenceNumber><Tender TenderType="{t.tender}">'
            f"<Amount>{total:.2f}</Amount></Tender></LineItem>{card}</RetailTransaction></Transaction>\n")


def _line_xml(seq: int, ln: TillLine) -> str:
    item = f'<ItemID Type="GTIN">{ln.item}</ItemID>' if ln.gtin else f"<ItemID>{escape(ln.item)}</ItemID>"
    qty = f'<Quantity UnitOfMeasureCode="KGM">{ln.qty / 1000:.3f}</Quantity>' if ln.gram else \
        f"<Quantity>{ln.qty}</Quantity>"
    void = ' VoidFlag="true"' if ln.void else ""
    return (f"<LineItem{void}><SequenceNumber>{seq}</SequenceNumber><{ln.kind}>{item}"
            f"<ActualSalesUnitPrice>{ln.price_fen / 100:.2f}</ActualSalesUnitPrice>"
            f"<ExtendedAmount>{_amount(ln) / 100:.2f}</ExtendedAmount>{qty}</{ln.kind}></LineItem>\n")


def _amount(ln: TillLine) -> int:
    return (ln.qty * ln.price_fen + 500) // 1000 if ln.gram else ln.qty * ln.price_fen


@dataclass(frozen=True)
class Shelf:
    """What a store's tills may sell without running it dry: (SKU code, unit, list price, amount received)."""

    store: str
    items: tuple[tuple[str, str, int, int], ...]


def shelves(stock: Sequence[catalog.LocationStock], skus: dict[str, SkuCreate]) -> list[Shelf]:
    out = []
    for plan in stock:
        received: dict[str, int] = {}
        for ln in plan.receipts:
            received[ln.sku_code] = received.get(ln.sku_code, 0) + _base_units(ln)
        items = tuple((code, skus[code].unit, skus[code].list_price_fen, amount)
                      for code, amount in sorted(received.items())
                      if amount >= (8_000 if skus[code].unit == "gram" else 30))
        if items and not plan.code.startswith("WH"):
            out.append(Shelf(plan.code, items))
    return out


def till_days(shelves_: Sequence[Shelf], cards: dict[str, list[str]], *, anchor: datetime,
              seed: int = SEED) -> list[tuple[str, date, list[TillTxn]]]:
    """(store, day, transactions) for the last TILL_DAYS days: sales, some with a member's card, a few
    returns and voids; one store's first day also carries an unknown SKU and a bad barcode."""
    rng = random.Random(seed + 2)
    today = times.local_day(anchor)
    out = []
    for day in (today - timedelta(days=d) for d in range(TILL_DAYS, 0, -1)):
        for shelf in shelves_:
            txns = sorted((_sale(rng, shelf, cards.get(shelf.store, []), day, n) for n in range(TILL_TXNS)),
                          key=lambda t: t.at)
            txns = [TillTxn(t.store, t.till, 1000 + i, t.at, t.lines, t.card, t.tender, t.voided)
                    for i, t in enumerate(txns, start=1)]
            txns += _return_and_void(rng, shelf, txns, day)
            out.append((shelf.store, day, txns))
    store, day, first = out[0]
    first.append(_bad_records(store, first[-1]))
    return out


def till_orders(txns: Sequence[TillTxn]) -> int:
    """How many completed in-store orders the transactions make: those not voided that sell a known item."""
    return sum(1 for t in txns if not t.voided and any(
        ln.kind == "Sale" and not ln.void and not ln.gtin and ln.item != UNKNOWN_SKU for ln in t.lines))


def _sale(rng: random.Random, shelf: Shelf, cards: list[str], day: date, n: int) -> TillTxn:
    picks = rng.sample(shelf.items, k=min(len(shelf.items), rng.randint(1, 4)))
    lines = tuple(TillLine(code, rng.randrange(200, 900, 10) if unit == "gram" else rng.randint(1, 2), price,
                           gram=unit == "gram") for code, unit, price, _amount_ in picks)
    card = rng.choice(cards) if cards and rng.random() < 0.4 else ""
    return TillTxn(shelf.store, f"T{rng.randint(1, 4)}", 0, times.daytime(rng, day), lines, card,
                   rng.choice(TENDERS))


def _return_and_void(rng: random.Random, shelf: Shelf, sold: list[TillTxn], day: date) -> list[TillTxn]:
    """A customer brings back one piece of an earlier sale; a cashier voids a whole transaction."""
    extra = []
    pieces = [(t, ln) for t in sold for ln in t.lines if not ln.gram]
    if pieces and rng.random() < 0.5:
        t, ln = rng.choice(pieces)
        extra.append(TillTxn(shelf.store, t.till, 1900, t.at + timedelta(minutes=45),
                             (TillLine(ln.item, 1, ln.price_fen, kind="Return"),), t.card, t.tender))
    if rng.random() < 0.3:
        t = sold[0]
        extra.append(TillTxn(shelf.store, t.till, 1950, t.at + timedelta(minutes=1), t.lines, "", t.tender,
                             voided=True))
    return extra


def _bad_records(store: str, last: TillTxn) -> TillTxn:
    """A till with a stale item file: a SKU the master does not know, and a mistyped barcode."""
    return TillTxn(store, last.till, 1990, last.at + timedelta(minutes=5), (
        TillLine(UNKNOWN_SKU, 1, 990), TillLine(BAD_BARCODE, 1, 1290, gtin=True)), tender="Cash")


def offline_till(shelf: Shelf, *, anchor: datetime) -> list[TillTxn]:
    """Till T9 was offline two days ago and uploads now: it sold more of one SKU than the store received,
    which the store will have to explain (an oversell exception)."""
    code, _unit, price, received = next(item for item in shelf.items if item[1] == "piece")
    at = datetime.combine(times.local_day(anchor) - timedelta(days=2), times.OPEN_UNTIL, times.SHANGHAI) \
        - timedelta(hours=2)
    return [TillTxn(shelf.store, "T9", 9001, at, (TillLine(code, received + 5, price),), tender="Cash")]


# --- the shop platform (Tmall-like messages) -------------------------------------------------------------

TOPICS = {"created": "taobao_trade_TradeCreate", "paid": "taobao_trade_TradeBuyerPay",
          "cancelled": "taobao_trade_TradeClose"}


def tmall_message(event: str, *, tid: str, at: datetime, content: dict | None = None) -> bytes:
    """One Tmall-like push body (Beijing time, money in yuan), as the signed webhook receives it."""
    local = at.astimezone(times.SHANGHAI)
    body = {"msg_id": f"{tid}-{event}", "topic": TOPICS[event], "pub_time": f"{local:%Y-%m-%d %H:%M:%S}",
            "content": {"tid": tid, **(content or {})}}
    return json.dumps(body, ensure_ascii=False).encode()
