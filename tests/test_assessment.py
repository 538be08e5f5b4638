"""Arts. 22–24: scores within bounds, monotone, deterministic; the counterfactual reaches the next grade."""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import patrolrules
from patrolrules.assessment import EquipmentKind, assess
from patrolrules.errors import InputError, RulesetError
from patrolrules.observation import LeadSource
from patrolrules.ruleset import load_ruleset

from .rulefiles import copy_with_edits

RULESET = patrolrules.load_ruleset()
RANK = {"fail": 0, "pass": 1, "good": 2, "excellent": 3}
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "assessment_excellent.json"


def _opt(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy)


def _entry(day: int, area: str, valid: bool) -> dict:
    entry = {"id": f"{area}{day}", "patrol_time": f"2024-03-{day:02d}T09:00:00+08:00", "patrol_staff": ["张三", "李四"],
             "route": "r", "plan_area": area, "inspected_items": ["x"], "finding": "none",
             "entered_into_system": f"2024-03-{day:02d}T17:00:00+08:00"}
    if not valid:
        entry["patrol_staff"] = ["张三"]
    return entry


DAYS = ["2024-03-05", "2024-03-06", "2024-03-09", "2024-03-16"]
cases = st.lists(st.fixed_dictionaries({
    "id": st.sampled_from(["C1", "C2", "C3"]),
    "discovery_source": st.sampled_from([s.value for s in LeadSource]),
    "discovered_on": st.just("2024-03-05"),
    "stop_required": st.booleans(),
    "stopped_on": _opt(st.sampled_from(DAYS)),
    "report_due": _opt(st.just("2024-03-08")),
    "reported_on": _opt(st.sampled_from(DAYS)),
}), max_size=4)
ledgers = st.lists(st.builds(_entry, st.sampled_from([4, 5, 11, 12, 20]), st.sampled_from(["A", "B"]), st.booleans()),
                   max_size=6)
plans = st.fixed_dictionaries({
    "unit_kind": st.just("resource_station"), "year": st.just(2024),
    "areas": st.lists(st.fixed_dictionaries({"name": st.sampled_from(["A", "B", "C"]),
                                             "frequency_per_week": _opt(st.sampled_from([0.5, 1, 2]))}),
                      min_size=1, max_size=3, unique_by=lambda a: a["name"]),
    "base_frequency_per_week": _opt(st.just(1)),
})
judgement = _opt(st.floats(0, 100, allow_nan=False))
inputs = st.fixed_dictionaries({
    "unit": st.just({"kind": "resource_station", "name": "甘宁所", "principal_head": "赵所长"}),
    "period": st.just({"start": "2024-03-04", "end": "2024-03-24"}),
    "plan": _opt(plans),
    "ledger": _opt(ledgers),
    "cases": _opt(cases),
    "staffing": _opt(st.fixed_dictionaries({"quota": st.integers(1, 8), "actual": st.integers(0, 10)})),
    "equipment": _opt(st.lists(st.sampled_from([e.value for e in EquipmentKind]), unique=True)),
    "judgements": st.fixed_dictionaries({"system_building": judgement, "responsibility": judgement,
                                         "organisation": judgement}),
    "appraisal_score": judgement,
    "spot_checks": _opt(st.lists(st.fixed_dictionaries({"kind": st.sampled_from(["falsification", "other"])}),
                                 max_size=3)),
})

def _weaker(judgements: list[float], appraisal: float, kept: list[bool], actual: int, equipment: list[str]) -> dict:
    """The bundled excellent unit made weaker in a drawn way: so the properties meet every grade, not
    only the "fail" that sparse random records almost always give."""
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["judgements"] = dict(zip(("system_building", "responsibility", "organisation"), judgements, strict=True))
    data["appraisal_score"] = appraisal
    data["ledger"] = [e for e, keep in zip(data["ledger"], kept * len(data["ledger"]), strict=False) if keep]
    data["staffing"] = {**data["staffing"], "actual": actual}
    data["equipment"] = equipment
    return data


weaker_units = st.builds(_weaker, st.lists(st.floats(60, 100), min_size=3, max_size=3), st.floats(60, 100),
                         st.lists(st.booleans(), min_size=1, max_size=4).filter(any), st.integers(0, 5),
                         st.lists(st.sampled_from([e.value for e in EquipmentKind]), unique=True))
inputs = st.one_of(inputs, weaker_units)
INDICATORS = [r.outputs["indicator"] for r in
              patrolrules.assessment.Weights(RULESET, patrolrules.assessment.dt.date(2024, 3, 24)).rows]


@settings(max_examples=40)
@given(inputs)
def test_every_score_is_within_its_bounds(data):
    result = assess(RULESET, data)
    for indicator in result.indicators:
        assert 0 <= indicator.score <= indicator.weight and indicator.score + indicator.lost == pytest.approx(
            indicator.weight)
        assert indicator.rate is None or 0 <= indicator.rate <= 1
    assert 0 <= result.composite_score <= 100 and 0 <= result.final_score <= 100
    assert sum(i.weight for i in result.indicators) == 100


@settings(max_examples=40)
@given(inputs, st.sampled_from(INDICATORS), st.floats(0, 1, allow_nan=False))
def test_improving_any_one_indicator_never_lowers_the_total(data, indicator, bump):
    base = assess(RULESET, data)
    current = next(i.rate or 0.0 for i in base.indicators if i.indicator == indicator)
    better = round(current + (1 - current) * bump, 6)
    if better < current:
        better = current
    improved = assess(RULESET, {**data, "what_if": {indicator: better}})
    assert improved.final_score >= base.final_score - 1e-9
    assert RANK[improved.grade] >= RANK[base.grade]


@settings(max_examples=30)
@given(inputs, st.randoms(use_true_random=False))
def test_the_same_inputs_always_give_the_same_grade(data, rng: random.Random):
    first = assess(RULESET, data).model_dump(mode="json")
    assert assess(RULESET, json.loads(json.dumps(data))).model_dump(mode="json") == first
    shuffled = json.loads(json.dumps(data))
    for key in ("ledger", "cases", "equipment", "spot_checks"):
        if shuffled.get(key):
            rng.shuffle(shuffled[key])
    again = assess(RULESET, shuffled)
    assert (again.grade, again.final_score) == (first["grade"], first["final_score"])


@settings(max_examples=40)
@given(inputs)
def test_the_suggested_counterfactual_applied_reaches_the_next_grade(data):
    result = assess(RULESET, data)
    if result.next_grade is None:
        assert result.grade == "excellent"
        return
    target = result.next_grade
    applied = {c.indicator: c.to_rate for c in target.changes}
    after = assess(RULESET, {**data, "what_if": applied})
    if target.reachable:
        assert RANK[after.grade] >= RANK[target.target_grade] and after.final_score >= target.target_score
    else:  # nothing in the indicators can reach it: even all of them at full marks falls short
        best = assess(RULESET, {**data, "what_if": dict.fromkeys(INDICATORS, 1.0)})
        assert best.final_score < target.target_score


@settings(max_examples=60)
@given(inputs)
def test_the_counterfactual_asks_for_no_change_it_does_not_need(data):
    # "the smallest rise": without any one of its changes, or with its last change a step (1e-4) smaller,
    # the unit stays below the target line
    result = assess(RULESET, data)
    target = result.next_grade
    if target is None or not target.reachable:
        assert target is None or not target.changes or target.changes[-1].to_rate == 1.0
        return
    applied = {c.indicator: c.to_rate for c in target.changes}
    assert assess(RULESET, {**data, "what_if": applied}).final_score >= target.target_score
    # every point of rate is worth its weight: no heavier indicator with room left was passed over
    weight = {i.indicator: i.weight for i in result.indicators}
    lightest = min(weight[c.indicator] for c in target.changes)
    assert all(weight[i.indicator] <= lightest for i in result.indicators
               if i.indicator not in applied and (i.rate or 0) < 1 and i.weight > 0)
    for change in target.changes:
        without = {k: v for k, v in applied.items() if k != change.indicator}
        assert assess(RULESET, {**data, "what_if": without}).final_score < target.target_score
    last = target.changes[-1]
    smaller = round(max(last.from_rate, last.to_rate - 1e-4), 4)
    if smaller > last.from_rate:
        after = assess(RULESET, {**data, "what_if": {**applied, last.indicator: smaller}})
        assert after.final_score < target.target_score


@settings(max_examples=40)
@given(inputs)
def test_the_next_grade_is_the_one_above_the_grade(data):
    # Art. 23: one score, one grade; the counterfactual aims at the next line above that grade
    result = assess(RULESET, data)
    if result.next_grade is not None:
        assert RANK[result.next_grade.target_grade] == RANK[result.grade] + 1 and result.next_grade.gap > 0


def test_a_score_exactly_on_a_grade_line_is_read_as_written():
    # judgements are decimals as written (50.4, not the binary float nearest it): this unit scores exactly 60
    data = {"unit": {"name": "X"}, "period": {"start": "2024-01-01", "end": "2024-12-31"},
            "judgements": {"system_building": 50.4, "responsibility": 69.6, "organisation": 60}, "appraisal_score": 60,
            "what_if": dict.fromkeys([i for i in INDICATORS if i not in ("system_building", "responsibility",
                                                                        "organisation")], 0.6),
            "spot_checks": []}
    result = assess(RULESET, data)
    assert (result.grade, result.final_score, result.next_grade.target_grade) == ("pass", 60.0, "good")
    # a score a hair below the line, shown as 60.0, is graded as shown, and the next grade is the one above
    hair = assess(RULESET, {**data, "appraisal_score": 59.99999999999999})
    assert (hair.grade, hair.final_score, hair.next_grade.target_grade) == ("pass", 60.0, "good")


def test_a_period_starting_before_the_ruleset_took_effect_is_bad_input():
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["period"]["start"] = "1900-01-01"
    with pytest.raises(patrolrules.InputError) as caught:
        assess(RULESET, data)
    assert [p.path for p in caught.value.problems] == ["period.start"]


def test_a_falsification_never_raises_the_score():
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    clean = assess(RULESET, data)
    falsified = assess(RULESET, {**data, "spot_checks": [{"kind": "falsification", "ledger_entry_id": "A-2024-01-01"}]})
    assert falsified.final_score == pytest.approx(clean.final_score - 5 * 0.7)
    assert falsified.deductions[0].citation.ref_en == "Art. 22 ¶3"


BEHAVIOURS = ("not_patrolling_per_plan", "failure_to_detect", "failure_to_stop", "failure_to_report", "falsification")
PERIOD = {"start": "2024-01-01", "end": "2024-12-31"}


def test_behaviours_without_serious_consequences_flag_nobody():
    data = {"unit": {"name": "u"}, "period": PERIOD,
            "persons": [{"name": "张三", "conduct": [{"behaviour": b, "evidence": "e"} for b in BEHAVIOURS]}]}
    person = assess(RULESET, data).accountability[0]
    assert person.flags == [] and len(person.not_flagged) == 5
    serious = {**data, "persons": [{**data["persons"][0], "serious_consequences": "x", "caused_by": BEHAVIOURS}]}
    flags = assess(RULESET, serious).accountability[0].flags
    assert [f.citation.item for f in flags] == [1, 2, 3, 4, 5]


@given(st.sets(st.sampled_from(BEHAVIOURS)), st.sets(st.sampled_from(BEHAVIOURS), min_size=1), st.booleans())
@settings(max_examples=40)
def test_only_a_behaviour_that_caused_the_serious_consequence_is_flagged(recorded, caused, leader):
    """Art. 24: 有下列行为之一，造成严重后果的 — a behaviour is held to account only where it caused the
    consequence, and a leader is 问责'd only then; a behaviour of the same person that caused nothing is not."""
    person = {"name": "张三", "is_leader": leader, "serious_consequences": "违法占地扩大", "caused_by": sorted(caused),
              "conduct": [{"behaviour": b, "evidence": "e"} for b in sorted(recorded)]}
    found = assess(RULESET, {"unit": {"name": "u"}, "period": PERIOD, "persons": [person]}).accountability[0]
    flagged = {f.behaviour for f in found.flags}
    assert flagged - {"leader_accountability"} == recorded & caused
    assert ("leader_accountability" in flagged) == (leader and bool(recorded & caused))
    assert set(found.not_flagged) == recorded - caused
    assert set(found.causes_without_evidence) == caused - recorded  # named as a cause, shown nowhere: said so


def test_a_consequence_and_its_cause_are_given_together():
    for person, path in (({"name": "张三", "serious_consequences": "违法占地扩大"}, "caused_by"),
                         ({"name": "张三", "caused_by": ["failure_to_stop"]}, "caused_by"),
                         ({"name": "张三", "serious_consequences": "  ", "caused_by": ["failure_to_stop"]},
                          "caused_by"),
                         ({"name": "张三", "serious_consequences": 5, "caused_by": ["failure_to_stop"]},
                          "serious_consequences")):  # a bad consequence is one problem, not two
        with pytest.raises(InputError) as error:
            assess(RULESET, {"unit": {"name": "u"}, "period": PERIOD, "persons": [person]})
        assert [p.path for p in error.value.problems] == [f"persons.0.{path}"]


@given(st.integers(0, 6) | st.none(), st.sampled_from(["patrol", "satellite_enforcement"]))
@settings(max_examples=30)
def test_a_stop_the_indicator_counts_late_is_a_failure_to_stop_of_the_officer(delay, source):
    """Art. 22 ¶3 及时制止 and Art. 24(三) 发现违法行为不及时制止 read one measure: a case stopped late (or never)
    lowers ``timely_stop`` exactly when it charges its responsible officer with failing to stop in time."""
    case = {"id": "C1", "discovery_source": source, "discovered_on": "2024-03-04", "responsible_officer": "王五",
            "stopped_on": None if delay is None else f"2024-03-{4 + delay:02d}"}
    result = assess(RULESET, {"unit": {"name": "u"}, "period": PERIOD, "cases": [case],
                              "persons": [{"name": "王五", "serious_consequences": "违法占地扩大",
                                           "caused_by": ["failure_to_stop"]}]})
    late = next(i.rate for i in result.indicators if i.indicator == "timely_stop") == 0
    period = RULESET.graph.parameters["timely_stop_period"].at(dt.date(2024, 3, 4))  # 1 day, a default
    assert late == (delay is None or delay > period)
    person = result.accountability[0]
    assert ("failure_to_stop" in {f.behaviour for f in person.flags}) == late


@pytest.mark.parametrize(("previous", "criticised"), [
    ({"grade": "fail"}, None),  # neither deadline nor rectification recorded: unknown, not a failure
    ({"grade": "fail", "rectification_deadline": "2024-02-01"}, True),
    ({"grade": "fail", "rectification_deadline": "2024-02-01", "rectified_on": "2024-02-03"}, True),
    ({"grade": "fail", "rectification_deadline": "2024-02-01", "rectified_on": "2024-02-01"}, False),
    ({"grade": "fail", "rectified_on": "2024-02-01"}, False),
    ({"grade": "pass"}, False),
])
def test_criticism_for_a_previous_failure_needs_it_shown_unrectified(previous, criticised):
    """Art. 23 ¶2 未按要求整改的，予以通报批评: only a rectification recorded as missed brings it; without the
    deadline or the rectification, the input is missing (and named), not read as a failure."""
    data = {**json.loads(EXAMPLE.read_text(encoding="utf-8")), "previous": previous}
    result = assess(RULESET, data)
    assert ("circulated_criticism" in {c.consequence for c in result.consequences}) == bool(criticised)
    assert ("previous.rectification_deadline" in result.missing_inputs) == (criticised is None)
    assert result.provisional == (criticised is None)


@pytest.mark.parametrize(("change", "provisional"), [
    ({}, False),
    ({"appraisal_score": None}, True),  # an input missing
    ({"what_if": {"coverage": 0.5}}, True),  # a measurement replaced
])
def test_a_consequence_named_on_a_provisional_result_says_so(change, provisional):
    """Art. 23 attaches 通报, 约谈 and the rest to the result; named on a result that inputs missing or a what-if
    may still change, each consequence carries that, in the data and in the report."""
    data = {**json.loads(EXAMPLE.read_text(encoding="utf-8")), **change}
    result = assess(RULESET, {k: v for k, v in data.items() if v is not None})
    assert result.consequences and result.provisional == provisional
    assert [c.provisional for c in result.consequences] == [provisional] * len(result.consequences)
    assert ("（暂定）" in result.markdown()) == provisional


def test_bad_what_if_and_bad_input_are_input_errors():
    with pytest.raises(InputError) as error:
        assess(RULESET, {"unit": {}, "period": {"start": "2024-01-01", "end": "2024-12-31"},
                         "what_if": {"luck": 1, "coverage": 2}})
    assert [p.path for p in error.value.problems] == ["what_if.luck", "what_if.coverage"]


# ---- weights are data, and must add up ----------------------------------------------


def _mutated(tmp_path, *edits: tuple[str, str]) -> Path:
    return copy_with_edits(tmp_path, "parameters/art22_24_assessment.yaml", *edits)


def test_sub_weights_not_adding_up_to_the_declared_total_are_rejected_with_file_and_line(tmp_path):
    directory = _mutated(tmp_path, ("value: 10}\n  weight_completion", "value: 12}\n  weight_completion"))
    with pytest.raises(RulesetError) as error:
        load_ruleset(directory)
    [problem] = error.value.problems
    text = (directory / "parameters" / "art22_24_assessment.yaml").read_text(encoding="utf-8").splitlines()
    assert problem.file == "parameters/art22_24_assessment.yaml"
    assert text[problem.line - 1].strip().startswith("sum_of: [weight_coverage,")  # the sum_of of weight_effect
    assert "= 52, not the declared total weight_effect 50" in problem.message


def test_a_declared_total_that_disagrees_is_rejected(tmp_path):
    directory = _mutated(tmp_path, ("value: 100}", "value: 90}"))
    with pytest.raises(RulesetError) as error:
        load_ruleset(directory)
    assert any("not the declared total weight_total 90" in p.message for p in error.value.problems)


def test_weights_that_still_add_up_change_the_score(tmp_path):
    directory = _mutated(tmp_path, ("value: 15}\n  weight_responsibility", "value: 10}\n  weight_responsibility"),
                         ("value: 15}\n  weight_effect", "value: 20}\n  weight_effect"))
    changed = load_ruleset(directory)
    data = {"unit": {}, "period": {"start": "2024-01-01", "end": "2024-12-31"},
            "judgements": {"responsibility": 100}, "appraisal_score": 0}
    assert assess(changed, data).composite_score == 20 and assess(RULESET, data).composite_score == 15


# ---- CLI ---------------------------------------------------------------------------------


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "patrolrules.cli", *args], input=stdin, capture_output=True,
                          text=True)


def test_cli_assess_json_and_markdown():
    result = run("assess", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["grade"] == "excellent"
    report = run("assess", str(EXAMPLE), "--format", "markdown")
    assert report.returncode == 0 and "最终得分 97.10（优秀）" in report.stdout and "| 巡查覆盖 | 10 |" in report.stdout


def test_cli_assess_bad_input_exits_2_listing_every_problem():
    result = run("assess", "-", stdin='{"unit": {"kind": "moon"}, "period": {"start": "2024-02-01"}}')
    assert result.returncode == 2 and "Traceback" not in result.stderr and not result.stdout
    assert "record 1: unit.kind" in result.stderr and "record 1: period.end" in result.stderr
