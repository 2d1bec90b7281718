"""Error hierarchy: every error carries its HTTP status and a stable machine-readable code."""

from __future__ import annotations

from typing import Any


class ZhongtaiError(Exception):
    """Base error; rendered as {"error": code, "detail": ...} with `status`."""

    status: int = 400
    code: str = "bad_request"
    message: str = "Bad request"

    def __init__(self, message: str | None = None, *, detail: Any = None, headers: dict[str, str] | None = None):
        self.message = message or self.message
        self.detail = detail if detail is not None else self.message
        self.headers = headers
        super().__init__(self.message)


class NotFound(ZhongtaiError):
    status, code, message = 404, "not_found", "Not found"


class Conflict(ZhongtaiError):
    status, code, message = 409, "conflict", "Conflict"


class Unauthorized(ZhongtaiError):
    status, code, message = 401, "not_authenticated", "Not authenticated"

    def __init__(self, message: str | None = None, **kw: Any):
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kw)


class Forbidden(ZhongtaiError):
    status, code, message = 403, "forbidden", "Not allowed"


class InvalidInput(ZhongtaiError):
    status, code, message = 422, "invalid_input", "Invalid input"


class RateLimited(ZhongtaiError):
    status, code, message = 429, "rate_limited", "Too many requests"


class IdempotencyKeyReused(ZhongtaiError):
    status, code = 422, "idempotency_key_reused"
    message = "This Idempotency-Key was already used with a different request"


class IdempotencyInProgress(ZhongtaiError):
    status, code = 409, "idempotency_in_progress"
    message = "A request with this Idempotency-Key is still being processed"
