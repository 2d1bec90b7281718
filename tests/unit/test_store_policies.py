"""Store rules without a database: opening hours and distance."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from zhongtai.stores.policies import distance_km, is_open, within_delivery_radius

DAY = {"mon": [{"open": "08:00", "close": "22:00"}]}
NIGHT = {"fri": [{"open": "18:00", "close": "02:00"}]}
SPLIT = {"sun": [{"open": "08:00", "close": "12:00"}, {"open": "14:00", "close": "20:00"}]}


def shanghai(y, mo, d, h, mi=0) -> datetime:
    """A Shanghai wall-clock time, converted to UTC as the platform stores it."""
    return datetime(y, mo, d, h, mi, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(ZoneInfo("UTC"))


class TestIsOpen:
    def test_open_inside_hours_in_store_time_zone(self):
        assert is_open(DAY, shanghai(2026, 11, 23, 9))  # Monday 09:00 in Shanghai
        assert not is_open(DAY, shanghai(2026, 11, 23, 7, 59))
        assert not is_open(DAY, shanghai(2026, 11, 23, 22))

    def test_missing_day_is_closed(self):
        assert not is_open(DAY, shanghai(2026, 11, 24, 12))  # Tuesday

    def test_overnight_span_covers_next_morning(self):
        assert is_open(NIGHT, shanghai(2026, 11, 27, 23))  # Friday 23:00
        assert is_open(NIGHT, shanghai(2026, 11, 28, 1, 30))  # Saturday 01:30
        assert not is_open(NIGHT, shanghai(2026, 11, 28, 2))

    def test_split_shifts(self):
        assert is_open(SPLIT, shanghai(2026, 11, 29, 11))
        assert not is_open(SPLIT, shanghai(2026, 11, 29, 13))
        assert is_open(SPLIT, shanghai(2026, 11, 29, 19, 59))

    def test_all_day(self):
        always = {"wed": [{"open": "00:00", "close": "24:00"}]}
        assert is_open(always, shanghai(2026, 11, 25, 23, 59))


class TestDistance:
    def test_known_distance_people_square_to_lujiazui(self):
        assert 2.2 < distance_km(31.2335, 121.4752, 31.2397, 121.4998) < 2.6

    def test_zero_distance(self):
        assert distance_km(31.0, 121.0, 31.0, 121.0) == 0

    def test_delivery_radius(self):
        store = (31.2335, 121.4752)
        assert within_delivery_radius(3, store, (31.2397, 121.4998))
        assert not within_delivery_radius(3, store, (31.3005, 121.5133))
        assert not within_delivery_radius(0, store, store)  # no delivery from this store
