"""The hot path: resolved tables compiled to Python source, one function per table.

Source is generated only from the resolved, validated IR (``compiled.resolve``),
never from rule-file text. Every literal in it is ``repr()`` of a value whose
exact type was checked first (str, finite float, bool, int, frozenset of str, a
dict of str/None to int), and every variable name is one this module makes up
(``v0``, ``c3``, ``m``): no identifier from a rule file reaches the compiler.

Each table becomes two functions over the same inputs:

- ``s<i>``, rule by rule: the same expressions as ``compiled.predicate`` (an
  interval is ``not v < low``, not ``v >= low``, so NaN behaves alike), in the
  same order with the same short-circuits;
- ``t<i>``, the fast one, by *cells*. Unary tests split each input's values into
  finitely many cells on which every test of the table is constant (the design's
  "analyzable by construction"): an enum value, "another value" and unknown; the
  intervals between the sorted bounds of a quantity, NaN and unknown; true, false
  and anything else. For every cell the generator precomputes the bitmask of rules
  whose tests on that input hold — by running the ``compiled.predicate`` closures
  on one representative of the cell (exact Fractions between float bounds) — so a
  record costs one lookup or comparison chain per input and an AND of masks. Inputs
  whose tests do not split into cells this way (set containment, mixed test kinds)
  are tested rule by rule inside ``t<i>``. A value the cells cannot classify (an
  unhashable or incomparable value) sends the record to ``s<i>``, which raises or
  answers exactly as the reference would.

The property tests compare both with ``NativeMatcher`` and ``DurableMatcher``.

``GeneratedMatcher.run`` is a faster ``compiled.run``: hit-policy selection is
a pure function of the matched rules, so each table's ``TableResult`` is cached
per tuple of matched rule indices (bounded; a unique-policy conflict is never
cached, so it raises every time).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any, TypeVar

from . import unknowns
from .compiled import Check, ResolvedTable, Run, TableResult, predicate, rule_predicates, select
from .tables import AnyTest, BoolTest, FactDef, IntervalTest, MemberTest, SetMode, SetTest

T = TypeVar("T")

TableFunction = Callable[[Mapping[str, Any]], tuple[int, ...]]
_CACHE_LIMIT = 4096  # distinct matched-rule tuples kept per table (results and decoded masks)
_OTHER = object()  # the representative of "a value no member test names"


class CodegenError(ValueError):
    """A resolved value of a type the generator does not emit (the caller falls back)."""


def _int(value: int) -> str:
    # a rule mask of a table with thousands of rules: hexadecimal, which Python's 4300-digit limit on
    # decimal int ↔ str conversions does not restrict
    return repr(value) if abs(value) < 1 << 64 else hex(value)


def _literal(value: Any) -> str:
    """``repr`` of a validated constant; anything else is refused."""
    if type(value) is int:
        return _int(value)
    if type(value) is bool or type(value) is str:
        return repr(value)
    if type(value) is float:
        if not math.isfinite(value):
            raise CodegenError(f"non-finite bound {value!r}")
        return repr(value)
    if type(value) is frozenset and all(type(v) is str for v in value):
        return "frozenset(" + repr(sorted(value)) + ")"
    if type(value) is dict and all((k is None or type(k) is str) and type(v) is int for k, v in value.items()):
        return "{" + ", ".join(f"{k!r}: {_int(v)}" for k, v in value.items()) + "}"
    raise CodegenError(f"unsupported constant of type {type(value).__name__}")


def _decode(cache: dict[int, tuple[int, ...]], mask: int) -> tuple[int, ...]:
    """The rule indices set in ``mask``, ascending; remembered per table (bounded)."""
    found = tuple(i for i in range(mask.bit_length()) if mask >> i & 1)
    if len(cache) < _CACHE_LIMIT:
        cache[mask] = found
    return found


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


def _checks_by_input(resolved: ResolvedTable) -> dict[str, list[tuple[int, Check]]]:
    """Each input a rule tests (not "-"), with (rule number, check), in order of first use."""
    found: dict[str, list[tuple[int, Check]]] = {}
    for number, rule in enumerate(resolved.rules):
        for check in rule.checks:
            if not isinstance(check.test, AnyTest):
                found.setdefault(check.input, []).append((number, check))
    return found


def _cell_mask(checks: list[tuple[int, Check]], everything: int, value: Any) -> int:
    """The rules whose tests on this input hold for ``value`` (rules not testing it included)."""
    mask = everything
    for number, check in checks:
        if not predicate(check)(value):
            mask &= ~(1 << number)
    return mask


def _cuts(checks: list[tuple[int, Check]]) -> list[tuple[float, int]]:
    """The sorted bounds of the interval tests: (x, 0) lies just below x, (x, 1) just above it."""
    cuts = set()
    for _, check in checks:
        test = check.test
        assert isinstance(test, IntervalTest)
        if check.low is not None:
            cuts.add((float(check.low), 0 if (test.low.closed if test.low else True) else 1))
        if check.high is not None:
            cuts.add((float(check.high), 1 if (test.high.closed if test.high else True) else 0))
    return sorted(cuts)


def _cell_values(cuts: list[tuple[float, int]]) -> list[Fraction]:
    """One exact value inside each cell the cuts make: below the first, between each pair, above the last."""
    if not cuts:
        return [Fraction(0)]
    points = [Fraction(x) for x, _ in cuts]
    values = [points[0] - 1]
    for (a, _), (b, _), pa, pb in zip(cuts, cuts[1:], points, points[1:], strict=False):
        values.append(pa if a == b else (pa + pb) / 2)
    values.append(points[-1] + 1)
    return values


def _cell_lines(emitter: _Emitter, var: str, checks: list[tuple[int, Check]], everything: int,
                first: bool) -> list[str]:
    """Statements folding this input's cell mask into ``m`` (assigning it when ``first``)."""
    fold = "m =" if first else "m &="
    kinds = {type(check.test) for _, check in checks}

    def mask(value: Any) -> str:
        return emitter.constant(_cell_mask(checks, everything, value))

    if kinds == {MemberTest}:
        members = sorted({v for _, check in checks for v in check.test.values})  # type: ignore[union-attr]
        table = {value: _cell_mask(checks, everything, value) for value in [*members, None]}
        return [f"    {fold} {emitter.constant(table)}.get({var}, {mask(_OTHER)})"]
    if kinds == {BoolTest}:
        return [f"    {fold} {mask(True)} if {var} is True else {mask(False)} if {var} is False else {mask(None)}"]
    if kinds == {IntervalTest}:
        cuts = _cuts(checks)
        lines = [f"    if {var} is None:", f"        {fold} {mask(None)}"]
        for (x, side), value in zip(cuts, _cell_values(cuts), strict=False):
            lines += [f"    elif {var} {'<' if side == 0 else '<='} {_literal(x)}:", f"        {fold} {mask(value)}"]
        lines += [f"    elif {var} == {var}:", f"        {fold} {mask(_cell_values(cuts)[-1])}",
                  "    else:", f"        {fold} {mask(math.nan)}"]  # NaN: every "not v < x" holds
        return lines
    lines = [] if not first else [f"    m = {_literal(everything)}"]
    for number, check in checks:  # set containment or mixed kinds: rule by rule
        condition = emitter.condition(check, var)
        lines += [f"    if not {condition}:", f"        m &= {_literal(everything & ~(1 << number))}"]
    return lines


def _rule_function(emitter: _Emitter, index: int, resolved: ResolvedTable) -> str:
    """``s<index>``: rule by rule, exactly ``NativeMatcher.match`` (a tuple)."""
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
    body = ["    get = values.get", *loads, "    m = []", *rules, "    return tuple(m)"]
    return f"def s{index}(values):\n" + "\n".join(body) + "\n"


def _cell_function(emitter: _Emitter, index: int, resolved: ResolvedTable) -> str:
    """``t<index>``: the same answers by cells and bitmasks; ``s<index>`` for values no cell holds."""
    everything = (1 << len(resolved.rules)) - 1
    lines = ["    get = values.get", "    try:"]
    body: list[str] = []
    for position, (name, checks) in enumerate(_checks_by_input(resolved).items()):
        var = f"v{position}"
        body.append(f"    {var} = get({_literal(name)})")
        body += _cell_lines(emitter, var, checks, everything, first=position == 0)
    if not body:
        body = [f"    m = {_literal(everything)}"]
    lines += ["    " + line for line in body]
    decoded = emitter.constant({})
    lines += ["    except Exception:", f"        return s{index}(values)",
              f"    found = {decoded}.get(m)", "    if found is None:", f"        found = d({decoded}, m)",
              "    return found"]
    return f"def t{index}(values):\n" + "\n".join(lines) + "\n"


def generate_source(tables: tuple[ResolvedTable, ...]) -> str:
    """Python source defining ``t0 .. tN(values) -> tuple[int, ...]`` (matched rule indices) and their
    rule-by-rule twins ``s0 .. sN``."""
    emitter = _Emitter()
    functions: list[str] = []
    for index, resolved in enumerate(tables):
        functions.append(_rule_function(emitter, index, resolved))
        functions.append(_cell_function(emitter, index, resolved))
    header = "# generated by patrolrules.engine.codegen from resolved tables\n"
    return header + "\n".join(emitter.constants) + "\n\n\n" + "\n\n".join(functions)


_BUILTINS = {"frozenset": frozenset, "tuple": tuple, "Exception": Exception}


def compile_tables(tables: tuple[ResolvedTable, ...]) -> tuple[tuple[TableFunction, ...], tuple[TableFunction, ...]]:
    """The generated cell functions ``t<i>`` and their rule-by-rule twins ``s<i>``, compiled in a
    namespace whose only builtins are ``_BUILTINS``."""
    namespace: dict[str, Any] = {"__builtins__": dict(_BUILTINS), "d": _decode}
    exec(compile(generate_source(tables), "<patrolrules.codegen>", "exec"), namespace)
    return (tuple(namespace[f"t{i}"] for i in range(len(tables))),
            tuple(namespace[f"s{i}"] for i in range(len(tables))))


_Readers = tuple[frozenset[str], dict[str, list[tuple[int, frozenset[str], Any]]]]


class GeneratedMatcher:
    """``Matcher`` over generated code, plus a whole-graph ``run``. Thread-safe."""

    def __init__(self, tables: tuple[ResolvedTable, ...]) -> None:
        self.tables = tables
        self.functions, self.rule_functions = compile_tables(tables)
        self._ids = tuple(t.table.id for t in tables)
        self._reads = tuple(frozenset(c.input for r in t.rules for c in r.checks) for t in tables)
        self._first_reader: dict[str, int] = {}  # input name → position of the first table reading it
        for index, names in enumerate(self._reads):
            for name in names:
                self._first_reader.setdefault(name, index)
        self._representatives: dict[str, list[Any]] = {}
        self._caches: tuple[dict[tuple[int, ...], TableResult], ...] = tuple({} for _ in tables)
        self.predicates = tuple(rule_predicates(t) for t in tables)  # per table, per rule: (input, closure)s
        self._checks = tuple(  # per table, per rule: (inputs, compiled predicates)
            tuple((frozenset(name for name, _ in checks), checks) for checks in table) for table in self.predicates)
        # table positions → (the inputs they read, input → (order, inputs, predicates) of each rule reading it)
        self._readers: dict[tuple[int, ...], _Readers] = {}
        self._plans: dict[tuple[str, tuple[int, ...]], tuple[int, ...]] = {}  # what_ifs' tables per fact

    def match(self, index: int, values: Mapping[str, Any]) -> list[int]:
        return list(self.functions[index](values))

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
        values = {**base.values, **changed}
        first = min(self._first_reader.get(name, len(self.functions)) for name in changed)
        steps = range(first, len(self.functions)) if only is None else [i for i in only if i >= first]
        recomputed = self._recompute(steps, values, base.results, set(changed))
        return Run(values, {**base.results, **dict(recomputed)} if recomputed else base.results)

    def what_ifs(self, base: Run, name: str, choices: Sequence[Any], only: Sequence[int],
                 look: Callable[[Run], T]) -> list[T]:
        """``[look(self.rerun(base, {}, {name: c}, only)) for c in choices]`` without copies for each
        choice: one scratch ``Run`` whose values and results are changed in place and put back after
        each look (so ``look`` must not keep the ``Run`` it is shown). Only the tables of ``only`` that
        ``name`` can reach are visited (``_plan``); each is recomputed only if a value it reads changed."""
        original, before = base.values, base.results
        scratch = Run(dict(original), dict(before))
        values, results = scratch.values, scratch.results
        assert isinstance(values, dict) and isinstance(results, dict)
        plan = self._plan(name, tuple(only))
        seen: list[T] = []
        for choice in choices:
            values[name] = choice
            recomputed = self._recompute(plan, values, before, {name})
            results.update(recomputed)
            seen.append(look(scratch))
            for table_id, found in recomputed:  # put back what this choice changed
                results[table_id] = before[table_id]
                for key in found.values:
                    values[key] = original[key]
            if name in original:
                values[name] = original[name]
            else:
                del values[name]
        return seen

    def _plan(self, name: str, only: tuple[int, ...]) -> tuple[int, ...]:
        """The positions of ``only`` (ascending) that a change of ``name`` can reach through the values the
        tables pass on; computed once per fact and ``only``."""
        key = (name, only)
        found = self._plans.get(key)
        if found is None:
            reached = {name}
            steps = []
            for index in only:
                if not self._reads[index].isdisjoint(reached):
                    reached.update(f"{self._ids[index]}.{out}" for out, _ in self.tables[index].table.outputs)
                    steps.append(index)
            found = self._plans[key] = tuple(steps)
        return found

    def _recompute(self, steps: Iterable[int], values: dict[str, Any], before: Mapping[str, TableResult],
                   dirty: set[str]) -> list[tuple[str, TableResult]]:
        """Recompute, in order, each table of ``steps`` that reads a ``dirty`` value, on ``values`` changed in
        place (a recomputed table's values written, those it changes made dirty): the tables whose result is
        not the one in ``before``."""
        recomputed = []
        reads, functions, ids, caches = self._reads, self.functions, self._ids, self._caches
        for index in steps:
            if reads[index].isdisjoint(dirty):
                continue
            matched = functions[index](values)
            found = caches[index].get(matched)
            if found is None:
                found = self.result(index, matched, values)
            previous = before[ids[index]]
            if found is not previous:
                old = previous.values
                dirty.update(k for k, v in found.values.items() if old.get(k) != v)
                values.update(found.values)
                recomputed.append((ids[index], found))
        return recomputed

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
        positions = tuple(range(len(self.tables))) if only is None else tuple(only)
        readers = self._readers.get(positions) or self._readers.setdefault(positions, self._index_readers(positions))
        reads, rules_reading = readers
        unknown = {name for name in reads if values.get(name) is None}
        first: dict[str, int] = {}  # candidate → the first rule, in table order, it alone could make match
        for name in unknown:
            if name in facts:
                for order, inputs, checks in rules_reading[name]:
                    if len(inputs & unknown) == 1 and all(test(values.get(n)) for n, test in checks if n != name):
                        first[name] = order
                        break
        return sorted(first, key=first.__getitem__)

    def _index_readers(self, positions: tuple[int, ...]) -> _Readers:
        rules_reading: dict[str, list[tuple[int, frozenset[str], Any]]] = {}
        order = 0
        for index in positions:
            for inputs, checks in self._checks[index]:  # every rule of the table, in order
                for name in inputs:
                    rules_reading.setdefault(name, []).append((order, inputs, checks))
                order += 1
        return frozenset(rules_reading), rules_reading


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
