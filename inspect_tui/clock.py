"""Time is injected: services ask a ``Clock`` instead of reading the system time."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime: ...

    def today(self) -> dt.date: ...


class SystemClock:
    """Wall-clock time in UTC (stored) with the local date (what users call "today")."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return dt.date.today()


class FixedClock:
    """A clock for tests and the demo: starts at ``start`` and advances ``step`` per reading."""

    def __init__(self, start: dt.datetime, step: dt.timedelta = dt.timedelta(0)) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=dt.UTC)
        self._now = start
        self._step = step

    def now(self) -> dt.datetime:
        current = self._now
        self._now = current + self._step
        return current

    def today(self) -> dt.date:
        return self._now.date()

    def set(self, moment: dt.datetime) -> None:
        self._now = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)

    def advance(self, delta: dt.timedelta) -> None:
        self._now += delta
