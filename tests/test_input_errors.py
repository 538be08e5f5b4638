"""Bad facts raise InputError listing every problem with path, value and expectation."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import patrolrules
from patrolrules import InputError

BASE = {"observed_at": "2024-05-01T09:00:00+08:00"}
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _problems(ruleset, observation) -> dict[str, patrolrules.Problem]:
    with pytest.raises(InputError) as info:
        ruleset.evaluate(observation)
    return {p.path: p for p in info.value.problems}


def test_unknown_enum_value_lists_the_allowed_ones(ruleset):
    problem = _problems(ruleset, {**BASE, "land": {"land_class": "moon"}})["land.land_class"]
    assert problem.given == "moon"
    assert "permanent_basic_farmland" in problem.expected and "unused_land" in problem.expected


@pytest.mark.parametrize("area", ["-3 亩", "nan 亩", {"value": float("nan"), "unit": "亩"}])
def test_negative_or_nan_area(ruleset, area):
    problem = _problems(ruleset, {**BASE, "quantities": {"area": {"grassland": area}}})["quantities.area.grassland"]
    assert problem.expected.startswith("an area")


def test_wrong_dimension_names_the_expected_one(ruleset):
    problem = _problems(ruleset, {**BASE, "site": {"distance_to_national_road": "3 亩"}})
    assert problem["site.distance_to_national_road"].expected.startswith("a length")
    assert "area" in problem["site.distance_to_national_road"].message


def test_missing_required_field(ruleset):
    problem = _problems(ruleset, {"site": {}})["observed_at"]
    assert "required" in problem.expected


def test_wrong_type(ruleset):
    problem = _problems(ruleset, {**BASE, "site": {"inside_urban_construction_land": "perhaps"}})
    assert problem["site.inside_urban_construction_land"].expected == "true or false"


def test_naive_time_is_refused(ruleset):
    problem = _problems(ruleset, {"observed_at": "2024-05-01T09:00:00"})["observed_at"]
    assert "timezone" in problem.expected


def test_all_problems_of_one_input_at_once(ruleset):
    problems = _problems(ruleset, {
        "site": {"zones": ["moon"], "distance_to_national_road": "3 亩"},
        "land": {"land_class": "moon"},
        "quantities": {"area": {"grassland": "-1 亩"}},
        "activity": {"stage": 3},
        "unknown_field": 1,
    })
    assert set(problems) == {"observed_at", "site.zones.0", "site.distance_to_national_road", "land.land_class",
                             "quantities.area.grassland", "activity.stage", "unknown_field"}


def test_not_an_object(ruleset):
    assert "" in _problems(ruleset, ["not", "an", "object"])


def test_before_the_ruleset_took_effect(ruleset):
    assert "observed_at" in _problems(ruleset, {"observed_at": "2010-01-01T00:00:00+08:00"})


def test_unknown_engine(ruleset):
    with pytest.raises(InputError):
        ruleset.evaluate(BASE, engine="quantum")


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                      max_size=3), max_leaves=10)


@given(st.dictionaries(st.sampled_from(["observed_at", "site", "land", "activity", "quantities", "party", "x"]),
                       json_values, max_size=5))
def test_fuzzed_input_only_raises_documented_errors(observation):
    ruleset = patrolrules.load_ruleset()
    original = copy.deepcopy(observation)
    try:
        ruleset.evaluate(observation)
    except InputError as exc:
        assert exc.problems and all(p.path is not None for p in exc.problems)
    assert observation == original


@pytest.mark.parametrize("area", ["1e999 m2", "1e99999999 m2", "1e-99999999 亩", "1e300 km2",
                                  {"value": "1e999999999", "unit": "亩"}, {"value": 10**400, "unit": "m2"}],
                         ids=["1e999", "1e99999999", "1e-99999999", "1e300 km2", "dict text", "dict int"])
def test_out_of_range_quantities_are_refused_quickly(ruleset, area):
    started = time.process_time()
    problem = _problems(ruleset, {**BASE, "quantities": {"area": {"grassland": area}}})["quantities.area.grassland"]
    assert "out of range" in problem.message and problem.expected.startswith("an area")
    assert time.process_time() - started < 1


def test_the_replaced_penalty_count_is_refused_naming_the_two_that_replace_it(ruleset):
    # one count fed both repeat lines; each line now reads penalties for its own kind of act
    problems = _problems(ruleset, {**BASE, "party": {"penalties_within_two_years": 2}})
    problem = problems["party.penalties_within_two_years"]
    assert problem.given == 2 and problem.expected.startswith("no such field; allowed here:")
    assert "agricultural_land_penalties_within_two_years" in problem.expected
    assert "mining_penalties_within_two_years" in problem.expected


def test_integers_too_long_to_print_are_listed_not_raised(ruleset):
    problems = _problems(ruleset, {"observed_at": 10**5000, "party": {"mining_penalties_within_two_years": 10**5000}})
    assert problems["party.mining_penalties_within_two_years"].expected == "a value ≤ 1000"
    assert "integer of 16610 bits" in str(InputError(list(problems.values())))
    assert "observed_at" in problems


@pytest.mark.parametrize("value", ["1e99999999 m", 10**5000, "1e999 m"], ids=["1e99999999 m", "10**5000", "1e999 m"])
def test_out_of_range_parameter_values_are_refused(ruleset, value):
    with pytest.raises(InputError) as info:
        ruleset.with_parameters({"national_road_buffer": value})
    [problem] = info.value.problems
    assert problem.path == "national_road_buffer" and "out of range" in problem.message


# ---- dates that would overflow the deadlines, periods and time zones computed from them ----------------

FAR = "a date from 1900-01-01 to 2999-12-31"


@pytest.mark.parametrize(("observation", "path"), [
    ({"observed_at": "9999-12-31T23:59:59+08:00"}, "observed_at"),  # OverflowError in the report deadlines
    ({"observed_at": "2999-12-31T23:00:00-12:00"}, "observed_at"),  # 3000-01-01 in Wanzhou
    ({"observed_at": "9999-12-31T23:00:00-12:00"}, "observed_at"),  # year 10000 in Wanzhou: OverflowError
    ({"observed_at": "0001-01-01T00:00:00+14:00"}, "observed_at"),
    ({**BASE, "act_ended_on": "9999-06-01", "land": {"restored": True}}, "act_ended_on"),  # ValueError (limitation)
    ({**BASE, "land": {"temporary_use": {"expires_on": "0001-01-01"}}}, "land.temporary_use.expires_on"),
])
def test_dates_out_of_range_are_input_errors(ruleset, observation, path):
    problem = _problems(ruleset, observation)[path]
    assert problem.message == "out of range" and problem.expected == FAR


@pytest.mark.parametrize(("dates", "message"), [
    ({"act_started_on": "2024-04-01", "act_ended_on": "2024-03-31"}, "the act ends before it starts"),
    ({"act_ended_on": "2024-05-02"}, "the act ends after it was observed"),
])
def test_an_act_ends_after_it_starts_and_no_later_than_it_is_seen(ruleset, dates, message):
    observation = {"observed_at": "2024-05-01T23:30:00+08:00", **dates}
    problem = _problems(ruleset, observation)["act_ended_on"]
    assert problem.message == message and problem.expected
    assert ruleset.evaluate({**observation, "act_ended_on": "2024-05-01"}).as_of.isoformat() == "2024-05-01"


def _case(at: str) -> dict[str, object]:
    return {"id": "C", "unit_kind": "resource_station", "observation": BASE,
            "events": [{"kind": "discovered", "at": at}]}


@pytest.mark.parametrize(("at", "message", "expected"), [
    ("9999-12-31T20:00:00+08:00", "out of range", FAR),  # OverflowError before
    ("2010-12-31T20:00:00+08:00", "before the ruleset took effect (2019-01-01)", "a date on or after 2019-01-01"),
    ("2024-05-01T09:00:00", "Input should have timezone info",
     "a date-time with timezone, e.g. 2024-05-01T09:30:00+08:00"),
])
def test_case_event_dates_are_checked_at_their_own_path(ruleset, at, message, expected):
    with pytest.raises(InputError) as info:
        ruleset.evaluate_case(_case(at))
    [problem] = info.value.problems  # no extra "events: too short" for the failed event
    assert (problem.path, problem.message, problem.expected) == ("events.0.at", message, expected)


def test_record_times_out_of_range_are_listed_as_problems(ruleset):
    result = patrolrules.validate_ledger(ruleset, {"patrol_time": "2024-05-01T09:00:00+08:00",
                                                   "entered_into_system": "9999-12-31T23:00:00-12:00"})
    [problem] = [p for p in result.problems if p.path == "entered_into_system"]
    assert problem.expected == FAR and not result.valid


@pytest.mark.parametrize(("as_of", "message", "expected"), [
    ("tomorrow", "Input should be a valid date or datetime, input is too short", "a date YYYY-MM-DD"),  # TypeError
    (__import__("datetime").date.max, "out of range", FAR),  # OverflowError in the next weekly report
    (__import__("datetime").date(2010, 1, 1), "before the ruleset took effect (2019-01-01)",
     "a date on or after 2019-01-01"),
])
def test_the_as_of_argument_of_the_validators_is_checked(ruleset, as_of, message, expected):
    for validate in (patrolrules.validate_ledger, patrolrules.validate_plan):
        with pytest.raises(InputError) as info:
            validate(ruleset, {"patrol_time": BASE["observed_at"]} if validate is patrolrules.validate_ledger
                     else {"year": 2024}, as_of=as_of)
        [problem] = info.value.problems
        assert (problem.path, problem.message, problem.expected) == ("as_of", message, expected)


def test_infinite_frequency_in_an_assessment_is_an_input_error(ruleset):
    data = json.loads((EXAMPLES / "assessment_excellent.json").read_text(encoding="utf-8"))
    data["plan"]["areas"][0]["frequency_per_week"] = float("inf")  # OverflowError in the completion rate
    data["period"] = {"start": "2024-12-31", "end": "2024-01-01"}
    with pytest.raises(InputError) as info:
        patrolrules.assess(ruleset, data)
    problems = {p.path: p for p in info.value.problems}
    assert problems["plan.areas.0.frequency_per_week"].expected == "a finite number"
    assert problems["period"].expected == "an end on or after the start (2024-12-31)"


def test_an_unknown_field_names_the_fields_allowed_there(ruleset):
    result = patrolrules.validate_ledger(ruleset, {"initial_check": {"square_metres": 3}})
    [problem] = [p for p in result.problems if p.path == "initial_check.square_metres"]
    assert problem.expected.startswith("no such field; allowed here: subject, project_name, site, area")
    assert "observation" not in problem.expected


def test_evaluate_many_keeps_every_row_and_says_why_a_row_failed(ruleset):
    rows = [BASE, {"observed_at": "9999-12-31T23:59:59+08:00"},
            {**BASE, "quantities": {"area": {"grassland": "1e999 m2"}}}, BASE]
    frame = ruleset.evaluate_many(rows)
    assert list(frame.index) == [0, 1, 2, 3]
    assert frame["error"][0] is None and frame["error"][3] is None
    assert "observed_at: out of range" in frame["error"][1] and "out of range" in frame["error"][2]


@pytest.mark.parametrize(("kwargs", "path"), [
    ({"source": 5}, "source"),  # TypeError before
    ({"source": b"rulesets/wanzhou"}, "source"),
    ({"overlays": "overlays/national_road_buffer_50m.yaml"}, "overlays"),  # each character was read as a file
    ({"overlays": [3]}, "overlays"),
])
def test_load_ruleset_arguments_of_the_wrong_type(kwargs, path):
    with pytest.raises(InputError) as info:
        patrolrules.load_ruleset(**kwargs)
    [problem] = info.value.problems
    assert problem.path == path and problem.expected


def test_compare_needs_two_rulesets(ruleset):
    with pytest.raises(InputError) as info:
        patrolrules.compare(ruleset, None, [BASE])  # AttributeError before
    [problem] = info.value.problems
    assert (problem.path, problem.message) == ("variant", "not a ruleset")


@pytest.mark.parametrize("area", ["5 m*dB", "5 neper*m**2", "5 m**2*dBW", "5 m*octave"])
def test_a_logarithmic_unit_in_a_product_is_an_unknown_unit(ruleset, area):
    # pint gives such a unit no dimensionality (AttributeError before)
    problem = _problems(ruleset, {**BASE, "quantities": {"area": {"unused_land": area}}})["quantities.area.unused_land"]
    assert problem.message.startswith("unknown unit") and "亩" in problem.expected
    with pytest.raises(InputError, match="unknown unit"):
        ruleset.with_parameters({"national_road_buffer": area.replace("**2", "")})
    for unit in ("m*dB", "m**2/dB", "m**2*dB**2", "m**2*octave**2"):  # pint Quantities given as they are
        quantity = patrolrules.units.ureg.Quantity(5, unit)  # (pint cannot even print some: repr raises)
        assert _problems(ruleset, {**BASE, "quantities": {"area": {"unused_land": quantity}}})
        with pytest.raises(InputError):
            ruleset.with_parameters({"special_pbf_area": quantity})


@pytest.mark.parametrize(("keywords", "paths"), [
    ({"patrol_staff": "张三"}, ["patrol_staff"]),
    ({"stop_measures": ["bogus"], "stop_effect": "x"}, ["stop_measures.0", "stop_effect"]),
    ({"stop_measures": "oral_stop"}, ["stop_measures"]),
    ({"entered_into_system": "2024-05-01T18:00:00"}, ["entered_into_system"]),
    ({"route": 5, "evidence": 5}, ["route", "initial_check.evidence"]),
])
def test_a_ledger_entry_from_bad_keywords_lists_each_problem(ruleset, keywords, paths):
    observation = {**BASE, "land": {"land_class": "permanent_basic_farmland", "approval": "none"},
                   "activity": {"kind": "building", "structure": "building", "stage": "under_construction"}}
    decision = ruleset.evaluate(observation)
    with pytest.raises(InputError) as error:
        patrolrules.ledger_entry_from(observation, decision, **keywords)
    assert [p.path for p in error.value.problems] == paths


def test_a_ledger_entry_takes_a_decision_or_its_json(ruleset):
    observation = {**BASE, "land": {"land_class": "permanent_basic_farmland", "approval": "none"},
                   "activity": {"kind": "building", "structure": "building", "stage": "under_construction"}}
    decision = ruleset.evaluate(observation)
    from_json = patrolrules.ledger_entry_from(observation, decision.model_dump(mode="json"))
    assert from_json == patrolrules.ledger_entry_from(observation, decision)
    assert patrolrules.stop_measures_owed(decision.model_dump(mode="json")) == patrolrules.stop_measures_owed(decision)
    for bad, path in ((None, "decision"), ({"zone": 1}, "decision.ruleset"), ("x", "decision")):
        with pytest.raises(InputError) as error:
            patrolrules.ledger_entry_from(observation, bad)
        assert error.value.problems[0].path == path


def test_a_name_with_a_lone_surrogate_listed_twice_is_a_problem_not_a_crash(ruleset):
    plan = {"unit_kind": "resource_station", "year": 2024, "areas": [{"name": "A\udc80"}, {"name": "A\udc80"}]}
    [problem] = patrolrules.validate_plan(ruleset, plan).problems
    assert problem.path == "areas" and "listed twice" in problem.message
    with pytest.raises(InputError, match="listed twice"):
        patrolrules.assess(ruleset, {"unit": {"name": "u"}, "period": {"start": "2024-01-01", "end": "2024-12-31"},
                                     "plan": plan})


def test_a_ruleset_without_a_record_context_is_a_ruleset_error(tmp_path):
    from .rulefiles import copy_bundled

    directory = copy_bundled(tmp_path)
    path = directory / "ruleset.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  ledger:")
    end = text.index("\n  ", start + 1)
    path.write_text(text[:start] + text[end + 1:], encoding="utf-8")
    ruleset = patrolrules.load_ruleset(directory)
    with pytest.raises(patrolrules.RulesetError, match="no 'ledger' context"):
        patrolrules.validate_ledger(ruleset, {"patrol_time": "2024-05-06T09:30:00+08:00"})


def test_an_unknown_calendar_policy_is_refused_where_it_is_given(ruleset):
    # before, it was accepted and every later decision raised RulesetError (a rule file: test_deadlines.py)
    with pytest.raises(InputError, match="calendar_unseeded_years"):
        ruleset.with_parameters({"calendar_unseeded_years": "bogus"})
