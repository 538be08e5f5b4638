"""Deadlines in hours, calendar days or working days (行政处罚法 第85条: 工作日 exclude holidays).

Working days of a year come from, in this order:

1. the calendar supplied in the ruleset (``calendar_years``, ``calendar_holidays``,
   ``calendar_workdays``), copied from the State Council's holiday notice for the year;
2. the ``chinese-calendar`` library (the same notices, 2004–2026);
3. when ``calendar_unseeded_years`` is ``provisional``: a **provisional** calendar for
   2025–2099 built from the law alone — 《全国年节及纪念日放假办法》 as revised by
   国务院令第795号 (in force 2025-01-01), 第二条 holidays plus Saturdays and Sundays.
   It cannot know the 补假 of 第六条 (a holiday on a weekend is made up on a working day
   the year's notice picks) or the notice's 调休 swaps, so it leaves both out; a deadline
   that counts a day of such a year says so (``Due.provisional_years``);
4. otherwise ``InputError`` — a holiday is never silently counted as a working day.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import chinese_calendar
from lunar_python import Lunar

from .errors import InputError, Problem

_END_OF_DAY = dt.time(23, 59, 59)
_ONE_DAY = dt.timedelta(days=1)

UnseededPolicy = Literal["provisional", "error"]
UNSEEDED_POLICIES: tuple[UnseededPolicy, ...] = ("provisional", "error")
PROVISIONAL_FIRST_YEAR = 2025  # 国务院令第795号 in force 2025-01-01; earlier years had other holidays
PROVISIONAL_LAST_YEAR = 2099  # our bound: chinese_calendar's solar terms end with 2100

_UNCOVERED_EXPECTED = ("a year covered by chinese-calendar (2004–2026), or add the year's official holidays and "
                       "make-up workdays to rulesets/<name>/parameters/calendar.yaml")


@functools.cache
def library_covers(year: int) -> bool:
    """Whether ``chinese-calendar`` has the State Council's notice for ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@functools.lru_cache(maxsize=4096)
def _library_workday(day: dt.date) -> bool:
    """``chinese_calendar.is_workday`` for a year it covers; it scans its whole holiday table (its year range)
    on every call, so each day is asked once (deadlines count the days after each observation's)."""
    return bool(chinese_calendar.is_workday(day))


def festival_dates(year: int) -> dict[str, dt.date]:
    """The lunar and solar-term days of ``year`` that 第二条 names: 除夕, 春节 (正月初一), 清明, 端午, 中秋.

    Lunar dates from ``lunar_python`` (astronomical new moons and solar terms; 端午 in the
    ordinary, not a leap, fifth month); 清明 from ``chinese_calendar.get_solar_terms``
    (寿星公式 with its corrections, 1900–2100). Both are checked against every official
    calendar chinese-calendar holds (tests/test_deadlines.py).
    """
    new_year = _solar(year, 1, 1)
    return {
        "除夕": new_year - _ONE_DAY,
        "春节": new_year,
        "清明": next(d for d, name in chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 30))
                   if name == "清明"),
        "端午": _solar(year, 5, 5),
        "中秋": _solar(year, 8, 15),
    }


def _solar(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of a day of the lunar calendar (ordinary month)."""
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


@functools.cache
def statutory_holidays(year: int) -> frozenset[dt.date] | None:
    """The 13 days of 《全国年节及纪念日放假办法》第二条 (国务院令第795号) in ``year``; ``None`` outside 2025–2099."""
    if not PROVISIONAL_FIRST_YEAR <= year <= PROVISIONAL_LAST_YEAR:
        return None
    lunar = festival_dates(year)
    return frozenset({
        dt.date(year, 1, 1),  # 元旦
        *(lunar["春节"] + k * _ONE_DAY for k in (-1, 0, 1, 2)),  # 春节：农历除夕、正月初一至初三
        lunar["清明"], lunar["端午"], lunar["中秋"],  # 农历清明、端午、中秋当日
        dt.date(year, 5, 1), dt.date(year, 5, 2),  # 劳动节
        dt.date(year, 10, 1), dt.date(year, 10, 2), dt.date(year, 10, 3),  # 国庆节
    })


def provisional_reason(years: tuple[int, ...], lang: Literal["zh", "en"]) -> str:
    """Why a deadline counted on the provisional calendar may move once the notices are out."""
    if lang == "zh":
        notices = "、".join(f"国务院办公厅关于{y}年部分节假日安排的通知" for y in years)
        return (f"{notices}尚未录入日历；{'、'.join(f'{y}年' for y in years)}的工作日仅按"
                "《全国年节及纪念日放假办法》第二条所列节日和周六、周日计算，未计补假和调休")
    shown = ", ".join(str(y) for y in years)
    notices = "; ".join(f"国务院办公厅关于{y}年部分节假日安排的通知" for y in years)
    return (f"{shown}: {notices} not yet in the calendar; working days counted with the holidays of "
            "《全国年节及纪念日放假办法》第二条 and weekends only, without 补假 or 调休")


@dataclass(frozen=True)
class HolidayCalendar:
    """The ruleset's calendar for years the library does not cover, and what to do with the rest."""

    years: frozenset[int] = frozenset()
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    unseeded: UnseededPolicy = "provisional"

    @classmethod
    def from_parameters(cls, years: tuple[object, ...], holidays: tuple[object, ...],
                        workdays: tuple[object, ...], unseeded: UnseededPolicy = "provisional") -> HolidayCalendar:
        def dates(values: tuple[object, ...]) -> frozenset[dt.date]:
            return frozenset(v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)) for v in values)

        return cls(frozenset(int(str(y)) for y in years), dates(holidays), dates(workdays), unseeded)

    def is_provisional(self, year: int) -> bool:
        """Whether ``year``'s working days come from the provisional calendar (see the module)."""
        return (self.unseeded == "provisional" and year not in self.years and not library_covers(year)
                and statutory_holidays(year) is not None)

    def is_working_day(self, day: dt.date, path: str = "deadline") -> bool:
        """Whether ``day`` is a working day; ``InputError`` if no calendar covers its year."""
        if day.year in self.years:
            if day in self.workdays:
                return True
            return day.weekday() < 5 and day not in self.holidays
        if library_covers(day.year):
            return _library_workday(day)
        provisional = statutory_holidays(day.year) if self.unseeded == "provisional" else None
        if provisional is None:
            beyond = (f" (the provisional calendar covers {PROVISIONAL_FIRST_YEAR}–{PROVISIONAL_LAST_YEAR})"
                      if self.unseeded == "provisional" else "")
            raise InputError([Problem(
                path, f"no holiday calendar covers {day.year}: working days cannot be counted{beyond}",
                day.isoformat(), _UNCOVERED_EXPECTED)])
        return day.weekday() < 5 and day not in provisional


def add_working_days(start: dt.date, count: int, calendar: HolidayCalendar, path: str = "deadline") -> dt.date:
    """The ``count``-th working day after ``start`` (``count`` ≥ 1); the day itself is not counted."""
    day = start
    remaining = count
    while remaining > 0:
        day += _ONE_DAY
        if calendar.is_working_day(day, path):
            remaining -= 1
    return day


@dataclass(frozen=True)
class Due:
    """When a period ends, and the years it counted on the provisional calendar (none: exact)."""

    at: dt.datetime
    provisional_years: tuple[int, ...] = ()


def due(anchor: dt.datetime, amount: Fraction, unit: str, calendar: HolidayCalendar,
        path: str = "deadline") -> Due:
    """When a period of ``amount`` ``unit`` (hour / day / working_day) starting at ``anchor`` ends.

    Hours run from the moment; days and working days end at the close of the last
    day (the anchor's own day is not counted, 民法典 第201条).
    """
    if unit == "hour":
        return Due(anchor + dt.timedelta(hours=float(amount)))
    if amount.denominator != 1:
        raise InputError([Problem(path, "a period in days must be a whole number", str(amount), "an integer")])
    provisional: tuple[int, ...] = ()
    if unit == "day":
        last = anchor.date() + dt.timedelta(days=int(amount))
    elif unit == "working_day":
        first = anchor.date() + _ONE_DAY
        last = add_working_days(anchor.date(), int(amount), calendar, path)
        provisional = tuple(y for y in range(first.year, last.year + 1) if calendar.is_provisional(y))
    else:
        raise InputError([Problem(path, "unknown deadline unit", unit, "hour, day or working_day")])
    return Due(dt.datetime.combine(last, _END_OF_DAY, tzinfo=anchor.tzinfo), provisional)
