"""``unknowns.Reach``: three-valued matching is sound under every hit policy — a rule that some recording of
the unknown facts makes match, however many at once, is found, waiting on a fact that recording records."""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patrolrules.engine import compiled, unknowns
from patrolrules.engine.loader import load_directory

from .rulefiles import copy_bundled, with_tables
from .test_hit_policies import CITE, FACTS, PARAMS, _table

DAY = dt.date(2024, 6, 1)
# A downstream table reading table ``t``'s outputs, as the criminal lines read the Art. 9 items.
def _downstream(grade_test: str, points_test: str | None) -> str:
    points = "" if points_test is None else f"""
    - id: by_points
      when: {{t.points: "{points_test}"}}
      then: {{hit: by_points}}
      {CITE}"""
    return textwrap.dedent(f"""
    - id: u
      title_zh: 下游
      title_en: downstream
      hit_policy: collect
      inputs: [t.grade, {"t.points, " if points_test else ""}flag]
      outputs:
        hit: {{type: enum, values: [by_grade, by_points]}}
      rules:
        - id: by_grade
          when: {{t.grade: {grade_test}, flag: true}}
          then: {{hit: by_grade}}
          {CITE}""") + textwrap.indent(textwrap.dedent(points), "    ") + "\n"


POLICIES = {  # hit policy, extra keys of t, and how u tests t's grade (a value, or the collected set) and points
    "first": ("first", "", "[mid]", ">= 3"),
    "priority": ("priority", "priority: grade", "[mid]", ">= 3"),
    "collect": ("collect", "", "{any: [mid]}", None),
    "collect_all": ("collect", "", "{all: [low, mid]}", None),  # values of two rules at once
    "rule_order": ("rule_order", "", "{any: [high]}", None),
    "aggregate": ("collect", "aggregate: {points: sum, grade: max}", "[mid]", ">= 6"),
}
VALUES = {"x": ["a", "b", "c"], "n": [5.0, 25.0], "s": [frozenset(), frozenset({"p"}), frozenset({"r"})],
          "flag": [True, False]}


@pytest.fixture(scope="module", params=sorted(POLICIES))
def tables(request: Any, tmp_path_factory: Any) -> tuple[compiled.ResolvedTable, ...]:
    policy, extra, grade_test, points_test = POLICIES[request.param]
    directory = with_tables(copy_bundled(tmp_path_factory.mktemp("reach")),
                            _table(policy, extra) + _downstream(grade_test, points_test), PARAMS)
    return compiled.resolve(load_directory(directory, FACTS).graph, DAY)


known = st.fixed_dictionaries({}, optional={name: st.sampled_from(values) for name, values in VALUES.items()})


@given(known, st.data())
@settings(max_examples=200)
def test_every_rule_a_recording_makes_match_is_reachable_and_waits_on_a_fact_it_records(
        tables: tuple[compiled.ResolvedTable, ...], given_facts: dict[str, Any], data: st.DataObject) -> None:
    """Sound three-valued matching (Art. 14 ¶2: what is not ruled out is not "no"): for any recording of the
    unknown facts, each rule of the downstream table that then matches was listed by ``Reach``, and unless it
    matched already, it waits on a fact the recording gives a value."""
    facts = {name: given_facts.get(name) for name in VALUES}
    unknown = {name: st.sampled_from(VALUES[name]) for name in VALUES if facts[name] is None}
    recorded = data.draw(st.fixed_dictionaries({}, optional=unknown))
    matcher = compiled.NativeMatcher(tables)
    now = compiled.run(tables, matcher, facts)
    positions = {t.table.id: i for i, t in enumerate(tables)}
    reach = unknowns.Reach(tables, [compiled.rule_predicates(t) for t in tables], positions, now.values, FACTS)
    reached = dict(reach.rules(positions["u"]))
    after = compiled.run(tables, matcher, {**facts, **recorded})
    for number in after.results["u"].selected:
        assert number in reached, f"rule {tables[-1].rules[number].id} matches once {recorded} is recorded"
        assert number in now.results["u"].selected or reached[number] & set(recorded)


def test_a_rule_no_recording_can_make_match_is_not_reachable(tables: tuple[compiled.ResolvedTable, ...]) -> None:
    """Known facts stay as they are: with every fact known, exactly the rules matching now are reachable, and
    they wait on nothing."""
    facts = {"x": "c", "n": 5.0, "s": frozenset({"r"}), "flag": False}
    now = compiled.run(tables, compiled.NativeMatcher(tables), facts)
    positions = {t.table.id: i for i, t in enumerate(tables)}
    reach = unknowns.Reach(tables, [compiled.rule_predicates(t) for t in tables], positions, now.values, FACTS)
    assert reach.rules(positions["u"]) == [(n, frozenset()) for n in now.results["u"].selected]
