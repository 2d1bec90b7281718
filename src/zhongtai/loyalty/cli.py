"""`zhongtai loyalty …`: the points ledger check and the expiry sweep (points lots and coupons)."""

from __future__ import annotations

import typer
from rich.table import Table

from zhongtai.cli.common import console, unit_of_work

app = typer.Typer(help="Points ledger and coupons.", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Check balance = ledger sum and open lots = max(balance, 0) for every member; exit 1 on drift."""
    from zhongtai.loyalty import service
    from zhongtai.loyalty.coupons import service as coupons

    with console.status("checking the points ledger"), unit_of_work() as session:
        report = service.verify(session)
        counts = coupons.verify(session)
    drift = report["balance_drift"] + report["lot_drift"] + counts
    console.print(f"checked {report['accounts_checked']} points accounts: {len(report['balance_drift'])} balance "
                  f"drift, {len(report['lot_drift'])} lot drift, {len(counts)} coupon count drift")
    if drift:
        table = Table("member / template", "recorded", "expected", title="drift")
        for row in report["balance_drift"]:
            table.add_row(str(row["member_id"]), f"balance {row['balance']}", f"ledger {row['ledger_sum']}")
        for row in report["lot_drift"]:
            table.add_row(str(row["member_id"]), f"balance {row['balance']}", f"open lots {row['open_lots']}")
        for row in counts:
            table.add_row(row["template_code"], f"issued {row['issued_count']}", f"coupons {row['coupons']}")
        console.print(table)
        raise typer.Exit(1)
    console.print("[green]ok[/green]")


@app.command("expire")
def expire(batch: int = typer.Option(500, min=1, help="Members per transaction")) -> None:
    """Expire points lots past their horizon (FIFO lots, one entry each) and coupons past their window."""
    from zhongtai.loyalty import service
    from zhongtai.loyalty.coupons import service as coupons

    lots = 0
    while True:
        with unit_of_work() as session:
            done = service.expire_due(session, limit=batch)
        lots += done
        if not done:
            break
    with unit_of_work() as session:
        expired_coupons = coupons.expire_due(session)
    console.print(f"expired {lots} points lots and {expired_coupons} coupons")


@app.command("tiers")
def tiers(batch: int = typer.Option(500, min=1, help="Members per transaction")) -> None:
    """Recompute every member's tier from the rolling 12-month spend of completed orders."""
    from zhongtai.loyalty import service

    total, after = 0, 0
    while True:
        with unit_of_work() as session:
            done, after = service.recompute_all_tiers(session, after_id=after, limit=batch)
        total += done
        if not after:
            break
    console.print(f"recomputed the tiers of {total} members")
