"""Working-day deadlines (行政处罚法 第85条): official calendars, and the provisional calendar of unseeded years."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import patrolrules
from patrolrules import InputError, RulesetError
from patrolrules.cli import main
from patrolrules.deadlines import (
    HolidayCalendar,
    add_working_days,
    due,
    festival_dates,
    library_covers,
    statutory_holidays,
)

from .rulefiles import copy_with_edits

RULESET = patrolrules.load_ruleset()
TZ = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2024, 5, 6, 9, 0, tzinfo=TZ)
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "observations.jsonl"
OLD_EXPECTED = ("a year covered by chinese-calendar (2004–2026), or add the year's official holidays and make-up "
                "workdays to rulesets/<name>/parameters/calendar.yaml")


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# 《全国年节及纪念日放假办法》第二条 days of 2025 and 2026, copied by hand from the State Council's
# notices (国务院办公厅关于2025年/2026年部分节假日安排的通知), not from either library.
OFFICIAL = {
    2025: {_d(d) for d in ("2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-04-04",
                           "2025-05-01", "2025-05-02", "2025-05-31", "2025-10-06", "2025-10-01", "2025-10-02",
                           "2025-10-03")},
    2026: {_d(d) for d in ("2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-04-05",
                           "2026-05-01", "2026-05-02", "2026-06-19", "2026-09-25", "2026-10-01", "2026-10-02",
                           "2026-10-03")},
}
FIXED = {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}  # 元旦、劳动节、国庆节 (第二条)


def _repro() -> list[dict[str, Any]]:
    """The first two sample observations, observed on 30 December 2026 (Wednesday)."""
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines()[:2]
    return [json.loads(line) | {"observed_at": "2026-12-30T10:20:00+08:00"} for line in lines]


def _special(ruleset: patrolrules.Ruleset) -> Any:
    reports = [r for o in _repro() for r in ruleset.evaluate(o).escalation.reports]  # type: ignore[union-attr]
    [special] = [r for r in reports if r.type == "special_report"]
    return special


def _with_calendar(tmp_path: Path, *edits: tuple[str, str]) -> patrolrules.Ruleset:
    return patrolrules.load_ruleset(copy_with_edits(tmp_path, "parameters/calendar.yaml", *edits))


# ---- official years (chinese-calendar) and a ruleset calendar ---------------------------


@given(st.dates(dt.date(2004, 1, 1), dt.date(2026, 11, 30)), st.integers(1, 15))
@settings(max_examples=200)
def test_working_day_deadlines_never_fall_on_a_non_working_day(start: dt.date, count: int) -> None:
    calendar = HolidayCalendar()
    last = add_working_days(start, count, calendar)
    assert chinese_calendar.is_workday(last)
    between = [start + dt.timedelta(days=d) for d in range(1, (last - start).days + 1)]
    assert sum(chinese_calendar.is_workday(d) for d in between) == count


def test_a_supplied_calendar_counts_its_holidays_and_make_up_days() -> None:
    calendar = HolidayCalendar(years=frozenset({2027}), holidays=frozenset({dt.date(2027, 1, 1)}),
                               workdays=frozenset({dt.date(2027, 1, 2)}))
    # 31 Dec 2026 (Thu) + 2 working days: 1 Jan is a holiday, Sat 2 Jan a make-up day, then Mon 4 Jan.
    assert add_working_days(dt.date(2026, 12, 31), 2, calendar) == dt.date(2027, 1, 4)
    assert due(dt.datetime(2026, 12, 31, 9, tzinfo=TZ), Fraction(2), "working_day", calendar).provisional_years == ()


def test_hours_run_from_the_moment_and_days_end_at_the_close_of_day() -> None:
    assert due(T0, Fraction(24), "hour", HolidayCalendar()).at == T0 + dt.timedelta(hours=24)
    assert due(T0, Fraction(3), "day", HolidayCalendar()).at == dt.datetime(2024, 5, 9, 23, 59, 59, tzinfo=TZ)


# ---- (a) the reproduction: a deadline reaching 2027 ----------------------------------------


def test_a_special_report_due_in_2027_is_counted_provisionally_and_flagged() -> None:
    special = _special(RULESET)
    assert special.deadline == "special_report_major_working_days = 3 working_day"
    # Wed 30 Dec 2026 + 3 working days: Thu 31 Dec (1); Fri 1 Jan 2027 元旦 (第二条), Sat 2, Sun 3;
    # Mon 4 Jan (2); Tue 5 Jan (3).
    assert special.due == dt.datetime(2027, 1, 5, 23, 59, 59, tzinfo=TZ)
    flag = special.due_provisional
    assert flag is not None and flag.years == [2027]
    assert "国务院办公厅关于2027年部分节假日安排的通知" in flag.reason_zh and "第二条" in flag.reason_zh
    assert flag.reason_en.startswith("2027: ") and "《全国年节及纪念日放假办法》第二条" in flag.reason_en
    assert "补假" in flag.reason_en and "调休" in flag.reason_en


def test_hour_deadlines_next_to_2027_are_not_flagged() -> None:
    for observation in _repro():
        [zero] = [r for r in RULESET.evaluate(observation).escalation.reports  # type: ignore[union-attr]
                  if r.type == "zero_report"]
        assert zero.due == dt.datetime(2026, 12, 31, 10, 20, tzinfo=TZ) and zero.due_provisional is None


def test_cli_evaluates_and_explains_the_reproduction(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "late.jsonl"
    path.write_text("\n".join(json.dumps(o, ensure_ascii=False) for o in _repro()) + "\n", encoding="utf-8")
    assert main(["evaluate", str(path)]) == 0
    decisions = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["due_provisional"]["years"] for r in decisions[1]["escalation"]["reports"]
            if r["type"] == "special_report"] == [[2027]]
    assert main(["explain", str(path), "--lang", "zh"]) == 0
    zh = capsys.readouterr().out
    assert "专项报告" in zh and "期限 2027-01-05 23:59+08:00" in zh and "暂定期限：" in zh
    assert main(["explain", str(path), "--lang", "en"]) == 0
    en = capsys.readouterr().out
    assert "special_report (Art. 15 ¶3): due 2027-01-05 23:59+08:00" in en and "provisional due time: 2027" in en


def test_case_obligations_in_working_days_reaching_2027_are_flagged() -> None:
    events = ["discovered", "written_notice_served", "party_refuses"]  # escalated (Art. 14 ¶1)
    start = dt.datetime(2026, 12, 29, 9, tzinfo=TZ)  # Tuesday
    case = {"id": "LATE-1", "unit_kind": "resource_station", "violation_items": ["i1"],
            "observation": {"observed_at": start.isoformat(), "party": {"identified": True}},
            "events": [{"kind": k, "at": (start + dt.timedelta(hours=6 * i)).isoformat()}
                       for i, k in enumerate(events)]}
    decision = RULESET.evaluate_case(case)
    assert decision.state == "escalated"
    obligations = {o.duty: o for o in decision.obligations}
    # From Tue 29 Dec 21:00: Wed 30 (1), Thu 31 (2), Fri 1 Jan 元旦, weekend, Mon 4 Jan (3).
    report = obligations["report_to_bureau"]
    assert report.deadline == "escalation_report_working_days = 3 working_day"
    assert report.due == dt.datetime(2027, 1, 4, 23, 59, 59, tzinfo=TZ)
    assert report.due_provisional is not None and report.due_provisional.years == [2027]
    for obligation in decision.obligations:
        assert (obligation.due_provisional is not None) == bool(obligation.deadline
                                                                and "working_day" in obligation.deadline)


# ---- (b) the provisional rule against the official calendars -------------------------------


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_provisional_rule_finds_exactly_the_official_statutory_holidays(year: int) -> None:
    found = statutory_holidays(year)
    assert found == OFFICIAL[year]  # every 第二条 day, and nothing else
    for day in found:
        holiday, name = chinese_calendar.get_holiday_detail(day)
        assert holiday and name is not None, day  # a named holiday in chinese-calendar, not just a weekend


@pytest.mark.parametrize("year", range(2008, 2027))
def test_lunar_and_solar_term_days_agree_with_every_official_calendar_since_2008(year: int) -> None:
    """清明、端午、中秋 are holidays since 2008: each computed day is one in chinese-calendar, by name on weekdays."""
    names = {"春节": {"Spring Festival"}, "清明": {"Tomb-sweeping Day"}, "端午": {"Dragon Boat Festival"},
             "中秋": {"Mid-autumn Festival", "National Day"}}  # 2020: 中秋 fell on 1 October
    days = festival_dates(year)
    for festival, expected in names.items():
        for day in [days[festival], *([days[festival] + dt.timedelta(days=1)] if festival == "春节" else [])]:
            holiday, name = chinese_calendar.get_holiday_detail(day)
            assert holiday, (festival, day)
            if day.weekday() < 5:
                assert name in expected, (festival, day, name)


def test_years_before_the_revised_law_or_after_2099_have_no_provisional_calendar() -> None:
    assert statutory_holidays(2024) is None and statutory_holidays(2100) is None
    assert statutory_holidays(2099) is not None and len(statutory_holidays(2027) or ()) == 13
    calendar = HolidayCalendar()
    assert not calendar.is_provisional(2026) and calendar.is_provisional(2027) and calendar.is_provisional(2099)
    assert not calendar.is_provisional(2100) and not calendar.is_provisional(2003)
    for day in (dt.date(2099, 12, 30), dt.date(2003, 12, 30)):
        with pytest.raises(InputError) as caught:
            add_working_days(day, 3, calendar, "reports.special_report")
        [problem] = caught.value.problems
        assert problem.path == "reports.special_report" and problem.expected == OLD_EXPECTED
        assert "the provisional calendar covers 2025–2099" in problem.message


# ---- (c) properties of provisional deadlines ------------------------------------------------


@given(st.one_of(st.dates(dt.date(2025, 1, 1), dt.date(2026, 12, 31)), st.dates(dt.date(2027, 1, 1),
                                                                                  dt.date(2099, 11, 30))),
       st.integers(1, 20))
def test_a_provisional_deadline_ends_on_a_working_day_after_its_anchor(start: dt.date, count: int) -> None:
    calendar = HolidayCalendar()
    anchor = dt.datetime.combine(start, dt.time(10, 20), tzinfo=TZ)
    result = due(anchor, Fraction(count), "working_day", calendar)
    last = result.at.date()
    assert result.at > anchor and last > start
    counted = [start + dt.timedelta(days=d) for d in range(1, (last - start).days + 1)]
    uncovered = sorted({d.year for d in counted if not library_covers(d.year)})
    assert list(result.provisional_years) == uncovered  # flagged exactly when a counted day is unseeded
    if all(library_covers(d.year) for d in counted):
        assert result.provisional_years == ()
        assert chinese_calendar.is_workday(last)
    if calendar.is_provisional(last.year):
        assert last.weekday() < 5 and (last.month, last.day) not in FIXED
        assert last not in (statutory_holidays(last.year) or ())
    assert sum(calendar.is_working_day(d) for d in counted) == count


def test_a_provisional_year_before_a_seeded_one_still_flags_the_deadline() -> None:
    calendar = HolidayCalendar(years=frozenset({2028}), holidays=frozenset({dt.date(2028, 1, 1)}))
    # Wed 29 Dec 2027: Thu 30, Fri 31 (provisional 2027), Mon 3, Tue 4 Jan 2028 (seeded).
    result = due(dt.datetime(2027, 12, 29, 9, tzinfo=TZ), Fraction(4), "working_day", calendar)
    assert result.at.date() == dt.date(2028, 1, 4) and result.provisional_years == (2027,)


# ---- (d) policy `error` and (e) a seeded year ------------------------------------------------


def test_policy_error_keeps_the_input_error_for_an_unseeded_year(tmp_path: Path) -> None:
    ruleset = _with_calendar(tmp_path, ("value: provisional}", "value: error}"))
    with pytest.raises(InputError) as caught:
        _special(ruleset)
    [problem] = caught.value.problems
    assert problem.path == "reports.special_report"
    assert problem.message == "no holiday calendar covers 2027: working days cannot be counted"
    assert problem.expected == OLD_EXPECTED


def test_an_unknown_policy_is_a_ruleset_error_naming_the_file_and_the_choices(tmp_path: Path) -> None:
    with pytest.raises(RulesetError) as caught:  # at load, not at the first deadline
        _with_calendar(tmp_path, ("value: provisional}", "value: guess}"))
    [problem] = caught.value.problems
    assert problem.file == "parameters/calendar.yaml" and problem.line is not None
    assert "'guess'" in problem.message and problem.fix == "give it one of provisional, error"


def test_a_seeded_year_replaces_the_provisional_calendar_and_clears_the_flag(tmp_path: Path) -> None:
    # A made-up notice for 2027: 元旦 off, Saturday 2 January a make-up working day.
    ruleset = _with_calendar(
        tmp_path,
        ("- {from: 2019-01-01, value: []}", "- {from: 2019-01-01, value: [2027]}"),
        ("- {from: 2019-01-01, value: []}", "- {from: 2019-01-01, value: [2027-01-01]}"),
        ("- {from: 2019-01-01, value: []}", "- {from: 2019-01-01, value: [2027-01-02]}"))
    special = _special(ruleset)
    # Wed 30 Dec 2026: Thu 31 Dec (1), Sat 2 Jan (2, seeded make-up day), Mon 4 Jan (3).
    assert special.due == dt.datetime(2027, 1, 4, 23, 59, 59, tzinfo=TZ)
    assert special.due_provisional is None


@pytest.mark.parametrize("day", ["2027-02-30", "'2027-13-01'", "'1 Jan 2027'"])
def test_a_bad_seeded_date_is_a_ruleset_error_naming_the_calendar_file(tmp_path: Path, day: str) -> None:
    with pytest.raises(RulesetError) as caught:
        _special(_with_calendar(
            tmp_path,
            ("- {from: 2019-01-01, value: []}", "- {from: 2019-01-01, value: [2027]}"),
            ("- {from: 2019-01-01, value: []}", f"- {{from: 2019-01-01, value: [{day}]}}")))
    [problem] = caught.value.problems
    assert problem.file == "parameters/calendar.yaml" and problem.fix
