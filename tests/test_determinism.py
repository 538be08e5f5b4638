"""Same input, same output, in any process; evaluation mutates nothing and stamps its ruleset."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from pydantic import BaseModel

from patrolrules import synth
from patrolrules.engine import durable

from . import strategies

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "observations.jsonl"


def test_decisions_are_byte_identical_across_hash_seeds():
    outputs = []
    for seed in ("1", "987654"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-m", "patrolrules.cli", "evaluate", str(EXAMPLES)],
                                capture_output=True, env=env, check=True)
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1] and outputs[0].count(b"\n") == len(EXAMPLES.read_text().splitlines())


def test_evaluation_does_not_mutate_input_and_stamps_the_ruleset(ruleset):
    @given(strategies.observations(ruleset))
    def check(observation):
        original = copy.deepcopy(observation)
        decision = ruleset.evaluate(observation)
        assert observation == original
        stamp = decision.ruleset
        assert (stamp.name, stamp.version, stamp.content_id) == (ruleset.name, ruleset.version, ruleset.content_id)
        assert decision == ruleset.evaluate(observation)

    check()


def test_every_fired_rule_carries_its_citation(ruleset):
    for line in EXAMPLES.read_text(encoding="utf-8").splitlines():
        decision = ruleset.evaluate(json.loads(line))
        assert decision.trace
        for fired in decision.trace:
            assert fired.citation.article >= 1 and fired.citation.text_zh


def test_a_decision_changed_by_its_user_leaves_later_decisions_alone(ruleset):
    # what one decision shows is cached per rule (citations, bases, outputs); a user changing
    # the lists and dicts of one decision must not change the next decision of the same rule
    observation = json.loads(EXAMPLES.read_text().splitlines()[0])
    first = ruleset.evaluate(observation)
    expected = ruleset.evaluate(observation).model_dump()
    for fired in first.trace:
        fired.basis.clear()
        fired.outputs.clear()
        fired.inputs.clear()
    for item in first.violations.items:
        item.legal_basis.clear()
        item.matched_facts.clear()
    first.citations.clear()
    assert ruleset.evaluate(observation).model_dump() == expected
    assert any(f.basis for f in ruleset.evaluate(observation).trace)


def _spoil(value: Any) -> None:
    """Change every list and dict inside ``value``, however deep (frozen models keep their fields)."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _spoil(getattr(value, name))
    elif isinstance(value, dict):
        for inner in list(value.values()):
            _spoil(inner)
        value["spoiled"] = True
    elif isinstance(value, list):
        for inner in list(value):
            _spoil(inner)
        value.append("spoiled")


@pytest.mark.parametrize("engine", ["native", pytest.param("durable", marks=pytest.mark.skipif(
    not durable.AVAILABLE, reason="durable_rules is not installed"))])
def test_no_container_of_a_decision_is_shared_with_a_later_one(ruleset, engine):
    # a stricter form of the test above: every list and dict, at any depth (a fired rule's list-valued
    # outputs, e.g. patrol_modes or recipients), spoiled in each decision of a year of findings
    observations = synth.observations(150, seed=11)
    expected = [ruleset.evaluate(o, engine=engine).model_dump() for o in observations]
    for observation in observations:
        _spoil(ruleset.evaluate(observation, engine=engine))
    assert [ruleset.evaluate(o, engine=engine).model_dump() for o in observations] == expected


def test_no_container_of_a_case_decision_is_shared_with_a_later_one(ruleset):
    case = {"id": "WZ-1", "township": "高峰街道", "unit_kind": "resource_station",
            "observation": {"observed_at": "2024-05-06T09:00:00+08:00",
                            "land": {"planting_conditions_destroyed": True, "restored": False},
                            "activity": {"kind": "house", "structure": "building", "stage": "under_construction"},
                            "quantities": {"area": {"permanent_basic_farmland": "5亩"}}, "party": {"identified": True}},
            "violation_items": ["i4"], "liability_exempt": False, "within_jurisdiction": True,
            "events": [{"kind": "discovered", "at": "2024-05-06T09:00:00+08:00"},
                       {"kind": "written_notice_served", "at": "2024-05-06T10:00:00+08:00"},
                       {"kind": "reinspection_ongoing", "at": "2024-05-09T10:00:00+08:00"}]}
    expected = ruleset.evaluate_case(case).model_dump()
    _spoil(ruleset.evaluate_case(case))
    assert ruleset.evaluate_case(case).model_dump() == expected


@pytest.mark.parametrize("hours", [-10, 0, 5.75, 14])
def test_the_same_instant_in_another_offset_gives_the_same_decision(ruleset, hours):
    # the law in force, working days and due times go by Wanzhou's date (UTC+8), not the offset written
    zone = dt.timezone(dt.timedelta(hours=hours))
    for observation in synth.observations(60, seed=5):
        moved = {**observation, "observed_at": dt.datetime.fromisoformat(observation["observed_at"])
                 .astimezone(zone).isoformat()}
        assert ruleset.evaluate(moved).model_dump(mode="json") == ruleset.evaluate(observation).model_dump(mode="json")
    case = {"id": "C", "unit_kind": "resource_station", "violation_items": ["i1"],
            "observation": {"observed_at": "2024-05-06T03:00:00+08:00", "activity": {"kind": "land_occupation"}},
            "events": [{"kind": k, "at": f"2024-05-0{d}T03:00:00+08:00"}
                       for k, d in (("discovered", 6), ("written_notice_served", 7), ("reinspection_ongoing", 9))]}
    moved = json.loads(json.dumps(case))
    for item in [moved["observation"], *moved["events"]]:
        key = "observed_at" if "observed_at" in item else "at"
        item[key] = dt.datetime.fromisoformat(item[key]).astimezone(zone).isoformat()
    assert ruleset.evaluate_case(moved).model_dump(mode="json") == ruleset.evaluate_case(case).model_dump(mode="json")
