"""`zhongtai inventory …`: ledger checks and the reservation sweeper."""

from __future__ import annotations

import typer
from rich.table import Table

from zhongtai.cli.common import console, unit_of_work

app = typer.Typer(help="Stock ledger and reservations.", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Check on hand = ledger sum and reserved = active reservations for every stock row; exit 1 on drift."""
    from zhongtai.inventory import service

    with console.status("checking the stock ledger"), unit_of_work() as session:
        report = service.verify(session)
    drift = report["ledger_drift"] + report["reserved_drift"]
    console.print(f"checked {report['levels_checked']} stock rows: "
                  f"{len(report['ledger_drift'])} ledger drift, {len(report['reserved_drift'])} reserved drift")
    if drift:
        table = Table("location", "sku", "recorded", "expected", title="drift")
        for row in report["ledger_drift"]:
            table.add_row(str(row["location_id"]), str(row["sku_id"]), f"on_hand {row['on_hand']}",
                          f"ledger {row['ledger_sum']}")
        for row in report["reserved_drift"]:
            table.add_row(str(row["location_id"]), str(row["sku_id"]), f"reserved {row['reserved']}",
                          f"active {row['active_reservations']}")
        console.print(table)
        raise typer.Exit(1)
    console.print("[green]ok[/green]")


@app.command("expire")
def expire() -> None:
    """Expire reservations past their time-to-live and give their stock back."""
    from zhongtai.inventory import service

    total = 0
    while True:
        with unit_of_work() as session:
            done = service.expire_due(session)
        total += done
        if not done:
            break
    console.print(f"expired {total} reservations")
