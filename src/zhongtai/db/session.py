"""Engine and session factory; one commit per request or CLI command; the row-lock helper."""

from __future__ import annotations

import weakref
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker

from zhongtai.config import Settings, get_settings

_engines: dict[str, Engine] = {}
# SQLSTATE codes the schema's own functions raise (e.g. ZT409 from the stock trigger), and the domain
# error each becomes; a domain registers its own with `raises_as`, so `db` imports no domain.
_sqlstate_errors: dict[str, Callable[[Any], Exception]] = {}


def raises_as(sqlstate: str, factory: Callable[[Any], Exception]) -> None:
    """Turn a database error with `sqlstate` into `factory(diagnostics)` wherever it surfaces (a
    statement or the commit that runs deferred triggers)."""
    _sqlstate_errors[sqlstate] = factory


def make_engine(url: str, *, echo: bool = False, pre_ping: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE writes."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo)
    engine = create_engine(url, echo=echo, pool_pre_ping=pre_ping, pool_size=10, max_overflow=20)
    event.listen(engine, "handle_error", _domain_error)
    return engine


def _domain_error(context: Any) -> None:
    code = getattr(context.original_exception, "sqlstate", None)
    factory = _sqlstate_errors.get(code) if code else None
    if factory is not None:
        raise factory(context.original_exception.diag) from context.original_exception


def _sqlite_engine(url: str, echo: bool) -> Engine:
    engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (pysqlite's own is broken)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Serialise writers from the first statement: no lock upgrades, no SQLITE_BUSY deadlocks.
        # A read-only caller may ask for sqlite_begin="DEFERRED" so it never waits for writers.
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def get_engine(settings: Settings | None = None) -> Engine:
    """The process-wide engine for the configured database URL."""
    settings = settings or get_settings()
    url = settings.database_url
    if url not in _engines:
        path = settings.sqlite_path()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        _engines[url] = make_engine(url, echo=settings.sql_echo, pre_ping=settings.database_pool_pre_ping)
    return _engines[url]


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


_factories: weakref.WeakKeyDictionary[Engine, sessionmaker[Session]] = weakref.WeakKeyDictionary()


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    """The session maker for `engine`, made once per engine: each `sessionmaker` builds a Session class
    with its own event dispatch, too costly to repeat for every unit of work."""
    engine = engine or get_engine()
    factory = _factories.get(engine)
    if factory is None:
        factory = _factories[engine] = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
    return factory


def autoflush(session: Session) -> None:
    """Flush pending ORM changes as `Session.execute` would before a statement (not inside `no_autoflush`),
    for statements run on the session's connection directly. Returns at once when nothing is pending."""
    if session.autoflush:
        session.flush()


def plain_rows(session: Session, stmt: Any, params: dict[str, Any] | Sequence[dict[str, Any]] | None = None) -> Any:
    """Run a Core statement (table columns, not ORM entities) on the session's connection, flushing first
    as `Session.execute` would: plain rows without the ORM execution layer, for reads on hot paths."""
    autoflush(session)
    return session.connection().execute(stmt, params)


class Read(NamedTuple):
    """One read for `read_all`: a Core SELECT built once (bind parameters only, lists through
    `dialect.any_of`) and its parameters."""

    stmt: Any
    params: dict[str, Any]


@dataclass
class _Prepared:
    sql: str
    defaults: dict[str, Any]  # values of the statement's own literals
    row: Callable[..., Any]  # a named tuple of the selected columns
    types: list[Any]  # the selected columns' types, for their result processors
    processors: tuple[Callable[[Any], Any] | None, ...] | None = None  # known once a cursor has described it

    def rows(self, cursor: Any, dialect: Any) -> list[Any]:
        if self.processors is None:  # the driver's type codes (e.g. a numeric's OID) pick the processor
            self.processors = tuple(t.dialect_impl(dialect).result_processor(dialect, d.type_code)
                                    for t, d in zip(self.types, cursor.description, strict=True))
        procs = self.processors
        if not any(procs):
            return [self.row(*r) for r in cursor.fetchall()]
        return [self.row(*(v if f is None else f(v) for f, v in zip(procs, r, strict=True)))
                for r in cursor.fetchall()]


_PREPARED: dict[tuple[Any, str], _Prepared] = {}


def read_all(session: Session, reads: Sequence[Read]) -> list[list[Any]]:
    """Run independent reads and return each one's rows (named tuples, typed as SQLAlchemy would type them).

    On PostgreSQL they go out together in one round trip (psycopg's pipeline mode) on the session's
    connection: a quote's six reads cost one wait for the database instead of six. Elsewhere they run one
    after another, as `plain_rows`."""
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        return [list(plain_rows(session, r.stmt, r.params)) for r in reads]
    autoflush(session)
    prepared = [_prepared(r.stmt, dialect) for r in reads]
    conn = session.connection()
    raw = conn.connection.driver_connection
    try:
        with raw.pipeline():
            cursors = []
            for p, r in zip(prepared, reads, strict=True):
                cursor, params = raw.cursor(), {**p.defaults, **r.params}
                conn.dispatch.before_cursor_execute(conn, cursor, p.sql, params, None, False)  # seen as any statement
                cursors.append(cursor.execute(p.sql, params))
        return [p.rows(cur, dialect) for p, cur in zip(prepared, cursors, strict=True)]
    except raw.Error as exc:  # as SQLAlchemy would raise it, so error handling sees one kind of failure
        raise DBAPIError.instance(prepared[0].sql, None, exc, type(raw).Error) from exc


def _prepared(stmt: Any, dialect: Any) -> _Prepared:
    key = (stmt, dialect.name)
    found = _PREPARED.get(key)
    if found is None:
        compiled = stmt.compile(dialect=dialect)
        if "POSTCOMPILE" in compiled.string:
            raise ValueError("read_all takes no expanding IN; use dialect.any_of for a list parameter")
        columns = list(stmt.selected_columns)
        found = _Prepared(compiled.string, {k: v for k, v in compiled.params.items() if v is not None},
                          namedtuple("Row", [c.key for c in columns], rename=True),  # type: ignore[misc]
                          [c.type for c in columns])
        _PREPARED[key] = found
    return found


_INSERTS: dict[Any, Any] = {}


def insert_now(session: Session, objects: Sequence[Any]) -> None:
    """INSERT new ORM objects at once with Core statements (one per table, the rows of a table as one
    executemany), then attach them to the session as if loaded: later changes to them are UPDATEs as usual.

    For hot write paths: the unit of work's bookkeeping costs more than the statements themselves. Column
    defaults are applied here (and set on the objects) for attributes left None; objects of one table go
    in the order given, tables in the order they first appear (parents first)."""
    autoflush(session)  # what the new rows may refer to
    by_table: dict[Any, list[dict[str, Any]]] = {}
    for obj in objects:
        table = obj.__table__
        row = {}
        for col in table.columns:
            value = getattr(obj, col.key)
            if value is None and col.default is not None:
                value = col.default.arg(None) if col.default.is_callable else col.default.arg
            setattr(obj, col.key, value)  # every column set: attached, nothing is expired and read back
            row[col.key] = value
        by_table.setdefault(table, []).append(row)
    conn = session.connection()
    for table, rows in by_table.items():
        stmt = _INSERTS.get(table)
        if stmt is None:
            stmt = _INSERTS[table] = table.insert()
        conn.execute(stmt, rows)
    for obj in objects:
        make_transient_to_detached(obj)
        session.add(obj)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work for CLI commands and background jobs: commit on success, roll back on error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def lock_rows(session: Session, model: Any, ids: Sequence[Any]) -> list[Any]:
    """Load rows `FOR UPDATE` in primary-key order, so concurrent lockers never deadlock.

    On SQLite the write transaction (BEGIN IMMEDIATE) already serialises writers.
    """
    pk = model.__mapper__.primary_key[0]
    stmt = select(model).where(pk.in_(sorted(set(ids)))).order_by(pk).with_for_update()
    return list(session.scalars(stmt))
