"""Same input, same output, in any process; evaluation mutates nothing and stamps its ruleset."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given

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
