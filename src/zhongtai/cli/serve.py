"""`zhongtai serve`: the API, the console and the outbox relay in one process."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    migrate: bool = typer.Option(True, help="Upgrade the database schema first."),
    relay: bool = typer.Option(True, help="Run the outbox relay in this process."),
) -> None:
    """Serve the API and console (and relay outbox events)."""
    import uvicorn

    from zhongtai.app import create_app
    from zhongtai.db.migrate import upgrade

    if migrate:
        upgrade()
    uvicorn.run(create_app(run_relay=relay), host=host, port=port, log_config=None, access_log=False)
