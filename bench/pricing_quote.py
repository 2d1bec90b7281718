"""Pricing 10-line carts over HTTP on PostgreSQL: 8 client processes POST /api/v1/pricing/quote to the real
app (uvicorn) for a gold-tier member with two coupons (a category 满减 and a whole-cart percentage) and points,
at a store with store prices and markdowns, against a bare FastAPI endpoint that reads the cart's SKU prices
with one SELECT, served and loaded the same way (both at once, same worker count, alternating rounds; see
place_orders.py for the method). Every quote must answer 200 with both coupons applied and the points used.

Environment: ZHONGTAI_DATABASE_URL (a PostgreSQL server; a scratch database is created and dropped on it),
BENCH_CLIENTS (8), BENCH_OPS_PER_CLIENT (300, split over the rounds), BENCH_WARMUP_PER_CLIENT (50),
BENCH_ROUNDS (3), BENCH_WORKERS (2).
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from common import libpq_dsn, postgres_url, scratch_database
from place_orders import ALWAYS, Measured, Side, _per, _stats, measure, serving

NAME, TARGET, P95_TARGET_MS = "pricing_quote", 0.25, 30.0
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
OPS_PER_CLIENT = int(os.environ.get("BENCH_OPS_PER_CLIENT", "300"))
WARMUP_PER_CLIENT = int(os.environ.get("BENCH_WARMUP_PER_CLIENT", "50"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SKUS, LINES, POINTS = 200, 10, 500
OURS_PATH, BARE_PATH = "/api/v1/pricing/quote", "/bench/prices"


def main() -> int:
    with scratch_database(postgres_url(), "zhongtai_bench") as url:
        fixture = seed(url)
        with serving("pricing_quote:bare_app", url, "bare") as bare, \
                serving("pricing_quote:ours_app", url, "ours") as app:
            sides = [Side(bare, BARE_PATH, {}), Side(app, OURS_PATH, {"X-API-Key": fixture["key"]})]
            baseline, ours = measure(sides, quote, fixture, libpq_dsn(url))
    ok = report(ours=ours, baseline=baseline)
    line, met = result_line(ours=ours, baseline=baseline, ok=ok)
    print(line)
    return 0 if met else 1


# --- the data ------------------------------------------------------------------------------------------

def seed(url: str) -> dict:
    """Schema, one store with 200 SKUs (a fifth at a store price, every tenth marked down), a gold member with
    points and two coupons, and the till's API key."""
    from zhongtai.db.migrate import upgrade
    from zhongtai.db.session import make_engine, session_scope

    engine = make_engine(url)
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            store_id, codes = _catalogue(session)
            member_id, coupon_codes = _member(session, store_id)
            key = _api_client(session)
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    return {"key": key, "store_id": store_id, "codes": codes, "member_id": member_id, "coupons": coupon_codes}


def _catalogue(session) -> tuple[int, list[str]]:
    from zhongtai.catalog import service as catalog
    from zhongtai.catalog.schemas import CategoryCreate, ProductCreate, SkuCreate
    from zhongtai.kernel import clock
    from zhongtai.pricing import service as pricing
    from zhongtai.pricing.schemas import MarkdownCreate
    from zhongtai.stores import service as stores
    from zhongtai.stores.schemas import StoreCreate

    store = stores.create(session, store_in=StoreCreate(code="BENCH00", name="压测门店", city="上海",
                                                        latitude=31.2304, longitude=121.4737,
                                                        delivery_radius_km=5, opening_hours=ALWAYS))
    catalog.create_category(session, category_in=CategoryCreate(code="BENCH", name_zh="压测"))
    codes = [f"B{n:03d}" for n in range(SKUS)]
    for n, code in enumerate(codes):
        catalog.create_product(session, product_in=ProductCreate(code=f"P-{code}", name_zh=f"商品 {code}",
                                                                 category_code="BENCH"))
        sku = catalog.create_sku(session, sku_in=SkuCreate(code=code, product_code=f"P-{code}",
                                                           name_zh=f"商品 {code}", unit="piece",
                                                           list_price_fen=990 + 37 * n))
        if n % 5 == 0:
            catalog.set_store_price(session, store_id=store.id, sku_id=sku.id, price_fen=890 + 37 * n)
        if n % 10 == 0:
            pricing.create_markdown(session, markdown_in=MarkdownCreate(
                store_id=store.id, sku_code=code, percent_off=20, reason="临期",
                ends_at=clock.now() + timedelta(days=30)), actor="bench")
    return store.id, codes


def _member(session, store_id: int) -> tuple[int, list[str]]:
    from zhongtai.loyalty import service as loyalty
    from zhongtai.loyalty.coupons import service as coupons
    from zhongtai.loyalty.coupons.schemas import TemplateCreate
    from zhongtai.members import service as members
    from zhongtai.members.schemas import IdentityIn

    member = members.join(session, channel="app", actor="bench", store_id=store_id,
                          identities=[IdentityIn(kind="phone", value="13800000001", verified=True)]).member
    members.recompute_tier(session, member_id=member.id, spend_fen=900_000)
    loyalty.adjust(session, member_id=member.id, points=1_000_000, reason="bench",
                   source=loyalty.Source("adjust", "bench", actor="bench"))
    out = []
    for data in ({"code": "CAT20", "name": "压测满100减20", "kind": "amount_off", "threshold_fen": 10_000,
                  "amount_fen": 2_000, "category_codes": ["BENCH"]},
                 {"code": "ALL5", "name": "全场95折", "kind": "percent_off", "percent_off": 5, "cap_fen": 5_000}):
        tpl = coupons.create_template(session, template_in=TemplateCreate(valid_days=30, **data), actor="bench")
        issued = coupons.issue(session, template_code=tpl.code, member_ids=[member.id], via="campaign",
                               issued_by="bench")
        out.append(issued.coupons[0][0].code)
    return member.id, out


def _api_client(session) -> str:
    from zhongtai.staff import service as staff
    from zhongtai.staff.schemas import ApiClientCreate

    _client, key = staff.create_api_client(session, client_in=ApiClientCreate(
        code="bench-till", name="压测收银", kind="pos", scopes=["orders:read"], store_codes=[], all_stores=True))
    return key


# --- the servers ---------------------------------------------------------------------------------------

def ours_app():
    """The real application, as `zhongtai serve` builds it."""
    from zhongtai.app import create_app

    return create_app(run_relay=True)


def bare_app():
    """The ceiling: a FastAPI endpoint that reads the posted cart's SKU prices with one SELECT."""
    from fastapi import FastAPI
    from sqlalchemy import bindparam, text

    from zhongtai.db.session import make_engine

    engine = make_engine(os.environ["ZHONGTAI_DATABASE_URL"])
    app = FastAPI()
    prices = text("SELECT code, list_price_fen FROM skus WHERE code IN :codes").bindparams(
        bindparam("codes", expanding=True))

    @app.get("/readyz")
    def readyz() -> dict:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ready"}

    @app.post(BARE_PATH)
    def price(body: dict) -> dict:  # a dict parameter is the JSON body
        with engine.connect() as conn:
            rows = conn.execute(prices, {"codes": [ln["sku_code"] for ln in body["lines"]]}).all()
        return {"payable_fen": sum(p for _, p in rows)}

    return app


# --- the load ------------------------------------------------------------------------------------------

def quote(side: Side, fixture: dict, label: str, count: int, strict: bool, *, start) -> tuple[list[float], list[str]]:
    """Connect, wait for the others, then send `count` quotes back to back; (latencies in s, failures)."""
    import httpx

    rng = random.Random(label)
    latencies, failures = [], []
    with httpx.Client(base_url=side.server.base, headers=side.headers, timeout=30) as http:
        http.get("/readyz").raise_for_status()  # connected before the clock starts, as documented
        start.wait()
        for _ in range(count):
            body = _cart(rng, fixture)
            began = time.perf_counter()
            resp = http.post(side.path, json=body)
            latencies.append(time.perf_counter() - began)
            problem = _problem(side, resp)
            if problem:
                if strict:
                    raise RuntimeError(problem)
                failures.append(problem)
    return latencies, failures


def _cart(rng: random.Random, fixture: dict) -> dict:
    """Ten lines of 1–3 pieces, the member, both coupons and 500 points, on the app with a delivery fee."""
    return {"store_id": fixture["store_id"], "channel": "app", "member_id": fixture["member_id"],
            "lines": [{"sku_code": c, "quantity": rng.randint(1, 3)} for c in rng.sample(fixture["codes"], LINES)],
            "coupon_codes": fixture["coupons"], "points_to_redeem": POINTS, "delivery_fee_fen": 600}


def _problem(side: Side, resp) -> str:
    if resp.status_code != 200:
        return f"{side.path} answered {resp.status_code}: {resp.text[:300]}"
    if side.path != OURS_PATH:
        return ""
    q = resp.json()
    if len(q["discounts"]) < 3 or q["refused_coupons"] or q["points"]["redeemed"] != POINTS:
        return f"quote without both coupons, free delivery and the points: {resp.text[:500]}"
    return ""


# --- the report ----------------------------------------------------------------------------------------

def report(*, ours: Measured, baseline: Measured) -> bool:
    o, b = _stats(ours), _stats(baseline)
    print(f"{CLIENTS} clients x {o['n'] // CLIENTS} timed requests per side in {ROUNDS} alternating rounds "
          f"(after {WARMUP_PER_CLIENT} warm-up each), {LINES}-line carts, {SKUS} SKUs, gold member, 2 coupons, "
          f"{POINTS} points")
    for label, s, m in (("quotes (POST /api/v1/pricing/quote)", o, ours),
                        ("bare select (POST /bench/prices)", b, baseline)):
        print(f"{label}: {s['n']} in {s['seconds']:.2f} s = {s['rate']:.0f}/s; latency ms p50 {s['p50']:.1f} "
              f"p95 {s['p95']:.1f} p99 {s['p99']:.1f} max {s['max']:.1f}; {len(s['failures'])} failed")
        print(f"  CPU per request: server {_per(m.server_cpu, s['n'])}, "
              f"its PostgreSQL backends {_per(m.db_cpu, s['n'])}")
        for f in s["failures"][:3]:
            print(f"  e.g. {f}")
    checks = {"every quote answered 200 with both coupons, free delivery and the points": not o["failures"],
              "every bare read answered 200": not b["failures"]}
    for text, ok in checks.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {text}")
    return all(checks.values())


def result_line(*, ours: Measured, baseline: Measured, ok: bool) -> tuple[str, bool]:
    """`bench pricing_quote: ours V quotes/s (p95 P ms), baseline V reads/s, ratio R, target …, met`."""
    o, b = _stats(ours), _stats(baseline)
    ratio = o["rate"] / b["rate"] if b["rate"] else 0.0
    met = ok and ratio >= TARGET and o["p95"] < P95_TARGET_MS
    line = (f"bench {NAME}: ours {o['rate']:.0f} quotes/s (p95 {o['p95']:.1f} ms), baseline {b['rate']:.0f} "
            f"reads/s, ratio {ratio:.2f}, target {TARGET:g} (p95 < {P95_TARGET_MS:g} ms), "
            f"{'met' if met else 'not met'}")
    return line, met


if __name__ == "__main__":
    sys.exit(main())
