"""Run Alembic programmatically (no alembic.ini needed by users)."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from zhongtai.db.session import get_engine


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("zhongtai.db") / "migrations"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine | None = None, revision: str = "heads") -> None:
    """Bring the database schema up to `revision`."""
    engine = engine or get_engine()
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: Engine | None = None) -> str | None:
    """The revision(s) the database is at, comma-separated ('' if empty)."""
    from alembic.runtime.migration import MigrationContext

    with (engine or get_engine()).connect() as conn:
        return ",".join(sorted(MigrationContext.configure(conn).get_current_heads()))
