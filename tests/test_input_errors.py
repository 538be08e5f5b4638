"""Bad facts raise InputError listing every problem with path, value and expectation."""

from __future__ import annotations

import copy
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

import patrolrules
from patrolrules import InputError

BASE = {"observed_at": "2024-05-01T09:00:00+08:00"}


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


def test_integers_too_long_to_print_are_listed_not_raised(ruleset):
    problems = _problems(ruleset, {"observed_at": 10**5000, "party": {"penalties_within_two_years": 10**5000}})
    assert problems["party.penalties_within_two_years"].expected == "a value ≤ 1000"
    assert "integer of 16610 bits" in str(InputError(list(problems.values())))
    assert "observed_at" in problems


@pytest.mark.parametrize("value", ["1e99999999 m", 10**5000, "1e999 m"], ids=["1e99999999 m", "10**5000", "1e999 m"])
def test_out_of_range_parameter_values_are_refused(ruleset, value):
    with pytest.raises(InputError) as info:
        ruleset.with_parameters({"national_road_buffer": value})
    [problem] = info.value.problems
    assert problem.path == "national_road_buffer" and "out of range" in problem.message
