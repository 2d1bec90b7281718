"""Placing delivery orders over HTTP on PostgreSQL: 8 client processes POST 3-line delivery orders to the
real app (uvicorn, routing across 20 open stores, pricing, reservation, outbox, relay running), against
the rate of a bare FastAPI endpoint doing one INSERT per request, served and loaded the same way.

Both servers run at once with the same worker count, under `zhongtai.server` (uvicorn workers fed their
connections in turn). Each client keeps one HTTP connection
open and sends its requests back to back; a side's clock runs from the moment all its clients are
connected until the last one finishes. After a warm-up, the two sides take turns for a few rounds, so that
both are measured on the same machine even when other work on it comes and goes. Every order must be
accepted (201); afterwards the stock picture must still reconcile. It also prints the CPU time each side's
server processes and PostgreSQL backends used per request (Linux, PostgreSQL on the same machine).

Environment: ZHONGTAI_DATABASE_URL (a PostgreSQL server; a scratch database is created and dropped on it),
BENCH_CLIENTS (8), BENCH_OPS_PER_CLIENT (300, split over the rounds), BENCH_WARMUP_PER_CLIENT (50),
BENCH_ROUNDS (3), BENCH_WORKERS (2),
BENCH_IDEMPOTENCY (1: every order carries an Idempotency-Key, as a checkout that retries safely does).
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from common import libpq_dsn, postgres_url, run_clients, scratch_database
from sqlalchemy.engine import make_url

NAME, TARGET, P95_TARGET_MS = "place_orders", 0.25, 50.0
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
OPS_PER_CLIENT = int(os.environ.get("BENCH_OPS_PER_CLIENT", "300"))
WARMUP_PER_CLIENT = int(os.environ.get("BENCH_WARMUP_PER_CLIENT", "50"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
IDEMPOTENCY = os.environ.get("BENCH_IDEMPOTENCY", "1") != "0"
STORES, SKUS, LINES = 20, 50, 3
CITY = (31.2304, 121.4737)  # People's Square, Shanghai
STORE_RING_KM, CUSTOMER_RING_KM, DELIVERY_RADIUS_KM = 3.0, 2.0, 8.0  # every store reaches every customer
UNITS_PER_SKU = 100_000  # per store: far more than the run can order
ALWAYS = {d: [{"open": "00:00", "close": "24:00"}] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
OURS_PATH, BARE_PATH = "/api/v1/orders", "/bench/inserts"


def main() -> int:
    with scratch_database(postgres_url(), "zhongtai_bench") as url:
        api_key, sku_codes = seed(url)
        with serving("place_orders:bare_app", url, "bare") as bare, \
                serving("place_orders:ours_app", url, "ours") as app:
            sides = [Side(bare, BARE_PATH, {}), Side(app, OURS_PATH, {"X-API-Key": api_key})]
            baseline, ours = measure(sides, place, sku_codes, libpq_dsn(url))
        ok = report(url, ours=ours, baseline=baseline)
    line, met = result_line(ours=ours, baseline=baseline, ok=ok)
    print(line)
    return 0 if met else 1


# --- the data ------------------------------------------------------------------------------------------

def seed(url: str) -> tuple[str, list[str]]:
    """Schema, 20 stores open round the clock around one point, 50 SKUs stocked in each, one app client,
    and the baseline's table; returns the client's API key and the SKU codes."""
    import psycopg

    from zhongtai.db.migrate import upgrade
    from zhongtai.db.session import make_engine, session_scope

    engine = make_engine(url)
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            codes = _skus(session)
            for n in range(STORES):
                _stocked_store(session, n, codes)
            key = _api_client(session)
    finally:
        engine.dispose()
    with psycopg.connect(libpq_dsn(url), autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_inserts (id bigserial PRIMARY KEY, payload jsonb NOT NULL, "
                     "created_at timestamptz NOT NULL DEFAULT now())")
        conn.execute("VACUUM ANALYZE")
    return key, codes


def _skus(session) -> list[str]:
    from zhongtai.catalog import service as catalog
    from zhongtai.catalog.schemas import CategoryCreate, ProductCreate, SkuCreate

    catalog.create_category(session, category_in=CategoryCreate(code="BENCH", name_zh="压测"))
    codes = [f"B{n:03d}" for n in range(SKUS)]
    for n, code in enumerate(codes):
        catalog.create_product(session, product_in=ProductCreate(code=f"P-{code}", name_zh=f"商品 {code}",
                                                                 category_code="BENCH"))
        catalog.create_sku(session, sku_in=SkuCreate(code=code, product_code=f"P-{code}", name_zh=f"商品 {code}",
                                                     unit="piece", list_price_fen=190 + 37 * n))
    return codes


def _stocked_store(session, n: int, codes: list[str]) -> None:
    from zhongtai.inventory import service as inventory
    from zhongtai.inventory.schemas import ReceiptLine
    from zhongtai.stores import service as stores
    from zhongtai.stores.schemas import StoreCreate

    lat, lon = _point(CITY, STORE_RING_KM * (0.3 + 0.7 * (n % 4) / 3), 360.0 * n / STORES)
    store = stores.create(session, store_in=StoreCreate(
        code=f"BENCH{n:02d}", name=f"压测门店 {n}", city="上海", latitude=lat, longitude=lon,
        delivery_radius_km=DELIVERY_RADIUS_KM, opening_hours=ALWAYS, order_capacity=10_000))
    inventory.receive(session, location_id=store.id, lines=[ReceiptLine(sku_code=c, quantity=UNITS_PER_SKU)
                                                            for c in codes],
                      doc=inventory.Doc(source_type="receipt", source_id="bench-seed"))


def _api_client(session) -> str:
    from zhongtai.staff import service as staff
    from zhongtai.staff.schemas import ApiClientCreate

    _client, key = staff.create_api_client(session, client_in=ApiClientCreate(
        code="bench-app", name="压测 App", kind="ecommerce", scopes=["orders:write", "orders:read"],
        store_codes=[], all_stores=True))
    return key


def _point(origin: tuple[float, float], km: float, bearing_deg: float) -> tuple[float, float]:
    """The point `km` from `origin` on a bearing (flat-earth: fine over a few kilometres)."""
    b = math.radians(bearing_deg)
    dlat = km * math.cos(b) / 111.0
    dlon = km * math.sin(b) / (111.0 * math.cos(math.radians(origin[0])))
    return round(origin[0] + dlat, 6), round(origin[1] + dlon, 6)


# --- the servers ---------------------------------------------------------------------------------------

def ours_app():
    """The real application, as `zhongtai serve` builds it (outbox relay and jobs included)."""
    from zhongtai.app import create_app

    return create_app(run_relay=True)


def bare_app():
    """The ceiling: a FastAPI endpoint that stores the posted JSON with one INSERT and answers 201."""
    import json

    from fastapi import FastAPI
    from sqlalchemy import text

    from zhongtai.db.session import make_engine

    engine = make_engine(os.environ["ZHONGTAI_DATABASE_URL"])
    app = FastAPI()
    insert = text("INSERT INTO bench_inserts (payload) VALUES (CAST(:payload AS jsonb)) RETURNING id")

    @app.get("/readyz")
    def readyz() -> dict:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ready"}

    @app.post(BARE_PATH, status_code=201)
    def create(body: dict) -> dict:  # a dict parameter is the JSON body
        with engine.begin() as conn:
            return {"id": conn.execute(insert, {"payload": json.dumps(body)}).scalar_one()}

    return app


@dataclass(frozen=True)
class Server:
    base: str
    pid: int
    app_name: str  # its PostgreSQL connections' application_name, to find their backends


def _server_env(url: str, app_name: str) -> dict[str, str]:
    url = make_url(url).update_query_dict({"application_name": app_name}).render_as_string(False)
    return {**os.environ, "ZHONGTAI_DATABASE_URL": url, "ZHONGTAI_ENVIRONMENT": "production",
            "ZHONGTAI_SECRET_KEY": secrets.token_urlsafe(30)[:40], "ZHONGTAI_LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}


@contextlib.contextmanager
def serving(factory: str, url: str, name: str) -> Iterator[Server]:
    """Serve `factory` with `zhongtai.server` on a free loopback port; yield it once /readyz answers."""
    port, app_name = _free_port(), f"bench-{name}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([sys.executable, "-m", "zhongtai.server", factory, "--host", "127.0.0.1",
                                 "--port", str(port), "--workers", str(WORKERS), "--log-level", "warning"],
                                env=_server_env(url, app_name), cwd=HERE, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base, proc, log)
            yield Server(base, proc.pid, app_name)
        finally:
            _stop(proc)
            if os.environ.get("BENCH_SERVER_LOG"):
                log.seek(0)
                sys.stderr.write(log.read().decode(errors="replace"))


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()  # the parent stops its workers
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(base: str, proc: subprocess.Popen, log) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    log.seek(0)
    raise RuntimeError(f"server at {base} never became ready:\n{log.read().decode(errors='replace')[-4000:]}")


# --- the load (each client runs in its own process) ---------------------------------------------------

@dataclass(frozen=True)
class Side:
    server: Server
    path: str
    headers: dict[str, str]


@dataclass
class Measured:
    """One side's timed requests over all rounds: wall seconds (summed), latencies, failures, and the CPU
    seconds its server processes and their PostgreSQL backends used meanwhile (None if unknown)."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    server_cpu: float | None = 0.0
    db_cpu: float | None = 0.0


def measure(sides: list[Side], client, data, dsn: str) -> list[Measured]:
    """Warm every server up, then time the sides in turn, ROUNDS times, so that both see the same
    machine (other work on it comes and goes); each round times OPS_PER_CLIENT / ROUNDS per client.
    `client(side, data, label, count, strict, start=)` is what one client process does."""
    per_round = max(1, OPS_PER_CLIENT // ROUNDS)
    for side in sides:
        _load(client, side, data, "warm", WARMUP_PER_CLIENT, strict=True)
    out = [Measured() for _ in sides]
    for r in range(ROUNDS):
        for side, measured in zip(sides, out, strict=True):
            before = _cpu(side.server, dsn)
            run = _load(client, side, data, f"r{r}", per_round, strict=False)
            after = _cpu(side.server, dsn)
            measured.seconds += run.seconds
            measured.server_cpu = _add(measured.server_cpu, before[0], after[0])
            measured.db_cpu = _add(measured.db_cpu, before[1], after[1])
            for latencies, failures in run.results:
                measured.latencies += latencies
                measured.failures += failures
    return out


def _load(client, side: Side, data, label: str, count: int, *, strict: bool):
    return run_clients(client, [(side, data, f"{label}-{n}", count, strict) for n in range(CLIENTS)])


def place(side: Side, sku_codes: list[str], label: str, count: int, strict: bool, *,
          start) -> tuple[list[float], list[str]]:
    """Connect, wait for the others, then send `count` requests back to back; (latencies in s, failures).
    `strict`: the first failure stops the run (warm-up: a broken setup is not measured)."""
    import httpx

    rng = random.Random(label)
    latencies, failures = [], []
    with httpx.Client(base_url=side.server.base, headers=side.headers, timeout=30) as http:
        http.get("/readyz").raise_for_status()  # connected before the clock starts, as documented
        start.wait()
        for i in range(count):
            body = _order(rng, sku_codes)
            began = time.perf_counter()
            resp = _send(http, side.path, body, f"{label}-{i}")
            latencies.append(time.perf_counter() - began)
            if resp.status_code != 201:
                if strict:
                    raise RuntimeError(f"{side.path} answered {resp.status_code}: {resp.text[:500]}")
                failures.append(f"{resp.status_code} {resp.text[:300]}")
    return latencies, failures


def _send(http, path: str, body: dict, key: str):
    extra = {"Idempotency-Key": f"{key}-{uuid.uuid4().hex[:8]}"} if IDEMPOTENCY else {}
    return http.post(path, json=body, headers=extra)


def _order(rng: random.Random, sku_codes: list[str]) -> dict:
    """A 3-line delivery cart from a customer somewhere within 2 km of the centre, paid by WeChat Pay."""
    lat, lon = _point(CITY, CUSTOMER_RING_KM * math.sqrt(rng.random()), rng.uniform(0, 360))
    return {"channel": "app", "mode": "delivery",
            "contact": {"name": "压测顾客", "phone": "13800000000", "address": "人民大道 200 号",
                        "latitude": lat, "longitude": lon},
            "lines": [{"sku_code": c, "quantity": rng.randint(1, 3)} for c in rng.sample(sku_codes, LINES)],
            "payment": {"provider": "wechat_pay", "transaction_id": f"wx{uuid.uuid4().hex}", "amount_fen": 0}}


# --- where the CPU went (Linux /proc; PostgreSQL on this machine) --------------------------------------

def _cpu(server: Server, dsn: str) -> tuple[dict[int, float], dict[int, float]]:
    """CPU seconds so far of the server's processes, and of its PostgreSQL backends, by pid."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        backends = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                                               (server.app_name,))]
    return _proc_cpu([server.pid, *_children(server.pid)]), _proc_cpu(backends, command="postgres")


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
    return out


def _proc_cpu(pids: list[int], *, command: str = "") -> dict[int, float]:
    tick, out = os.sysconf("SC_CLK_TCK"), {}
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            head, tail = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
            if command and not head.split("(", 1)[1].startswith(command):
                continue  # not this machine's PostgreSQL (a server elsewhere, or in another container)
            fields = tail.split()
            out[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return out


def _add(total: float | None, before: dict[int, float], after: dict[int, float]) -> float | None:
    if total is None or not after:
        return None
    return total + sum(t - before.get(pid, 0.0) for pid, t in after.items())


# --- the checks ----------------------------------------------------------------------------------------

def _stats(run: Measured) -> dict:
    latencies = sorted(run.latencies)
    n = len(latencies)

    def pct(p: float) -> float:
        return latencies[min(n - 1, math.ceil(p / 100 * n) - 1)] * 1000 if n else float("nan")

    return {"n": n, "rate": n / run.seconds, "seconds": run.seconds, "p50": pct(50), "p95": pct(95),
            "p99": pct(99), "max": latencies[-1] * 1000 if n else float("nan"), "failures": run.failures}


def report(url: str, *, ours, baseline) -> bool:
    """Print both runs and check them: every request 201, one order per request, stock still reconciles."""
    from sqlalchemy import func, select

    from zhongtai.db.session import make_engine, session_scope
    from zhongtai.inventory import service as inventory
    from zhongtai.orders.models import FulfilmentGroup, Order

    o, b = _stats(ours), _stats(baseline)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            orders = session.scalar(select(func.count()).select_from(Order))
            split = session.scalar(select(func.count()).select_from(FulfilmentGroup)) - orders
            used = session.scalar(select(func.count(func.distinct(Order.store_id))))
            drift = inventory.verify(session)
    finally:
        engine.dispose()
    expected = CLIENTS * WARMUP_PER_CLIENT + o["n"]
    print(f"{CLIENTS} clients x {o['n'] // CLIENTS} timed requests per side in {ROUNDS} alternating rounds "
          f"(after {WARMUP_PER_CLIENT} warm-up each), {WORKERS} uvicorn workers per server, {STORES} stores, "
          f"{SKUS} SKUs, Idempotency-Key {'on' if IDEMPOTENCY else 'off'}")
    for label, s, m in (("orders (POST /api/v1/orders)", o, ours),
                        ("bare insert (POST /bench/inserts)", b, baseline)):
        print(f"{label}: {s['n']} in {s['seconds']:.2f} s = {s['rate']:.0f}/s; latency ms p50 {s['p50']:.1f} "
              f"p95 {s['p95']:.1f} p99 {s['p99']:.1f} max {s['max']:.1f}; {len(s['failures'])} failed")
        print(f"  CPU per request: server {_per(m.server_cpu, s['n'])}, "
              f"its PostgreSQL backends {_per(m.db_cpu, s['n'])}")
        for f in s["failures"][:3]:
            print(f"  e.g. {f}")
    print(f"orders in the database: {orders} (expected {expected}); {split} split; {used} stores chose")
    checks = {
        "every order accepted (201)": not o["failures"],
        "every bare insert accepted (201)": not b["failures"],
        f"one order per request ({orders} == {expected})": orders == expected,
        "verify clean (no ledger or reserved drift)": not (drift["ledger_drift"] or drift["reserved_drift"]),
    }
    for text, ok in checks.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {text}")
    return all(checks.values())


def _per(cpu_seconds: float | None, n: int) -> str:
    return f"{cpu_seconds / n * 1000:.1f} ms" if cpu_seconds is not None and n else "n/a"


def result_line(*, ours, baseline, ok: bool) -> tuple[str, bool]:
    """`bench place_orders: ours V orders/s (p95 P ms), baseline V inserts/s, ratio R, target …, met`."""
    o, b = _stats(ours), _stats(baseline)
    ratio = o["rate"] / b["rate"] if b["rate"] else 0.0
    met = ok and ratio >= TARGET and o["p95"] < P95_TARGET_MS
    line = (f"bench {NAME}: ours {o['rate']:.0f} orders/s (p95 {o['p95']:.1f} ms), baseline {b['rate']:.0f} "
            f"inserts/s, ratio {ratio:.2f}, target {TARGET:g} (p95 < {P95_TARGET_MS:g} ms), "
            f"{'met' if met else 'not met'}")
    return line, met


if __name__ == "__main__":
    sys.exit(main())
