"""Rate limits (login attempts) on the `limits` library; memory by default, Redis when configured."""

from __future__ import annotations

from functools import lru_cache

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import Request

from zhongtai.kernel.errors import RateLimited


@lru_cache
def _limiter(storage_uri: str) -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(storage_from_string(storage_uri))


def login_rate_key(request: Request, username: str) -> str:
    """The key sign-in attempts count under (API and console alike): client address and username."""
    host = request.client.host if request.client else "unknown"
    return f"login:{host}:{username.lower()}"


def hit(*, storage_uri: str, rule: str, key: str) -> None:
    """Count one attempt for `key`; raise RateLimited once `rule` (e.g. '10/minute') is exceeded."""
    limiter, item = _limiter(storage_uri), parse(rule)
    if not limiter.hit(item, "zhongtai", key):
        reset_at, _remaining = limiter.get_window_stats(item, "zhongtai", key)
        raise RateLimited("Too many attempts; try again later", detail={"limit": rule},
                          headers={"Retry-After": str(max(1, int(reset_at) - _now_s()))})


def reset(*, storage_uri: str, key: str, rule: str) -> None:
    _limiter(storage_uri).clear(parse(rule), "zhongtai", key)


def _now_s() -> int:
    import time

    return int(time.time())
