"""Generated table code gives exactly the reference answers, and contains nothing from rule files but data."""

from __future__ import annotations

import ast
import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patrolrules.engine import codegen, compiled, durable, unknowns
from patrolrules.engine.loader import load_directory
from patrolrules.facts import EXTRACTOR, FACTS
from patrolrules.ruleset import parse_observation

from . import strategies
from .rulefiles import copy_bundled, with_tables
from .test_hit_policies import FACTS as SMALL_FACTS
from .test_hit_policies import PARAMS, _table

DAY = strategies.DAY


@pytest.fixture(scope="module")
def engines(ruleset):
    tables = compiled.resolve(ruleset.graph, DAY)
    reference = durable.DurableMatcher(tables) if durable.AVAILABLE else None
    return tables, compiled.NativeMatcher(tables), codegen.GeneratedMatcher(tables), reference


def test_generated_matcher_equals_native_and_durable_on_every_table(ruleset, engines):
    tables, native, generated, reference = engines

    @settings(max_examples=400)
    @given(strategies.observations(ruleset))
    def check(observation):
        facts = EXTRACTOR(parse_observation(observation))
        expected = compiled.run(tables, native, facts)
        assert generated.run(facts) == expected
        for index in range(len(tables)):  # every table, on the same upstream values
            ours = generated.match(index, expected.values)
            assert ours == native.match(index, expected.values), tables[index].table.id
            if reference is not None:
                assert ours == reference.match(index, expected.values), tables[index].table.id

    check()


def test_missing_fact_shortcuts_equal_the_reference(ruleset, engines):
    tables, native, generated, _ = engines

    @settings(max_examples=150)
    @given(strategies.observations(ruleset), st.data())
    def check(observation, data):
        facts = EXTRACTOR(parse_observation(observation))
        base = generated.run(facts)
        assert generated.candidates(base.values, FACTS) == unknowns.candidates(tables, base.values, FACTS)
        name = data.draw(st.sampled_from(sorted(FACTS)))
        for value in generated.representatives(FACTS[name]) or [None]:
            full = compiled.run(tables, native, {**facts, name: value})
            assert generated.rerun(base, facts, {name: value}) == full
            # restricted to a closed set of tables: those tables' results are still exact
            partial = generated.rerun(base, facts, {name: value}, only=closure)
            assert {tables[i].table.id: partial.results[tables[i].table.id] for i in closure} == \
                   {tables[i].table.id: full.results[tables[i].table.id] for i in closure}
        assert generated.candidates(base.values, FACTS, closure) == \
            unknowns.candidates(tuple(tables[i] for i in closure), base.values, FACTS)

    closure = ruleset._period(DAY, "native").closure
    assert 0 < len(closure) < len(tables)
    check()


SMALL_CASES = st.fixed_dictionaries({
    "x": st.one_of(st.none(), st.sampled_from(["a", "b", "c"])),
    "n": st.one_of(st.none(), st.sampled_from([10.0, 20.0, 19.999]), st.floats(-1e3, 1e3, allow_nan=False)),
    "s": st.one_of(st.none(), st.frozensets(st.sampled_from(["p", "q", "r"]))),
    "flag": st.one_of(st.none(), st.booleans()),
})


@pytest.mark.parametrize(("policy", "extra"), [("collect", "aggregate: {points: sum, grade: max}"),
                                               ("first", "default: {grade: low, points: 0}"),
                                               ("priority", "priority: grade"), ("rule_order", "")])
def test_every_hit_policy_equals_the_reference(tmp_path, policy, extra):
    directory = with_tables(copy_bundled(tmp_path), _table(policy, extra), PARAMS)
    tables = compiled.resolve(load_directory(directory, SMALL_FACTS).graph, dt.date(2024, 6, 1))
    native, generated = compiled.NativeMatcher(tables), codegen.GeneratedMatcher(tables)
    reference = durable.DurableMatcher(tables) if durable.AVAILABLE else native

    @settings(max_examples=150)
    @given(SMALL_CASES)
    def check(facts):
        expected = compiled.run(tables, reference, facts)
        assert generated.run(facts) == expected == compiled.run(tables, native, facts)

    check()


def test_generated_source_names_only_generated_identifiers(tmp_path):
    # A hostile-looking but valid table id and outputs reach the code only as repr'd strings.
    hostile = _table("collect").replace("- id: t\n", "- id: t__import__\n")
    directory = with_tables(copy_bundled(tmp_path), hostile, PARAMS)
    tables = compiled.resolve(load_directory(directory, SMALL_FACTS).graph, dt.date(2024, 6, 1))
    source = codegen.generate_source(tables)
    names = {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}
    assert names and all(re.fullmatch(r"(v|c|t)\d+|m|get|values|frozenset", n) for n in names), names
    attributes = {node.attr for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Attribute)}
    assert attributes <= {"get", "append", "isdisjoint"}


def test_compiled_rulesets_are_cached_by_content_id_and_period(ruleset):
    tables = compiled.resolve(ruleset.graph, DAY)
    first = codegen.matcher_for(ruleset.content_id, DAY.isoformat(), tables)
    assert codegen.matcher_for(ruleset.content_id, DAY.isoformat(), tables) is first
    assert codegen.matcher_for(ruleset.content_id, "2030-01-01", tables) is not first


def test_the_native_engine_uses_generated_code(ruleset):
    ruleset.evaluate({"observed_at": "2024-06-01T10:00:00+08:00"})
    period = ruleset._period(DAY, "native")
    assert isinstance(period.matcher, codegen.GeneratedMatcher)
