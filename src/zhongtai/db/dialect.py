"""The few statements whose spelling differs between SQLite and PostgreSQL (upserts)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert(session: Session, table: Any) -> Any:
    """An INSERT that supports on_conflict_do_nothing / on_conflict_do_update on either backend."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(table)


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def month(session: Session, column: Any) -> Any:
    """'YYYY-MM' of a UTCDateTime column, in UTC, on either backend (for grouping by month)."""
    from sqlalchemy import func

    if is_postgres(session):
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.substr(column, 1, 7)  # SQLite keeps UTC datetimes as 'YYYY-MM-DD HH:MM:SS…'
