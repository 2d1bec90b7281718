"""Pure rules of the data hub: barcode check digits, till timestamps, record keys. No I/O."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Shanghai"


class BadValue(ValueError):
    """A field that cannot be read; `code` is the quarantine reason."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code


def gtin_ok(code: str) -> bool:
    """True if `code` is an EAN-8, UPC-A (12), EAN-13 or GTIN-14 with a right check digit."""
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return False
    digits = [int(c) for c in code]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def parse_time(value: str, tz_name: str = DEFAULT_TZ) -> datetime:
    """An ISO-8601 timestamp as aware UTC; one without an offset is local time of `tz_name` (the till's)."""
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise BadValue("bad_timestamp", f"not an ISO-8601 time: {value!r}") from exc
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(tz_name))
    return at.astimezone(UTC)


def parse_int(value: str | float | None, *, field: str) -> int:
    """An integer field (a JSON number or a text of digits); `bad_number` otherwise."""
    if isinstance(value, bool) or value is None or value == "":
        raise BadValue("missing_field" if value in (None, "") else "bad_number", field)
    if isinstance(value, int):
        return value
    try:
        number = float(value) if isinstance(value, float) else int(str(value).strip())
    except ValueError as exc:
        raise BadValue("bad_number", field) from exc
    if isinstance(number, float) and not number.is_integer():
        raise BadValue("bad_number", field)
    return int(number)


def raw_key(raw: str) -> str:
    """The key of a record that could not be read far enough to find its own id: a hash of its text,
    so the same broken line sent again is still a duplicate."""
    return "raw:" + hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()[:32]


def line_key(transaction_id: str, line_no: int) -> str:
    """A till line's external id: its transaction and its line number in it."""
    return f"{transaction_id}/{line_no}"


def counts_add_up(records: int, accepted: int, duplicates: int, quarantined: int) -> bool:
    return records == accepted + duplicates + quarantined
