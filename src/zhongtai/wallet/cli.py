"""`zhongtai wallet …`: the stored-value and gift-card ledger check, and the gift-card expiry sweep."""

from __future__ import annotations

import typer
from rich.table import Table

from zhongtai.cli.common import console, unit_of_work

app = typer.Typer(help="Stored value and gift cards.", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Check principal and bonus = ledger sums for every account and balance = ledger for every card; exit 1
    on drift."""
    from zhongtai.wallet import service

    with console.status("checking the stored-value ledger"), unit_of_work() as session:
        report = service.verify(session)
    accounts, cards = report["account_drift"], report["card_drift"]
    console.print(f"checked {report['accounts_checked']} stored-value accounts: {len(accounts)} account drift, "
                  f"{len(cards)} gift-card drift")
    if accounts or cards:
        table = Table("member / card", "recorded", "ledger", title="drift")
        for row in accounts:
            table.add_row(str(row["member_id"]), f"principal {row['principal_fen']} bonus {row['bonus_fen']}",
                          f"principal {row['ledger_principal_fen']} bonus {row['ledger_bonus_fen']}")
        for row in cards:
            table.add_row(row["code"], f"balance {row['balance_fen']}", f"ledger {row['ledger_fen']}")
        console.print(table)
        raise typer.Exit(1)
    console.print("[green]ok[/green]")


@app.command("expire")
def expire(batch: int = typer.Option(500, min=1, help="Cards per transaction")) -> None:
    """Expire gift cards past their date; what is left on them is booked as breakage."""
    from zhongtai.wallet import service

    total = 0
    while True:
        with unit_of_work() as session:
            done = service.expire_cards(session, limit=batch)
        total += done
        if done < batch:
            break
    console.print(f"expired {total} gift cards")
