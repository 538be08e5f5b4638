"""Seeded synthetic observations for the full-decision benchmark.

``patrolrules.synth`` (the what-if work) is not on this branch, so this small
generator stands in: like tests/strategies.py it draws every readable fact from
its type (enum members, booleans, subsets, quantities at and between the
ruleset's own thresholds), each unknown with probability ``unknown``.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from patrolrules import Ruleset
from patrolrules.engine import compiled, unknowns
from patrolrules.engine.tables import Kind
from patrolrules.facts import DERIVED, FACTS
from patrolrules.units import CANONICAL_SYMBOL, DIMENSIONS

DAY = dt.date(2024, 6, 1)


def observations(ruleset: Ruleset, count: int, seed: int = 9, unknown: float = 0.4) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    tables = compiled.resolve(ruleset.graph, DAY)
    readable = sorted((n, f) for n, f in FACTS.items() if n not in DERIVED)
    points = {n: unknowns.representatives(tables, f) for n, f in readable if f.type.kind == Kind.QUANTITY}
    out = []
    for index in range(count):
        flat: dict[str, Any] = {}
        for name, fact in readable:
            if rng.random() < unknown:
                continue
            kind = fact.type.kind
            if kind == Kind.ENUM:
                flat[name] = rng.choice(fact.type.values)
            elif kind == Kind.BOOLEAN:
                flat[name] = rng.random() < 0.5
            elif kind == Kind.SET:
                flat[name] = rng.sample(fact.type.values, rng.randint(0, min(3, len(fact.type.values))))
            elif kind == Kind.NUMBER:
                flat[name] = rng.randint(0, 5)
            elif kind == Kind.QUANTITY:
                dimension = fact.type.dimension or "area"
                choices = points[name]
                value = rng.choice(choices) if choices and rng.random() < 0.5 else rng.uniform(0, 1e5)
                flat[name] = f"{float(value)!r} {CANONICAL_SYMBOL[DIMENSIONS[dimension][1]]}"
        nested: dict[str, Any] = {"id": f"s{index}", "observed_at": f"{DAY.isoformat()}T10:00:00+08:00"}
        for path, value in flat.items():
            node = nested
            parts = path.split(".")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = value
        out.append(nested)
    return out
