"""Pure webhook rules: which subscriptions an event matches, the retry schedule, when a delivery is dead,
what counts as delivered, and what of an answer is worth logging. No I/O."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta

ALL_EVENTS = "*"
_PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*\.(\*|[a-z][a-z0-9_]*))$")
SNIPPET_CHARS = 500
OWNER_REVOKED = "owner_revoked"  # last_error of deliveries refused because their API client was revoked


def pattern_is_valid(pattern: str, known_types: Collection[str]) -> bool:
    """`*`, `<domain>.*` for a domain that publishes events, or a known event type."""
    if not _PATTERN.match(pattern):
        return False
    if pattern == ALL_EVENTS:
        return True
    if pattern.endswith(".*"):
        return any(t.startswith(pattern[:-1]) for t in known_types)
    return pattern in known_types


def matches(patterns: Sequence[str], event_type: str) -> bool:
    """True if `event_type` is named by one of `patterns` (exact, `domain.*` or `*`)."""
    domain = event_type.split(".", 1)[0]
    return any(p in (ALL_EVENTS, event_type, f"{domain}.*") for p in patterns)


def store_matches(store_ids: Collection[int], store_id: int | None) -> bool:
    """A subscription without a store filter gets every event; one with a filter only its stores' events
    (an event of no store is not about its stores, so it is not sent)."""
    return not store_ids or (store_id is not None and store_id in store_ids)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: the n-th failure waits base·factor^(n-1), capped, ±jitter."""

    base_seconds: float = 30.0
    factor: float = 2.0
    cap_seconds: float = 6 * 3600.0
    jitter: float = 0.2  # fraction either side, so partners recovering from an outage are not stampeded

    def delay(self, failures: int, rand: float) -> timedelta:
        """How long to wait after the `failures`-th failed attempt; `rand` is uniform in [0, 1)."""
        raw = min(self.cap_seconds, self.base_seconds * self.factor ** max(0, failures - 1))
        return timedelta(seconds=raw * (1 - self.jitter + 2 * self.jitter * rand))

    def schedule(self, attempts: int) -> list[float]:
        """The nominal waits (seconds, no jitter) between `attempts` attempts, for docs and the console."""
        return [min(self.cap_seconds, self.base_seconds * self.factor ** n) for n in range(attempts - 1)]


def is_dead(round_attempts: int, max_attempts: int) -> bool:
    """A delivery is dead-lettered once it has failed `max_attempts` times since it was last (re)queued."""
    return round_attempts >= max_attempts


def delivered(status_code: int | None) -> bool:
    """Only a 2xx answer is a delivery; redirects are not followed (the partner must give the final URL)."""
    return status_code is not None and 200 <= status_code < 300


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of an error or answer body, on one line, for the attempt log."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def address_is_public(address: str) -> bool:
    """True for a globally routable unicast address; loopback, private, link-local, shared, reserved and
    multicast ones (IPv4-mapped IPv6 included) are not where partners' webhooks live."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast
