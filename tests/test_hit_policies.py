"""Each hit policy's exact meaning, on small tables over custom facts, in both engines."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from patrolrules import RulesetError
from patrolrules.engine import compiled, durable
from patrolrules.engine.loader import load_directory
from patrolrules.engine.tables import FactDef, Kind, TypeDef

from .rulefiles import copy_bundled, with_tables

FACTS = {
    "x": FactDef("x", TypeDef(Kind.ENUM, ("a", "b", "c"))),
    "n": FactDef("n", TypeDef(Kind.QUANTITY, dimension="length")),
    "s": FactDef("s", TypeDef(Kind.SET, ("p", "q", "r"))),
    "flag": FactDef("flag", TypeDef(Kind.BOOLEAN)),
}
PARAMS = """
parameters:
  limit:
    description_zh: 限
    description_en: limit
    unit: m
    source: default
    reference: test
    values:
      - {from: 2019-01-01, value: 10}
      - {from: 2024-01-01, value: 20}
"""
CITE = "cite: {article: 8, paragraph: 3, item: 1}"


def _table(policy: str, extra: str = "") -> str:
    return textwrap.dedent(f"""
    - id: t
      title_zh: 测
      title_en: test
      hit_policy: {policy}
      inputs: [x, n, s, flag]
      outputs:
        grade: {{type: enum, values: [high, mid, low]}}
        points: {{type: number}}
    {textwrap.indent(textwrap.dedent(extra), "  ")}
      rules:
        - id: low_x
          when: {{x: [a, b]}}
          then: {{grade: low, points: 1}}
          {CITE}
        - id: high_n
          when: {{n: ">= $limit"}}
          then: {{grade: high, points: 5}}
          {CITE}
        - id: mid_set
          when: {{s: {{any: [p, q]}}, flag: true}}
          then: {{grade: mid, points: 2}}
          {CITE}
        - id: not_c
          when: {{x: {{not: [c]}}, s: {{none: [r]}}}}
          then: {{grade: mid, points: 3}}
          {CITE}
    """)


def _evaluate(tmp_path, policy: str, facts: dict, extra: str = "", day=dt.date(2024, 6, 1)):
    directory = with_tables(copy_bundled(tmp_path), _table(policy, extra), PARAMS)
    loaded = load_directory(directory, FACTS)
    tables = compiled.resolve(loaded.graph, day)
    results = [compiled.run(tables, compiled.NativeMatcher(tables), facts)]
    if durable.AVAILABLE:
        results.append(compiled.run(tables, durable.DurableMatcher(tables), facts))
    assert all(r.results == results[0].results for r in results), "engines disagree"
    return results[0].results["t"], results[0].values


ALL_MATCH = {"x": "a", "n": 25.0, "s": frozenset({"p"}), "flag": True}


def test_first_takes_the_first_matching_rule_in_order(tmp_path):
    result, values = _evaluate(tmp_path, "first", ALL_MATCH)
    assert result.selected == (0,) and values["t.grade"] == "low"


def test_priority_takes_the_highest_ranked_output(tmp_path):
    result, values = _evaluate(tmp_path, "priority", ALL_MATCH, "priority: grade")
    assert result.selected == (1,) and values["t.grade"] == "high"


def test_collect_keeps_every_match_and_aggregates(tmp_path):
    result, values = _evaluate(tmp_path, "collect", ALL_MATCH, "aggregate: {points: sum, grade: max}")
    assert result.selected == (0, 1, 2, 3)
    assert values["t.points"] == 11 and values["t.grade"] == "high"


def test_collect_without_aggregate_passes_a_set(tmp_path):
    _, values = _evaluate(tmp_path, "collect", ALL_MATCH)
    assert values["t.grade"] == frozenset({"low", "high", "mid"})


def test_rule_order_keeps_table_order(tmp_path):
    result, _ = _evaluate(tmp_path, "rule_order", {**ALL_MATCH, "x": "c"})
    assert result.selected == (1, 2)
    assert [o["grade"] for o in result.outputs] == ["high", "mid"]


def test_unique_with_one_match(tmp_path):
    result, values = _evaluate(tmp_path, "unique", {"x": "c", "n": 25.0, "s": None, "flag": None})
    assert result.selected == (1,) and values["t.grade"] == "high"


def test_unique_conflict_is_detected_at_run_time(tmp_path):
    with pytest.raises(RulesetError) as info:
        _evaluate(tmp_path, "unique", ALL_MATCH)
    problem = info.value.problems[0]
    assert "low_x" in problem.message and "high_n" in problem.message and problem.rule_id == "low_x"


def test_default_when_nothing_matches(tmp_path):
    result, values = _evaluate(tmp_path, "first", {"x": "c", "n": 1.0, "s": frozenset({"r"}), "flag": False},
                               "default: {grade: low, points: 0}")
    assert result.used_default and values["t.grade"] == "low" and values["t.points"] == 0


def test_unknown_never_matches_a_test(tmp_path):
    result, _ = _evaluate(tmp_path, "collect", {"x": None, "n": None, "s": None, "flag": None})
    assert result.selected == ()


def test_parameters_are_chosen_as_of_the_date(tmp_path):
    facts = {"x": "c", "n": 15.0, "s": None, "flag": None}
    before, _ = _evaluate(tmp_path, "collect", facts, day=dt.date(2023, 12, 31))
    after, _ = _evaluate(tmp_path, "collect", facts, day=dt.date(2024, 1, 1))
    assert before.selected == (1,) and after.selected == ()


def test_interval_boundaries_are_inclusive_for_at_least(tmp_path):
    at, _ = _evaluate(tmp_path, "collect", {"x": "c", "n": 20.0, "s": None, "flag": None})
    below, _ = _evaluate(tmp_path, "collect", {"x": "c", "n": 19.999, "s": None, "flag": None})
    assert at.selected == (1,) and below.selected == ()
