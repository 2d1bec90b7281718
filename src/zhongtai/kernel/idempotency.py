"""Idempotency-Key for every creating POST: a retry replays the first response.

The key is scoped to the caller. The same key with another body is refused (422); a duplicate that
arrives while the first is still running gets 409. 5xx outcomes are forgotten so the client may retry.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, Text, bindparam, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zhongtai.db.base import Base, UTCDateTime
from zhongtai.kernel import clock
from zhongtai.kernel.auth import api_key_prefix, read_token
from zhongtai.kernel.errors import IdempotencyInProgress, IdempotencyKeyReused, InvalidInput, ZhongtaiError

HEADER = b"idempotency-key"
STALE_AFTER = timedelta(minutes=5)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="running")
    status_code: Mapped[int | None] = mapped_column(nullable=True)
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    content_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)


_KEYS = IdempotencyKey.__table__
_WHERE = (_KEYS.c.scope == bindparam("w_scope")) & (_KEYS.c.key == bindparam("w_key"))
# The two statements every keyed POST runs, built once, run on a bare connection (no ORM session).
_CLAIM = _KEYS.insert()
_FINISH = _KEYS.update().where(_WHERE).values(state="done", status_code=bindparam("status_code"),
                                              content_type=bindparam("content_type"),
                                              response_body=bindparam("response_body"))
_FORGET = _KEYS.delete().where(_WHERE)


def caller_scope(headers: dict[bytes, bytes], secret: str) -> str:
    """Who the request is from, without touching the database (token subject or API key prefix)."""
    api_key = headers.get(b"x-api-key", b"").decode()
    auth = headers.get(b"authorization", b"").decode()
    bearer = auth[7:] if auth.lower().startswith("bearer ") else ""
    key = api_key or (bearer if bearer.startswith("zt_") else "")
    if key:
        return f"client:{api_key_prefix(key) or hashlib.sha256(key.encode()).hexdigest()[:16]}"
    if bearer:
        try:
            return f"user:{read_token(bearer, secret=secret)[0]}"
        except ZhongtaiError:
            return "anonymous"
    return "anonymous"


class IdempotencyMiddleware:
    """Pure ASGI middleware around POST /api/ requests that carry an Idempotency-Key."""

    def __init__(self, app: ASGIApp, *, sessions: sessionmaker[Session], secret: str, render_error: Any):
        self.app, self.sessions, self.secret, self.render_error = app, sessions, secret, render_error
        self.engine = sessions.kw["bind"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        if scope["type"] != "http" or scope["method"] != "POST" or HEADER not in headers \
                or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        key = headers[HEADER].decode(errors="replace").strip()
        record = _Record(scope=caller_scope(headers, self.secret), key=key, method="POST", path=scope["path"],
                         request_hash=hashlib.sha256(scope["path"].encode() + b"\n" + body).hexdigest())
        try:
            replay = await _run_sync(self._claim, record)
        except ZhongtaiError as exc:
            await self.render_error(exc, scope, send)
            return
        if replay is not None:
            await _send_replay(send, replay)
            return
        await self._run_and_store(scope, body, send, record)

    async def _run_and_store(self, scope: Scope, body: bytes, send: Send, record: _Record) -> None:
        captured: dict[str, Any] = {"status": 500, "body": b"", "content_type": None}

        async def replay_receive() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                hdrs = dict(message.get("headers") or [])
                captured["content_type"] = hdrs.get(b"content-type", b"application/json").decode()
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, replay_receive, capture_send)
        finally:
            await _run_sync(self._finish, record, captured)

    def _claim(self, record: _Record) -> IdempotencyKey | None:
        if not record.key or len(record.key) > 255:
            raise InvalidInput("Idempotency-Key must be 1-255 characters", detail={"header": "Idempotency-Key"})
        try:  # the common case, a new key: one INSERT on a bare connection, no ORM session
            with self.engine.begin() as conn:
                conn.execute(_CLAIM, {**record.__dict__, "state": "running", "created_at": clock.now()})
            return None
        except IntegrityError:
            pass
        with self.sessions() as session, session.begin():
            return self._existing(session, record)

    def _existing(self, session: Session, record: _Record) -> IdempotencyKey | None:
        row = session.get(IdempotencyKey, (record.scope, record.key), with_for_update=True)
        if row is None:  # forgotten in between (a 5xx); let the caller retry
            raise IdempotencyInProgress()
        if row.request_hash != record.request_hash:
            raise IdempotencyKeyReused(detail={"idempotency_key": record.key, "first_path": row.path})
        if row.state == "done":
            session.expunge(row)
            return row
        if clock.now() - row.created_at < STALE_AFTER:
            raise IdempotencyInProgress(detail={"idempotency_key": record.key})
        row.created_at = clock.now()  # the first attempt died mid-flight: this one takes over
        return None

    def _finish(self, record: _Record, captured: dict[str, Any]) -> None:
        where = {"w_scope": record.scope, "w_key": record.key}
        with self.engine.begin() as conn:
            if captured["status"] >= 500:
                conn.execute(_FORGET, where)
                return
            conn.execute(_FINISH, {**where, "status_code": captured["status"], "content_type": captured["content_type"],
                                   "response_body": captured["body"].decode("utf-8", errors="replace")})


class _Record:
    def __init__(self, **kw: str):
        self.__dict__.update(kw)


async def _read_body(receive: Receive) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


async def _send_replay(send: Send, row: IdempotencyKey) -> None:
    body = (row.response_body or "").encode()
    await send({"type": "http.response.start", "status": row.status_code or 200, "headers": [
        (b"content-type", (row.content_type or "application/json").encode()),
        (b"content-length", str(len(body)).encode()), (b"idempotent-replayed", b"true")]})
    await send({"type": "http.response.body", "body": body})


# Claim and finish are one short statement each: a few threads of their own are plenty, and handing work to
# them straight through the event loop skips anyio's per-call capacity limiter and cancel scope, which cost
# more CPU than the hand-over itself. Once started, a finish completes even if the request is cancelled.
_EXECUTOR = ThreadPoolExecutor(max_workers=4, thread_name_prefix="idempotency")


async def _run_sync(fn: Any, *args: Any) -> Any:
    context = contextvars.copy_context()  # the request id, for anything that logs
    return await asyncio.get_running_loop().run_in_executor(_EXECUTOR, context.run, fn, *args)


def purge_expired(session: Session, *, older_than: timedelta) -> int:
    """Forget keys older than the retention window."""
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < clock.now() - older_than))
    return result.rowcount or 0


def as_json(row: IdempotencyKey) -> Any:
    return json.loads(row.response_body or "null")
