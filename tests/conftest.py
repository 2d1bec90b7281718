"""Test fixtures: one database per test run (SQLite file, or a scratch PostgreSQL database), every table
emptied after each test, the app under test built on it, and small factories for data.

ZHONGTAI_DATABASE_URL selects the backend. A PostgreSQL URL names the server; the suite creates its own
scratch database on it (one per xdist worker) and drops it at the end. A run that cannot reach
PostgreSQL fails; it never silently falls back to SQLite.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from zhongtai.config import Settings, get_settings
from zhongtai.db.base import Base
from zhongtai.db.migrate import upgrade
from zhongtai.db.session import dispose_engines, get_engine, session_factory
from zhongtai.kernel import auth, ratelimit
from zhongtai.registry import load_handlers

BASE_URL = os.environ.get("ZHONGTAI_DATABASE_URL", "")
IS_POSTGRES = BASE_URL.startswith("postgresql")


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests cannot run on SQLite: they are deselected there and run in the PostgreSQL pass."""
    if IS_POSTGRES:
        return
    keep = [i for i in items if "postgres_only" not in i.keywords]
    dropped = [i for i in items if "postgres_only" in i.keywords]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def _scratch_postgres(worker: str) -> Iterator[str]:
    url = make_url(BASE_URL)
    name = f"zhongtai_test_{worker}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    if IS_POSTGRES:
        yield from _scratch_postgres(worker_id)
    else:
        path: Path = tmp_path_factory.mktemp("db") / "zhongtai-test.db"
        yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    os.environ["ZHONGTAI_DATABASE_URL"] = database_url
    os.environ["ZHONGTAI_ENVIRONMENT"] = "test"
    os.environ["ZHONGTAI_SECRET_KEY"] = "test-secret-key-that-is-long-enough-0123456789"
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> None:
    """Argon2's test profile: same code path, a fraction of the cost (production keeps the default)."""
    from argon2 import PasswordHasher, profiles

    auth._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Engine:
    engine = get_engine(settings)
    upgrade(engine)
    load_handlers()
    return engine


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts from empty tables (truncation works for multi-connection race tests too)."""
    yield
    if "engine" not in request.fixturenames:
        return
    engine: Engine = request.getfixturevalue("engine")
    tables = [t.name for t in Base.metadata.sorted_tables]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                conn.execute(text(f"DELETE FROM {name}"))
    ratelimit._limiter.cache_clear()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session for arranging and checking data; tests commit what the app must see.

    On SQLite it begins DEFERRED, so a test that reads before calling the API does not hold the write lock.
    """
    session = session_factory(engine.execution_options(sqlite_begin="DEFERRED"))()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@pytest.fixture
def app(engine: Engine, settings: Settings):
    from zhongtai.app import create_app

    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c
