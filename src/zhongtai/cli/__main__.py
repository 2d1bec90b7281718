"""The `zhongtai` command line."""

from __future__ import annotations

import typer

from zhongtai.cli import db, demo, inventory, outbox, serve, users
from zhongtai.loyalty import cli as loyalty_cli

app = typer.Typer(help="zhongtai 中台 — omnichannel retail middle platform.", no_args_is_help=True,
                  add_completion=False)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(outbox.app, name="outbox")
app.add_typer(inventory.app, name="inventory")
app.add_typer(loyalty_cli.app, name="loyalty")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
