"""Arts. 14–15: law-derived invariants of the case lifecycle, escalation, filing, transfer and reports."""

from __future__ import annotations

import datetime as dt
import json
import random
import resource
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import patrolrules
from patrolrules import InputError
from patrolrules.case import CaseEvent, CaseEventKind
from patrolrules.cli import main
from patrolrules.engine.tables import MemberTest
from patrolrules.escalation import _RECORDED_AS, lifecycle_table, run_lifecycle
from patrolrules.facts import FACTS
from patrolrules.ruleset import parse_observation

from .strategies import _set_path, fact_strategy, observations

RULESET = patrolrules.load_ruleset()
TZ = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2024, 5, 6, 9, 0, tzinfo=TZ)
ITEMS = ["i1", "i2", "i3", "i4", "i5", "i6", "i7", "i8"]
CLASSES = ["permanent_basic_farmland", "ordinary_cultivated_land", "forest_public_welfare", "forest_commercial",
           "grassland"]
MANDATORY = {"district_government", "municipal_bureau"}
# TR 第五条: the transfer's events, by the step each records (case.transfer_step)
TRANSFER_EVENTS = {"transfer_reported": "reported", "transfer_approved": "approved", "transfer_refused": "refused"}


def _walk(rng: random.Random, length: int, prefix: tuple[str, ...] = ()) -> list[str]:
    """A valid random event sequence: a walk over the ruleset's own transition table."""
    table = lifecycle_table(RULESET)
    state, kinds = "new", list(prefix)
    for event in prefix:
        state = table[(state, event)][0]
    for _ in range(length):
        options = sorted(e for s, e in table if s == state)
        if not options:
            break
        event = "discovered" if state == "new" else rng.choice(options)
        kinds.append(event)
        state = table[(state, event)][0]
    return kinds


def _events(kinds: list[str]) -> list[dict[str, str]]:
    return [{"kind": k, "at": (T0 + dt.timedelta(hours=6 * i)).isoformat()} for i, k in enumerate(kinds)]


@st.composite
def cases(draw: Any, kinds: list[str] | None = None) -> dict[str, Any]:
    """Cases over the facts Arts. 14–15 read: areas, ore value, flags, filing facts, events."""
    area = draw(st.dictionaries(st.sampled_from(CLASSES), st.integers(0, 40_000), max_size=3))
    observation: dict[str, Any] = {
        "observed_at": T0.isoformat(),
        "land": {"planting_conditions_destroyed": draw(st.sampled_from([True, True, False, None])),
                 "restored": draw(st.none() | st.booleans())},
        "quantities": {"area": {k: f"{v} m²" for k, v in area.items()},
                       "ore_value": f"{draw(st.integers(0, 300_000))} 元"},
        "activity": {"kind": draw(st.sampled_from(["mining", "house", "soil_removal", "land_occupation"])),
                     "structure": draw(st.sampled_from(["none", "building"])),
                     "protected_mineral": draw(st.none() | st.booleans())},
        "site": {"in_no_mining_zone": draw(st.none() | st.booleans())},
        "party": {"kind": draw(st.sampled_from(["individual", "enterprise"])),
                  "identified": draw(st.none() | st.booleans()),
                  "agricultural_land_penalties_within_two_years": draw(st.integers(0, 3)),
                  "mining_penalties_within_two_years": draw(st.integers(0, 3)),
                  "penalised_within_three_years": draw(st.none() | st.booleans())},
        "circumstances": {"mass_incident": draw(st.none() | st.booleans()),
                          "violence_against_officers": draw(st.none() | st.booleans())},
    }
    if kinds is None:  # half the walks pass through a written notice that fails
        prefix = draw(st.sampled_from([(), ("discovered", "written_notice_served")]))
        kinds = _walk(random.Random(draw(st.integers(0, 10_000))), draw(st.integers(1, 8)), prefix)
    return {"id": "P", "unit_kind": draw(st.sampled_from(["resource_station", "enforcement_detachment"])),
            "observation": observation, "events": _events(kinds),
            "violation_items": draw(st.sampled_from([["i1"], ["i3"], ["i4"], ["i6"], [], None])
                                    | st.lists(st.sampled_from(ITEMS), unique=True, max_size=3)),
            "liability_exempt": draw(st.none() | st.booleans()),
            "within_jurisdiction": draw(st.none() | st.booleans()),
            "minor_and_corrected": draw(st.none() | st.booleans())}


def _scaled(case: dict[str, Any], factor: int) -> dict[str, Any]:
    bigger = json.loads(json.dumps(case))
    quantities = bigger["observation"]["quantities"]
    quantities["area"] = {k: f"{int(v.split()[0]) * factor} m²" for k, v in quantities["area"].items()}
    quantities["ore_value"] = f"{int(quantities['ore_value'].split()[0]) * factor} 元"
    return bigger


# ---- transfer, filing, special report -------------------------------------------


@given(cases())
@settings(max_examples=60)
def test_transfer_implies_filing(case: dict[str, Any]) -> None:
    """Art. 14 ¶2 with TR 第3条: a suspected crime is filed and transferred, never fined instead."""
    decision = RULESET.evaluate_case(case)
    if decision.transfer.suspected:
        assert decision.filing.decision == "file"


@given(cases(), st.booleans())
@settings(max_examples=80)
def test_closing_a_case_never_ends_a_duty_to_file_or_to_transfer_it(case: dict[str, Any],
                                                                    conditions_met: bool) -> None:
    """Art. 14 ¶2 (应当及时立案查处；涉嫌构成犯罪的，应当及时移送): the duty to file stands until the case is
    filed, and the duty to transfer until it is transferred — whatever the state, closed or rectified too."""
    if conditions_met:  # half the cases meet the five 立案 conditions
        case["observation"]["party"]["identified"] = True
        case["observation"]["land"]["restored"] = False
        case.update(liability_exempt=False, within_jurisdiction=True, minor_and_corrected=None,
                    violation_items=case["violation_items"] or ["i1"])
    decision = RULESET.evaluate_case(case)
    reached = {step.to_state for step in decision.history}
    duties = {o.duty for o in decision.obligations}
    assert ("file_case" in duties) == (decision.filing.decision == "file" and "filed" not in reached)
    # undetermined owes none yet; a refusal (TR 第五条) ends both, an approval the decision
    latest = next((e["kind"] for e in reversed(case["events"]) if e["kind"] in TRANSFER_EVENTS), None)
    owed = decision.transfer.suspected is True and "transferred" not in reached and latest != "transfer_refused"
    assert ("hand_over_to_police" in duties) == owed
    assert ("decide_transfer" in duties) == (owed and latest != "transfer_approved")


@pytest.mark.parametrize(("duty", "discharged_in"), [("file_case", "filed"), ("decide_transfer", "transferred"),
                                                     ("hand_over_to_police", "transferred")])
def test_every_state_that_owes_filing_or_transfer_can_still_discharge_it(duty: str, discharged_in: str) -> None:
    """Art. 14 ¶2 应当及时立案查处 / 应当及时移送: a duty owed in a state (closed too) must be dischargeable — some
    sequence of events the lifecycle accepts leads from that state to the one that discharges it."""
    table = lifecycle_table(RULESET)
    obligations = RULESET.graph.table("case_obligations")
    (rule,) = [r for r in obligations.rules if dict(r.outputs)["duty"].literal == duty]
    states = rule.test_for("case.state")
    assert isinstance(states, MemberTest) and not states.negate
    for state in states.values:
        reached, frontier = {state}, [state]
        while frontier:
            current = frontier.pop()
            for (before, _), (after, _) in table.items():
                if before == current and after not in reached:
                    reached.add(after)
                    frontier.append(after)
        assert discharged_in in reached, f"{duty} is owed in {state}, and no event sequence leads to {discharged_in}"


@given(cases(), st.integers(1, 90))
@settings(max_examples=60)
def test_a_follow_up_that_changes_nothing_owed_never_moves_a_deadline(case: dict[str, Any], days: int) -> None:
    """Art. 14 及时: a duty's deadline runs from when it arose. Another inspection finding the act still
    going on (a state that stays as it was) leaves every obligation and its due time as they were."""
    decision = RULESET.evaluate_case(case)
    if lifecycle_table(RULESET).get((decision.state, "reinspection_ongoing"), ("",))[0] != decision.state:
        return
    later = (dt.datetime.fromisoformat(case["events"][-1]["at"]) + dt.timedelta(days=days)).isoformat()
    again = RULESET.evaluate_case({**case, "events": [*case["events"], {"kind": "reinspection_ongoing", "at": later}]})
    assert [(o.duty, o.due) for o in again.obligations] == [(o.duty, o.due) for o in decision.obligations]


def test_duties_run_from_the_event_that_created_them() -> None:
    # the audit's case: escalated on 03-15 (3 working days: 03-20); an inspection on 04-20 and an
    # obstruction on 06-20 do not move it; the police duty runs from the obstruction (24 h)
    case = {"id": "C", "township": "高峰街道", "unit_kind": "resource_station", "violation_items": ["i1"],
            "liability_exempt": False, "within_jurisdiction": True,
            "observation": {"observed_at": "2024-03-11T09:00:00+08:00", "land": {"restored": False},
                            "activity": {"kind": "land_occupation", "stage": "under_construction"},
                            "party": {"identified": True}},
            "events": [{"kind": "discovered", "at": "2024-03-11T09:00:00+08:00"},
                       {"kind": "written_notice_served", "at": "2024-03-12T09:00:00+08:00"},
                       {"kind": "reinspection_ongoing", "at": "2024-03-15T09:00:00+08:00"},
                       {"kind": "reinspection_ongoing", "at": "2024-04-20T09:00:00+08:00"},
                       {"kind": "obstruction", "at": "2024-06-20T09:00:00+08:00"}]}
    due = {o.duty: o.due.isoformat() for o in RULESET.evaluate_case(case).obligations if o.due}
    assert due == {"report_to_bureau": "2024-03-20T23:59:59+08:00", "written_report": "2024-03-20T23:59:59+08:00",
                   "letter_to_township": "2024-03-20T23:59:59+08:00", "file_case": "2024-03-25T23:59:59+08:00",
                   "coordinate_police": "2024-06-21T09:00:00+08:00"}


@pytest.mark.parametrize(("area", "due", "deadline"), [
    ("1亩", "2024-05-21T10:00:00+08:00", "special_report_sudden_hours"),  # sudden only: 24 h from the violence
    ("5亩", "2024-05-09T23:59:59+08:00", "special_report_major_working_days"),  # major since the discovery
])
def test_each_special_report_criterion_runs_from_its_own_event(area: str, due: str, deadline: str) -> None:
    """Art. 15 ¶3: the special report is due by the earliest deadline of its criteria, each from when it came
    to hold — violence two weeks after the discovery does not make a 24 h report due a day after discovery."""
    case = {"id": "S", "township": "高峰街道", "unit_kind": "resource_station", "violation_items": ["i4"],
            "liability_exempt": False, "within_jurisdiction": True,
            "observation": {"observed_at": "2024-05-06T09:00:00+08:00", "party": {"identified": True},
                            "land": {"planting_conditions_destroyed": True, "restored": False},
                            "activity": {"kind": "house", "structure": "building", "stage": "under_construction"},
                            "quantities": {"area": {"permanent_basic_farmland": area}}},
            "events": [{"kind": "discovered", "at": "2024-05-06T09:00:00+08:00"},
                       {"kind": "violence_against_officers", "at": "2024-05-20T10:00:00+08:00"}]}
    [report] = [r for r in RULESET.evaluate_case(case).reports if r.type == "special_report"]
    assert (report.due.isoformat(), report.deadline.split(" = ")[0]) == (due, deadline)


def test_a_rectified_case_closed_unfiled_still_owes_its_filing() -> None:
    """The audit's case: all five 立案 conditions met, rectified, closed — the duty to file remains."""
    case = {"id": "R", "unit_kind": "resource_station", "liability_exempt": False, "within_jurisdiction": True,
            "violation_items": ["i1"],
            "observation": {"observed_at": T0.isoformat(), "activity": {"kind": "land_occupation"},
                            "land": {"restored": False}, "party": {"identified": True}},
            "events": _events(["discovered", "reinspection_rectified", "closed"])}
    decision = RULESET.evaluate_case(case)
    assert (decision.state, decision.filing.decision) == ("closed", "file")
    assert [o.duty for o in decision.obligations] == ["file_case"]
    filed = RULESET.evaluate_case({**case, "events": _events(["discovered", "filing_decided", "closed"])})
    assert filed.state == "closed" and filed.obligations == []


@given(cases(), st.sampled_from([dt.date(2024, 5, 1), dt.date(2024, 4, 30)]), st.booleans(),
       st.sampled_from([True, False, None]))
@settings(max_examples=60)
def test_a_case_may_be_left_unfiled_only_where_the_measures_allow(case: dict[str, Any], day: dt.date,
                                                                  conditions_met: bool, minor: bool | None) -> None:
    """《自然资源行政处罚办法》（2024-05-01）第十六条: all five conditions met → file promptly, unless (第二款)
    the act is minor, corrected in time and harmless: 可以不予立案 — never for a suspected crime (TR 第3条)."""
    if conditions_met:  # half the cases meet the five conditions (an act not undone is within limitation)
        case["observation"]["party"]["identified"] = True
        case["observation"]["land"]["restored"] = False
        case.update(liability_exempt=False, within_jurisdiction=True, violation_items=["i1"])
    case["minor_and_corrected"] = minor
    shift = dt.datetime.combine(day, T0.timetz()) - T0
    case["observation"]["observed_at"] = (T0 + shift).isoformat()
    case["events"] = [{**e, "at": (dt.datetime.fromisoformat(e["at"]) + shift).isoformat()} for e in case["events"]]
    decision = RULESET.evaluate_case(case)
    all_met = all(c.status == "met" for c in decision.filing.conditions)
    exception = all_met and not decision.transfer.suspected and case["minor_and_corrected"] is True \
        and day >= dt.date(2024, 5, 1)
    assert (decision.filing.decision == "may_not_file") == exception
    assert ("file_case" in {o.duty for o in decision.obligations}) <= (decision.filing.decision == "file")
    if all_met and not exception:
        assert decision.filing.decision == "file"


@st.composite
def repeat_cases(draw: Any) -> dict[str, Any]:
    """Cases where a repeat line can matter: forest land destroyed, occupation and/or mining found."""
    case = draw(cases())
    observation = case["observation"]
    observation["land"]["planting_conditions_destroyed"] = True
    forest = draw(st.sampled_from(["forest_public_welfare", "forest_commercial"]))
    observation["quantities"]["area"][forest] = f"{draw(st.integers(0, 8_000))} m²"  # lines: 3 333 / 6 667 m²
    case["violation_items"] = draw(st.sampled_from([["i1"], ["i8"], ["i6"], ["i1", "i6"], ["i6", "i8"]]))
    return case


@given(repeat_cases(), st.integers(0, 5), st.integers(0, 5))
@settings(max_examples=60)
def test_each_repeat_line_counts_only_its_own_kind_of_penalty(case: dict[str, Any], land: int, mining: int) -> None:
    """法释〔2023〕8号 第1条第（四）项 counts penalties for 非法占用农用地, 法释〔2016〕25号 第3条第（三）项
    for 非法采矿: the forest line never moves with mining penalties, nor the mining line with land ones."""
    def lines(land_penalties: int, mining_penalties: int) -> set[str]:
        changed = json.loads(json.dumps(case))
        changed["observation"]["party"].update({"agricultural_land_penalties_within_two_years": land_penalties,
                                                "mining_penalties_within_two_years": mining_penalties})
        return {line.rule for line in RULESET.evaluate_case(changed).transfer.lines}

    forest, mine = {"c342.forest_repeat"}, {"c343.repeat"}
    assert lines(land, 0) & forest == lines(land, mining) & forest == lines(land, 5) & forest
    assert lines(0, mining) & mine == lines(land, mining) & mine == lines(5, mining) & mine


@given(cases(), st.integers(1, 5))
@settings(max_examples=60)
def test_more_area_or_ore_never_removes_transfer_or_special_report(case: dict[str, Any], factor: int) -> None:
    """Every line is a lower bound ("以上"): scaling quantities up keeps every crime and special report."""
    small = RULESET.evaluate_case(case)
    large = RULESET.evaluate_case(_scaled(case, factor))
    assert set(small.transfer.crimes) <= set(large.transfer.crimes)
    special = [r for r in small.reports if r.type == "special_report"]
    if special:
        bigger = [r for r in large.reports if r.type == "special_report"]
        assert bigger and set(special[0].criteria) <= set(bigger[0].criteria)


TRANSFER_LINES = ("  涉嫌犯罪", "  是否涉嫌犯罪", "  Suspected crime", "  Whether a crime")


def test_everything_a_criminal_line_reads_or_waits_on_has_a_chinese_label() -> None:
    """The account of Art. 14 ¶2 names what a line waits on in Chinese, never an identifier: the lines' inputs,
    the facts an Art. 9 item reads (a missing one may bring the item a line needs) and the restoration."""
    from patrolrules.escalation import _RECORDED_AS
    from patrolrules.facts import FACTS
    from patrolrules.labels import FACT_LABELS_ZH
    from patrolrules.ruleset import _upstream

    tables = RULESET._period(T0.date(), "native").tables
    inputs = {name for name, _ in RULESET.graph.table("crime_transfer").inputs}
    item_facts = {name for t in _upstream(tables, ("violations",)) for name, _ in t.table.inputs if name in FACTS}
    waited_on = inputs | item_facts | set(_RECORDED_AS.values()) | {"land.restored"}
    assert sorted(n for n in waited_on if n not in FACT_LABELS_ZH) == []


@pytest.mark.parametrize(("destroyed", "zh", "en"), [
    (None, "尚待查明（第十四条第二款），缺少：种植条件被破坏", "waiting on: land.planting_conditions_destroyed"),
    (True, "应当移送司法机关（第十四条第二款）：非法占用农用地罪", "to transfer (Art. 14 ¶2): crime_342"),
    (False, None, None),
])
def test_the_account_says_whether_a_crime_is_suspected_or_what_that_waits_on(destroyed: bool | None, zh: str | None,
                                                                             en: str | None) -> None:
    land: dict[str, Any] = {"land_class": "permanent_basic_farmland", "approval": "none"}
    if destroyed is not None:
        land["planting_conditions_destroyed"] = destroyed
    decision = RULESET.evaluate({"observed_at": T0.isoformat(), "land": land,
                                 "activity": {"kind": "building", "stage": "completed"},
                                 "quantities": {"area": {"permanent_basic_farmland": "8亩"}},
                                 "party": {"identified": True}, "site": {"inside_urban_construction_land": False}})
    for lang, expected in (("zh", zh), ("en", en)):
        account = [line for line in decision.explain(lang).splitlines() if line.startswith(TRANSFER_LINES)]
        assert account == [] if expected is None else len(account) == 1 and expected in account[0]


# The facts the criminal lines read that an observation may leave unrecorded, at their most aggravating value:
# every line is reached by more area or ore ("以上") or lowered by an aggravating fact, never raised.
AGGRAVATING = {("land", "planting_conditions_destroyed"): True, ("activity", "protected_mineral"): True,
               ("activity", "in_no_mining_period"): True, ("site", "in_no_mining_zone"): True,
               ("site", "in_state_planned_mining_area"): True, ("site", "in_important_mining_area"): True,
               ("circumstances", "severe_ecological_damage"): True, ("party", "penalised_within_three_years"): True,
               ("party", "agricultural_land_penalties_within_two_years"): 5,
               ("party", "mining_penalties_within_two_years"): 5}


@given(cases(), st.sets(st.sampled_from(["agricultural_land_penalties_within_two_years",
                                         "mining_penalties_within_two_years"])), st.none() | st.sampled_from(CLASSES),
       st.sampled_from([None, "2022-06-01", "2023-10-01"]))
@settings(max_examples=100)
def test_unknown_facts_are_never_read_as_no_crime(case: dict[str, Any], unrecorded: set[str],
                                                  land_class: str | None, ended: str | None) -> None:
    """Art. 14 ¶2 涉嫌构成犯罪的，应当及时移送: "no crime" (false) must hold however the unrecorded facts turn
    out, and "undetermined" (null) only where some recording of them reaches a line. Both are checked against
    the worst case: every unrecorded fact at its most aggravating value, every unmeasured area far above its
    line — the land class's alone where the class is known. An act that ended before the forest lines changed
    (2023-08-15) is judged by both dates' lines (高检发释字〔2001〕5号 三)."""
    for name in unrecorded:
        del case["observation"]["party"][name]
    case["observation"]["land"]["land_class"] = land_class
    if ended is not None:
        case["observation"]["act_ended_on"] = ended
        case["observation"]["land"]["restored"] = True  # ended, not a continuing occupation
    case["violation_items"] = case["violation_items"] or ["i1"]  # a record: the facts filled in move no item
    transfer = RULESET.evaluate_case(case).transfer
    worst = json.loads(json.dumps(case))
    observation = worst["observation"]
    for (section, name), value in AGGRAVATING.items():
        if observation.get(section, {}).get(name) is None:
            observation.setdefault(section, {})[name] = value
    areas = observation["quantities"]["area"]
    unmeasured = ([land_class] if land_class else CLASSES) if not areas else \
        [land_class] if land_class and land_class not in areas else []  # the land's own class, not given
    areas.update({c: "1000亩" for c in unmeasured})
    reached = RULESET.evaluate_case(worst).transfer.suspected
    assert transfer.suspected is not None or transfer.undetermined_by
    assert (transfer.suspected is None) == bool(transfer.undetermined_by)
    if transfer.suspected is False:
        assert reached is False, "a recording of the unknown facts reaches a line that 'no crime' ruled out"
    else:
        assert reached is True


# The tables a criminal line reads through: the lines, the Art. 9 items and the mining ground item (六) reads.
TRANSFER_READS = ("crime_transfer", "violations", "mineral_licence")


@given(observations(RULESET), st.data())
@settings(max_examples=150)
def test_no_crime_stays_no_crime_however_many_unknown_facts_are_recorded_at_once(observation: dict[str, Any],
                                                                                  data: st.DataObject) -> None:
    """Art. 14 ¶2 涉嫌构成犯罪的, three-valued: "no crime" (false) holds for every recording of the unknown facts
    the criminal lines read, directly or through the Art. 9 items — any number at once, since an item may need
    two (ore of 30万元 with neither the activity nor the licence recorded). And a recording that reaches a line
    records a fact ``undetermined_by`` named (as the input to record: ``quantities.area`` for an area)."""
    observation.pop("act_ended_on", None)  # decided by today's lines alone
    parsed = parse_observation(observation)
    day = parsed.observed_at.date()
    transfer = RULESET.evaluate(parsed).escalation.transfer
    period = RULESET._period(day, "native")
    facts = RULESET.facts_of(parsed, day)
    read = sorted({name for table in TRANSFER_READS for checks in period.predicates[period.positions[table]]
                   for name, _ in checks if name in FACTS and facts.get(name) is None})
    recorded = data.draw(st.fixed_dictionaries({}, optional={
        name: st.sampled_from(period.representatives(FACTS[name])) for name in read
        if period.representatives(FACTS[name])}))
    crimes = period.run({**facts, **recorded}).values["crime_transfer.crime"]
    if transfer.suspected is False:
        assert not crimes, f"recording {recorded} reaches {sorted(crimes)}, which 'no crime' ruled out"
    elif crimes and transfer.suspected is None:
        assert {_RECORDED_AS.get(name, name) for name in recorded} & set(transfer.undetermined_by)


@pytest.mark.parametrize(("observation", "together"), [
    ({"land": {"land_class": "unused_land", "approval": "approved"}, "quantities": {"ore_value": "30万元"}},
     {"activity.kind", "permits.mining_licence.status"}),  # item (六) needs mining and no licence
    ({"land": {"land_class": "forest_public_welfare", "planting_conditions_destroyed": True},
      "quantities": {"area": {"forest_public_welfare": "6亩"}}, "site": {"inside_urban_construction_land": False}},
     {"activity.kind", "land.approval"}),  # item (一) needs a building or the like and no approval
    ({"land": {"land_class": "permanent_basic_farmland", "planting_conditions_destroyed": True,
               "facility_agri": {"facility_type": "planting_facility"}},
      "activity": {"kind": "facility_agriculture"}, "quantities": {"area": {"permanent_basic_farmland": "8亩"}},
      "site": {"inside_urban_construction_land": False}},
     {"land.approval", "land.facility_agri.actual_use"}),  # item (五) with neither recorded
])
def test_a_line_needing_an_item_two_unrecorded_facts_bring_waits_on_both(observation: dict[str, Any],
                                                                         together: set[str]) -> None:
    """Art. 14 ¶2: where no single unrecorded fact brings the Art. 9 item a criminal line needs but two together
    would, the transfer is undetermined and waits on both — it read "no crime" when items were judged one
    missing fact at a time."""
    decision = RULESET.evaluate({"observed_at": T0.isoformat(), "party": {"identified": True}, **observation})
    transfer = decision.escalation.transfer
    assert decision.violations.item_numbers == []
    assert transfer.suspected is None and together <= set(transfer.undetermined_by)


# Acts that are suspected crimes with every fact recorded (Art. 14 ¶2): basic farmland, forest, ore.
CRIMES = [
    {"land": {"land_class": "ordinary_cultivated_land", "approval": "none", "planting_conditions_destroyed": True},
     "activity": {"kind": "building", "structure": "building", "permanent": True, "villager_own_home": False},
     "quantities": {"area": {"ordinary_cultivated_land": "12亩"}}, "site": {"inside_urban_construction_land": False}},
    {"land": {"land_class": "forest_public_welfare", "approval": "none", "planting_conditions_destroyed": True},
     "activity": {"kind": "building", "structure": "building", "villager_own_home": False},
     "quantities": {"area": {"forest_public_welfare": "6亩"}}, "site": {"inside_urban_construction_land": False}},
    {"land": {"land_class": "unused_land", "approval": "approved"}, "activity": {"kind": "mining"},
     "permits": {"mining_licence": {"status": "none"}}, "quantities": {"ore_value": "30万元"}},
]


def _item_only_facts() -> list[str]:
    """The facts the Art. 9 tables read and no criminal line does (the activity, approval, licence …)."""
    period = RULESET._period(T0.date(), "native")
    lines_read = {name for checks in period.predicates[period.positions["crime_transfer"]] for name, _ in checks}
    return sorted({name for table in ("violations", "mineral_licence")
                   for checks in period.predicates[period.positions[table]] for name, _ in checks
                   if name in FACTS and name not in lines_read})


@given(st.sampled_from(range(len(CRIMES))), st.data())
@settings(max_examples=60)
def test_a_crime_with_facts_only_the_items_read_unrecorded_is_a_suspected_act(crime: int, data: st.DataObject) -> None:
    """Art. 11(三) with Art. 14 ¶2: an act that is a suspected crime with every fact recorded, seen with some
    facts that only the Art. 9 items read left unrecorded (the activity, the approval, the licence — never an
    amount or a circumstance a criminal line reads), is a suspected act where no item is found: status
    undetermined, the filing condition 有违反…的事实 and whether a violation was found unknown, never "no
    violation" — recording those facts again would make it a crime."""
    observation = {"observed_at": T0.isoformat(), "party": {"identified": True},
                   **json.loads(json.dumps(CRIMES[crime]))}
    assert RULESET.evaluate(observation).escalation.transfer.suspected is True  # the act, fully recorded
    flat = {f"{section}.{key}" for section, fields in observation.items() if isinstance(fields, dict)
            for key in fields} | {f"permits.mining_licence.{k}" for k in observation.get("permits", {}).get(
                "mining_licence", {})}
    present = [name for name in _item_only_facts() if name in flat]
    for name in data.draw(st.sets(st.sampled_from(present), min_size=1)):
        _set_path(observation, name, None)
    decision = RULESET.evaluate(observation)
    assert decision.escalation is not None
    if not decision.violations.item_numbers:
        assert decision.violations.status == "undetermined", observation
        assert decision.escalation.violation_found is None
        assert {c.condition: c.status for c in decision.escalation.filing.conditions}["violation_facts"] == "unknown"
    assert decision.escalation.transfer.suspected is not False


@given(st.fixed_dictionaries({}, optional={name: fact_strategy(RULESET, FACTS[name], T0.date()) for name in FACTS
                                           if name.startswith(("party.", "circumstances."))}))
@settings(max_examples=60)
def test_the_party_and_the_circumstances_alone_describe_no_act(recorded: dict[str, Any]) -> None:
    """Art. 11(三) 发现本制度第八条规定的行为: a party's record (two earlier mining penalties) or a circumstance
    (serious ecological damage) reaches a criminal line but for its Art. 9 item, yet describes no act: an
    observation giving only those is no suspected act."""
    observation: dict[str, Any] = {"observed_at": T0.isoformat()}
    for name, value in recorded.items():
        _set_path(observation, name, value)
    assert RULESET.evaluate(observation).violations.status == "no_violation"


@pytest.mark.parametrize("discovered", ["2023-08-10", "2023-08-20"])
@pytest.mark.parametrize("observed", ["2023-08-10", "2023-08-20"])
def test_a_case_judges_a_suspected_act_by_the_law_of_its_discovery(discovered: str, observed: str) -> None:
    """A case is decided as of its discovery: whether 1 亩 of public-welfare and 8 亩 of commercial forest
    destroyed, the activity unrecorded, would be a crime but for its item follows the forest lines in force
    that day (法释〔2023〕8号 from 2023-08-15: pro rata, reached; 法释〔2005〕15号 before: not reached), whatever
    day the observation itself carries — as ``evaluate`` of the observation on the discovery day decides."""
    def observation(day: str) -> dict[str, Any]:
        return {"observed_at": f"{day}T09:00:00+08:00", "party": {"identified": True},
                "land": {"land_class": "forest_commercial", "planting_conditions_destroyed": True},
                "quantities": {"area": {"forest_public_welfare": "1亩", "forest_commercial": "8亩"}},
                "site": {"inside_urban_construction_land": False}}
    case = RULESET.evaluate_case({"id": "C", "township": "高峰街道", "unit_kind": "resource_station",
                                  "observation": observation(observed),
                                  "events": [{"kind": "discovered", "at": f"{discovered}T09:00:00+08:00"}]})
    alone = RULESET.evaluate(observation(discovered))
    assert alone.escalation is not None
    assert case.filing.decision == alone.escalation.filing.decision
    assert alone.violations.status == ("undetermined" if discovered == "2023-08-20" else "no_violation")


def test_a_crime_waiting_on_amounts_does_not_make_a_suspected_act() -> None:
    """Art. 11(三): 6 亩 of public-welfare forest destroyed, with neither the activity nor the approval recorded,
    is a suspected act (a crime once shown to be item (一)); with nothing recorded the transfer still waits on
    everything (unknown is never no crime), but no act is described, so none is suspected."""
    destroyed = RULESET.evaluate({
        "observed_at": T0.isoformat(), "party": {"identified": True},
        "land": {"land_class": "forest_public_welfare", "planting_conditions_destroyed": True},
        "quantities": {"area": {"forest_public_welfare": "6亩"}}, "site": {"inside_urban_construction_land": False}})
    assert destroyed.escalation is not None
    assert (destroyed.violations.status, destroyed.escalation.filing.decision) == ("undetermined", "undetermined")
    empty = RULESET.evaluate({"observed_at": T0.isoformat()})
    assert empty.escalation is not None and empty.escalation.transfer.suspected is None
    assert empty.violations.status == "no_violation" and empty.escalation.filing.decision == "not_filed"


@given(observations(RULESET))
@settings(max_examples=60)
def test_the_violation_facts_condition_follows_the_art_9_status(observation: dict[str, Any]) -> None:
    """Art. 14 ¶2 有违反…法律法规的事实: met for a violation, failed only when no single missing fact could
    make one; a suspected act (status undetermined) leaves it, and whether a violation was found, unknown."""
    decision = RULESET.evaluate(observation)
    assert decision.escalation is not None
    status = decision.violations.status
    condition = next(c.status for c in decision.escalation.filing.conditions if c.condition == "violation_facts")
    assert condition == {"violation": "met", "no_violation": "failed", "undetermined": "unknown"}[status]
    assert decision.escalation.violation_found == {"violation": True, "no_violation": False}.get(status)
    if status == "undetermined":  # nor is it filed or transferred on a suspicion
        assert decision.escalation.filing.decision != "file" and not decision.escalation.transfer.suspected


def test_a_case_left_to_the_art_9_table_is_suspected_where_a_missing_fact_decides_its_item() -> None:
    # mining with the licence's status unknown: item (六) or nothing, depending on the licence
    observation = {"observed_at": T0.isoformat(), "activity": {"kind": "mining", "stage": "completed"},
                   "land": {"land_class": "unused_land", "approval": "approved"}, "party": {"identified": True}}
    statuses = {}
    for items in (None, [], ["i6"]):
        decision = RULESET.evaluate_case({"id": "U", "unit_kind": "resource_station", "observation": observation,
                                          "violation_items": items, "events": _events(["discovered"])})
        statuses[None if items is None else tuple(items)] = next(
            c.status for c in decision.filing.conditions if c.condition == "violation_facts")
    assert statuses == {None: "unknown", (): "failed", ("i6",): "met"}
    licensed = {**observation, "permits": {"mining_licence": {"status": "valid", "within_boundary": True,
                                                              "mineral_matches": True}}}
    decision = RULESET.evaluate_case({"id": "L", "unit_kind": "resource_station", "observation": licensed,
                                      "events": _events(["discovered"])})
    assert decision.filing.conditions[1].condition == "violation_facts"
    assert decision.filing.conditions[1].status == "failed"  # licensed: no missing fact could make it one


# Art. 13 ¶2–3: the duty each case state owes for a confirmed violation
STOP_DUTIES = {"oral_stop": {"discovered"}, "serve_written_notice": {"discovered", "oral_stopped"},
               "suspend_approvals": {"notice_served"}, "reinspect": {"oral_stopped", "notice_served", "halted"}}


@given(cases(), st.sampled_from(["under_construction", "completed", None]),
       st.sampled_from([["i1"], ["i4", "i6"], [], None]),
       st.sampled_from(["permanent_basic_farmland", "ordinary_cultivated_land", "construction_land", None]),
       st.sampled_from(["none", "approved", None]))
@settings(max_examples=60)
def test_only_a_confirmed_violation_is_stopped(case: dict[str, Any], stage: str | None, items: list[str] | None,
                                               land_class: str | None, approval: str | None) -> None:
    """Arts. 11(四), 13: a case is stopped, noticed, its approvals halted and the site re-inspected only for
    a confirmed violation — the items its record establishes, or those the Art. 9 table finds (``null``);
    established as none (``[]``) or only suspected, none of these duties."""
    case["observation"]["activity"]["stage"] = stage
    case["observation"]["land"].update(land_class=land_class, approval=approval)  # so the Art. 9 table finds some
    decision = RULESET.evaluate_case({**case, "violation_items": items})
    duties = {o.duty for o in decision.obligations}
    confirmed = next(c.status for c in decision.filing.conditions if c.condition == "violation_facts") == "met"
    found = RULESET.evaluate(case["observation"]).violations.status == "violation"  # what Art. 9 finds alone
    assert confirmed == (bool(items) if items is not None else found)
    for duty, states in STOP_DUTIES.items():
        owed = confirmed and decision.state in states and (duty != "serve_written_notice" or
                                                           stage == "under_construction")
        assert (duty in duties) == owed, (duty, decision.state, confirmed)


ESCALATION_DUTIES = {"report_to_bureau", "written_report", "letter_to_township"}


@given(cases(kinds=["discovered", "written_notice_served", "party_refuses"]), st.sampled_from([[], ["i1"], None]),
       st.sampled_from(["permanent_basic_farmland", "construction_land", None]), st.sampled_from(["none", "approved"]))
@settings(max_examples=40)
def test_nothing_is_escalated_for_an_act_established_as_no_violation(case: dict[str, Any], items: list[str] | None,
                                                                     land_class: str | None, approval: str) -> None:
    """Art. 14 ¶1 escalates 规划和自然资源违法行为 whose written stop failed: a case the record (``[]``) or the
    Art. 9 table establishes as no violation tells no one and owes no report; one found or suspected does."""
    case["observation"]["land"].update(land_class=land_class, approval=approval)
    decision = RULESET.evaluate_case({**case, "violation_items": items})
    assert decision.state == "escalated"
    finding = next(f.outputs["finding"] for f in decision.trace if f.table == "finding")
    duties = ESCALATION_DUTIES & {o.duty for o in decision.obligations}
    if finding == "none":
        assert decision.recipients == [] and duties == set()
    else:
        assert {"district_bureau", "district_government", "municipal_bureau"} <= {
            r.recipient for r in decision.recipients if r.mandatory}
        assert {"report_to_bureau", "written_report"} <= duties
    assert (finding == "none") == (items == [] or (items is None and RULESET.evaluate(
        case["observation"]).violations.status == "no_violation"))


def test_every_escalation_row_needs_a_violation_found_or_suspected() -> None:
    # Art. 14 ¶1 对规划和自然资源违法行为书面制止无效: no recipient, nor report duty, for an act established lawful
    rows = [*RULESET.graph.table("escalation_recipients").rules,
            *(r for r in RULESET.graph.table("case_obligations").rules
              if r.id in ("report_to_bureau", "written_report", "letter_to_township"))]
    assert len(rows) == 21
    for rule in rows:
        test = rule.test_for("finding.finding")
        assert isinstance(test, MemberTest) and not test.negate, rule.id
        assert test.values == {"violation", "suspected"}, rule.id


def test_an_observation_of_a_lawful_act_is_not_escalated_whatever_its_circumstances() -> None:
    lawful = {"observed_at": T0.isoformat(), "land": {"land_class": "construction_land", "approval": "approved"},
              "site": {"inside_urban_construction_land": False},
              "activity": {"kind": "building", "structure": "building", "stage": "under_construction"},
              "circumstances": {"written_stop_ineffective": True}}
    decision = RULESET.evaluate(lawful)
    assert decision.violations.status == "no_violation"
    assert not decision.escalation.escalation_applies and decision.escalation.recipients == []


@given(cases(), st.sampled_from(["obstruction", "violence_against_officers", "retaliation_against_officers"]))
@settings(max_examples=40)
def test_an_art_21_event_leaves_the_state_and_brings_in_the_police(case: dict[str, Any], kind: str) -> None:
    """Art. 21: the bureau brings in the police (协调区公安局……及时处置) for violence, obstruction or 打击报复
    against officers; that is no step of the case's procedure, so its state stays. Retaliation can follow the
    closure; obstruction and violence of a closed case (no patrol left to obstruct) are impossible input."""
    before = RULESET.evaluate_case(case)
    last = dt.datetime.fromisoformat(case["events"][-1]["at"])
    later = {**case, "events": [*case["events"], {"kind": kind, "at": (last + dt.timedelta(hours=6)).isoformat()}]}
    if before.state == "closed" and kind != "retaliation_against_officers":
        with pytest.raises(InputError):
            RULESET.evaluate_case(later)
        return
    after = RULESET.evaluate_case(later)
    assert after.state == before.state
    police = [o for o in after.obligations if o.duty == "coordinate_police"]
    assert police and police[0].citation.article == 21


@given(cases(), st.sampled_from([["i1"], ["i4", "i6"], ["i1", "i4"], ["i3"], []]),
       st.sampled_from(["permanent_basic_farmland", "ordinary_cultivated_land", "construction_land", None]),
       st.sampled_from(["none", "approved", None]))
@settings(max_examples=40)
def test_a_case_trace_shows_the_record_not_the_items_it_overrules(
        case: dict[str, Any], items: list[str], land_class: str | None, approval: str | None) -> None:
    """The items a case record establishes outrank what the observation's facts alone show: its trace shows
    the record, and of the Art. 9 rules only those finding one of its items (the others decided nothing)."""
    case["observation"]["land"].update(land_class=land_class, approval=approval)  # so the Art. 9 table finds some
    art9 = [f for f in RULESET.evaluate_case({**case, "violation_items": items}).trace if f.table == "violations"]
    alone = RULESET.evaluate_case({**case, "violation_items": None}).trace
    found_alone = {f.outputs["item"] for f in alone if f.table == "violations"}
    assert "case_record" not in {f.rule for f in alone}
    assert [f.outputs for f in art9 if f.rule == "case_record"] == [{"item": sorted(items)}]
    assert {f.outputs["item"] for f in art9 if f.rule != "case_record"} == found_alone & set(items)


# ---- reports ---------------------------------------------------------------------


@given(observations(RULESET))
@settings(max_examples=40)
def test_every_patrol_owes_exactly_one_zero_report(observation: dict[str, Any]) -> None:
    """Art. 15 ¶2: after every patrol, found or not, one zero report to the implementing body."""
    decision = RULESET.evaluate(observation)
    assert decision.escalation is not None
    zero = [r for r in decision.escalation.reports if r.type == "zero_report"]
    assert len(zero) == 1 and zero[0].recipients == ["implementing_body"]
    assert zero[0].citation.article == 15 and zero[0].citation.paragraph == 2


@given(cases())
@settings(max_examples=40)
def test_every_case_patrol_owes_exactly_one_zero_report(case: dict[str, Any]) -> None:
    decision = RULESET.evaluate_case(case)
    patrols = [e for e in case["events"] if e["kind"] in ("discovered", "reinspection_stopped", "reinspection_ongoing",
                                                          "reinspection_rectified")]
    assert len([r for r in decision.reports if r.type == "zero_report"]) == len(patrols)


# ---- escalation --------------------------------------------------------------------


@given(cases())
@settings(max_examples=80)
def test_escalation_only_after_an_ineffective_or_refused_written_notice(case: dict[str, Any]) -> None:
    """Art. 14 ¶1: recipients exist only once a served written notice was ineffective or refused."""
    decision = RULESET.evaluate_case(case)
    kinds = [e["kind"] for e in case["events"]]
    if decision.recipients:
        first_notice = kinds.index("written_notice_served")  # raises if there was none
        assert any(k in ("reinspection_ongoing", "party_refuses") for k in kinds[first_notice + 1:])
        assert any(step.to_state == "escalated" for step in decision.history)


REPORT_EVENTS = {"reported_to_bureau": "report_to_bureau", "reported_in_writing": "written_report",
                 "township_informed": "letter_to_township"}


@given(st.data(), st.lists(st.sampled_from(sorted(REPORT_EVENTS)), unique=True))
@settings(max_examples=80)
def test_a_report_of_an_ineffective_written_stop_is_owed_until_it_is_made(data: Any, made: list[str]) -> None:
    """Art. 14 ¶1 (书面制止无效…报告…应当及时…书面报告…同时，函告): once the written stop has proved
    ineffective, each report is owed in every state the case reaches — rectified, filed, transferred or
    closed — until an event records it made, and its deadline still runs from the ineffective stop."""
    escalation = ("discovered", "written_notice_served", data.draw(st.sampled_from(["reinspection_ongoing",
                                                                                  "party_refuses"])))
    prefix = data.draw(st.sampled_from([escalation, escalation, ()]))  # mostly after an ineffective stop
    kinds = _walk(random.Random(data.draw(st.integers(0, 10_000))), data.draw(st.integers(1, 6)), prefix)
    case = data.draw(cases(kinds or ["discovered"]))
    case["violation_items"] = ["i1"]  # a confirmed violation
    before = RULESET.evaluate_case(case)
    escalated = any(step.to_state == "escalated" for step in before.history)
    if before.state in ("escalated", "rectified", "filed", "transferred", "closed"):
        last = dt.datetime.fromisoformat(case["events"][-1]["at"])
        case["events"] += [{"kind": kind, "at": (last + dt.timedelta(hours=i + 1)).isoformat()}
                           for i, kind in enumerate(made)]
    recorded = {e["kind"] for e in case["events"]}  # the walk itself may have made some
    after = RULESET.evaluate_case(case)
    owed = {o.duty: o.due for o in after.obligations}
    letter = any(r.recipient == "township_government" and r.mandatory for r in after.recipients)
    for event, duty in REPORT_EVENTS.items():
        expected = escalated and event not in recorded and (letter or duty != "letter_to_township")
        assert (duty in owed) == expected, (duty, after.state)
        if expected:  # made later or not, the due time is the one the ineffective stop set
            assert owed[duty] == next(o.due for o in before.obligations if o.duty == duty)


# 10 亩 of cultivated land destroyed, item (三) on record: the 刑法 第342条 line is reached
CRIME = {"observed_at": T0.isoformat(), "land": {"planting_conditions_destroyed": True, "restored": False},
         "quantities": {"area": {"ordinary_cultivated_land": "10亩"}}, "party": {"identified": True}}


@given(st.data(), st.lists(st.sampled_from(sorted(TRANSFER_EVENTS)), max_size=6), st.integers(0, 10_000))
@settings(max_examples=80)
def test_the_transfer_is_decided_within_3_days_of_the_report_and_handed_over_within_24_hours_of_approval(
        data: Any, steps: list[str], seed: int) -> None:
    """Art. 14 ¶2 涉嫌构成犯罪的，应当及时移送, by TR 第五条: 自接到报告之日起3日内作出批准移送或者不批准移送的决定;
    决定批准的，应当在24小时内…移送; 决定不批准的，应当将不予批准的理由记录在案. Wherever in the case the transfer's
    events fall: after a refusal nothing is owed; after an approval only the hand-over, 24 hours from the
    approval; after a report the decision, by the end of the third day after the report was first received.
    A report or approval recorded again restarts no clock, and a report after an approval reopens nothing;
    a report after a refusal starts a new round."""
    kinds = _walk(random.Random(seed), data.draw(st.integers(1, 5)))
    kinds = kinds[:kinds.index("transferred")] if "transferred" in kinds else kinds  # not yet handed over
    for kind in steps:  # each after a random event of the case (6 hours apart)
        kinds.insert(data.draw(st.integers(1, len(kinds))), kind)
    events = _events(kinds)
    decision = RULESET.evaluate_case({"id": "C", "township": "高峰街道", "unit_kind": "resource_station",
                                      "observation": CRIME, "events": events, "violation_items": ["i3"]})
    owed = {o.duty: o.due for o in decision.obligations}
    step, received, approved = "none", None, None  # the round's step, first report, first approval
    for event in events:
        kind, at = event["kind"], dt.datetime.fromisoformat(event["at"])
        if kind == "transfer_refused":
            step, received, approved = "refused", None, None
        elif kind == "transfer_approved":
            approved = approved if step == "approved" else at
            step = "approved"
        elif kind == "transfer_reported" and step != "approved":
            received = received if step == "reported" else at
            step = "reported"
    assert decision.transfer.procedure == step
    assert ("decide_transfer" in owed) == (step in ("none", "reported"))
    assert ("hand_over_to_police" in owed) == (step != "refused")
    if received is not None and step == "reported":
        assert owed["decide_transfer"] == dt.datetime.combine(received.date() + dt.timedelta(days=3),
                                                               dt.time(23, 59, 59), TZ)
    if approved is not None:
        assert owed["hand_over_to_police"] == approved + dt.timedelta(hours=24)


@given(cases())
@settings(max_examples=80)
def test_escalation_always_has_both_mandatory_written_reports(case: dict[str, Any]) -> None:
    decision = RULESET.evaluate_case(case)
    if decision.recipients:
        mandatory = {r.recipient for r in decision.recipients if r.mandatory and r.role == "written_report"}
        assert mandatory == MANDATORY
        assert all(r.citation.article == 14 for r in decision.recipients)


def test_observation_escalation_has_both_mandatory_recipients() -> None:
    found = {"observed_at": T0.isoformat(), "land": {"land_class": "permanent_basic_farmland", "approval": "none"},
             "activity": {"kind": "land_occupation", "structure": "none"}}
    decision = RULESET.evaluate({**found, "circumstances": {"written_stop_ineffective": True}})
    assert decision.escalation is not None and decision.escalation.escalation_applies
    assert MANDATORY <= {r.recipient for r in decision.escalation.recipients if r.mandatory}
    quiet = RULESET.evaluate({**found, "circumstances": {"written_stop_ineffective": False}})
    assert quiet.escalation is not None and quiet.escalation.recipients == []


@pytest.mark.parametrize("mandatory", [True, False])
def test_the_township_letter_is_a_case_duty_exactly_when_the_recipients_table_makes_it_mandatory(
        mandatory: bool) -> None:
    # Art. 14 ¶1 "同时，函告" follows a "可以" clause; the reading is the parameter letter_to_township_mandatory.
    ruleset = RULESET.with_parameters({"letter_to_township_mandatory": mandatory})
    decision = ruleset.evaluate_case(
        {"id": "C", "township": "高峰街道", "unit_kind": "resource_station",
         "observation": {"observed_at": T0.isoformat(), "activity": {"kind": "land_occupation"}},
         "events": _events(["discovered", "written_notice_served", "reinspection_ongoing"]),
         "violation_items": ["i1"]})
    assert decision.state == "escalated"
    township = [r for r in decision.recipients if r.recipient == "township_government"]
    assert [r.mandatory for r in township] == [mandatory]
    duties = [o.duty for o in decision.obligations]
    assert ("letter_to_township" in duties) == mandatory
    assert {"report_to_bureau", "written_report"} <= set(duties)  # 应当: never depends on the parameter


# ---- lifecycle errors ----------------------------------------------------------------


def test_impossible_event_names_its_index_and_the_accepting_states() -> None:
    case = {"id": "X", "unit_kind": "resource_station", "observation": {"observed_at": T0.isoformat()},
            "events": _events(["discovered", "oral_stop", "transferred"])}
    with pytest.raises(InputError) as caught:
        RULESET.evaluate_case(case)
    problem = caught.value.problems[0]
    assert problem.path == "events.2"
    assert "oral_stopped" in problem.message and "filed" in (problem.expected or "")


def test_events_out_of_time_order_are_rejected() -> None:
    events = _events(["discovered", "oral_stop"])
    events.reverse()
    events[0]["kind"], events[1]["kind"] = "discovered", "oral_stop"
    with pytest.raises(InputError) as caught:
        RULESET.evaluate_case({"id": "X", "unit_kind": "resource_station",
                               "observation": {"observed_at": T0.isoformat()}, "events": events})
    assert caught.value.problems[0].path == "events.1.at"


def test_naive_times_and_unknown_events_are_listed_together() -> None:
    with pytest.raises(InputError) as caught:
        RULESET.evaluate_case({"id": "X", "unit_kind": "bureau", "observation": {"observed_at": T0.isoformat()},
                               "events": [{"kind": "exploded", "at": "2024-05-06T09:00:00"}]})
    paths = {p.path for p in caught.value.problems}
    assert {"unit_kind", "events.0.kind", "events.0.at"} <= paths


# ---- the observation-level section and the CLI -------------------------------------


def test_decision_escalation_section_reports_filing_and_transfer() -> None:
    decision = RULESET.evaluate({"observed_at": T0.isoformat(), "party": {"identified": False},
                                 "land": {"restored": False}})
    section = decision.escalation
    assert section is not None
    assert section.violation_found is False  # Art. 9 found no item in these facts
    assert section.filing.decision == "not_filed"
    assert section.filing.conditions[0].status == "failed"
    assert section.filing.limitation.continuing is True
    assert [r.type for r in section.reports] == ["zero_report"]


def test_cli_case_prints_state_obligations_recipients_and_reports(tmp_path: Any, capsys: Any) -> None:
    case = {"id": "CLI-1", "unit_kind": "resource_station", "observation": {"observed_at": T0.isoformat()},
            "violation_items": ["i1"],
            "events": _events(["discovered", "written_notice_served", "party_refuses"])}
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case, ensure_ascii=False, indent=2), encoding="utf-8")
    assert main(["case", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["state"] == "escalated"
    assert {"obligations", "recipients", "reports", "filing", "transfer"} <= set(out)
    case["events"] = _events(["discovered", "party_refuses"])
    path.write_text(json.dumps(case), encoding="utf-8")
    assert main(["case", str(path)]) == 2
    assert "events.1" in capsys.readouterr().err
    assert main(["schema", "case"]) == 0
    assert "events" in json.loads(capsys.readouterr().out)["properties"]


# ---- scale -------------------------------------------------------------------------------


def test_lifecycle_of_100000_cases_in_flat_memory() -> None:
    """The lifecycle is a pure lookup: no state accumulates across 100 000 cases."""
    rng = random.Random(7)
    templates = [tuple(CaseEvent(kind=CaseEventKind(k), at=T0 + dt.timedelta(hours=i))
                       for i, k in enumerate(_walk(rng, rng.randint(1, 8)))) for _ in range(200)]

    def batch(n: int) -> None:
        for number in range(n):
            run_lifecycle(RULESET, templates[number % len(templates)])

    batch(10_000)  # warm up caches
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    batch(100_000)
    elapsed = time.perf_counter() - started
    growth_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert growth_kb < 5_000, f"peak RSS grew {growth_kb} KB over 100 000 cases"
    assert elapsed < 20
