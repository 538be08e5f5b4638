"""Hypothesis strategies derived from the input schema and the ruleset's own thresholds.

Every fact the tables may read gets a strategy from its type: enum members,
booleans, subsets, and for quantities the ruleset's own boundaries (each
threshold, values between them) plus arbitrary magnitudes, so the strategies
follow rule changes. ``None`` (unknown) is always possible.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import itertools
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from patrolrules import PatrolRulesError, units
from patrolrules.ci import witness_observation
from patrolrules.engine import compiled, diff, unknowns, verify
from patrolrules.engine.space import table_space
from patrolrules.engine.tables import FactDef, Kind
from patrolrules.facts import DERIVED, FACTS
from patrolrules.units import CANONICAL_SYMBOL, DIMENSIONS

DAY = dt.date(2024, 6, 1)
Seed = tuple[dict[str, Any], frozenset[tuple[str, str]]]  # an observation and the (table, rule) pairs it fires


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
    elif kind in (Kind.NUMBER, Kind.QUANTITY):  # the tables' cells, or any value
        tables = compiled.resolve(ruleset.graph, day)
        boundaries = unknowns.representatives(tables, fact)
        magnitudes = st.sampled_from(boundaries) if boundaries else st.nothing()
        if fact.type.integer:  # a count
            inner = st.one_of(magnitudes, st.integers(0, 5)).map(lambda v: max(int(v), 0))
        elif kind == Kind.NUMBER:
            inner = st.one_of(magnitudes, st.floats(0, 5, allow_nan=False)).map(lambda v: max(float(v), 0.0))
        else:
            dimension = fact.type.dimension or "area"
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
    """Observation mappings over every fact the tables may read (derived facts excluded): each fact
    drawn on its own, or a seed next to a rule row with a few facts changed (``near_rules``)."""
    return st.one_of(independent(ruleset, day), near_rules(ruleset, day))


def independent(ruleset: Any, day: dt.date = DAY) -> st.SearchStrategy[dict[str, Any]]:
    """Every fact the tables may read drawn on its own, unknown (``None``) or a value."""
    readable = {name: fact for name, fact in FACTS.items() if name not in DERIVED}
    fields = {name: fact_strategy(ruleset, fact, day) for name, fact in readable.items()}
    return st.fixed_dictionaries(fields).map(
        lambda flat: {"observed_at": f"{day.isoformat()}T10:00:00+08:00", **_nest(flat)})


def _set_path(observation: dict[str, Any], path: str, value: Any) -> None:
    """Put ``value`` at the dotted ``path`` of a nested observation; ``None`` removes what is there."""
    *parents, leaf = path.split(".")
    node = observation
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            if value is None:
                return
            child = node[part] = {}
        node = child
    if value is None:
        node.pop(leaf, None)
    else:
        node[leaf] = value


def _area(square_metres: float) -> str:
    return _quantity_text(float(square_metres), "area")


def _state_derived(ruleset: Any, day: dt.date, name: str, value: Any, observation: dict[str, Any]) -> bool:
    """Write the observation fields that give derived fact ``name`` the ``value`` (``facts.py``,
    ``escalation.supplied_facts``); ``False`` when an observation cannot state it (a case's facts, a parameter)."""
    if name.startswith("crime.area."):  # 法释〔2000〕14号 第9条: this act's area, no earlier acts
        _set_path(observation, "quantities.area." + name.removeprefix("crime.area."), _area(value))
    elif name == "quantities.area_total":  # the total of the classes given: one class
        _set_path(observation, "quantities.area.ordinary_cultivated_land", _area(value))
    elif name == "crime.ore_value":
        _set_path(observation, "quantities.ore_value", _quantity_text(float(value), "money"))
    elif name == "land.facility_agri.area_exceeds_filing":
        _set_path(observation, "land.facility_agri.filed_area", _area(1))
        _set_path(observation, "land.facility_agri.actual_area", _area(2 if value else 1))
    elif name == "activity.other_provision_named":
        _set_path(observation, "activity.other_provision", "《中华人民共和国土地管理法》第七十七条" if value else None)
    elif name == "quantities.forest_line_ratio":  # 法释〔2023〕8号: the public-welfare line alone, times the ratio
        param = ruleset.graph.parameters["crime342_forest_public_area"]
        line = units.canonical_magnitude(units.ureg.Quantity(Fraction(param.at(day)), units.parse_unit(param.unit)),
                                         "area")
        _set_path(observation, "quantities.area.forest_public_welfare", _area(float(line) * float(value)))
    elif name == "limitation.within":  # 行政处罚法 第36条: ended today, or ten years ago with no harm to safety
        _set_path(observation, "act_ended_on", (day if value else day - dt.timedelta(days=3660)).isoformat())
        _set_path(observation, "circumstances.harms_life_health_or_property_safety", False)
    else:
        return False
    return True


def _witness_seeds(ruleset: Any, day: dt.date) -> list[dict[str, Any]]:
    """For each rule, the observation ``patrolrules check`` would show as its witness, table outputs
    grounded in facts (``diff.ground``) and derived facts written as the fields they come from."""
    seeds = []
    for resolved in ruleset._period(day, "native").tables:
        space = table_space([resolved], ruleset.graph)
        _, chosen = verify.selected_regions(space, resolved, limit=1)
        for boxes in chosen:
            facts = diff.ground(ruleset.graph, day, space.witness(boxes[0])) if boxes else None
            if facts is None:
                continue
            fields = {n: v for n, v in facts.items() if v is not None and n in FACTS and n not in DERIVED}
            derived = {n: v for n, v in facts.items() if v is not None and n not in fields}
            observation = witness_observation(fields, day.isoformat())
            if observation is not None and all(_state_derived(ruleset, day, name, value, observation)
                                               for name, value in derived.items()):
                seeds.append(observation)  # may still miss its rule: a witness can be impossible upstream
    return seeds


@functools.lru_cache(maxsize=4)
def rule_seeds(ruleset: Any, day: dt.date = DAY) -> tuple[Seed, ...]:
    """Observations (dated ``day``) that together fire every rule an observation can fire, few as can be,
    each with the (table, rule) pairs it fires: golden-case observations and rule witnesses, chosen by
    greedy set cover."""
    given = []
    for _, _, case in ruleset.loaded.cases:
        if not case.overlays and not case.expect.get("error"):
            found = case.input.get("observation", {}) if "events" in case.input else case.input  # a case's finding
            given.append({**copy.deepcopy(found), "observed_at": f"{day.isoformat()}T10:00:00+08:00"})
    fired_by = [(o, fired) for o in [*given, *_witness_seeds(ruleset, day)]
                if (fired := _fired(ruleset, o)) is not None]
    chosen = _cover(fired_by)
    # A rule whose witness no single seed can give (an escalation that needs both a criminal line and a
    # circumstance of Art. 14): two seeds' facts together.
    covered = set().union(*(fired for _, fired in chosen))
    for (first, _), (second, _) in itertools.permutations(chosen, 2):
        merged = _merged(first, second)
        fired = _fired(ruleset, merged)
        if fired is not None and fired - covered:
            fired_by.append((merged, fired))
            covered |= fired
    return tuple(_cover(fired_by))


def _fired(ruleset: Any, observation: dict[str, Any]) -> frozenset[tuple[str, str]] | None:
    try:
        decision = ruleset.evaluate(observation)
    except PatrolRulesError:
        return None
    return frozenset((f.table, f.rule) for f in decision.trace)


def _merged(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """``first`` with ``second``'s fields written over it, nested records merged."""
    out = copy.deepcopy(first)
    for key, value in second.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _cover(fired_by: list[Seed]) -> list[Seed]:
    """Greedy set cover: seeds in order of the most rules not yet fired."""
    chosen: list[Seed] = []
    covered: set[tuple[str, str]] = set()
    while True:
        best = max(fired_by, key=lambda seed: len(seed[1] - covered), default=None)
        if best is None or not best[1] - covered:
            return chosen
        chosen.append(best)
        covered |= best[1]


def near_rules(ruleset: Any, day: dt.date = DAY) -> st.SearchStrategy[dict[str, Any]]:
    """Observations next to every rule row: a seed (``rule_seeds``) with up to three of its
    facts changed or removed. Facts drawn independently (``observations``) rarely line up for rules that
    test four or five of them at once (a criminal line, a licence's mineral); these start where they do."""
    readable = sorted(name for name in FACTS if name not in DERIVED)
    fields = {name: fact_strategy(ruleset, FACTS[name], day) for name in readable}
    seeds = [seed for seed, _ in rule_seeds(ruleset, day)]

    @st.composite
    def mutated(draw: st.DrawFn) -> dict[str, Any]:
        observation = copy.deepcopy(draw(st.sampled_from(seeds)))
        for name in draw(st.lists(st.sampled_from(readable), unique=True, max_size=3)):
            _set_path(observation, name, draw(fields[name]))
        return observation

    return mutated()
