"""The fact extractor reads every fact an observation holds, exactly where its dotted name points."""

from __future__ import annotations

from enum import Enum
from typing import Any

from hypothesis import given, settings

from patrolrules import units
from patrolrules.engine.tables import Kind
from patrolrules.facts import DERIVED, EXTRACTOR, FACTS
from patrolrules.ruleset import parse_observation

from . import strategies


def _by_path(observation: Any, name: str) -> Any:
    """The reference reading: follow the dotted name attribute by attribute (an enum-keyed map by key)."""
    value = observation
    for part in name.split("."):
        if value is None:
            return None
        if isinstance(value, dict):
            value = next((v for k, v in value.items() if k.value == part), None)
        else:
            value = getattr(value, part)
    if value is None:
        return None
    fact_type = FACTS[name].type
    if fact_type.kind == Kind.ENUM:
        return str(value.value)
    if fact_type.kind == Kind.SET:
        return frozenset(str(v.value) for v in value)
    if fact_type.kind == Kind.QUANTITY:
        return float(units.canonical_magnitude(value, fact_type.dimension))
    if fact_type.kind == Kind.NUMBER:
        return float(value)
    assert not isinstance(value, Enum)
    return value


def test_every_fact_is_read_from_its_dotted_path(ruleset):
    read_from_fields = [name for name in FACTS if name not in DERIVED]
    assert len(read_from_fields) > 50

    @settings(max_examples=200)
    @given(strategies.observations(ruleset))
    def check(data):
        observation = parse_observation(data)
        facts = EXTRACTOR(observation)
        assert list(facts) == list(FACTS)  # every fact, in catalogue order
        for name in read_from_fields:
            assert facts[name] == _by_path(observation, name), name

    check()


def test_an_absent_nested_record_makes_all_its_facts_unknown(ruleset):
    observation = parse_observation({"observed_at": "2024-06-01T10:00:00+08:00", "land": {}})
    assert observation.land.facility_agri is None
    facts = EXTRACTOR(observation)
    nested = [name for name in FACTS if name.startswith("land.facility_agri.")]
    assert nested and all(facts[name] is None for name in nested)
