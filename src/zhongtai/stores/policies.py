"""Pure store rules: opening hours and distance. No I/O."""

from __future__ import annotations

import math
from datetime import datetime, time
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EARTH_RADIUS_KM = 6371.0088


def parse_hhmm(value: str) -> time:
    """'08:30' -> time(8, 30); '24:00' is accepted as end of day."""
    hours, minutes = value.split(":")
    h, m = int(hours), int(minutes)
    if h == 24 and m == 0:
        return time.max
    return time(h, m)


def is_open(hours: dict[str, list[dict[str, str]]], at: datetime, tz: str = "Asia/Shanghai") -> bool:
    """Whether a store with weekly `hours` is open at the aware datetime `at` (overnight spans allowed)."""
    local = at.astimezone(ZoneInfo(tz))
    today, yesterday = WEEKDAYS[local.weekday()], WEEKDAYS[(local.weekday() - 1) % 7]
    now = local.time()
    for span in hours.get(today, []):
        opens, closes = parse_hhmm(span["open"]), parse_hhmm(span["close"])
        if (opens <= now < closes) if opens < closes else now >= opens:
            return True
    # A span that crossed midnight yesterday is still open this morning.
    return any(
        parse_hhmm(s["close"]) <= parse_hhmm(s["open"]) and now < parse_hhmm(s["close"])
        for s in hours.get(yesterday, [])
    )


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def within_delivery_radius(radius_km: float, store: tuple[float, float], customer: tuple[float, float]) -> bool:
    """True if the customer lies inside the store's delivery radius (0 means no delivery)."""
    return radius_km > 0 and distance_km(*store, *customer) <= radius_km
