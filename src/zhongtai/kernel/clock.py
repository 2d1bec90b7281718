"""The one place that reads the time, so tests can freeze it."""

from __future__ import annotations

from datetime import UTC, datetime

_frozen: datetime | None = None


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    return _frozen or datetime.now(UTC)


def freeze(at: datetime | None) -> None:
    """Freeze the clock at `at` (None unfreezes); for tests and replays."""
    global _frozen
    _frozen = at
