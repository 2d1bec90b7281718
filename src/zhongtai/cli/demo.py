"""`zhongtai demo`: build the demo retailer, print its logins, then serve."""

from __future__ import annotations

import typer
from rich.progress import Progress
from rich.table import Table

from zhongtai.cli.common import console, unit_of_work


def demo(
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the console and API afterwards."),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on when serving."),
    port: int = typer.Option(8000, help="Port to listen on when serving."),
) -> None:
    """Build the demo retailer (鲜丰汇, Shanghai) on the configured database."""
    from zhongtai.db.migrate import upgrade
    from zhongtai.demo import builder
    from zhongtai.demo.stores import STORES

    upgrade()
    with Progress(console=console, transient=True) as progress, unit_of_work() as session:
        task = progress.add_task("building demo retailer", total=builder.step_total())
        result = builder.build(session, step=lambda msg, n: progress.update(task, advance=n, description=msg))
    if result.created:
        console.print(f"demo retailer built: {len(STORES)} stores and a warehouse, {result.skus:,} SKUs, "
                      f"{result.stock_rows:,} stock rows, {result.members:,} members ({result.merged} merged, "
                      f"{result.duplicates} possible duplicates), {sum(result.orders.values()):,} orders "
                      f"({_open_orders(result.orders)} open)" + (
                          f"; {result.unrouted} planned orders could not be routed" if result.unrouted else ""))
        console.print(_hub_summary(result.hub))
    else:
        console.print("demo retailer already present")
    table = Table(title=f"demo logins (password: {builder.DEMO_PASSWORD})")
    for col in ("username", "role", "stores"):
        table.add_column(col)
    for row in result.logins:
        table.add_row(*row)
    console.print(table)
    if serve:
        from functools import partial

        from zhongtai import server
        from zhongtai.app import create_app

        console.print(f"serving on http://{host}:{port}/ (API docs at /docs)")
        server.serve(partial(create_app, run_relay=True), host=host, port=port, log_level="info")


def _open_orders(by_mode_status) -> int:
    return sum(n for (_mode, status), n in by_mode_status.items() if status not in ("completed", "cancelled"))


def _hub_summary(hub) -> str:
    """What the data hub took in, by kind: accepted, and quarantined (see the console's quarantine page)."""
    kinds = sorted({kind for kind, _outcome in hub.batches})
    parts = [f"{kind} {hub.batches[(kind, 'accepted')]:,}" + (
        f" (+{hub.batches[(kind, 'quarantined')]} quarantined)" if hub.batches[(kind, "quarantined")] else "")
        for kind in kinds]
    return (f"data hub: {', '.join(parts)} records accepted; {hub.topups} wallet top-ups, "
            f"{hub.gift_cards} gift cards sold")
