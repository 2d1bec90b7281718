"""The Alembic migrations produce exactly the models, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from zhongtai.db.base import Base
from zhongtai.db.migrate import current_revision


class TestMigrations:
    def test_autogenerate_finds_no_difference(self, engine):
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, Base.metadata)
        assert diff == []

    def test_database_is_at_head(self, engine):
        from alembic.script import ScriptDirectory

        from zhongtai.db.migrate import alembic_config

        assert current_revision(engine) == ",".join(sorted(ScriptDirectory.from_config(alembic_config()).get_heads()))

    def test_every_model_table_exists(self, engine):
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


class TestSqlitePragmas:
    def test_wal_and_foreign_keys(self, engine):
        if engine.dialect.name != "sqlite":
            return
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
