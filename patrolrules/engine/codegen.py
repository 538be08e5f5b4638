"""The hot path: resolved tables compiled to Python source, one function per table.

Source is generated only from the resolved, validated IR (``compiled.resolve``),
never from rule-file text. Every literal in it is ``repr()`` of a value whose
exact type was checked first (str, finite float, bool, frozenset of str), and
every variable name is one this module makes up (``v0``, ``c3``, ``m``): no
identifier from a rule file reaches the compiler. The generated tests are the
same expressions as ``compiled.predicate`` (an interval is ``not v < low``, not
``v >= low``, so NaN behaves alike), evaluated in the same order with the same
short-circuits, so a generated matcher equals ``NativeMatcher`` by construction;
the property tests compare it with ``NativeMatcher`` and ``DurableMatcher``.

``GeneratedMatcher.run`` is a faster ``compiled.run``: hit-policy selection is
a pure function of the matched rules, so each table's ``TableResult`` is cached
per tuple of matched rule indices (bounded; a unique-policy conflict is never
cached, so it raises every time).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import unknowns
from .compiled import Check, ResolvedTable, Run, TableResult, predicate, select
from .tables import AnyTest, BoolTest, FactDef, IntervalTest, MemberTest, SetMode, SetTest

TableFunction = Callable[[Mapping[str, Any]], list[int]]
_CACHE_LIMIT = 4096  # distinct matched-rule tuples kept per table


class CodegenError(ValueError):
    """A resolved value of a type the generator does not emit (the caller falls back)."""


def _literal(value: Any) -> str:
    """``repr`` of a validated constant; anything else is refused."""
    if type(value) is bool or type(value) is str:
        return repr(value)
    if type(value) is float:
        if not math.isfinite(value):
            raise CodegenError(f"non-finite bound {value!r}")
        return repr(value)
    if type(value) is frozenset and all(type(v) is str for v in value):
        return "frozenset(" + repr(sorted(value)) + ")"
    raise CodegenError(f"unsupported constant of type {type(value).__name__}")


class _Emitter:
    def __init__(self) -> None:
        self.constants: list[str] = []  # module-level "cN = <literal>" lines

    def constant(self, value: Any) -> str:
        name = f"c{len(self.constants)}"
        self.constants.append(f"{name} = {_literal(value)}")
        return name

    def condition(self, check: Check, var: str) -> str | None:
        """The expression of ``compiled.predicate(check)`` on ``var``; None for "-"."""
        test = check.test
        if isinstance(test, AnyTest):
            return None
        if isinstance(test, BoolTest):
            return f"{var} is {_literal(test.value)}"
        if isinstance(test, MemberTest):
            members = self.constant(test.values)
            if test.negate:
                return f"({var} is not None and {var} not in {members})"
            return f"{var} in {members}"  # None is no member of a set of validated strings
        if isinstance(test, SetTest):
            wanted = self.constant(test.values)
            if test.mode == SetMode.ANY:
                return f"({var} is not None and not {wanted}.isdisjoint({var}))"
            if test.mode == SetMode.ALL:
                return f"({var} is not None and {wanted} <= {var})"
            return f"({var} is not None and {wanted}.isdisjoint({var}))"
        assert isinstance(test, IntervalTest)
        parts = [f"{var} is not None"]
        if check.low is not None:
            low = _literal(float(check.low))
            closed = test.low.closed if test.low else True
            parts.append(f"not {var} < {low}" if closed else f"not {var} <= {low}")
        if check.high is not None:
            high = _literal(float(check.high))
            closed = test.high.closed if test.high else True
            parts.append(f"not {var} > {high}" if closed else f"not {var} >= {high}")
        return "(" + " and ".join(parts) + ")"


def generate_source(tables: tuple[ResolvedTable, ...]) -> str:
    """Python source defining ``t0 .. tN(values) -> list[int]`` (matched rule indices)."""
    emitter = _Emitter()
    functions: list[str] = []
    for index, resolved in enumerate(tables):
        names: dict[str, str] = {}  # input name → generated local
        loads: list[str] = []
        rules: list[str] = []
        for number, rule in enumerate(resolved.rules):
            conditions = []
            for check in rule.checks:
                if isinstance(check.test, AnyTest):
                    continue
                if check.input not in names:
                    names[check.input] = f"v{len(names)}"
                    loads.append(f"    {names[check.input]} = get({_literal(check.input)})")
                condition = emitter.condition(check, names[check.input])
                assert condition is not None
                conditions.append(condition)
            test = " and ".join(conditions) if conditions else "True"
            rules.append(f"    if {test}:\n        m.append({number})")
        body = ["    get = values.get", *loads, "    m = []", *rules, "    return m"]
        functions.append(f"def t{index}(values):\n" + "\n".join(body) + "\n")
    header = "# generated by patrolrules.engine.codegen from resolved tables\n"
    return header + "\n".join(emitter.constants) + "\n\n\n" + "\n\n".join(functions)


def compile_tables(tables: tuple[ResolvedTable, ...]) -> tuple[TableFunction, ...]:
    """The generated functions, compiled in a namespace with no builtins but ``frozenset``."""
    source = generate_source(tables)
    namespace: dict[str, Any] = {"__builtins__": {"frozenset": frozenset}}
    exec(compile(source, "<patrolrules.codegen>", "exec"), namespace)
    return tuple(namespace[f"t{i}"] for i in range(len(tables)))


class GeneratedMatcher:
    """``Matcher`` over generated code, plus a whole-graph ``run``. Thread-safe."""

    def __init__(self, tables: tuple[ResolvedTable, ...]) -> None:
        self.tables = tables
        self.functions = compile_tables(tables)
        self._ids = tuple(t.table.id for t in tables)
        self._reads = tuple(frozenset(c.input for r in t.rules for c in r.checks) for t in tables)
        self._first_reader: dict[str, int] = {}  # input name → position of the first table reading it
        for index, names in enumerate(self._reads):
            for name in names:
                self._first_reader.setdefault(name, index)
        self._representatives: dict[str, list[Any]] = {}
        self._caches: tuple[dict[tuple[int, ...], TableResult], ...] = tuple({} for _ in tables)
        self._checks = tuple(  # per table, per rule: (inputs, compiled predicates)
            tuple((frozenset(c.input for c in rule.checks), tuple((c.input, predicate(c)) for c in rule.checks))
                  for rule in t.rules)
            for t in tables)

    def match(self, index: int, values: Mapping[str, Any]) -> list[int]:
        return self.functions[index](values)

    def result(self, index: int, matched: Sequence[int], values: Mapping[str, Any]) -> TableResult:
        """``compiled.select``, cached by the matched rules."""
        key = matched if type(matched) is tuple else tuple(matched)
        cache = self._caches[index]
        found = cache.get(key)
        if found is None:
            found = select(self.tables[index], list(matched), values)
            if len(cache) < _CACHE_LIMIT:
                cache[key] = found
        return found

    def run(self, facts: Mapping[str, Any]) -> Run:
        """Exactly ``compiled.run(tables, NativeMatcher(tables), facts)``, faster."""
        values = dict(facts)
        results: dict[str, TableResult] = {}
        caches = self._caches
        for index, function in enumerate(self.functions):
            matched = function(values)
            found = caches[index].get(tuple(matched))
            if found is None:
                found = self.result(index, matched, values)
            results[self._ids[index]] = found
            values.update(found.values)
        return Run(values, results)

    def rerun(self, base: Run, facts: Mapping[str, Any], changed: Mapping[str, Any],
              only: Sequence[int] | None = None) -> Run:
        """Exactly ``run({**facts, **changed})``, recomputing only tables whose inputs changed.

        Tables run in topological order and a table reads only its checks' inputs,
        so a table none of whose inputs changed has the same result as in ``base``.
        ``only``: recompute just these table positions, ascending (a set closed under
        "reads from"); the other tables keep ``base``'s results, which may then be stale.
        """
        values = dict(base.values)
        values.update(changed)
        dirty = set(changed)
        results: Mapping[str, TableResult] = base.results
        copied: dict[str, TableResult] | None = None
        reads, functions, ids = self._reads, self.functions, self._ids
        first = min(self._first_reader.get(name, len(functions)) for name in changed)
        for index in range(first, len(functions)) if only is None else only:
            if index < first or reads[index].isdisjoint(dirty):
                continue
            found = self.result(index, functions[index](values), values)
            table_id = ids[index]
            before = results[table_id]
            if found is not before:
                dirty.update(k for k, v in found.values.items() if before.values.get(k) != v)
                if copied is None:
                    results = copied = dict(results)
                copied[table_id] = found
                values.update(found.values)
        return Run(values, results)

    def representatives(self, fact: FactDef) -> list[Any]:
        """``unknowns.representatives`` for this period, computed once per fact."""
        found = self._representatives.get(fact.name)
        if found is None:
            found = unknowns.representatives(self.tables, fact)
            self._representatives[fact.name] = found
        return list(found)

    def candidates(self, values: Mapping[str, Any], facts: Mapping[str, FactDef],
                   only: Sequence[int] | None = None) -> list[str]:
        """Exactly ``unknowns.candidates`` of these tables (all, or the positions ``only``), compiled once."""
        found: dict[str, None] = {}
        for index in range(len(self.tables)) if only is None else only:
            for inputs, checks in self._checks[index]:  # every rule of the table, in order
                unknown = [name for name in inputs if values.get(name) is None]
                if len(unknown) != 1 or unknown[0] not in facts:
                    continue
                if all(test(values.get(name)) for name, test in checks if name != unknown[0]):
                    found.setdefault(unknown[0], None)
        return list(found)


# ---- compiled rulesets, cached by content id and as-of period -------------

_COMPILED: OrderedDict[tuple[str, str], GeneratedMatcher] = OrderedDict()
_COMPILED_LIMIT = 32
_LOCK = threading.Lock()


def matcher_for(content_id: str, period: str, tables: tuple[ResolvedTable, ...]) -> GeneratedMatcher:
    """The generated matcher for a ruleset's content id and period start, compiled once per process."""
    key = (content_id, period)
    with _LOCK:
        found = _COMPILED.get(key)
        if found is not None:
            _COMPILED.move_to_end(key)
            return found
    matcher = GeneratedMatcher(tables)
    with _LOCK:
        _COMPILED[key] = matcher
        while len(_COMPILED) > _COMPILED_LIMIT:
            _COMPILED.popitem(last=False)
    return matcher
