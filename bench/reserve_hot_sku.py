"""Hot-SKU reservations on PostgreSQL: 8 client processes reserve one unit each of the same SKU through
`inventory.service.reserve`, one transaction per reservation, against the bare ceiling of the same number
of `UPDATE … SET qty = qty - 1 WHERE … AND qty > 0` autocommit statements from 8 processes.

The SKU holds fewer units than are asked for, so the run also proves there is no oversell: exactly the
units on hand are reserved, every other attempt is refused, and `verify` finds no drift.

Environment: ZHONGTAI_DATABASE_URL (a PostgreSQL server; a scratch database is created and dropped on it),
BENCH_CLIENTS (8), BENCH_OPS_PER_CLIENT (600), BENCH_WARMUP_PER_CLIENT (50).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import libpq_dsn, postgres_url, result_line, run_clients, scratch_database

NAME, TARGET = "reserve_hot_sku", 0.5
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
OPS_PER_CLIENT = int(os.environ.get("BENCH_OPS_PER_CLIENT", "600"))
WARMUP_PER_CLIENT = int(os.environ.get("BENCH_WARMUP_PER_CLIENT", "50"))
HOT, WARM = "HOT-1", "WARM-1"
HOT_ROW, WARM_ROW = 1, 2
BARE_UPDATE = "UPDATE bench_stock SET qty = qty - 1 WHERE id = %s AND qty > 0"


def main() -> int:
    attempts = CLIENTS * OPS_PER_CLIENT
    units = attempts - max(1, attempts // 20)  # fewer units than attempts: some reservations must be refused
    with scratch_database(postgres_url(), "zhongtai_bench") as url:
        location_id = seed(url, units=units, warm_units=CLIENTS * WARMUP_PER_CLIENT)
        # The ceiling is measured before and after ours and averaged, so drift in the machine's load
        # during the run weighs on both sides alike.
        before = run_clients(bare_updates, [(libpq_dsn(url),)] * CLIENTS)
        ours = run_clients(reservations, [(url, location_id, n) for n in range(CLIENTS)])
        after = run_clients(bare_updates, [(libpq_dsn(url),)] * CLIENTS)
        ok = report(url, location_id, units=units, attempts=attempts, ours=ours, baseline=(before, after))
    baseline = (attempts / before.seconds + attempts / after.seconds) / 2
    line, met = result_line(NAME, ours=attempts / ours.seconds, ours_unit="reservations/s", target=TARGET,
                            baseline=baseline, baseline_unit="updates/s", ok=ok)
    print(line)
    return 0 if met else 1


def seed(url: str, *, units: int, warm_units: int) -> int:
    """Schema, one store, the hot SKU with `units` on hand (and a warm-up SKU), the bare-UPDATE table."""
    import psycopg

    from zhongtai.db.migrate import upgrade
    from zhongtai.db.session import make_engine, session_scope

    engine = make_engine(url)
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            location_id = _store(session)
            for code, amount in ((HOT, units), (WARM, warm_units)):
                _stocked_sku(session, location_id, code, amount)
    finally:
        engine.dispose()
    ops = 2 * CLIENTS * (OPS_PER_CLIENT + WARMUP_PER_CLIENT)  # the bare run goes twice
    with psycopg.connect(libpq_dsn(url), autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_stock (id int PRIMARY KEY, qty int NOT NULL)")
        conn.execute("INSERT INTO bench_stock VALUES (%s, %s), (%s, %s)", (HOT_ROW, ops, WARM_ROW, ops))
        conn.execute("VACUUM ANALYZE")
    return location_id


def _store(session) -> int:
    from zhongtai.stores import service as stores
    from zhongtai.stores.schemas import StoreCreate

    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return stores.create(session, store_in=StoreCreate(
        code="BENCH", name="压测门店", city="上海", latitude=31.2304, longitude=121.4737,
        delivery_radius_km=3, opening_hours={d: [{"open": "00:00", "close": "23:59"}] for d in days})).id


def _stocked_sku(session, location_id: int, code: str, units: int) -> None:
    from zhongtai.catalog import service as catalog
    from zhongtai.catalog.schemas import CategoryCreate, ProductCreate, SkuCreate
    from zhongtai.inventory import service as inventory
    from zhongtai.inventory.schemas import ReceiptLine

    if catalog.repository.category_by_code(session, "BENCH") is None:
        catalog.create_category(session, category_in=CategoryCreate(code="BENCH", name_zh="压测"))
    catalog.create_product(session, product_in=ProductCreate(code=f"P-{code}", name_zh=code,
                                                             category_code="BENCH"))
    catalog.create_sku(session, sku_in=SkuCreate(code=code, product_code=f"P-{code}", name_zh=code,
                                                 unit="piece", list_price_fen=990))
    inventory.receive(session, location_id=location_id, lines=[ReceiptLine(sku_code=code, quantity=units)],
                      doc=inventory.Doc(source_type="receipt", source_id="bench-seed"))


# --- the clients (each runs in its own process) --------------------------------------------------------

def reservations(url: str, location_id: int, client_no: int, *, start) -> tuple[int, int]:
    """Reserve one unit of the hot SKU per transaction; returns (reserved, refused)."""
    from zhongtai.db.session import make_engine

    engine = make_engine(url)
    for i in range(WARMUP_PER_CLIENT):
        _reserve_one(engine, location_id, WARM, f"warm-{client_no}-{i}")
    start.wait()
    results = [_reserve_one(engine, location_id, HOT, f"hot-{client_no}-{i}") for i in range(OPS_PER_CLIENT)]
    engine.dispose()
    return sum(results), len(results) - sum(results)


def _reserve_one(engine, location_id: int, sku_code: str, key: str) -> bool:
    from zhongtai.db.session import session_scope
    from zhongtai.inventory import service as inventory
    from zhongtai.inventory.schemas import Qty, ReservationCreate

    body = ReservationCreate(lines=[Qty(sku_code=sku_code, quantity=1)], channel="app", idempotency_key=key,
                             ttl_seconds=900, reference=key)
    try:
        with session_scope(engine) as session:
            _res, created = inventory.reserve(session, location_id=location_id, reservation_in=body,
                                              actor="bench")
    except inventory.InsufficientStock:
        return False
    assert created, key
    return True


def bare_updates(dsn: str, *, start) -> tuple[int, int]:
    """The ceiling: the same number of single-row decrements, autocommit; returns (applied, missed)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True, prepare_threshold=0) as conn:
        for _ in range(WARMUP_PER_CLIENT):
            conn.execute(BARE_UPDATE, (WARM_ROW,))
        start.wait()
        applied = sum(conn.execute(BARE_UPDATE, (HOT_ROW,)).rowcount for _ in range(OPS_PER_CLIENT))
    return applied, OPS_PER_CLIENT - applied


# --- the checks ----------------------------------------------------------------------------------------

def report(url: str, location_id: int, *, units: int, attempts: int, ours, baseline) -> bool:
    """Print what happened and check it: reserved = successes = units on hand, nothing oversold, no drift."""
    reserved_ok, refused = (sum(r[i] for r in ours.results) for i in (0, 1))
    applied = [sum(r[0] for r in run.results) for run in baseline]
    print(f"{CLIENTS} clients, {attempts} attempts each side; the hot SKU had {units} units")
    print(f"service: {reserved_ok} reserved, {refused} refused (insufficient stock) in {ours.seconds:.2f} s")
    for when, run, n in zip(("before", "after"), baseline, applied, strict=True):
        print(f"bare UPDATE ({when}): {n} applied in {run.seconds:.2f} s = {attempts / run.seconds:.0f}/s")
    on_hand, reserved, active, drift = hot_sku_state(url, location_id)
    checks = {
        f"reserved ({reserved}) == successes ({reserved_ok})": reserved == reserved_ok,
        f"zero oversell: reserved ({reserved}) <= on hand ({on_hand})": reserved <= on_hand,
        f"every unit promised once: successes ({reserved_ok}) == units ({units})": reserved_ok == units,
        f"active reservations ({active}) == successes": active == reserved_ok,
        f"all attempts accounted for ({reserved_ok} + {refused})": reserved_ok + refused == attempts,
        "verify clean (no ledger or reserved drift)": not (drift["ledger_drift"] or drift["reserved_drift"]),
        f"bare UPDATE applied every decrement ({applied} of {attempts})": applied == [attempts, attempts],
    }
    for text, ok in checks.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {text}")
    return all(checks.values())


def hot_sku_state(url: str, location_id: int) -> tuple[int, int, int, dict]:
    """(on hand, reserved, active reservations holding it) of the hot SKU, and `verify`'s report."""
    from sqlalchemy import func, select

    from zhongtai.catalog import service as catalog
    from zhongtai.db.session import make_engine, session_scope
    from zhongtai.inventory import service as inventory
    from zhongtai.inventory.models import Reservation, ReservationLine, StockLevel

    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            sku_id = catalog.sku_by_code(session, code=HOT).id
            level = session.get(StockLevel, (location_id, sku_id))
            active = session.scalar(select(func.count()).select_from(ReservationLine).join(
                Reservation, (Reservation.location_id == ReservationLine.location_id)
                & (Reservation.id == ReservationLine.reservation_id)).where(
                ReservationLine.sku_id == sku_id, Reservation.status == "active"))
            drift = inventory.verify(session)
    finally:
        engine.dispose()
    if drift["ledger_drift"] or drift["reserved_drift"]:
        print(f"  drift: {drift}")
    return level.on_hand, level.reserved, active, drift


if __name__ == "__main__":
    sys.exit(main())
