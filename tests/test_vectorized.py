"""The column-wise batch path gives, row for row, the runs of per-record evaluation."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patrolrules import InputError, escalation
from patrolrules.batch import batch_run
from patrolrules.engine import codegen, compiled, vectorized
from patrolrules.engine.loader import load_directory
from patrolrules.facts import EXTRACTOR
from patrolrules.ruleset import parse_observation

from . import strategies
from .rulefiles import copy_bundled, with_tables
from .test_hit_policies import FACTS as SMALL_FACTS
from .test_hit_policies import PARAMS, _table


def test_batch_run_equals_per_record_runs(ruleset):
    @settings(max_examples=60)
    @given(st.lists(strategies.observations(ruleset), min_size=1, max_size=12))
    def check(observations):
        runs = batch_run(ruleset, observations)
        assert len(runs) == len(observations)
        for observation, run in zip(observations, runs, strict=True):
            parsed = parse_observation(observation)
            day = parsed.observed_at.date()
            tables = compiled.resolve(ruleset.graph, day)
            # the facts Ruleset.evaluate runs on, parameter-derived ones (Arts. 14–15) included, and an
            # ended act's criminal lines (escalation.act_time_transfer) as evaluate takes them
            facts = ruleset.facts_of(parsed, day)
            reference = compiled.run(tables, compiled.NativeMatcher(tables), facts)
            assert run == ruleset._at_act_time(parsed, day, ruleset._period(day, "native"), "native", facts, reference)

    check()


def test_batch_runs_see_the_facts_that_need_parameters(ruleset):
    # 法释〔2023〕8号: forest occupation is measured against the criminal lines, a ruleset parameter
    observation = {"observed_at": "2024-06-01T10:00:00+08:00", "act_ended_on": "2024-05-01",
                   "quantities": {"area": {"forest_public_welfare": "3亩"}}}
    (run,) = batch_run(ruleset, [observation])
    assert run.values["quantities.forest_line_ratio"] is not None and run.values["limitation.within"] is True
    decision = ruleset.evaluate(observation)
    conditions = {c.condition: c.status for c in decision.escalation.filing.conditions}
    assert conditions["within_limitation"] == "met"
    assert "within_limitation" in run.values[f"{escalation.CONDITIONS}.met"]
    assert sorted(run.values[f"{escalation.TRANSFER}.crime"] or ()) == decision.escalation.transfer.crimes
    # no item, and the batch tries no missing facts: whether the act is suspected is left unknown
    assert decision.violations.status == "no_violation" and conditions["violation_facts"] == "failed"
    assert run.values["violations.undetermined"] is None and run.values["finding.finding"] is None


def test_batch_run_spans_as_of_periods_in_input_order(ruleset):
    days = ["2021-03-01", "2025-01-01", "2021-03-02"]
    observations = [{"id": d, "observed_at": f"{d}T09:00:00+08:00",
                     "site": {"zones": ["city_planning_area"]}} for d in days]
    runs = batch_run(ruleset, observations)
    for observation, run in zip(observations, runs, strict=True):
        parsed = parse_observation(observation)
        day = parsed.observed_at.date()
        assert run == ruleset.native_matcher(day).run(ruleset.facts_of(parsed, day))


def test_a_bad_row_rejects_the_whole_batch_with_its_index(ruleset):
    with pytest.raises(InputError) as info:
        batch_run(ruleset, [{"observed_at": "2024-06-01T10:00:00+08:00"}, {"observed_at": "yesterday"}])
    assert [p.path for p in info.value.problems] == ["[1].observed_at"]


ODD_VALUES = st.fixed_dictionaries({
    "x": st.one_of(st.none(), st.sampled_from(["a", "b", "c", "zzz"]), st.just(1)),
    "n": st.one_of(st.none(), st.sampled_from([10.0, 20.0, 19.999, float("nan"), float("inf"), 2**60, True]),
                   st.floats(-1e3, 1e3, allow_nan=False), st.integers(-5, 30)),
    "s": st.one_of(st.none(), st.frozensets(st.sampled_from(["p", "q", "r", "other"])), st.just(frozenset())),
    "flag": st.one_of(st.none(), st.booleans(), st.just(1)),
})


@pytest.mark.parametrize("policy", ["collect", "first", "rule_order"])
def test_columns_equal_generated_code_on_odd_values(tmp_path, policy):
    directory = with_tables(copy_bundled(tmp_path), _table(policy), PARAMS)
    tables = compiled.resolve(load_directory(directory, SMALL_FACTS).graph, dt.date(2024, 6, 1))
    matcher = codegen.GeneratedMatcher(tables)

    @settings(max_examples=80)
    @given(st.lists(ODD_VALUES, min_size=1, max_size=30))
    def check(rows):
        assert vectorized.match_table(matcher, 0, rows) == [tuple(matcher.match(0, row)) for row in rows]
        assert vectorized.run_many(matcher, rows) == [compiled.run(tables, compiled.NativeMatcher(tables), r)
                                                      for r in rows]

    check()


def test_ordinary_columns_take_the_array_path(ruleset):
    matcher = ruleset.native_matcher(strategies.DAY)
    rows = [EXTRACTOR(parse_observation(o)) for o in
            [{"observed_at": "2024-06-01T10:00:00+08:00", "site": {"zones": [z]}}
             for z in ("city_planning_area", "village_road_corridor", "permanent_basic_farmland_area")]]
    resolved = matcher.tables[0]
    names = {c.input for r in resolved.rules for c in r.checks}
    columns = {name: [row.get(name) for row in rows] for name in names}
    assert [list(m) for m in vectorized.match_columns(resolved, columns, len(rows))] == \
        [matcher.match(0, row) for row in rows]
