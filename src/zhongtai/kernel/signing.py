"""HMAC-SHA256 request signing shared by partner callbacks (inbound) and webhooks (outbound).

signature = hex(HMAC_SHA256(secret, f"{timestamp}.{body}")), sent as
`X-Zhongtai-Timestamp: <unix seconds>` and `X-Zhongtai-Signature: sha256=<hex>`.
A receiver recomputes it over the raw body and refuses timestamps more than 5 minutes away.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from zhongtai.kernel.errors import Unauthorized

TOLERANCE_SECONDS = 300


class BadSignature(Unauthorized):
    code, message = "bad_signature", "Missing, stale or wrong request signature"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for a body sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def verify(secret: str, timestamp: str | None, signature: str | None, body: bytes, *, now: float | None = None) -> None:
    """Raise BadSignature unless `signature` is right for `body` and `timestamp` is recent."""
    try:
        ts = int(timestamp or "")
    except ValueError as exc:
        raise BadSignature(detail={"header": "X-Zhongtai-Timestamp"}) from exc
    if abs((now or time.time()) - ts) > TOLERANCE_SECONDS:
        raise BadSignature("Request timestamp is too old or in the future", detail={"tolerance_s": TOLERANCE_SECONDS})
    if not signature or not hmac.compare_digest(sign(secret, ts, body), signature):
        raise BadSignature(detail={"header": "X-Zhongtai-Signature"})
