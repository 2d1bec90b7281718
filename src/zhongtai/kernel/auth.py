"""Authentication primitives: password hashing, bearer tokens, API keys, and the Principal."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from zhongtai.kernel import clock
from zhongtai.kernel.errors import Unauthorized

_hasher = PasswordHasher()
API_KEY_PREFIX = "zt_"


class Role(StrEnum):
    HQ_ADMIN = "hq_admin"
    STORE_MANAGER = "store_manager"
    GUIDE = "guide"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a staff user (role + stores) or an integration client (scopes + stores)."""

    kind: str  # "user" | "client"
    id: int
    name: str
    role: Role | None = None
    store_ids: frozenset[int] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)
    all_stores: bool = False

    @property
    def is_hq(self) -> bool:
        return self.all_stores

    def can_see_store(self, store_id: int | None) -> bool:
        return self.all_stores or (store_id is not None and store_id in self.store_ids)

    @property
    def idempotency_scope(self) -> str:
        return f"{self.kind}:{self.id}"


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if `password` matches; never raises on a malformed hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_token(*, user_id: int, secret: str, ttl_minutes: int, token_version: int = 0) -> str:
    """A signed bearer token (JWT, HS256) naming the user."""
    now = clock.now()
    claims = {"sub": str(user_id), "ver": token_version, "iat": now, "exp": now + timedelta(minutes=ttl_minutes)}
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(token: str, *, secret: str) -> tuple[int, int]:
    """(user id, token version) from a valid token, else Unauthorized."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["sub", "exp"]})
        return int(claims["sub"]), int(claims.get("ver", 0))
    except (jwt.PyJWTError, ValueError) as exc:
        raise Unauthorized("Invalid or expired token") from exc


def new_api_key() -> tuple[str, str, str]:
    """(full key shown once, public prefix used for lookup, hash stored)."""
    prefix = secrets.token_hex(6)
    key = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, hash_api_key(key)


def hash_api_key(key: str) -> str:
    # API keys are long random strings, so a fast keyed hash is enough (and keeps per-request cost low).
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_prefix(key: str) -> str | None:
    if not key.startswith(API_KEY_PREFIX) or key.count("_") < 2:
        return None
    return key[len(API_KEY_PREFIX):].split("_", 1)[0]


def api_key_matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(key), stored_hash)
