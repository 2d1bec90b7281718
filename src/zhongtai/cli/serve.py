"""`zhongtai serve`: the API, the console and the outbox relay, in one process or several workers."""

from __future__ import annotations

from functools import partial

import typer


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Worker processes; connections are dealt to them in turn."),
    migrate: bool = typer.Option(True, help="Upgrade the database schema first."),
    relay: bool = typer.Option(True, help="Run the outbox relay (in every worker: they claim events apart)."),
) -> None:
    """Serve the API and console (and relay outbox events)."""
    from zhongtai import server
    from zhongtai.app import create_app
    from zhongtai.db.migrate import upgrade

    if migrate:
        upgrade()
    server.serve(partial(create_app, run_relay=relay), host=host, port=port, workers=workers, log_level="info")
