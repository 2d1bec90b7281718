"""`zhongtai db …`: schema migrations."""

from __future__ import annotations

import typer

from zhongtai.cli.common import console

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("heads", help="Target revision.")) -> None:
    """Upgrade the schema to the latest (or a given) revision."""
    from zhongtai.config import get_settings
    from zhongtai.db import migrate

    migrate.upgrade(revision=revision)
    console.print(f"database {get_settings().database_url} at revision {migrate.current_revision()}")


@app.command("current")
def current() -> None:
    """Print the schema revision the database is at."""
    from zhongtai.db import migrate

    console.print(migrate.current_revision() or "empty")
