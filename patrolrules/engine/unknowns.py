"""Unknown facts: which ones a decision waits on, and the values worth trying for each.

With "an unknown value never satisfies a test", giving an unknown fact a value can
only make more tests hold. So a fact can change the outcome directly only through
a rule that tests it and whose every *other* test already holds; those facts are
the candidates. For each, one representative value per cell of its partition is
tried (enum members, both booleans, singleton sets, interval boundaries).

``Reach`` asks the wider, three-valued question — which rules *some* recording of the
unknown facts, one or many at once, could make match — for answers that must never
read an unknown as "no" (Art. 14 ¶2: a crime not ruled out is not "no crime").
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from .compiled import Predicate, ResolvedTable, RulePredicates, predicate
from .space import number_cells
from .tables import FactDef, HitPolicy, IntervalTest, Kind, SetTest

Waits = frozenset[str]  # the unknown facts a possibility needs recorded: none for what holds now
_ANY = object()  # an aggregate (count, sum, min, max) whose value cannot be bounded here: any value


def candidates(tables: tuple[ResolvedTable, ...], values: Mapping[str, Any],
               facts: Mapping[str, FactDef]) -> list[str]:
    """Unknown input facts that alone could make some rule match, in table order."""
    found: dict[str, None] = {}
    for resolved in tables:
        for rule in resolved.rules:
            unknown = [c.input for c in rule.checks if values.get(c.input) is None]
            if len(set(unknown)) != 1 or unknown[0] not in facts:
                continue
            others = [c for c in rule.checks if c.input != unknown[0]]
            if all(predicate(c)(values.get(c.input)) for c in others):
                found.setdefault(unknown[0], None)
    return list(found)


def representatives(tables: tuple[ResolvedTable, ...], fact: FactDef) -> list[Any]:
    """One value per cell of the fact's partition, as the tables see it."""
    kind = fact.type.kind
    if kind == Kind.ENUM:
        return list(fact.type.values)
    if kind == Kind.BOOLEAN:
        return [True, False]
    checks = [c for t in tables for r in t.rules for c in r.checks if c.input == fact.name]
    if kind == Kind.SET:
        mentioned = sorted({v for c in checks if isinstance(c.test, SetTest) for v in c.test.values},
                           key=fact.type.values.index)
        return [frozenset()] + [frozenset([v]) for v in mentioned]
    if kind in (Kind.QUANTITY, Kind.NUMBER):
        points = sorted({b for c in checks if isinstance(c.test, IntervalTest) for b in (c.low, c.high)
                         if b is not None})
        if not points:
            return []
        return number_cells(points, integer=fact.type.integer)[0]
    return []


class Reach:
    """Three-valued matching: the rules that a recording of the unknown facts could make match, however many
    are recorded at once, each with the unknown facts it waits on. A test of an unknown fact may yet hold; a
    test of another table's output may if a rule of that table that could match gives a value passing it
    (that table's hit policy applied). Not exact: a possibility found here may need values the facts cannot
    take together. Sound — no possibility missed — when recording facts can only add to what the tables
    read from other tables pass on: always where those tables read facts alone (the Art. 9 tables, under
    every hit policy; ``tests/test_reach.py``). A rule matching now is taken to match still, so a chain
    through a table whose matches a recording can undo (a ``none`` test of another table's output) may hide
    a possibility. Values of ``fixed`` names are final (a case record's items outrank the facts)."""

    def __init__(self, tables: tuple[ResolvedTable, ...], predicates: Sequence[RulePredicates],
                 positions: Mapping[str, int], values: Mapping[str, Any], facts: Mapping[str, FactDef],
                 fixed: Collection[str] = ()) -> None:
        self._tables, self._predicates, self._positions = tables, predicates, positions
        self._values, self._facts, self._fixed = values, facts, fixed
        self._outputs: dict[str, tuple[list[tuple[Any, Waits]], tuple[Any, Waits] | None]] = {}

    def rules(self, position: int) -> list[tuple[int, Waits]]:
        """The rules of the table at ``position`` some recording could make match, with what each waits on."""
        get, facts = self._values.get, self._facts
        found = []
        for number, checks in enumerate(self._predicates[position]):
            waits: list[str] = []
            derived: list[tuple[str, Predicate]] = []  # other tables' outputs: tried once the facts allow the rule
            for name, holds in checks:
                value = get(name)
                if holds(value):
                    continue
                if name not in facts:
                    derived.append((name, holds))
                elif value is None:
                    waits.append(name)
                else:  # a known fact stays as it is
                    break
            else:
                for name, holds in derived:
                    needed = self.derived(name, holds)
                    if needed is None:
                        break
                    waits.extend(needed)
                else:
                    found.append((number, frozenset(waits)))
        return found

    def derived(self, name: str, holds: Predicate) -> Waits | None:
        """What a failing test of another table's output waits on; None if no recording can make it hold."""
        if name in self._fixed:
            return None
        possible, joint = self._output(name)
        passing = [waits for output, waits in possible if output is _ANY or holds(output)]
        if not passing and joint is not None and holds(joint[0]):  # only several rules' values at once pass
            passing = [joint[1]]
        return frozenset().union(*passing) if passing else None

    def _output(self, name: str) -> tuple[list[tuple[Any, Waits]], tuple[Any, Waits] | None]:
        """The values another table's output ``<table>.<output>`` could take, each with what it waits on, and
        for a collected output, every waiting rule's value at once."""
        found = self._outputs.get(name)
        if found is None:
            table_id, output = name.split(".", 1)
            position = self._positions[table_id]
            found = self._outputs[name] = _passed(self._tables[position], output, self._values.get(name),
                                                  self.rules(position))
        return found


def _passed(resolved: ResolvedTable, output: str, now: Any,
            reached: list[tuple[int, Waits]]) -> tuple[list[tuple[Any, Waits]], tuple[Any, Waits] | None]:
    """The values ``output`` could pass on (``compiled.select``): the value now, and what each of the ``reached``
    rules that wait on facts would give if it matched; for a collected output, also all of them at once, which
    waits on every such rule's facts (more than a test needing only some of them may need)."""
    table = resolved.table
    possible: list[tuple[Any, Waits]] = [(now, frozenset())]
    waiting = [(number, waits) for number, waits in reached if waits]
    if dict(table.aggregate).get(output) is not None:
        return ([*possible, (_ANY, frozenset().union(*(w for _, w in waiting)))] if waiting else possible), None
    if table.hit_policy.single:
        for number, waits in reached:
            if not waits:
                if table.hit_policy == HitPolicy.FIRST:
                    break  # it matches now: no later rule can come first
                continue  # matching now: its value is ``now``, or it gives way to a higher one
            possible.append((resolved.rules[number].outputs.get(output), waits))
        return possible, None
    kind = table.output_type(output).kind
    collected = frozenset(now or ())
    for number, waits in waiting:  # collect: this rule's value joins what is collected now
        value = resolved.rules[number].outputs.get(output)
        if value is not None:
            possible.append((collected | (frozenset(value) if kind == Kind.LIST else {value}), waits))
    joined = possible[1:]
    joint = (frozenset().union(*(v for v, _ in joined)), frozenset().union(*(w for _, w in joined))) \
        if len(joined) > 1 else None
    return possible, joint
