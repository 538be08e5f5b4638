"""The native evaluator: tables resolved for one as-of period and compiled to closures.

Matching (which rules' tests all hold) is engine-specific; hit-policy
selection, defaults and aggregation are shared by every engine (``select``),
so the engines can only differ in matching — which the property tests compare.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import RuleProblem, RulesetError
from .loader import parameter_threshold
from .tables import (
    Aggregator,
    AnyTest,
    BoolTest,
    Bound,
    HitPolicy,
    IntervalTest,
    Kind,
    MemberTest,
    OutputValue,
    Rule,
    RuleGraph,
    SetMode,
    SetTest,
    Table,
    Test,
)

Predicate = Callable[[Any], bool]


@dataclass(frozen=True)
class Check:
    """A test with its thresholds resolved to plain numbers for one period."""

    input: str
    test: Test
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class ResolvedRule:
    id: str
    checks: tuple[Check, ...]
    outputs: Mapping[str, Any]


@dataclass(frozen=True)
class ResolvedTable:
    table: Table
    rules: tuple[ResolvedRule, ...]
    default: Mapping[str, Any] | None


@dataclass(frozen=True)
class TableResult:
    """Which rules a table selected, their outputs, and the values it passes on."""

    table_id: str
    selected: tuple[int, ...]  # rule indices among the rules in force in the period, in table order
    outputs: tuple[Mapping[str, Any], ...]
    used_default: bool
    values: Mapping[str, Any]  # "<table>.<output>" → what downstream tables read
    rules: tuple[Rule, ...] = ()  # the selected rules themselves (ids, citations)

    def fired(self) -> list[tuple[Rule, Mapping[str, Any]]]:
        """The selected rules with their outputs (none where the table gave its default)."""
        return [] if self.used_default else list(zip(self.rules, self.outputs, strict=True))


class Matcher(Protocol):
    def match(self, index: int, values: Mapping[str, Any]) -> list[int]: ...


def resolve(graph: RuleGraph, day: dt.date) -> tuple[ResolvedTable, ...]:
    """Every table with the rules and parameters in force on ``day``. A table with dated rules, or
    rules citing a source replaced by then, is seen through a copy holding only the rules in force,
    each citing the sources in force (``RuleGraph.basis_on``), so rule indices and citations mean the
    same everywhere in the period (``ResolvedTable.table.rules``, ``TableResult.selected``)."""

    def cited_on(rule: Rule) -> Rule:
        basis = graph.basis_on(rule.citation.basis, day)
        if basis == rule.citation.basis:
            return rule
        return dataclasses.replace(rule, citation=dataclasses.replace(rule.citation, basis=basis))

    def param(name: str) -> Any:
        value = graph.parameters[name].at(day)
        if value is None:
            raise RulesetError([RuleProblem(graph.parameters[name].position.file, graph.parameters[name].position.line,
                                            f"parameter {name!r} has no value in force on {day}",
                                            fix="add a value dated on or before that day")])
        return value

    def bound(b: Bound | None, dimension: str | None) -> float | None:
        if b is None:
            return None
        if b.param is None:
            assert b.literal is not None
            return float(b.literal)
        # Exact Fraction → correctly rounded float: a value exactly on the line
        # (5 亩 = 10000/3 m²) rounds to the same float as the line itself.
        return float(parameter_threshold(graph.parameters[b.param], param(b.param), dimension))

    def output(value: OutputValue) -> Any:
        return param(value.param) if value.param else value.literal

    tables = []
    for table in graph.tables:
        in_force = tuple(cited_on(r) for r in table.rules if r.in_force(day))
        if len(in_force) != len(table.rules) or any(a is not b for a, b in zip(in_force, table.rules, strict=True)):
            table = dataclasses.replace(table, rules=in_force)
        rules = []
        for rule in table.rules:
            checks = []
            for name, test in rule.tests:
                if isinstance(test, IntervalTest):
                    dimension = table.input_type(name).dimension
                    checks.append(Check(name, test, bound(test.low, dimension), bound(test.high, dimension)))
                else:
                    checks.append(Check(name, test))
            rules.append(ResolvedRule(rule.id, tuple(checks), {k: output(v) for k, v in rule.outputs}))
        default = {k: output(v) for k, v in table.default} if table.default is not None else None
        tables.append(ResolvedTable(table, tuple(rules), default))
    return tuple(tables)


def predicate(check: Check) -> Predicate:
    """A closure for one check; an unknown value (None) never satisfies a test."""
    test = check.test
    if isinstance(test, MemberTest):
        members = test.values
        if test.negate:
            return lambda v: v is not None and v not in members
        return lambda v: v is not None and v in members
    if isinstance(test, BoolTest):
        expected = test.value
        return lambda v: v is expected
    if isinstance(test, IntervalTest):
        return _interval(check)
    if isinstance(test, SetTest):
        wanted = test.values
        if test.mode == SetMode.ANY:
            return lambda v: v is not None and not wanted.isdisjoint(v)
        if test.mode == SetMode.ALL:
            return lambda v: v is not None and wanted <= v
        return lambda v: v is not None and wanted.isdisjoint(v)
    assert isinstance(test, AnyTest)
    return lambda v: True


def _interval(check: Check) -> Predicate:
    test = check.test
    assert isinstance(test, IntervalTest)
    low, high = check.low, check.high
    low_closed = test.low.closed if test.low else True
    high_closed = test.high.closed if test.high else True

    def holds(v: Any) -> bool:
        if v is None:
            return False
        if low is not None and (v < low if low_closed else v <= low):
            return False
        if high is not None and (v > high if high_closed else v >= high):
            return False
        return True

    return holds


RulePredicates = tuple[tuple[tuple[str, Predicate], ...], ...]  # per rule: (input, closure) per check


def rule_predicates(table: ResolvedTable) -> RulePredicates:
    """Per rule of ``table``: (input, closure) for each of its checks."""
    return tuple(tuple((c.input, predicate(c)) for c in rule.checks) for rule in table.rules)


class NativeMatcher:
    """Compiled closures per rule; stateless, so safe to share across threads."""

    def __init__(self, tables: tuple[ResolvedTable, ...]) -> None:
        self._rules = [rule_predicates(table) for table in tables]

    def match(self, index: int, values: Mapping[str, Any]) -> list[int]:
        return [
            number
            for number, checks in enumerate(self._rules[index])
            if all(test(values.get(name)) for name, test in checks)
        ]


def select(resolved: ResolvedTable, matched: list[int], values: Mapping[str, Any]) -> TableResult:
    """Apply the hit policy, the default and aggregation to the matched rules."""
    table = resolved.table
    policy = table.hit_policy
    if policy == HitPolicy.UNIQUE and len(matched) > 1:
        ids = [resolved.rules[i].id for i in matched]
        tested = {name: _jsonable(values.get(name)) for name, _ in table.inputs}
        raise RulesetError([RuleProblem(
            table.position.file, table.position.line,
            f"table {table.id!r} has hit policy unique but rules {', '.join(ids)} all match input {tested}",
            ids[0], "make the rules' conditions exclusive, or choose the first/priority/collect policy")])
    if policy == HitPolicy.FIRST:
        matched = matched[:1]
    elif policy == HitPolicy.PRIORITY and matched:
        ranked = table.priority_output
        assert ranked is not None
        ranks = table.output_type(ranked).values
        matched = [min(matched, key=lambda i: (_rank(ranks, resolved.rules[i].outputs.get(ranked)), i))]
    outputs = tuple(resolved.rules[i].outputs for i in matched)
    used_default = not matched and resolved.default is not None
    if used_default:
        assert resolved.default is not None
        outputs = (resolved.default,)
    passed: dict[str, Any] = {}
    aggregates = dict(table.aggregate)
    for name, out_type in table.outputs:
        key = f"{table.id}.{name}"
        present = [o[name] for o in outputs if name in o]
        if policy.single:
            passed[key] = present[0] if present else None
        elif name in aggregates:
            passed[key] = _aggregate(aggregates[name], present, out_type.values)
        elif out_type.kind == Kind.LIST:
            passed[key] = frozenset(v for value in present for v in value)
        else:
            passed[key] = frozenset(present)
    return TableResult(table.id, tuple(matched), outputs, used_default, passed, tuple(table.rules[i] for i in matched))


def _rank(ranks: tuple[str, ...], value: Any) -> int:
    return ranks.index(value) if value in ranks else len(ranks)


def _aggregate(aggregator: Aggregator, present: list[Any], ranks: tuple[str, ...]) -> Any:
    if aggregator == Aggregator.COUNT:
        return len(present)
    if aggregator == Aggregator.SUM:
        return sum(present)
    if not present:
        return None
    if ranks:  # enum values are listed highest rank first
        ordered = sorted(present, key=lambda v: _rank(ranks, v))
        return ordered[0] if aggregator == Aggregator.MAX else ordered[-1]
    return max(present) if aggregator == Aggregator.MAX else min(present)


def _jsonable(value: Any) -> Any:
    if isinstance(value, frozenset):
        return sorted(value)
    return value


@dataclass(frozen=True)
class Run:
    """The outcome of one evaluation of the whole graph."""

    values: Mapping[str, Any]
    results: Mapping[str, TableResult]
    # table id → the day whose law it applied, where not the decision's (an act that ended under other law)
    act_days: Mapping[str, dt.date] = dataclasses.field(default_factory=dict)


def recited(run: Run, then: Run, tables: tuple[ResolvedTable, ...], table_ids: Collection[str],
            only: Callable[[Rule], bool]) -> Run:
    """``run`` with the rules of ``table_ids`` that ``only`` accepts cited as in another as-of period:
    ``tables`` resolved for it, ``then`` the graph run in it. Same outcomes, that period's legal bases:
    each rule as resolved there under its id, or where no rule has its id there (replaced under
    another), the rule of its table that fired there with the same outputs; else (no such rule then) it
    stays today's."""
    by_id = {(resolved.table.id, rule.id): rule for resolved in tables if resolved.table.id in table_ids
             for rule in resolved.table.rules}  # rule ids are unique within a table only
    changed = {}
    for table_id in table_ids:
        found = run.results[table_id]
        fired_then = [(r, o) for r, o in then.results[table_id].fired() if only(r)]
        rules = tuple(by_id.get((table_id, rule.id)) or next((r for r, o in fired_then if o == outputs), rule)
                      if only(rule) else rule for rule, outputs in found.fired())
        if any(a is not b for a, b in zip(rules, found.rules, strict=True)):
            changed[table_id] = dataclasses.replace(found, rules=rules)
    return dataclasses.replace(run, results={**run.results, **changed}) if changed else run


def run(tables: tuple[ResolvedTable, ...], matcher: Matcher, facts: Mapping[str, Any],
        pinned: Mapping[str, Any] | None = None, fixed: Mapping[str, TableResult] | None = None) -> Run:
    """Evaluate every table in order, feeding each table's outputs to later ones.

    ``pinned`` values replace what a table passes on under the same name (e.g. the
    items a case record has established, which outrank what the facts alone show);
    ``fixed`` results replace whole tables (e.g. criminal lines decided as of the act's date).
    """
    values = dict(facts)
    results: dict[str, TableResult] = {}
    for index, resolved in enumerate(tables):
        found = fixed.get(resolved.table.id) if fixed else None
        result = found if found is not None else select(resolved, matcher.match(index, values), values)
        results[resolved.table.id] = result
        values.update(result.values)
        if pinned:
            values.update({k: v for k, v in pinned.items() if k in result.values})
    return Run(values, results)
