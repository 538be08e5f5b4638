"""The property tests reach every rule row an observation can reach.

Facts drawn one by one rarely line up for a rule that tests four or five of them (a criminal line of
刑法 第342条 needs the land class, its area, the destroyed planting conditions and an item found), so
``strategies.observations`` also starts from seeds next to every rule (``strategies.rule_seeds``:
golden-case observations, each rule's witness, and two seeds merged where one alone cannot give it).
These tests hold the seeds to that, and check on each seed what the random draws check elsewhere:
the engines and the evaluation paths agree.
"""

from __future__ import annotations

import pytest

from patrolrules.batch import batch_run
from patrolrules.engine import codegen, compiled, durable
from patrolrules.ruleset import parse_observation

from . import strategies

DAY = strategies.DAY

# The Art. 14 case lifecycle (a case's state and events), the 立案 conditions a case establishes
# (case.liability_exempt, case.within_jurisdiction, case.minor_and_corrected) and the filing decisions that
# need all of them met: no observation alone states them (patrolrules.case does).
CASE_TABLES = ("case_transitions", "case_obligations")
NEEDS_A_CASE_TOO = {("filing_conditions", "liability.met"), ("filing_conditions", "liability.failed"),
                    ("filing_conditions", "jurisdiction.met"), ("filing_conditions", "jurisdiction.failed"),
                    ("filing_decision", "all.conditions.met"), ("filing_decision", "minor.corrected")}


def _observation_rules(ruleset) -> set[tuple[str, str]]:
    return {(t.table.id, r.id) for t in ruleset._period(DAY, "native").tables for r in t.table.rules}


def test_seeds_fire_every_rule_an_observation_can_fire(ruleset):
    fired = set().union(*(rules for _, rules in strategies.rule_seeds(ruleset)))
    needs_a_case = {(t, r) for t, r in _observation_rules(ruleset) if t in CASE_TABLES} | NEEDS_A_CASE_TOO
    assert _observation_rules(ruleset) - fired == needs_a_case
    assert len(fired) > 100
    for table_id, rule_id in needs_a_case:  # the reason holds: each reads a case's fact, or a table that does
        rule = next(r for r in ruleset.graph.table(table_id).rules if r.id == rule_id)
        read = [name for name, _ in rule.tests]
        assert any(name.startswith(("case.", "case_transitions.", "filing_conditions.")) for name in read), rule_id


def test_seeds_are_valid_observations_dated_as_asked(ruleset):
    seeds = strategies.rule_seeds(ruleset)
    assert len(seeds) < len(_observation_rules(ruleset)) / 2  # a cover, not one seed a rule
    for observation, _ in seeds:
        assert parse_observation(observation).observed_at.date() == DAY


@pytest.mark.skipif(not durable.AVAILABLE, reason="durable_rules installs on Python < 3.13 only")
def test_engines_agree_next_to_every_rule(ruleset):
    for observation, _ in strategies.rule_seeds(ruleset):
        native = ruleset.evaluate(observation).model_dump(mode="json")
        assert ruleset.evaluate(observation, engine="durable").model_dump(mode="json") == native


def test_generated_code_and_batches_equal_the_reference_next_to_every_rule(ruleset):
    seeds = [observation for observation, _ in strategies.rule_seeds(ruleset)]
    tables = compiled.resolve(ruleset.graph, DAY)
    reference, generated = compiled.NativeMatcher(tables), codegen.GeneratedMatcher(tables)
    expected = []
    for observation in seeds:
        parsed = parse_observation(observation)
        facts = ruleset.facts_of(parsed, DAY)
        run = compiled.run(tables, reference, facts)
        assert generated.run(facts) == run
        # what evaluate runs: this, or with an ended act's criminal lines (escalation.act_time_transfer)
        expected.append(ruleset._at_act_time(parsed, DAY, ruleset._period(DAY, "native"), "native", facts, run))
    assert batch_run(ruleset, seeds) == expected
