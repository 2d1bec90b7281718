"""The `zhongtai` command line."""

from __future__ import annotations

import typer

from zhongtai.cli import db, demo, inventory, outbox, serve, users
from zhongtai.integration import cli as integration_cli
from zhongtai.loyalty import cli as loyalty_cli
from zhongtai.wallet import cli as wallet_cli
from zhongtai.webhooks import cli as webhooks_cli

app = typer.Typer(help="zhongtai 中台 — omnichannel retail middle platform.", no_args_is_help=True,
                  add_completion=False)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(outbox.app, name="outbox")
app.add_typer(inventory.app, name="inventory")
app.add_typer(loyalty_cli.app, name="loyalty")
app.add_typer(integration_cli.app, name="import")
app.add_typer(wallet_cli.app, name="wallet")
app.add_typer(webhooks_cli.app, name="webhooks")
app.add_typer(webhooks_cli.events_app, name="events")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
