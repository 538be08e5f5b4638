"""Generated table code gives exactly the reference answers, and contains nothing from rule files but data."""

from __future__ import annotations

import ast
import datetime as dt
import math
import re
import textwrap
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patrolrules.engine import codegen, compiled, durable, unknowns
from patrolrules.engine.loader import load_directory
from patrolrules.engine.tables import FactDef, Kind, TypeDef
from patrolrules.facts import EXTRACTOR, FACTS
from patrolrules.ruleset import _SUMMARY_VALUES, parse_observation

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
        choices = generated.representatives(FACTS[name]) or [None]
        before = dict(base.values)
        # what-ifs on one scratch copy: each look sees exactly that choice's run, and nothing leaks
        seen = generated.what_ifs(base, name, choices, closure,
                                  lambda run: (dict(run.values), {i: run.results[tables[i].table.id] for i in closure}))
        assert base.values == before
        for value, (values, results) in zip(choices, seen, strict=True):
            alone = generated.rerun(base, facts, {name: value}, only=closure)
            assert values == alone.values
            assert results == {i: alone.results[tables[i].table.id] for i in closure}
        for value in choices:
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


def test_what_ifs_over_the_summarised_tables_see_the_summarised_values_of_the_whole_closure(ruleset, engines):
    # Ruleset._missing's what-ifs recompute only ``summarised`` (the tables passing on the values its summary
    # reads): those values must be what recomputing the whole closure gives, for every fact and choice.
    _, _, generated, _ = engines
    period = ruleset._period(DAY, "native")
    assert set(period.summarised) <= set(period.closure)

    @settings(max_examples=100)
    @given(strategies.observations(ruleset))
    def check(observation):
        base = generated.run(EXTRACTOR(parse_observation(observation)))
        for name in period.candidates(base.values):
            choices = generated.representatives(FACTS[name])
            assert generated.what_ifs(base, name, choices, period.summarised, lambda r: _SUMMARY_VALUES(r.values)) \
                == generated.what_ifs(base, name, choices, period.closure, lambda r: _SUMMARY_VALUES(r.values))

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
    assert names and all(re.fullmatch(r"(v|c|s|t)\d+|m|found|get|values|d|frozenset|tuple|Exception", n)
                         for n in names), names
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


# ---- cells: the fast functions equal the rule-by-rule ones on every value, hostile ones included ----

CELL_FACTS = {
    "x": FactDef("x", TypeDef(Kind.ENUM, ("a", "b", "c"))),
    "k": FactDef("k", TypeDef(Kind.NUMBER)),
    "s": FactDef("s", TypeDef(Kind.SET, ("p", "q", "r"))),
    "flag": FactDef("flag", TypeDef(Kind.BOOLEAN)),
}
CELL_RULES = [  # bounds open and closed on the same points, every test kind, a rule testing nothing
    "{k: '[10 .. 20)'}", "{k: '(10 .. 20]'}", "{k: '> 20', x: {not: [a]}}", "{k: '<= 10', flag: true}",
    "{k: '>= 0', s: {any: [p]}}", "{x: [a, b], k: '< 0'}", "{flag: false, s: {all: [p, q]}}",
    "{s: {none: [r]}, x: c}", "{x: '-'}", "{k: '[10 .. 10]'}",
]
EDGE_NUMBERS = [10.0, 20.0, 0.0, math.nextafter(10.0, 0.0), math.nextafter(10.0, 99.0), math.nextafter(20.0, 0.0),
                math.nextafter(0.0, -1.0), math.nan, math.inf, -math.inf, Fraction(10), Fraction(201, 10), 10, -3,
                True, "10", (1,)]
HOSTILE = st.fixed_dictionaries({
    "x": st.sampled_from([None, "a", "b", "c", "zzz", 1, ["a"], frozenset({"a"})]),
    "k": st.one_of(st.none(), st.sampled_from(EDGE_NUMBERS), st.floats(), st.fractions()),
    "s": st.one_of(st.none(), st.frozensets(st.sampled_from(["p", "q", "r", "z"])), st.sampled_from([["p"], 5])),
    "flag": st.sampled_from([None, True, False, 1, 0, "true"]),
})


def _outcome(function, facts):
    try:
        return "ok", tuple(function(facts))
    except Exception as error:  # the exception type is what is compared
        return "error", type(error)


def test_cell_functions_equal_rule_by_rule_on_every_value(tmp_path):
    rules = "".join(f"""
    - id: r{n}
      when: {when}
      then: {{code: {n}}}
      cite: {{article: 8, paragraph: 3, item: 1}}""" for n, when in enumerate(CELL_RULES))
    table = textwrap.dedent("""
    - id: cells
      title_zh: 测
      title_en: test
      hit_policy: collect
      inputs: [x, k, s, flag]
      outputs:
        code: {type: number}
      rules:""") + rules + "\n"
    directory = with_tables(copy_bundled(tmp_path), table, PARAMS)
    tables = compiled.resolve(load_directory(directory, CELL_FACTS).graph, dt.date(2024, 6, 1))
    native, generated = compiled.NativeMatcher(tables), codegen.GeneratedMatcher(tables)
    cells, rule_by_rule = generated.functions[0], generated.rule_functions[0]
    source = codegen.generate_source(tables)
    assert "elif v" in source and ".get(v" in source  # the interval chain and the enum lookup were generated

    @settings(max_examples=600)
    @given(HOSTILE)
    def check(facts):
        expected = _outcome(lambda f: native.match(0, f), facts)
        assert _outcome(cells, facts) == expected
        assert _outcome(rule_by_rule, facts) == expected

    check()
    for number in EDGE_NUMBERS:  # every edge value, with the other inputs set so each rule can fire
        for facts in ({"x": "b", "k": number, "s": frozenset({"p", "q"}), "flag": True},
                      {"x": "c", "k": number, "s": frozenset(), "flag": False}):
            assert _outcome(cells, facts) == _outcome(lambda f: native.match(0, f), facts), (number, facts)
