"""Unknown facts: which ones a decision waits on, and the values worth trying for each.

With "an unknown value never satisfies a test", giving an unknown fact a value can
only make more tests hold. So a fact can change the outcome directly only through
a rule that tests it and whose every *other* test already holds; those facts are
the candidates. For each, one representative value per cell of its partition is
tried (enum members, both booleans, singleton sets, interval boundaries).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .compiled import ResolvedTable, predicate
from .space import number_cells
from .tables import FactDef, IntervalTest, Kind, SetTest


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
