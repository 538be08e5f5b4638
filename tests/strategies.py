"""Hypothesis strategies derived from the input schema and the ruleset's own thresholds.

Every fact the tables may read gets a strategy from its type: enum members,
booleans, subsets, and for quantities the ruleset's own boundaries (each
threshold, values between them) plus arbitrary magnitudes, so the strategies
follow rule changes. ``None`` (unknown) is always possible.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from patrolrules.engine import compiled, unknowns
from patrolrules.engine.tables import FactDef, Kind
from patrolrules.facts import DERIVED, FACTS
from patrolrules.units import CANONICAL_SYMBOL, DIMENSIONS

DAY = dt.date(2024, 6, 1)


def _quantity_text(value: float, dimension: str) -> str:
    return f"{value!r} {CANONICAL_SYMBOL[DIMENSIONS[dimension][1]]}"


def fact_strategy(ruleset: Any, fact: FactDef, day: dt.date = DAY) -> st.SearchStrategy[Any]:
    kind = fact.type.kind
    if kind == Kind.ENUM:
        inner: st.SearchStrategy[Any] = st.sampled_from(fact.type.values)
    elif kind == Kind.BOOLEAN:
        inner = st.booleans()
    elif kind == Kind.SET:
        inner = st.lists(st.sampled_from(fact.type.values), unique=True, max_size=4)
    elif kind == Kind.NUMBER:
        inner = st.integers(0, 5)
    elif kind == Kind.QUANTITY:
        tables = compiled.resolve(ruleset.graph, day)
        boundaries = unknowns.representatives(tables, fact)
        dimension = fact.type.dimension or "area"
        magnitudes = st.sampled_from(boundaries) if boundaries else st.nothing()
        inner = st.one_of(magnitudes, st.floats(0, 1e6, allow_nan=False)).map(
            lambda v: _quantity_text(max(float(v), 0.0), dimension))
    else:
        return st.none()
    return st.one_of(st.none(), inner)


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for path, value in flat.items():
        if value is None:
            continue
        node = nested
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return nested


def observations(ruleset: Any, day: dt.date = DAY) -> st.SearchStrategy[dict[str, Any]]:
    """Observation mappings over every fact the tables may read (derived facts excluded)."""
    readable = {name: fact for name, fact in FACTS.items() if name not in DERIVED}
    fields = {name: fact_strategy(ruleset, fact, day) for name, fact in readable.items()}
    return st.fixed_dictionaries(fields).map(
        lambda flat: {"observed_at": f"{day.isoformat()}T10:00:00+08:00", **_nest(flat)})
