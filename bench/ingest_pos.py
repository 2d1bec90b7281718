"""POS ingestion on PostgreSQL: a generated file of 1,000,000 till sale lines goes through
`zhongtai import pos FILE --source CODE` (a subprocess, as an operator runs it: landed raw, parsed,
deduplicated, posted as in-store orders and ledger sales, chunk by chunk), against the bare ceiling of
`COPY`ing the same file into a table with the same columns and no keys, in the same run.

The import must accept every line, the ledger must have no drift and the child's peak memory (RSS) must
stay under 500 MB.

Environment: ZHONGTAI_DATABASE_URL (a PostgreSQL server; a scratch database is created and dropped on it),
BENCH_LINES (1000000), BENCH_STORES (5), BENCH_SKUS (500).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import libpq_dsn, postgres_url, result_line, scratch_database

NAME, TARGET, MAX_RSS_MB = "ingest_pos", 0.2, 500
LINES = int(os.environ.get("BENCH_LINES", "1000000"))
STORES = int(os.environ.get("BENCH_STORES", "5"))
SKUS = int(os.environ.get("BENCH_SKUS", "500"))
HEADER = ("transaction_id,line_no,store_code,till_id,occurred_at,type,sku_code,barcode,quantity,unit_price_fen,"
          "amount_fen,loyalty_card,tender")
BARE_TABLE = ("CREATE TABLE IF NOT EXISTS bench_pos_lines (transaction_id text, line_no int, store_code text, "
              "till_id text, occurred_at timestamptz, type text, sku_code text, barcode text, quantity int, "
              "unit_price_fen int, amount_fen int, loyalty_card text, tender text)")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="zt-bench-") as tmp, scratch_database(postgres_url(), "zhongtai_bench") as url:
        path = Path(tmp) / "pos.csv"
        generate(path, LINES)
        seed(url)
        before = bare_copy(url, path)
        seconds, rss_mb, out = import_file(url, path, Path(tmp) / "landing")
        after = bare_copy(url, path)
        ok = check(url, out, rss_mb)
    baseline = (LINES / before + LINES / after) / 2
    print(f"import: {seconds:.1f}s, child max RSS {rss_mb:.0f} MB (limit {MAX_RSS_MB}); "
          f"bare COPY: {before:.1f}s / {after:.1f}s")
    line, met = result_line(NAME, ours=LINES / seconds, ours_unit="lines/s", baseline=baseline,
                            baseline_unit="lines/s", target=TARGET, ok=ok)
    print(line)
    return 0 if met else 1


def generate(path: Path, lines: int) -> None:
    """Till sales over the last 30 days: transactions of 1 to 7 lines, every tenth with a loyalty card."""
    rng, start = random.Random(42), datetime(2026, 10, 25, tzinfo=UTC)
    with path.open("w") as f:
        f.write(HEADER + "\n")
        written, txn = 0, 0
        while written < lines:
            txn += 1
            store = f"B{rng.randrange(STORES):02d}"
            at = (start + timedelta(seconds=rng.randrange(30 * 86400))).isoformat()
            card = f"CARD{rng.randrange(10_000):06d}" if txn % 10 == 0 else ""
            for no in range(1, min(rng.randint(1, 7), lines - written) + 1):
                qty, price = rng.randint(1, 3), rng.randrange(100, 10_000)
                f.write(f"{store}-T1-{txn:08d},{no},{store},T1,{at},sale,SKU{rng.randrange(SKUS):05d},,{qty},"
                        f"{price},{qty * price},{card},cash\n")
                written += 1


def seed(url: str) -> None:
    """Schema, stores, SKUs with some stock, one POS source for all stores, the bare table."""
    import psycopg

    from zhongtai.db.migrate import upgrade
    from zhongtai.db.session import make_engine, session_scope

    engine = make_engine(url)
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            _reference_data(session)
    finally:
        engine.dispose()
    with psycopg.connect(libpq_dsn(url), autocommit=True) as conn:
        conn.execute(BARE_TABLE)
        conn.execute("VACUUM ANALYZE")


def _reference_data(session) -> None:
    from zhongtai.catalog import service as catalog
    from zhongtai.catalog.schemas import CategoryCreate, ProductCreate, SkuCreate
    from zhongtai.integration import service as integration
    from zhongtai.integration.schemas import SourceCreate
    from zhongtai.inventory import service as inventory
    from zhongtai.inventory.schemas import ReceiptLine
    from zhongtai.stores import service as stores
    from zhongtai.stores.schemas import StoreCreate

    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    hours = {d: [{"open": "00:00", "close": "23:59"}] for d in days}
    catalog.create_category(session, category_in=CategoryCreate(code="BENCH", name_zh="压测"))
    for n in range(SKUS):
        code = f"SKU{n:05d}"
        catalog.create_product(session, product_in=ProductCreate(code=f"P-{code}", name_zh=code, category_code="BENCH"))
        catalog.create_sku(session, sku_in=SkuCreate(code=code, product_code=f"P-{code}", name_zh=code, unit="piece",
                                                     list_price_fen=990))
    for s in range(STORES):
        store = stores.create(session, store_in=StoreCreate(
            code=f"B{s:02d}", name=f"压测门店 {s}", city="上海", latitude=31.23, longitude=121.47,
            delivery_radius_km=3, opening_hours=hours))
        inventory.receive(session, location_id=store.id, lines=[ReceiptLine(sku_code=f"SKU{n:05d}", quantity=100)
                                                                for n in range(SKUS)],
                          doc=inventory.Doc(source_type="receipt", source_id="bench-seed"))
    integration.register_source(session, source_in=SourceCreate(code="BENCH-POS", name="bench tills", type="pos"))


def bare_copy(url: str, path: Path) -> float:
    """Seconds to COPY the file into the bare table (emptied first)."""
    import psycopg

    with psycopg.connect(libpq_dsn(url), autocommit=True) as conn:
        conn.execute("TRUNCATE bench_pos_lines")
        started = time.perf_counter()
        with conn.cursor() as cur, path.open("rb") as f, \
                cur.copy("COPY bench_pos_lines FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            while block := f.read(1 << 20):
                copy.write(block)
        return time.perf_counter() - started


def import_file(url: str, path: Path, landing: Path) -> tuple[float, float, str]:
    """Run `zhongtai import pos` as a child process; (seconds, peak RSS in MB, its output)."""
    env = {**os.environ, "ZHONGTAI_DATABASE_URL": url, "ZHONGTAI_INGEST_LANDING_DIR": str(landing),
           "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "zhongtai.cli", "import", "pos", str(path), "--source",
                             "BENCH-POS"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"import failed ({proc.returncode}):\n{out}")
    return seconds, usage.ru_maxrss / 1024, out


def check(url: str, out: str, rss_mb: float) -> bool:
    """Every line accepted, no ledger drift, memory within the limit."""
    from zhongtai.db.session import make_engine, session_scope
    from zhongtai.integration.models import Batch
    from zhongtai.inventory import service as inventory
    from zhongtai.registry import load_models

    load_models()
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            from sqlalchemy import select

            batch = session.scalars(select(Batch)).one()
            drift = inventory.verify(session)["ledger_drift"]
    finally:
        engine.dispose()
    ok = batch.records == batch.accepted == LINES and not drift and rss_mb < MAX_RSS_MB
    if not ok:
        print(out)
        print(f"batch {batch.records} records, {batch.accepted} accepted; ledger drift {len(drift)}; RSS {rss_mb:.0f} MB")
    return ok


if __name__ == "__main__":
    sys.exit(main())
