"""Arts. 4–6, 10, 12: ledger, team and plan records — pre-fill, invariants, CLI and ruleset contexts."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import patrolrules
from patrolrules.errors import RulesetError
from patrolrules.records import (
    LedgerEntry,
    LedgerFinding,
    StopMeasure,
    ledger_entry_from,
    stop_measures_owed,
    validate_ledger,
    validate_team,
)
from patrolrules.ruleset import load_ruleset

from .rulefiles import copy_bundled
from .strategies import observations

RULESET = patrolrules.load_ruleset()


def _complete(observation: dict[str, Any]) -> dict[str, Any]:
    """The descriptive facts a patrol always records (who, where, what) added to an observation."""
    done = json.loads(json.dumps(observation))
    done.setdefault("patrol", {}).update(officers=["张三", "李四"], route="甘宁镇—永胜村")
    done.setdefault("site", {})["address"] = "甘宁镇永胜村3组"
    done.setdefault("party", {})["name"] = "王某某"
    done["project_name"] = "永胜村3组建房"
    done.setdefault("activity", {})["description"] = "现场正在砌墙"
    return done


def _as_decision(decision: Any, status: str | None, notice: str | None) -> Any:
    """A decision with the Art. 9 / Art. 13 sections the lead's branch adds (duck-typed)."""
    violations = None if status is None else SimpleNamespace(status=status, items=["i1"] if status == "violation"
                                                             else [])
    return SimpleNamespace(zone=decision.zone, violations=violations, disposal=SimpleNamespace(
        notice=None if notice is None else SimpleNamespace(type=notice)))


ENTERED = dt.datetime(2024, 6, 1, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@settings(max_examples=60)
@given(observations(RULESET), st.sampled_from([None, "violation", "no_violation", "undetermined"]),
       st.sampled_from([None, "notice_stop_illegal_act", "notice_stop_illegal_construction"]))
def test_a_ledger_entry_built_from_any_decision_validates(observation, status, notice):
    observation = _complete(observation)
    decision = _as_decision(RULESET.evaluate(observation), status, notice)
    entry = ledger_entry_from(observation, decision, stop_measures=stop_measures_owed(decision),
                              entered_into_system=ENTERED)
    result = validate_ledger(RULESET, entry, as_of=ENTERED.date())
    assert result.valid, [p.message for p in result.problems]
    # and the entry says what the decision said (Arts. 11(四), 13)
    if status == "violation":
        assert entry.finding == LedgerFinding.violation and StopMeasure.oral_stop in entry.stop_measures
        assert StopMeasure.report_upward in entry.stop_measures
        assert (entry.notice_type is not None) == (notice is not None)
    else:
        assert entry.notice_type is None and StopMeasure.oral_stop not in entry.stop_measures
    assert entry.zone_tier == decision.zone.tier


def test_the_real_decision_today_prefills_a_valid_entry():
    observation = _complete({"observed_at": "2024-06-01T10:00:00+08:00", "site": {"zones": ["city_planning_area"]}})
    entry = ledger_entry_from(observation, RULESET.evaluate(observation), entered_into_system=ENTERED)
    assert validate_ledger(RULESET, entry).valid and entry.zone_tier == "key"


def test_the_real_decision_of_an_ongoing_violation_prefills_its_notice_and_halted_approvals():
    # Art. 13 ¶3: an act going on gets the written notice, and approvals are halted at the same time
    observation = _complete({"observed_at": "2024-06-01T10:00:00+08:00",
                             "land": {"land_class": "permanent_basic_farmland", "approval": "none"},
                             "activity": {"kind": "building", "structure": "building", "stage": "under_construction"}})
    decision = RULESET.evaluate(observation)
    assert decision.violations.status == "violation" and decision.disposal.notice is not None
    entry = ledger_entry_from(observation, decision, stop_measures=stop_measures_owed(decision),
                              entered_into_system=ENTERED)
    assert entry.notice_type is not None and entry.notice_type.value == decision.disposal.notice.type
    assert {StopMeasure(entry.notice_type.value), StopMeasure.suspend_approvals} <= set(entry.stop_measures)
    assert validate_ledger(RULESET, entry, as_of=ENTERED.date()).valid


def test_what_the_observation_does_not_know_stays_unrecorded_and_is_reported():
    observation = {"observed_at": "2024-06-01T10:00:00+08:00"}
    decision = _as_decision(RULESET.evaluate(observation), "violation", None)
    entry = ledger_entry_from(observation, decision)
    paths = [p.path for p in validate_ledger(RULESET, entry).problems]
    assert paths == ["patrol_staff", "route", "inspected_items", "offender_or_project", "location",
                     "violation_status", "stop_measures", "stop_effect", "initial_check"]


def test_a_draft_entry_never_records_as_taken_a_stop_measure_the_patrol_has_not_confirmed():
    # The decision says what is owed (Arts. 11(四), 13); the ledger records what was done (Art. 10 ¶2), and a
    # draft claiming untaken measures would be 弄虚作假 (Art. 24(五)): they stay unrecorded and are named.
    observation = _complete({"observed_at": "2024-06-01T10:00:00+08:00",
                             "land": {"land_class": "permanent_basic_farmland", "approval": "none"},
                             "activity": {"kind": "building", "structure": "building", "stage": "under_construction"}})
    decision = RULESET.evaluate(observation)
    draft = ledger_entry_from(observation, decision, entered_into_system=ENTERED)
    assert draft.finding == LedgerFinding.violation
    assert draft.stop_measures == () and draft.notice_type is None and draft.stop_effect is None
    problems = validate_ledger(RULESET, draft, as_of=ENTERED.date()).problems
    assert [p.path for p in problems] == ["stop_measures", "stop_effect"]
    # only the oral stop taken so far: recorded as such, no notice claimed, and the effect pending
    oral = ledger_entry_from(observation, decision, stop_measures=(StopMeasure.oral_stop, StopMeasure.report_upward),
                             entered_into_system=ENTERED)
    assert oral.notice_type is None and oral.stop_effect == "pending"
    taken = ledger_entry_from(observation, decision, stop_measures=set(stop_measures_owed(decision)))  # any iterable
    assert taken.notice_type == decision.disposal.notice.type and taken.stop_effect == "pending"
    assert stop_measures_owed(decision) == (StopMeasure.oral_stop, StopMeasure(decision.disposal.notice.type),
                                            StopMeasure.suspend_approvals, StopMeasure.report_upward)


def test_the_entry_deadline_is_a_parameter():
    late = {"patrol_time": "2024-05-06T09:30:00+08:00", "patrol_staff": ["张三", "李四"], "route": "r",
            "inspected_items": ["x"], "finding": "none", "entered_into_system": "2024-05-08T09:00:00+08:00"}
    assert [p.code for p in validate_ledger(RULESET, late).problems] == ["late_entry"]
    param = RULESET.graph.parameters["ledger_entry_deadline"]
    assert param.source == "default" and param.unit == "day"


# ---- team (Art. 12) ------------------------------------------------------------

PATROL_DAY = dt.date(2024, 5, 6)
NAMES = ["张三", "李四", "王五"]
officers = st.builds(
    lambda name, certified, until, uniform: {
        "name": name, "certificate_no": f"渝执法000{NAMES.index(name)}" if certified else None,
        "certificate_valid_until": until, "uniform": uniform},
    st.sampled_from(NAMES), st.booleans(),
    st.one_of(st.none(), st.dates(dt.date(2023, 1, 1), dt.date(2026, 1, 1)).map(str)),
    st.one_of(st.none(), st.booleans()),
)


def _people(team_officers: list[dict]) -> int:
    """Officers on the task: one person listed twice is one, with or without the certificate number on each
    line (here a name has one number, so people are names)."""
    return len({o["name"] for o in team_officers})


@settings(max_examples=80)
@given(st.lists(officers, max_size=4))
def test_a_team_of_fewer_than_two_or_without_certificates_never_validates(team_officers):
    # Art. 12: 不得少于两人 — people, not lines of the record
    result = validate_team(RULESET, {"patrol_date": str(PATROL_DAY), "officers": team_officers})
    codes = {p.code for p in result.problems}
    assert ("too_few_officers" in codes) == (_people(team_officers) < 2)
    if any(o["certificate_no"] is None for o in team_officers):
        assert not result.valid and "certificate_missing" in codes
    fully_valid = _people(team_officers) >= 2 and all(
        o["certificate_no"] and o["certificate_valid_until"] and o["certificate_valid_until"] >= str(PATROL_DAY)
        and o["uniform"] is True for o in team_officers)
    assert result.valid == fully_valid


def test_people_are_counted_once_and_different_numbers_are_different_people():
    line = {"certificate_valid_until": "2026-01-01", "uniform": True}
    same = [{**line, "name": "张三", "certificate_no": "a"}, {**line, "name": " 张三", "certificate_no": None}]
    homonyms = [{**line, "name": "张三", "certificate_no": "a"}, {**line, "name": "张三", "certificate_no": "b"}]
    chained = [*same, {**line, "name": "张三 ", "certificate_no": "a"}]  # three lines, one person
    ambiguous = [*homonyms, {**line, "name": "张三", "certificate_no": None}]  # one of the two, not a third
    for team, people in ((same, 1), (homonyms, 2), (chained, 1), (ambiguous, 2)):
        codes = {p.code for p in validate_team(RULESET, {"patrol_date": str(PATROL_DAY), "officers": team}).problems}
        assert ("too_few_officers" in codes) == (people < 2), team


def test_a_rule_file_cannot_make_a_problem_text_grow_by_naming_text_outputs(tmp_path):
    """``{name}`` fills in number outputs only: a text output naming itself stays as written (rule files are
    untrusted; substituting text would let a small file produce unbounded text)."""
    directory = copy_bundled(tmp_path)
    team_file = directory / "art12_team.yaml"
    text = team_file.read_text(encoding="utf-8")
    team_file.write_text(text.replace("expected: 'at least {minimum} officers'",
                                      "expected: '{expected}{message}{minimum}{path}'"), encoding="utf-8")
    ruleset = load_ruleset(directory)
    [problem] = validate_team(ruleset, {"patrol_date": str(PATROL_DAY), "officers": [
        {"name": "a", "certificate_no": "a", "certificate_valid_until": "2026-01-01", "uniform": True}]}).problems
    assert problem.expected == "{expected}{message}2{path}"


def test_the_fewest_officers_named_in_a_problem_is_the_parameter_in_force():
    """The message follows a what-if on min_patrol_officers (it used to say "at least 2" whatever it was)."""
    two = [{"name": n, "certificate_no": n, "certificate_valid_until": "2026-01-01", "uniform": True} for n in "ab"]
    three = RULESET.with_parameters({"min_patrol_officers": 3})
    [problem] = validate_team(three, {"patrol_date": str(PATROL_DAY), "officers": two}).problems
    assert problem.code == "too_few_officers" and problem.expected == "at least 3 officers"
    ledger = {"patrol_time": "2024-05-06T09:00:00+08:00", "patrol_staff": ["张三", "李四"], "route": "r",
              "inspected_items": ["x"], "finding": "none", "entered_into_system": "2024-05-06T18:00:00+08:00"}
    staff = [p for p in validate_ledger(three, ledger).problems if p.code == "too_few_staff"]
    assert [p.expected for p in staff] == ["at least 3 officers"]


def test_the_minimum_team_is_the_regulations_number():
    param = RULESET.graph.parameters["min_patrol_officers"]
    assert param.source == "regulation" and "第四十二条" in param.reference and param.at(PATROL_DAY) == 2


# ---- CLI -------------------------------------------------------------------------


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "patrolrules.cli", *args], input=stdin, capture_output=True,
                          text=True)


GOOD_TEAM = {"patrol_date": "2024-05-06", "officers": [
    {"name": "张三", "certificate_no": "a", "certificate_valid_until": "2026-01-01", "uniform": True},
    {"name": "李四", "certificate_no": "b", "certificate_valid_until": "2026-01-01", "uniform": True}]}


def test_cli_validate_valid_records_exit_0():
    result = run("validate", "team", "-", stdin=json.dumps(GOOD_TEAM))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["valid"] is True


def test_cli_validate_lists_every_problem_and_exits_1():
    bad = {"patrol_date": "2024-05-06", "officers": [{"name": "张三"}]}
    lines = "\n".join([json.dumps(GOOD_TEAM), json.dumps(bad)])
    result = run("validate", "team", "-", stdin=lines)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["valid"] for o in outputs] == [True, False]
    assert [p["code"] for p in outputs[1]["problems"]] == ["too_few_officers", "certificate_missing",
                                                           "uniform_unrecorded"]
    assert "record 2: officers.0.certificate_no" in result.stderr and "[Art. 12]" in result.stderr


def test_cli_validate_plan_with_as_of_gives_the_weekly_report_due_date():
    plan = {"unit_kind": "resource_station", "year": 2024}
    result = run("validate", "plan", "-", "--as-of", "2024-05-08", stdin=json.dumps(plan))
    assert result.returncode == 1
    assert json.loads(result.stdout)["obligations"][1]["due"] == "2024-05-13"


@pytest.mark.parametrize(("args", "stdin"), [(("validate", "ledger", "/nonexistent.json"), None),
                                              (("validate", "ledger", "-"), "{not json\n[also not"),
                                              (("validate", "ledger", "-", "--as-of", "soon"), "{}"),
                                              (("validate", "minutes", "-"), "{}")])
def test_cli_validate_unreadable_input_exits_2(args, stdin):
    result = run(*args, stdin=stdin)
    assert result.returncode == 2 and "Traceback" not in result.stderr and not result.stdout


def test_cli_a_record_that_is_not_an_object_is_a_problem():
    result = run("validate", "ledger", "-", stdin="[1]")
    assert result.returncode == 1 and json.loads(result.stdout)["problems"][0]["expected"] == "an object"


# ---- the ruleset's record contexts ------------------------------------------------


def test_the_record_rules_are_tables_with_citations():
    for context in ("ledger", "team", "plan"):
        graph = RULESET.loaded.contexts[context]
        assert graph.tables and all(rule.citation.article for table in graph.tables for rule in table.rules)


def test_an_unknown_context_is_a_ruleset_error(tmp_path):
    directory = copy_bundled(tmp_path)
    meta = directory / "ruleset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("  team: [", "  teams: ["), encoding="utf-8")
    with pytest.raises(RulesetError) as error:
        load_ruleset(directory)
    assert any("unknown context 'teams'" in p.message and p.line for p in error.value.problems)


def test_a_context_file_is_quote_and_input_checked(tmp_path):
    directory = copy_bundled(tmp_path)
    team = directory / "art12_team.yaml"
    text = team.read_text(encoding="utf-8").replace("不少于2人", "不少于3人").replace(
        "      - team.officer_count\n", "      - team.officer_total\n")
    team.write_text(text, encoding="utf-8")
    with pytest.raises(RulesetError) as error:
        load_ruleset(directory)
    messages = [(p.file, p.message) for p in error.value.problems]
    assert ("art12_team.yaml", "quote_zh differs from the text of article 12 in the regulation") in messages
    assert any(f == "art12_team.yaml" and "unknown input 'team.officer_total'" in m for f, m in messages)


def test_a_moved_team_minimum_changes_the_outcome(tmp_path):
    directory = copy_bundled(tmp_path)
    params = directory / "parameters" / "art10_12_records.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("value: 2}", "value: 3}"), encoding="utf-8")
    assert not validate_team(load_ruleset(directory), GOOD_TEAM).valid
    assert validate_team(RULESET, GOOD_TEAM).valid


def test_the_ledger_model_refuses_unknown_fields():
    result = validate_ledger(RULESET, {"patrol_time": "2024-05-06T09:30:00+08:00", "colour": "red"})
    assert result.problems[0].path == "colour" and result.problems[0].code == "invalid"
    assert LedgerEntry.model_json_schema()["additionalProperties"] is False
