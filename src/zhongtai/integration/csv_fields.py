"""Reading the cells of ERP/CRM CSV rows: numbers, dates, flags and keys, each refusal a stable reason code.

Pure: no I/O. Naive times in a file are Beijing time (UTC+8), as Chinese ERPs export them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from typing import IO, Any

from zhongtai.integration.formats.base import Parsed, csv_rows
from zhongtai.integration.policies import raw_key

CHINA = timezone(timedelta(hours=8))
TRUE = {"1", "y", "yes", "true", "t", "是"}
FALSE = {"0", "n", "no", "false", "f", "否"}


class Bad(ValueError):
    """A cell that cannot be read; `reason` is the quarantine code."""

    def __init__(self, reason: str, column: str):
        super().__init__(f"{reason}: {column}")
        self.reason = reason


def integer(row: Mapping[str, str], column: str, *, required: bool = True, minimum: int | None = None,
            below_minimum: str = "bad_number") -> int | None:
    """A whole number (None if blank and optional); `below_minimum` is the reason for one under `minimum`."""
    text = (row.get(column) or "").strip()
    if not text:
        if required:
            raise Bad("missing_field", column)
        return None
    try:
        value = int(text)
    except ValueError as exc:
        raise Bad("bad_number", column) from exc
    if minimum is not None and value < minimum:
        raise Bad(below_minimum, column)
    return value


def quantity(row: Mapping[str, str], column: str = "quantity") -> int:
    """A positive amount in base units; negative is `negative_quantity`, zero `bad_number`."""
    value = integer(row, column, minimum=0, below_minimum="negative_quantity")
    if value == 0:
        raise Bad("bad_number", column)
    return value  # type: ignore[return-value]


def day(row: Mapping[str, str], column: str) -> str | None:
    """An ISO date (YYYY-MM-DD) or None if blank."""
    text = (row.get(column) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise Bad("bad_timestamp", column) from exc


def moment(row: Mapping[str, str], column: str) -> str | None:
    """An ISO-8601 time in UTC (naive times are Beijing time) or None if blank."""
    text = (row.get(column) or "").strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise Bad("bad_timestamp", column) from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA)).astimezone(UTC).isoformat()


def flag(row: Mapping[str, str], column: str) -> bool | None:
    """1/0, y/n, yes/no, true/false, 是/否; None if blank (not stated)."""
    text = (row.get(column) or "").strip().lower()
    if not text:
        return None
    if text in TRUE or text in FALSE:
        return text in TRUE
    raise Bad("bad_value", column)


def choice(row: Mapping[str, str], column: str, allowed: Mapping[str, str], default: str) -> str:
    """One of `allowed` (spelling -> value; matched case-insensitively), `default` if blank."""
    text = (row.get(column) or "").strip().lower()
    if not text:
        return default
    if text not in allowed:
        raise Bad("bad_value", column)
    return allowed[text]


def text(row: Mapping[str, str], column: str, *, required: bool = False, max_length: int = 200) -> str:
    value = (row.get(column) or "").strip()
    if required and not value:
        raise Bad("missing_field", column)
    if len(value) > max_length:
        raise Bad("bad_value", column)
    return value


def versioned_id(key: str, row: Mapping[str, str]) -> str:
    """`key@version`: the row's `version` column, else a hash of its content, so a changed row is new."""
    version = (row.get("version") or "").strip()
    if not version:
        content = "\x1f".join(f"{k}={(v or '').strip()}" for k, v in sorted(row.items()) if k)
        version = "#" + hashlib.sha256(content.encode()).hexdigest()[:12]
    return f"{key}@{version}"[:200]


def unreadable_id(raw: str) -> str:
    """A stable key for a line that could not be read: the same bad line is a duplicate next time."""
    return raw_key(raw)


Reader = Callable[[dict[str, str]], tuple[str, dict[str, Any]]]


def parse_csv(stream: IO[bytes], read: Reader, *, required: tuple[str, ...] = ()) -> Iterator[Parsed]:
    """Stream CSV rows through `read` (row -> (external id, data)); unreadable rows keep their reason."""
    for line_no, raw, row, reason in csv_rows(stream, required=required):
        if row is None:
            yield Parsed(external_id=unreadable_id(raw), line_no=line_no, raw=raw, reason=reason or "malformed")
            continue
        try:
            external_id, data = read(row)
        except Bad as exc:
            yield Parsed(external_id=unreadable_id(raw), line_no=line_no, raw=raw, reason=exc.reason)
            continue
        yield Parsed(external_id=external_id, line_no=line_no, raw=raw, data=data)

