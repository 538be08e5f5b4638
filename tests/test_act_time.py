"""行政处罚法（2021）第三十七条 for the Art. 9 items: an act that ended before the law changed and is decided
after is judged by the law of its day — an item stands only if that law made the act a violation (no later
rule reaches back) and today's law still does (an act no longer a violation is not punished) — and is cited
by the law of its day unless today's provision punishes less (sources.yaml ``lighter``)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import patrolrules
from patrolrules.engine import unknowns
from patrolrules.facts import DERIVED, FACTS
from patrolrules.labels import shown_value
from patrolrules.ruleset import _upstream, parse_observation

from . import strategies
from .rulefiles import copy_with_edits


def _at(day: dt.date) -> str:
    return f"{day.isoformat()}T09:00:00+08:00"


def _outcomes(decision: patrolrules.Decision) -> set[tuple[int, str | None]]:
    return {(item.item, form) for item in decision.violations.items for form in item.forms or [None]}


def _day_pairs(ruleset: patrolrules.Ruleset) -> list[tuple[dt.date, dt.date]]:
    """(act ended, decided) across every day the law changes: the day before and the day itself, the
    day before and half a year later, and the first day the ruleset knows against the latest change."""
    changes = [c for c in ruleset.graph.change_dates() if c > ruleset.effective]
    day = dt.timedelta(days=1)
    return [*((c - day, c) for c in changes), *((c - day, c + 180 * day) for c in changes),
            (ruleset.effective, changes[-1])]


@pytest.mark.parametrize("which", ["bundled", "stricter"])
def test_an_earlier_act_has_the_items_both_laws_make_it_and_cites_the_law_of_its_day(request, which):
    """Bundled, no rule is stricter later (the items are today's); with the kiln rule of 2025-03-01
    (``_KILN_RULE``) an act done before it keeps only what the law of its day made a violation."""
    ruleset = request.getfixturevalue("ruleset" if which == "bundled" else "stricter")
    sources = ruleset.loaded.sources

    @given(strategies.observations(ruleset), st.sampled_from(_day_pairs(ruleset)), st.booleans())
    def check(observation: dict[str, Any], days: tuple[dt.date, dt.date], kiln: bool) -> None:
        ended, decided = days
        if kiln and which == "stricter":  # the kiln rule's own day, to reach it often
            ended, decided = KILN_DAY - dt.timedelta(days=1), max(decided, KILN_DAY)
            strategies._set_path(observation, "activity.kind", "kiln")
        done = {**observation, "observed_at": _at(decided), "act_ended_on": ended.isoformat(),
                "land": {**observation.get("land", {}), "restored": True}}  # over: not a continuing act
        decision = ruleset.evaluate(done)
        today = ruleset.evaluate({**done, "act_ended_on": None})
        then = ruleset.evaluate({**done, "observed_at": _at(ended)})
        assert _outcomes(decision) == _outcomes(today) & _outcomes(then)
        fired = {f.rule for f in decision.trace if f.table == "violations"}
        assert fired == {rule for item in decision.violations.items for rule in item.rules}
        for item in decision.violations.items:
            assert item.basis_as_of in (ended, decided)
            for basis in item.legal_basis:  # each item cites law in force on the day whose law judges it
                source = sources[basis.key]
                assert source.from_ is None or source.from_ <= item.basis_as_of, (item.item, basis.key)
                assert source.repealed is None or item.basis_as_of < source.repealed, (item.item, basis.key)

    check()


_KILN_RULE = ("      - id: item8.other_provision\n",
              "      - id: item8.kiln_from_2025\n"
              "        when: {activity.kind: kiln}\n"
              "        then: {item: i8}\n"
              "        cite: {article: 9, paragraph: 1, item: 8, basis: [WZ-9]}\n"
              "        from: 2025-03-01\n"
              "      - id: item8.other_provision\n")
KILN_DAY = dt.date(2025, 3, 1)
_KILN = {"land": {"land_class": "unused_land", "approval": "approved", "restored": True}, "activity": {"kind": "kiln"}}


@pytest.fixture(scope="module")
def stricter(tmp_path_factory) -> patrolrules.Ruleset:
    """The bundled ruleset with the later kiln rule (``_KILN_RULE``)."""
    return patrolrules.load_ruleset(copy_with_edits(tmp_path_factory.mktemp("kiln"), "art09_violations.yaml",
                                                    _KILN_RULE))



def test_a_later_rule_never_reaches_back_to_an_act_done_before_it(stricter):
    """A stricter rule (a kiln on unused land, item 8, from 2025-03-01) judges acts from its day on,
    and continuing ones; an act that ended before is not a violation, and nothing downstream acts on it."""
    decided = _at(dt.date(2025, 6, 1))
    before = stricter.evaluate({**_KILN, "observed_at": decided, "act_ended_on": "2025-02-28"})
    after = stricter.evaluate({**_KILN, "observed_at": decided, "act_ended_on": "2025-03-01"})
    going_on = stricter.evaluate({**_KILN, "observed_at": decided, "land": {**_KILN["land"], "restored": False}})
    for decision in (after, going_on):
        assert decision.violations.item_numbers == [8]
        assert decision.violations.items[0].rules == ["item8.kiln_from_2025"]
    assert before.violations.item_numbers == [] and before.violations.status == "no_violation"
    assert before.violations.basis_as_of == dt.date(2025, 2, 28)
    assert [b.key for b in before.violations.time_rule] == ["APL-37"]
    assert not any(f.table == "violations" for f in before.trace)
    actions = [{a.action for a in d.disposal.actions} for d in (before, after)]
    assert "initial_verification" in actions[1] and "initial_verification" not in actions[0]  # run again downstream
    # the bundled ruleset has no such rule: the same act is no violation on either day
    assert patrolrules.load_ruleset().evaluate({**_KILN, "observed_at": decided}).violations.item_numbers == []


_SPLIT = ("        cite: {article: 9, paragraph: 1, item: 2, basis: [LAL-57, LALR14-35]}\n",
          "        cite: {article: 9, paragraph: 1, item: 2, basis: [LAL-57, LALR14-35]}\n"
          "        repealed: 2025-03-01\n"
          "      - id: item2.permanent_structure_from_2025\n"
          "        when: {land.temporary_use.approved: true, activity.structure: [building, structure], "
          "activity.permanent: true}\n"
          "        then: {item: i2}\n"
          "        cite: {article: 9, paragraph: 1, item: 2, basis: [LAL-57]}\n"
          "        from: 2025-03-01\n")
_ITEM2 = {"land": {"temporary_use": {"approved": True}, "restored": True},
          "activity": {"kind": "building", "structure": "building", "permanent": True}}


@pytest.mark.parametrize(("ended", "rule", "bases"), [
    ("2025-02-28", "item2.permanent_structure_on_temporary_land", ["LAL-57", "LALR-52"]),
    ("2025-03-01", "item2.permanent_structure_from_2025", ["LAL-57"]),
])
def test_a_rule_split_under_a_new_id_is_cited_by_the_one_in_force_when_the_act_was_done(
        tmp_path, ended, rule, bases):
    """The act's own rule is found by what it decides (item 2), not by its id: a rule replaced on
    2025-03-01 by one under another id still judges the acts done before."""
    split = patrolrules.load_ruleset(copy_with_edits(tmp_path, "art09_violations.yaml", _SPLIT))
    decision = split.evaluate({**_ITEM2, "observed_at": _at(dt.date(2025, 6, 1)), "act_ended_on": ended})
    (item,) = decision.violations.items
    assert (item.item, item.rules, [b.key for b in item.legal_basis]) == (2, [rule], bases)
    assert [f.rule for f in decision.trace if f.table == "violations"] == [rule]


_LICENCE_RULE = ("      - id: extraction.out_of_boundary\n",
                 "      - id: extraction.quarry_from_2025\n"
                 "        when: {activity.kind: quarrying, permits.mining_licence.status: valid}\n"
                 "        then: {licensed: unlicensed, ground: extraction_out_of_boundary}\n"
                 "        cite: {article: 9, paragraph: 1, item: 6, basis: [MRL09-3, JI2016-2]}\n"
                 "        from: 2025-03-01\n"
                 "      - id: extraction.out_of_boundary\n")
_QUARRY = {"land": {"land_class": "unused_land", "approval": "approved", "restored": True},
           "activity": {"kind": "quarrying"},
           "permits": {"mining_licence": {"status": "valid", "within_boundary": True, "mineral_matches": True}}}


@pytest.mark.parametrize(("ended", "items"), [("2025-02-28", []), ("2025-03-01", [6])])
def test_a_change_in_a_table_the_items_read_from_is_the_law_of_the_acts_day_too(tmp_path, ended, items):
    """Only the licence table changes on 2025-03-01 (a licensed quarry counts as unlicensed from then):
    the items of an act done before are still those of its day."""
    stricter = patrolrules.load_ruleset(copy_with_edits(tmp_path, "art09_violations.yaml", _LICENCE_RULE))
    decision = stricter.evaluate({**_QUARRY, "observed_at": _at(dt.date(2025, 6, 1)), "act_ended_on": ended})
    assert decision.violations.item_numbers == items


def test_what_ifs_of_an_earlier_act_are_judged_by_both_days_law_too(stricter):
    """A missing fact's alternatives say what stating that value would decide: for an act that ended
    before the kiln rule, never its item 8 (the what-ifs run on both days as the decision does)."""
    days = [(dt.date(2025, 2, 28), dt.date(2025, 6, 1)), (dt.date(2025, 3, 1), dt.date(2025, 6, 1)),
            (dt.date(2025, 2, 28), dt.date(2025, 7, 1))]

    @given(strategies.independent(stricter), st.sampled_from(days), st.sampled_from(["kiln", "building", None]))
    def check(observation: dict[str, Any], days: tuple[dt.date, dt.date], kind: str | None) -> None:
        ended, decided = days
        observation = {**observation, "observed_at": _at(decided), "act_ended_on": ended.isoformat(),
                       "land": {**observation.get("land", {}), "restored": True}}
        strategies._set_path(observation, "activity.kind", kind)
        decision = stricter.evaluate(observation)
        base = decision.violations.item_numbers
        for missing in decision.missing_facts:
            if missing.fact in DERIVED:
                continue
            for alternative in missing.alternatives:
                stated = copy.deepcopy(observation)
                strategies._set_path(stated, missing.fact, alternative.value)
                items = stricter.evaluate(stated).violations.item_numbers
                assert items == alternative.changes.get("items", base), (missing.fact, alternative.value)

    check()
    before = stricter.evaluate({"observed_at": _at(dt.date(2025, 6, 1)), "act_ended_on": "2025-02-28",
                                "land": {"restored": True}, "activity": {"kind": "kiln"}})
    shown = [a.changes["items"] for m in before.missing_facts for a in m.alternatives if "items" in a.changes]
    assert [1] in shown and not any(8 in items for items in shown)  # approval unknown: item 1, never the kiln rule


def _kiln_rules_changed_on_kiln_day(directory, before: str, after: str, read: str) -> patrolrules.Ruleset:
    """The bundled ruleset where a kiln is item 8 when ``before`` holds until 2025-03-01 and when ``after``
    holds from that day (YAML ``when`` entries besides the kind, or none), the violations table reading
    ``read``."""
    def rule(rule_id: str, when: str, dated: str) -> str:
        when = ", ".join(["activity.kind: kiln", *([when] if when else [])])
        return (f"      - id: {rule_id}\n        when: {{{when}}}\n        then: {{item: i8}}\n"
                f"        cite: {{article: 9, paragraph: 1, item: 8, basis: [WZ-9]}}\n        {dated}: 2025-03-01\n")
    other = "      - id: item8.other_provision\n"
    inputs = "    inputs:\n      - land.land_class\n"
    return patrolrules.load_ruleset(copy_with_edits(
        directory, "art09_violations.yaml",
        (other, rule("item8.kiln_until_2025", before, "repealed") + rule("item8.kiln_from_2025", after, "from")
         + other),
        (inputs, f"{inputs}      - {read}\n")))


@pytest.fixture(scope="module")
def narrower_then(tmp_path_factory) -> patrolrules.Ruleset:
    """The law loosened on 2025-03-01: before it a kiln was item 8 only against the spatial plan (a fact
    no other summarised rule reads); from that day, any kiln."""
    return _kiln_rules_changed_on_kiln_day(tmp_path_factory.mktemp("plan"), "land.conforms_to_spatial_plan: false",
                                           "", "land.conforms_to_spatial_plan")


@pytest.fixture(scope="module")
def nearer_then(tmp_path_factory) -> patrolrules.Ruleset:
    """Before 2025-03-01 a kiln was item 8 within 3 m of a national road, from that day within 30 m: the
    act's law cuts the distance at a point today's tables do not (they cut it at 20 m and 30 m)."""
    return _kiln_rules_changed_on_kiln_day(
        tmp_path_factory.mktemp("road"), 'site.distance_to_national_road: "<= $village_road_buffer"',
        'site.distance_to_national_road: "<= $expressway_buffer"', "site.distance_to_national_road")


def test_a_fact_only_the_acts_law_reads_is_a_missing_fact_of_an_earlier_act(narrower_then):
    """For a kiln done before 2025-03-01 and decided after, whether it was against the spatial plan
    decides item 8 (the act's law needs it, today's does not): that fact is missing, though no
    table of today reads it."""
    decided = _at(dt.date(2025, 6, 1))
    before = narrower_then.evaluate({**_KILN, "observed_at": decided, "act_ended_on": "2025-02-28"})
    assert before.violations.item_numbers == []
    missing = {m.fact: m for m in before.missing_facts}
    assert [(a.value, a.changes) for a in missing["land.conforms_to_spatial_plan"].alternatives] == \
        [(False, {"items": [8]})]
    stated = narrower_then.evaluate({**_KILN, "observed_at": decided, "act_ended_on": "2025-02-28",
                                     "land": {**_KILN["land"], "conforms_to_spatial_plan": False}})
    assert stated.violations.item_numbers == [8]
    after = narrower_then.evaluate({**_KILN, "observed_at": decided, "act_ended_on": "2025-03-01"})
    assert after.violations.item_numbers == [8]  # today's law alone: the plan does not matter
    assert "land.conforms_to_spatial_plan" not in {m.fact for m in after.missing_facts}


@pytest.mark.parametrize("which", ["stricter", "narrower_then", "nearer_then"])
def test_an_earlier_acts_missing_facts_list_exactly_what_stating_each_value_decides(request, which):
    """For an act judged by two days' law, every unknown fact either day's item rules read (the violations
    table and those it reads from), at one value per cell of either day's tables: listed exactly where
    stating it changes the items. (Each example decides ≈100 stated variants, each on both days: two
    fifths of the profile's examples keep the three rulesets within a minute on two cores.)"""
    ruleset = request.getfixturevalue(which)
    decided, ended = dt.date(2025, 6, 1), dt.date(2025, 2, 28)
    periods = [ruleset._period(day, "native") for day in (decided, ended)]
    read = {name for p in periods for t in _upstream(p.tables, ("violations",)) for r in t.table.rules
            for name, _ in r.tests}
    tables = periods[0].tables + periods[1].tables

    @settings(max_examples=settings.default.max_examples * 2 // 5)
    @given(strategies.independent(ruleset), st.sampled_from(["kiln", None]))
    def check(observation: dict[str, Any], kind: str | None) -> None:
        observation = {**observation, "observed_at": _at(decided), "act_ended_on": ended.isoformat(),
                       "land": {**observation.get("land", {}), "restored": True}}
        strategies._set_path(observation, "activity.kind", kind or observation.get("activity", {}).get("kind"))
        decision = ruleset.evaluate(observation)
        base = decision.violations.item_numbers
        listed = {(m.fact, json.dumps(a.value)): a.changes.get("items", base)
                  for m in decision.missing_facts for a in m.alternatives}
        parsed = parse_observation(observation)
        for name, value in ruleset.facts_of(parsed, decided).items():
            if value is not None or name in DERIVED or name not in read:
                continue
            for choice in unknowns.representatives(tables, FACTS[name]):
                shown = shown_value(choice, FACTS[name].type.kind, FACTS[name].type.dimension)
                stated = copy.deepcopy(observation)
                strategies._set_path(stated, name, shown)
                items = ruleset.evaluate(stated).violations.item_numbers
                assert listed.get((name, json.dumps(shown)), base) == items, (name, shown)

    check()
