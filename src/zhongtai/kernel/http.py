"""HTTP glue: one error shape for every failure, request ids and access logs.

API callers always get JSON. A browser asking for HTML under a prefix that registered an error page
(the console) gets that page instead, with the same status and headers.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from zhongtai.kernel.errors import ZhongtaiError
from zhongtai.kernel.logging import request_id_var

log = logging.getLogger("zhongtai.http")
STATUS_CODES = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
                422: "validation_error", 429: "rate_limited"}

# (request, status, code, headers) -> the page; registered by the web layer so the kernel imports no UI.
ErrorPage = Callable[[Request, int, str, dict[str, str] | None], Response]
_error_pages: dict[str, ErrorPage] = {}


def serve_error_pages(prefix: str, page: ErrorPage) -> None:
    """Errors on paths under `prefix`, for clients that accept HTML, render as `page` instead of JSON."""
    _error_pages[prefix.rstrip("/")] = page


def _error_page(request: Request, status: int) -> ErrorPage | None:
    if status < 400 or "text/html" not in request.headers.get("accept", ""):
        return None
    path = request.url.path
    return next((page for prefix, page in _error_pages.items()
                 if path == prefix or path.startswith(prefix + "/")), None)


def respond(request: Request, status: int, code: str, detail: Any,
            headers: dict[str, str] | None = None) -> Response:
    """The error as the caller wants it: the registered HTML page for a browser, else the JSON body."""
    page = _error_page(request, status)
    if page is not None:
        return page(request, status, code, headers)
    return error_response(status, code, detail, headers)


def error_response(status: int, code: str, detail: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": code, "detail": jsonable_encoder(detail)}
    rid = request_id_var.get()
    if rid:
        body["request_id"] = rid
    return JSONResponse(body, status_code=status, headers=headers)


def _detail(exc: ZhongtaiError) -> Any:
    detail = exc.detail if exc.detail is not None else exc.message
    if isinstance(detail, dict) and "message" not in detail:
        detail = {"message": exc.message, **detail}
    return detail


def render(exc: ZhongtaiError) -> JSONResponse:
    return error_response(exc.status, exc.code, _detail(exc), exc.headers)


async def render_asgi(exc: ZhongtaiError, scope: Scope, send: Send) -> None:
    """Render an error from inside raw ASGI middleware."""
    async def no_body() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    await render(exc)(scope, no_body, send)


def install_error_handlers(app: FastAPI) -> None:
    """Every error, ours or the framework's, as {"error": code, "detail": ...} (or a registered HTML page)."""

    @app.exception_handler(ZhongtaiError)
    async def _ours(request: Request, exc: ZhongtaiError) -> Response:
        return respond(request, exc.status, exc.code, _detail(exc), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()]
        return respond(request, 422, "validation_error", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = STATUS_CODES.get(exc.status_code, "http_error")
        return respond(request, exc.status_code, code, exc.detail, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Starlette calls this outermost, after RequestContextMiddleware has finished: put its id back.
        rid = request.scope.get("state", {}).get("request_id")
        token = request_id_var.set(rid)
        try:
            log.exception("unhandled error", exc_info=exc)
            response = respond(request, 500, "internal_error", "An unexpected error occurred; quote the request id")
        finally:
            request_id_var.reset(token)
        if rid:
            response.headers["X-Request-ID"] = rid
        return response


class RequestContextMiddleware:
    """Give every request an id (X-Request-ID in and out) and log one line per request."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = headers.get(b"x-request-id", b"").decode()[:64] or uuid.uuid4().hex
        token = request_id_var.set(rid)
        scope.setdefault("state", {})["request_id"] = rid  # for the 500 handler, which runs outside this
        started, status = time.perf_counter(), {"code": 500}

        async def send_with_id(message: dict) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info("%s %s %s %.1fms", scope["method"], scope["path"], status["code"],
                     (time.perf_counter() - started) * 1000,
                     extra={"status": status["code"], "path": scope["path"]})
            request_id_var.reset(token)
