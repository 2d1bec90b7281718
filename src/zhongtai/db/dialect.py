"""The few statements whose spelling differs between SQLite and PostgreSQL (upserts, list parameters)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from sqlalchemy import BigInteger, Boolean, String, Text, TypeDecorator, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


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


class _ListParam(TypeDecorator[Any]):
    """A list bound as one parameter: an array on PostgreSQL, JSON text on SQLite (read with json_each)."""

    impl = String
    cache_ok = True

    def __init__(self, element_type: str = "text"):
        super().__init__()
        self.element_type = element_type

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(BigInteger() if self.element_type == "bigint" else Text()))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return list(value) if dialect.name == "postgresql" else json.dumps(list(value))


class AnyOf(ColumnElement[bool]):
    """`column IN (the list bound as :name)`, spelled so that the statement is the same for every length of
    list: no expanding IN, so nothing is rendered per execution, a prepared plan serves every call, and the
    statement can run in a pipeline. See `any_of`."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a comparison: no "= 1" after it where booleans are integers
    _traverse_internals: ClassVar = [("column", InternalTraversal.dp_clauseelement),
                           ("param", InternalTraversal.dp_clauseelement),
                           ("element_type", InternalTraversal.dp_string)]

    def __init__(self, column: Any, name: str, element_type: str):
        self.column, self.element_type = column, element_type
        self.param = bindparam(name, type_=_ListParam(element_type))


def any_of(column: Any, name: str, element_type: str = "text") -> AnyOf:
    """`column IN :name` for a list parameter (`element_type` is its PostgreSQL element type: text, bigint)."""
    return AnyOf(column, name, element_type)


@compiles(AnyOf, "postgresql")
def _any_of_postgresql(element: AnyOf, compiler: Any, **kw: Any) -> str:
    return f"{compiler.process(element.column, **kw)} = ANY({compiler.process(element.param, **kw)})"


@compiles(AnyOf)
def _any_of_json(element: AnyOf, compiler: Any, **kw: Any) -> str:
    return (f"{compiler.process(element.column, **kw)} IN (SELECT value FROM "
            f"json_each({compiler.process(element.param, **kw)}))")
