"""Rules in force for a time (``from:`` / ``repealed:``): the forest-land lines of 刑法 第342条 changed
on 2023-08-15, when 法释〔2023〕8号 replaced 法释〔2005〕15号, and a decision applies the lines of its date."""

from __future__ import annotations

import copy
import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import patrolrules
from patrolrules import RulesetError, ci
from patrolrules.batch import batch_run
from patrolrules.engine import compiled, durable
from patrolrules.ruleset import bundled_directory, parse_observation

from . import strategies
from .rulefiles import copy_bundled, copy_with_edits, with_one_case

CHANGE = dt.date(2023, 8, 15)  # 法释〔2023〕8号 施行; 法释〔2005〕15号 废止
TRANSFER = "crime_transfer"
FOREST_2005 = {"c342.forest_public_2005", "c342.forest_other_2005", "c342.forest_halves_2005",
               "c342.forest_public_half_total_2005", "c342.forest_other_half_total_2005"}
FOREST_2023 = {"c342.forest_public", "c342.forest_commercial", "c342.forest_mixed", "c342.forest_repeat"}


def _rule_ids(ruleset: patrolrules.Ruleset, day: dt.date) -> set[str]:
    (table,) = [t.table for t in compiled.resolve(ruleset.graph, day) if t.table.id == TRANSFER]
    return {rule.id for rule in table.rules}


def test_each_day_sees_only_the_rules_in_force(ruleset):
    before, on = _rule_ids(ruleset, CHANGE - dt.timedelta(days=1)), _rule_ids(ruleset, CHANGE)
    assert FOREST_2005 <= before and not FOREST_2023 & before
    assert FOREST_2023 <= on and not FOREST_2005 & on
    assert before - FOREST_2005 == on - FOREST_2023  # every other line is the same on both days
    assert CHANGE in ruleset.graph.change_dates()  # a period starts where a rule comes into force


def _crime_2005(public: Fraction, other: Fraction) -> bool:
    """法释〔2005〕15号 第1条 (一)–(四), from its text: 防护林地、特种用途林地 5亩, 其他林地 10亩."""
    return (public >= 5 or other >= 10 or (public >= Fraction(5, 2) and other >= 5)
            or (public >= Fraction(5, 2) and public + other >= 5) or (other >= 5 and public + other >= 10))


def _crime_2023(public: Fraction, other: Fraction, penalties: int) -> bool:
    """法释〔2023〕8号 第1条: 公益林地 5亩, 商品林地 10亩, a mix pro rata, half after two penalties in two years."""
    share = public / 5 + other / 10
    return public >= 5 or other >= 10 or share >= 1 or (penalties >= 2 and share >= Fraction(1, 2))


_TENTHS = st.integers(min_value=0, max_value=150).map(lambda n: Fraction(n, 10))  # 0–15 亩 in steps of 0.1
_DAYS = [dt.date(2019, 3, 1), dt.date(2021, 3, 1), CHANGE - dt.timedelta(days=1), CHANGE, dt.date(2026, 5, 6)]


def _crime_on(day: dt.date, public: Fraction, other: Fraction, penalties: int) -> bool:
    return _crime_2005(public, other) if day < CHANGE else _crime_2023(public, other, penalties)


@given(public=_TENTHS, other=_TENTHS, penalties=st.integers(min_value=0, max_value=3), day=st.sampled_from(_DAYS),
       ended=st.none() | st.sampled_from(_DAYS), restored=st.sampled_from([True, False, None]))
def test_forest_lines_follow_the_interpretation_in_force(ruleset, public, other, penalties, day, ended, restored):
    """The lines of the decision's date; for an act that ended earlier and is not going on, the act-time
    lines unless the later ones favour the suspect (高检发释字〔2001〕5号 三): a crime under both."""
    areas = {k: f"{v * 10 // 10}.{v * 10 % 10}亩" for k, v in  # tenths, written exactly
             (("forest_public_welfare", public), ("forest_commercial", other)) if v}
    at = f"{day.isoformat()}T09:00:00+08:00"
    observation = {"observed_at": at, "quantities": {"area": areas},
                   "land": {"planting_conditions_destroyed": True, "restored": restored},
                   "party": {"identified": True, "agricultural_land_penalties_within_two_years": penalties}}
    ended = None if ended is None else min(ended, day)  # an act ends no later than it is observed
    if ended is not None:
        observation["act_ended_on"] = ended.isoformat()
    case = {"id": "C", "township": "高峰街道", "unit_kind": "resource_station", "observation": observation,
            "events": [{"kind": "discovered", "at": at}], "violation_items": ["i1"]}
    decision = ruleset.evaluate_case(case)
    transfer = decision.transfer
    forest = {line.rule for line in transfer.lines if line.rule.startswith("c342.forest")}
    assert {f.rule for f in decision.trace if f.table == TRANSFER} == {line.rule for line in transfer.lines}
    act_time = restored is not False and ended is not None and ended < day  # not a continuing act
    # the act's lines only where they differ from the decision day's: here, across 2023-08-15
    lines_day = ended if act_time and (ended < CHANGE) != (day < CHANGE) else day
    assert transfer.lines_as_of == lines_day
    assert {b.key for b in transfer.time_rule} == ({"TE2001"} if lines_day != day else set())
    expected = _crime_on(day, public, other, penalties)
    if act_time:
        expected = expected and _crime_on(ended, public, other, penalties)
    assert bool(forest) == expected
    assert forest <= (FOREST_2005 if lines_day < CHANGE else FOREST_2023)
    for line in transfer.lines:  # each line cites the interpretation of the day whose lines apply
        if line.rule in forest:
            assert {b.key for b in line.basis} == {"CL-342", "JI2005-1" if lines_day < CHANGE else "JI2023-1"}


def test_a_rule_repealed_before_it_comes_into_force_is_a_rule_file_error(tmp_path):
    dated = ("        repealed: 2023-08-15\n", "        repealed: 2005-01-01\n        from: 2006-01-01\n")
    directory = copy_with_edits(tmp_path, "art14_escalation.yaml", dated)
    with pytest.raises(RulesetError) as raised:
        patrolrules.load_ruleset(directory)
    (problem,) = raised.value.problems
    assert problem.file == "art14_escalation.yaml" and problem.line is not None
    assert "repealed (2005-01-01) before it comes into force (2006-01-01)" in problem.message


def test_coverage_counts_dated_rules_and_says_from_when_to_date_a_case(tmp_path):
    directory = with_one_case(copy_bundled(tmp_path))
    report = ci.test(directory, 100)
    rows = {r["rule"]: r for r in report.data["rules"] if r["table"] == TRANSFER}
    assert set(rows) >= FOREST_2005 | FOREST_2023  # every rule is counted, whatever its dates
    for rule in FOREST_2023:  # in force only from 2023-08-15: a case must be dated then or later
        assert not rows[rule]["covered"] and "add a case dated 2023-08-15 or later where" in rows[rule]["why"]
        assert rows[rule]["witness"]
    for rule in FOREST_2005:  # in force when the ruleset takes effect
        assert not rows[rule]["covered"] and rows[rule]["why"].startswith("no golden case reaches it; add a case where")


def test_a_rule_repealed_before_the_ruleset_takes_effect_is_reported_uncovered(tmp_path):
    directory = copy_with_edits(tmp_path, "art14_escalation.yaml",
                                ("note: 非法占用并毁坏其他林地数量达到十亩以上\n        repealed: 2023-08-15",
                                 "note: 非法占用并毁坏其他林地数量达到十亩以上\n        repealed: 2018-01-01"))
    report = ci.test(directory, 100)
    (row,) = [r for r in report.data["rules"] if r["rule"] == "c342.forest_other_2005"]
    assert not row["covered"] and row["why"] == "repealed on 2018-01-01, before the ruleset takes effect"


def test_a_case_transition_cannot_be_dated(tmp_path):
    directory = copy_with_edits(tmp_path, "art14_escalation.yaml",
                                ("      - id: discover\n", "      - id: discover\n        from: 2020-01-01\n"))
    ruleset = patrolrules.load_ruleset(directory)
    case = {"id": "C", "township": "高峰街道", "unit_kind": "resource_station",
            "observation": {"observed_at": "2024-05-06T09:00:00+08:00"},
            "events": [{"kind": "discovered", "at": "2024-05-06T09:00:00+08:00"}]}
    with pytest.raises(RulesetError, match="a case transition cannot be dated"):
        ruleset.evaluate_case(case)


BEFORE = dt.date(2022, 6, 1)


def test_observations_reach_the_repealed_rows(ruleset):
    """Rule seeds dated before the change fire the 2005 rows from observations, not only from cases."""
    fired = set().union(*(rules for _, rules in strategies.rule_seeds(ruleset, BEFORE)))
    assert {(TRANSFER, rule) for rule in FOREST_2005} <= fired
    assert not {(TRANSFER, rule) for rule in FOREST_2023} & fired


@pytest.mark.skipif(not durable.AVAILABLE, reason="durable_rules installs on Python < 3.13 only")
def test_engines_agree_before_the_change(ruleset):
    for observation, _ in strategies.rule_seeds(ruleset, BEFORE):
        native = ruleset.evaluate(observation).model_dump(mode="json")
        assert ruleset.evaluate(observation, engine="durable").model_dump(mode="json") == native


def test_diff_reports_a_moved_repeal_date_only_where_decisions_change(tmp_path):
    old, new = "note: 两类林地数量分别达到相应规定的数量标准的百分之五十以上\n        repealed: 2023-08-15", \
        "note: 两类林地数量分别达到相应规定的数量标准的百分之五十以上\n        repealed: 2021-01-01"
    directory = copy_with_edits(tmp_path, "art14_escalation.yaml", (old, new))
    report = ci.diff_rulesets(bundled_directory(), directory)
    edits = [e for e in report.data["edits"] if e["name"] == f"{TRANSFER}/c342.forest_halves_2005"]
    assert [(e["kind"], e["before"]["repealed"], e["after"]["repealed"]) for e in edits] == [
        ("in_force", "2023-08-15", "2021-01-01")]
    changed = [c for c in report.data["changes"] if c["table"] == TRANSFER]
    assert changed and {c["as_of"] for c in changed} == {"2021-01-01"}  # only until the 2023 rows take over


def _ended_in_2022(observation: dict) -> dict:
    """The observation, about an act that ended on 2022-06-01 on land since restored (not continuing)."""
    out = copy.deepcopy(observation)
    out["act_ended_on"] = "2022-06-01"
    out["land"] = {**out.get("land", {}), "restored": True}
    return out


def _next_to_transfer_lines(ruleset):
    """Seeds next to every transfer line, each about an act that ended under the 2005 lines."""
    for observation, fired in strategies.rule_seeds(ruleset, strategies.DAY):
        if any(table == TRANSFER for table, _ in fired):
            yield observation, _ended_in_2022(observation)


def test_the_act_time_lines_apply_next_to_every_transfer_line(ruleset):
    """The act's date decides the lines, and it changes some transfers (so the path runs)."""
    changed = 0
    for observation, old in _next_to_transfer_lines(ruleset):
        native = ruleset.evaluate(old).model_dump(mode="json")
        assert native["escalation"]["transfer"]["lines_as_of"] == "2022-06-01"
        restored = {**copy.deepcopy(observation), "land": {**observation.get("land", {}), "restored": True}}
        changed += native["escalation"]["transfer"]["crimes"] != ruleset.evaluate(restored).escalation.transfer.crimes
    assert changed > 0


@pytest.mark.skipif(not durable.AVAILABLE, reason="durable_rules installs on Python < 3.13 only")
def test_engines_agree_when_the_act_time_lines_apply(ruleset):
    """Durable decides those acts as the generated code does."""
    for _, old in _next_to_transfer_lines(ruleset):
        native = ruleset.evaluate(old).model_dump(mode="json")
        assert ruleset.evaluate(old, engine="durable").model_dump(mode="json") == native


def test_batches_take_the_act_time_lines_too(ruleset):
    observations = [_ended_in_2022(o) for o, fired in strategies.rule_seeds(ruleset, strategies.DAY)
                    if any(table == TRANSFER for table, _ in fired)]
    runs = batch_run(ruleset, observations)
    for observation, run in zip(observations, runs, strict=True):
        lines = [line.rule for line in ruleset.evaluate(observation).escalation.transfer.lines]
        assert [rule.id for rule in run.results[TRANSFER].rules] == lines
        assert run.values == ruleset._run(*_pipeline(ruleset, observation)).values


def _pipeline(ruleset, observation):
    parsed = parse_observation(observation)
    day = parsed.observed_at.date()
    period = ruleset._period(day, "native")
    return parsed, day, period, "native", ruleset.facts_of(parsed, day)
