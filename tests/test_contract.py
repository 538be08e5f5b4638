"""What the decision code reads from a ruleset: a rule file that breaks it is refused at load.

Each edit below loaded before, passed `patrolrules check`, and made decisions raise KeyError,
ValueError, TypeError, OverflowError or ZeroDivisionError.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import patrolrules
from patrolrules import RulesetError
from patrolrules.assessment import INDICATORS, AssessmentInput, _measures

from .rulefiles import copy_bundled

PARAMS = "parameters/art14_15.yaml"
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "assessment_excellent.json"


def _edit(directory: Path, file: str, old: str, new: str, after: str = "") -> int:
    """Replace the first ``old`` after ``after`` in ``file``; the line where ``old`` was."""
    path = directory / file
    text = path.read_text(encoding="utf-8")
    start = text.index(after) if after else 0
    at = text.index(old, start)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return text[:at].count("\n") + 1


def _rule_line(directory: Path, file: str, line: int) -> int:
    """The line of the rule (``- id:``) that holds ``line``."""
    lines = (directory / file).read_text(encoding="utf-8").splitlines()
    return next(n for n in range(line, 0, -1) if lines[n - 1].strip().startswith("- id:"))


def _line(directory: Path, file: str, needle: str) -> int:
    text = (directory / file).read_text(encoding="utf-8")
    return text[: text.index(needle)].count("\n") + 1


PARAMETER_EDITS = [  # (file, parameter, old value, new value, what the problem says it must be)
    ("parameters/calendar.yaml", "calendar_years", "value: []", "value: [x]", "a list of years 1900–2999"),
    ("parameters/art10_12_records.yaml", "weekly_report_weekday", "value: monday", "value: someday",
     "one of monday, tuesday"),
    (PARAMS, "periodic_quarter_due_day", "value: 3}", "value: 40}", "a day of the month 1–31"),
    ("parameters/art09_violations.yaml", "item_precedence", "value: [6,", "value: [zz,", "the Art. 9 item numbers"),
    ("parameters/art09_violations.yaml", "item_precedence", "value: [6,", "value: [5,", "1–8, each once"),
    ("parameters/art22_24_assessment.yaml", "grade_pass", "value: 60}", "value: 0}", "above 0 and at most 100"),
    ("parameters/art08_zones.yaml", "patrol_frequency_key", "value: 2}", "value: -2}", "not below 0"),
    (PARAMS, "zero_report_hours", "value: 24", "value: 1000000000000000000000000000000",
     "a period from 0 to 3660 days"),
    (PARAMS, "transfer_decision_days", "value: 3", "value: 1.5", "a whole number of days"),
    (PARAMS, "crime342_forest_public_area", "value: 5", "value: 0", "an area above 0"),
]


@pytest.mark.parametrize(("file", "name", "old", "new", "expected"), PARAMETER_EDITS,
                         ids=[e[1] for e in PARAMETER_EDITS])
def test_a_parameter_the_code_cannot_use_is_refused_at_its_line(tmp_path, file, name, old, new, expected):
    directory = copy_bundled(tmp_path)
    _edit(directory, file, old, new, after=f"  {name}:")
    with pytest.raises(RulesetError) as info:
        patrolrules.load_ruleset(directory)
    [problem] = info.value.problems
    assert (problem.file, problem.line) == (file, _line(directory, file, f"  {name}:"))
    assert f"parameter {name!r}" in problem.message and expected in problem.message and problem.fix


TABLE_EDITS = [  # (file, edits (the last one in the rule at fault), what the problem says)
    ("art11_procedure.yaml", [("written_notice, halt_approvals", "written_notice, foo, halt_approvals"),
                              ("then: {action: written_notice}", "then: {action: foo}")],
     "output 'action': 'foo' is not a value the decision code can name"),
    ("art11_procedure.yaml", [("then: {action: written_notice}", "then: {}")],
     "the rule sets no action, which the decision code reads"),
    ("art15_reports.yaml", [("deadline: zero_report_hours}", "deadline: zero_report_hourz}")],
     "output 'deadline': names no parameter of the ruleset: zero_report_hourz"),
    ("art15_reports.yaml", [("deadline: zero_report_hours}", "deadline: notice_for_buildings}")],
     "output 'deadline': parameter 'notice_for_buildings' is not a period"),
]


@pytest.mark.parametrize(("file", "edits", "message"), TABLE_EDITS, ids=["unknown action", "no action",
                                                                          "unknown deadline", "not a period"])
def test_a_table_the_code_cannot_read_is_refused_at_the_rule(tmp_path, file, edits, message):
    directory = copy_bundled(tmp_path)
    for old, new in edits:
        line = _edit(directory, file, old, new)
    with pytest.raises(RulesetError) as info:
        patrolrules.load_ruleset(directory)
    [problem] = info.value.problems
    assert (problem.file, problem.line) == (file, _rule_line(directory, file, line)) and message in problem.message
    assert problem.rule_id and problem.fix


def test_a_decision_from_a_ruleset_without_its_tables_is_a_ruleset_error(tmp_path):
    directory = copy_bundled(tmp_path)
    _edit(directory, "ruleset.yaml", "  - art15_reports.yaml\n", "")
    ruleset = patrolrules.load_ruleset(directory)  # a partial ruleset still loads and checks
    with pytest.raises(RulesetError) as info:  # KeyError('reports_owed') before
        ruleset.evaluate({"observed_at": "2024-05-01T09:00:00+08:00"})
    assert {p.message for p in info.value.problems} == {
        "the ruleset has no table 'special_report', which every decision reads",
        "the ruleset has no table 'reports_owed', which every decision reads"}


def test_with_parameters_cannot_give_a_value_the_code_cannot_use(ruleset):
    # the caller's problem, named by the caller's key (a ValueError in validate_plan before)
    with pytest.raises(patrolrules.InputError, match=r"'weekly_report_weekday' .*'someday' is not one of monday") \
            as info:
        ruleset.with_parameters({"weekly_report_weekday": "someday"})
    assert [p.path for p in info.value.problems] == ["weekly_report_weekday"]


def test_grade_lines_that_do_not_rise_are_refused_at_their_line(tmp_path):
    directory = copy_bundled(tmp_path)
    file = "parameters/art22_24_assessment.yaml"
    _edit(directory, file, "value: 90}", "value: 70}", after="  grade_excellent:")
    with pytest.raises(RulesetError) as info:
        patrolrules.load_ruleset(directory)
    [problem] = info.value.problems
    assert (problem.file, problem.line) == (file, _line(directory, file, "  grade_pass:"))
    assert "do not rise" in problem.message and "grade_excellent 70" in problem.message


def test_a_score_the_grade_table_does_not_cover_is_a_ruleset_error(tmp_path):
    directory = copy_bundled(tmp_path)
    _edit(directory, "art23_consequences.yaml", '"< $grade_pass"', '"< 0"', after="id: fail")
    ruleset = patrolrules.load_ruleset(directory)
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["appraisal_score"], data["judgements"] = 0, {}
    with pytest.raises(RulesetError, match="the grade table gives no grade for the final score"):
        patrolrules.assess(ruleset, data)  # AssertionError before


def test_the_indicators_the_table_may_name_are_those_measured(ruleset):
    data = AssessmentInput.model_validate(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    assert set(_measures(ruleset, data, data.period.end)) == set(INDICATORS)
