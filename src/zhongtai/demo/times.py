"""When things happen in the demo: Shanghai trading hours, counted back from the moment the demo is built.

Stores open 07:00–22:00 and routing refuses closed stores, so every moment the demo replays falls inside
08:00–21:00 local time, whatever the hour the demo is built at.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPEN_FROM, OPEN_UNTIL = time(8, 0), time(21, 0)  # inside every store's hours, with an hour to spare
RECENT_WINDOW = timedelta(hours=3)  # orders still open were placed this long before the anchor at most


def anchor(now: datetime) -> datetime:
    """The latest moment (UTC, at most `now`) with three trading hours before it: now, or the last 21:00."""
    local = now.astimezone(SHANGHAI)
    earliest = (datetime.combine(date.min, OPEN_FROM) + RECENT_WINDOW).time()
    if earliest <= local.time() < OPEN_UNTIL:
        return (now - timedelta(minutes=2)).replace(second=0, microsecond=0)
    day = local.date() if local.time() >= OPEN_UNTIL else local.date() - timedelta(days=1)
    return datetime.combine(day, OPEN_UNTIL, SHANGHAI).astimezone(UTC)


def local_day(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()


def daytime(rng: random.Random, day: date, *, start: time = OPEN_FROM, end: time = OPEN_UNTIL) -> datetime:
    """A random minute between `start` and `end` on the Shanghai `day`, as UTC."""
    first, last = start.hour * 60 + start.minute, end.hour * 60 + end.minute
    minute = rng.randrange(first, last)
    return datetime.combine(day, time(minute // 60, minute % 60), SHANGHAI).astimezone(UTC)


def opening_stock_at(anchor: datetime, *, days: int) -> datetime:
    """06:00 (before opening) `days` days before the anchor's day, as UTC."""
    return datetime.combine(local_day(anchor) - timedelta(days=days), time(6, 0), SHANGHAI).astimezone(UTC)
