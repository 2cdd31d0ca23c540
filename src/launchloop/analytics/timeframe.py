"""Date ranges and time buckets in the project's time zone.

A bucket is an integer key computed the same way by both engines from the wall-clock time in
the project's zone (seconds since 1970 of the local time): hour = s // 3600, day = s // 86400,
week = (day + 3) // 7 (weeks start on Monday; 1970-01-01 was a Thursday), month =
year * 12 + month - 1. Python enumerates the same keys to fill empty buckets with 0, so a day
across a DST change is still one bucket of 23 or 25 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from launchloop.analytics.sql import Printer, check_time_zone
from launchloop.errors import InvalidInput

Interval = Literal["hour", "day", "week", "month"]
INTERVALS: tuple[Interval, ...] = ("hour", "day", "week", "month")
MAX_DAYS = 3_700
MAX_HOURS = 24 * 62
_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class DateRange:
    """Local calendar days ``start`` to ``end`` (both included) in ``time_zone``."""

    start: date
    end: date
    time_zone: str = "UTC"

    def __post_init__(self) -> None:
        check_time_zone(self.time_zone)
        if self.end < self.start:
            raise InvalidInput("date_to", "must not be before date_from")
        if (self.end - self.start).days > MAX_DAYS:
            raise InvalidInput("date_to", f"a range spans at most {MAX_DAYS} days")

    @property
    def days(self) -> int:
        """How many calendar days the range covers."""
        return (self.end - self.start).days + 1

    def start_micros(self) -> int:
        """UTC epoch microseconds of the local midnight that opens the range."""
        return _local_midnight_micros(self.start, self.time_zone)

    def end_micros(self) -> int:
        """UTC epoch microseconds of the local midnight after the last day (excluded)."""
        return _local_midnight_micros(self.end + timedelta(days=1), self.time_zone)

    def previous(self) -> DateRange:
        """The range of the same length that ends the day before this one starts."""
        return DateRange(
            self.start - timedelta(days=self.days), self.start - timedelta(days=1), self.time_zone
        )


def check_interval(interval: str, field: str = "interval") -> Interval:
    """One of hour, day, week, month, else InvalidInput."""
    if interval not in INTERVALS:
        raise InvalidInput(field, "must be one of hour, day, week, month")
    return interval  # type: ignore[return-value]


def bucket_sql(p: Printer, interval: Interval, timestamp: str = "e.timestamp") -> str:
    """SQL of the integer bucket key of ``timestamp`` (see the module docstring)."""
    if interval == "month":
        return p.local_month(timestamp)
    seconds = p.local_seconds(timestamp)
    if interval == "hour":
        return p.int_div(seconds, "3600")
    day = p.int_div(seconds, "86400")
    return day if interval == "day" else p.int_div(f"{day} + 3", "7")


def bucket_keys(span: DateRange, interval: Interval) -> list[int]:
    """Every bucket key of the range, in order (empty buckets included)."""
    if interval == "hour":
        if span.days * 24 > MAX_HOURS:
            raise InvalidInput("interval", f"hourly buckets cover at most {MAX_HOURS // 24} days")
        zone, keys = ZoneInfo(span.time_zone), list[int]()
        moment = datetime.fromtimestamp(span.start_micros() / 1e6, UTC)
        end = datetime.fromtimestamp(span.end_micros() / 1e6, UTC)
        while moment < end:
            key = _local_seconds(moment.astimezone(zone).replace(tzinfo=None)) // 3600
            if not keys or keys[-1] != key:
                keys.append(key)
            moment += timedelta(hours=1)
        return keys
    first, last = _date_key(span.start, interval), _date_key(span.end, interval)
    return list(range(first, last + 1))


def bucket_start(key: int, interval: Interval) -> datetime:
    """The local wall-clock time (naive) at which bucket ``key`` starts."""
    if interval == "hour":
        return _EPOCH + timedelta(hours=key)
    if interval == "day":
        return _EPOCH + timedelta(days=key)
    if interval == "week":
        return _EPOCH + timedelta(days=key * 7 - 3)
    return datetime(key // 12, key % 12 + 1, 1)


def _date_key(day: date, interval: Interval) -> int:
    number = (day - _EPOCH.date()).days
    if interval == "day":
        return number
    if interval == "week":
        return (number + 3) // 7
    return day.year * 12 + day.month - 1


def _local_seconds(local: datetime) -> int:
    return int((local - _EPOCH).total_seconds())


def _local_midnight_micros(day: date, time_zone: str) -> int:
    local = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(time_zone))
    delta = local.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
