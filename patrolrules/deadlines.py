"""Deadlines in hours, calendar days or working days (行政处罚法 第85条: 工作日 exclude holidays).

Working days come from the ``chinese-calendar`` library (State Council holiday
notices, 2004–2026). A year it does not cover uses the calendar supplied in the
ruleset (parameters ``calendar_years``, ``calendar_holidays``, ``calendar_workdays``);
a year in neither raises ``InputError`` — a holiday is never counted as a working day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

import chinese_calendar

from .errors import InputError, Problem

_END_OF_DAY = dt.time(23, 59, 59)


@dataclass(frozen=True)
class HolidayCalendar:
    """The ruleset's own calendar for years the library does not cover."""

    years: frozenset[int] = frozenset()
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()

    @classmethod
    def from_parameters(cls, years: tuple[object, ...], holidays: tuple[object, ...],
                        workdays: tuple[object, ...]) -> HolidayCalendar:
        def dates(values: tuple[object, ...]) -> frozenset[dt.date]:
            return frozenset(v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)) for v in values)

        return cls(frozenset(int(str(y)) for y in years), dates(holidays), dates(workdays))

    def is_working_day(self, day: dt.date, path: str = "deadline") -> bool:
        """Whether ``day`` is a working day; ``InputError`` if no calendar covers its year."""
        if day.year in self.years:
            if day in self.workdays:
                return True
            return day.weekday() < 5 and day not in self.holidays
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            raise InputError([Problem(
                path, f"no holiday calendar covers {day.year}: working days cannot be counted",
                day.isoformat(),
                "a year covered by chinese-calendar (2004–2026), or add the year's official holidays and "
                "make-up workdays to rulesets/<name>/parameters/calendar.yaml")]) from None


def add_working_days(start: dt.date, count: int, calendar: HolidayCalendar, path: str = "deadline") -> dt.date:
    """The ``count``-th working day after ``start`` (``count`` ≥ 1); the day itself is not counted."""
    day = start
    remaining = count
    while remaining > 0:
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day, path):
            remaining -= 1
    return day


def due(anchor: dt.datetime, amount: Fraction, unit: str, calendar: HolidayCalendar,
        path: str = "deadline") -> dt.datetime:
    """When a period of ``amount`` ``unit`` (hour / day / working_day) starting at ``anchor`` ends.

    Hours run from the moment; days and working days end at the close of the last
    day (the anchor's own day is not counted, 民法典 第201条).
    """
    if unit == "hour":
        return anchor + dt.timedelta(hours=float(amount))
    if amount.denominator != 1:
        raise InputError([Problem(path, "a period in days must be a whole number", str(amount), "an integer")])
    if unit == "day":
        last = anchor.date() + dt.timedelta(days=int(amount))
    elif unit == "working_day":
        last = add_working_days(anchor.date(), int(amount), calendar, path)
    else:
        raise InputError([Problem(path, "unknown deadline unit", unit, "hour, day or working_day")])
    return dt.datetime.combine(last, _END_OF_DAY, tzinfo=anchor.tzinfo)
