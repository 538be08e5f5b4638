"""Art. 9 properties, stated from the law, over inputs derived from the schema and ruleset."""

from __future__ import annotations

import copy
import json

from hypothesis import example, given
from hypothesis import strategies as st

from patrolrules.engine.tables import Citation
from patrolrules.facts import DERIVED, FACTS
from patrolrules.labels import shown_value
from patrolrules.observation import ActivityKind, LandClass
from patrolrules.ruleset import parse_observation

from . import strategies

ITEM3_KINDS = ["kiln", "grave", "house", "building", "sand_digging", "quarrying", "mining", "soil_removal"]
VALID = {"status": "valid", "within_boundary": True, "mineral_matches": True}


def _with(observation: dict, **parts: dict) -> dict:
    out = json.loads(json.dumps(observation))
    for key, value in parts.items():
        out[key] = {**out.get(key, {}), **value}
    return out


def test_basic_farmland_gives_item_4_where_cultivated_land_gives_item_3(ruleset):
    @given(strategies.observations(ruleset), st.sampled_from(ITEM3_KINDS))
    def check(observation, kind):
        base = _with(observation, activity={"kind": kind})
        cultivated = ruleset.evaluate(_with(base, land={"land_class": "ordinary_cultivated_land"}))
        farmland = ruleset.evaluate(_with(base, land={"land_class": "permanent_basic_farmland"}))
        if 3 in cultivated.violations.item_numbers:
            assert 4 in farmland.violations.item_numbers
        assert 3 not in farmland.violations.item_numbers and 4 not in cultivated.violations.item_numbers

    check()


def test_licensed_in_boundary_right_mineral_extraction_is_never_item_6(ruleset):
    @given(strategies.observations(ruleset), st.sampled_from(["mining", "quarrying", "sand_digging", "exploration"]))
    def check(observation, kind):
        licensed = _with(observation, activity={"kind": kind, "river_sand": False},
                         permits={"mining_licence": VALID, "exploration_licence": VALID})
        assert 6 not in ruleset.evaluate(licensed).violations.item_numbers

    check()


lawful_kinds = st.sampled_from([k.value for k in ActivityKind if k.value not in ("kiln", "grave")])
lawful_classes = st.sampled_from([c.value for c in LandClass if c != LandClass.permanent_basic_farmland])


def test_a_fully_approved_permitted_licensed_observation_is_no_violation(ruleset):
    @given(strategies.observations(ruleset), lawful_kinds, lawful_classes, st.booleans(), st.booleans())
    def check(observation, kind, land_class, inside, river):
        lawful = _with(
            observation,
            land={"land_class": land_class, "approval": "approved", "temporary_use": {"approved": False},
                  "planting_conditions_destroyed": False,
                  "facility_agri": {"actual_use": "agricultural_production", "facility_type": "planting_facility",
                                    "filed": True, "filed_area": "2亩", "actual_area": "1亩",
                                    "destroys_tillage_layer": False}},
            activity={"kind": kind, "river_sand": river, "other_provision": None},
            site={"inside_urban_construction_land": inside},
            permits={"planning": {"status": "valid", "conforming": True}, "mining_licence": VALID,
                     "exploration_licence": VALID, "river_sand_permit": "valid"})
        violations = ruleset.evaluate(lawful).violations
        assert violations.status == "no_violation" and violations.items == [] and violations.primary_item is None

    check()


def test_the_primary_item_is_one_of_the_items_and_items_carry_the_regulations_words(ruleset):
    @given(strategies.observations(ruleset))
    def check(observation):
        decision = ruleset.evaluate(observation)
        violations = decision.violations
        assert (violations.primary_item in violations.item_numbers) == bool(violations.items)
        assert violations.item_numbers == sorted({i.item for i in violations.items})
        for item in violations.items:
            assert item.name_zh in item.citation.text_zh and item.citation.article == 9
            assert item.citation.item == item.item and item.legal_basis
            assert (item.forms != []) == (item.item == 5) or item.item == 5
        assert (violations.status == "violation") == bool(violations.items)

    check()


IRRELEVANT = {"project_name": "某项目", "party": {"name": "某某"},
              "site": {"address": "万州区某路", "township": "某镇"},
              "patrol": {"officers": ["甲", "乙"], "route": "一号线"}, "activity": {"description": "说明"}}


def test_classification_ignores_field_order_and_facts_no_rule_reads(ruleset):
    @given(strategies.observations(ruleset))
    def check(observation):
        baseline = ruleset.evaluate(observation)
        reordered = json.loads(json.dumps(observation, sort_keys=True), object_pairs_hook=lambda p: dict(reversed(p)))
        noisy = _with(observation, **{k: v for k, v in IRRELEVANT.items() if isinstance(v, dict)})
        noisy["project_name"] = IRRELEVANT["project_name"]
        for variant in (reordered, noisy):
            other = ruleset.evaluate(variant)
            assert other.violations == baseline.violations and other.zone == baseline.zone

    check()


def test_every_unknown_listed_would_change_something(ruleset):
    @given(strategies.observations(ruleset))
    def check(observation):
        decision = ruleset.evaluate(observation)
        for missing in decision.missing_facts:
            assert missing.alternatives and all(a.changes for a in missing.alternatives)
        if decision.violations.status == "undetermined":
            assert any("items" in a.changes for m in decision.missing_facts for a in m.alternatives)

    check()


def test_chinese_citations_name_a_paragraph_only_where_the_article_has_several(ruleset):
    # Art. 9 and Art. 11 are one paragraph with items: cited 第九条第（四）项, as the explanation heads them;
    # Art. 8 (three paragraphs) and Art. 14 (two) name the paragraph. English keeps the structure.
    def ref(article, paragraph=None, item=None):
        out = ruleset.cite(Citation(article, paragraph, item))
        return out.ref_zh.split("》", 1)[1], out.ref_en, out.text_zh

    assert ref(9, 1, 4)[:2] == ("第九条第（四）项", "Art. 9 ¶1 (4)")
    assert ref(9, 1, 4)[2].startswith("(四)占用基本农田")
    assert ref(11, 1, 3)[0] == "第十一条第（三）项"
    assert ref(21, 1)[0] == "第二十一条"
    assert ref(8, 3, 1)[0] == "第八条第三款第（一）项"
    assert ref(14, 1)[0] == "第十四条第一款"
    assert ref(13, 3)[0] == "第十三条第三款"


def test_missing_facts_list_exactly_what_stating_each_value_decides(ruleset):
    """A missing fact's alternatives are computed by re-running only the tables the fact reaches. For
    every unknown fact and each of its representative values (one per cell of the rules reading it), the
    alternatives must list exactly what evaluating the observation with that value stated changes —
    tier (Art. 8), items (Art. 9) and notice (Art. 11) alike; a value changing nothing is not listed."""

    def outcome(decision):
        return {"tier": decision.zone.tier, "items": decision.violations.item_numbers,
                "notice": decision.disposal.notice and decision.disposal.notice.type}

    period = ruleset._period(strategies.DAY, "native")
    read = {name for i in period.closure for r in period.tables[i].table.rules for name, _ in r.tests}

    @given(strategies.independent(ruleset))
    @example({"observed_at": f"{strategies.DAY.isoformat()}T10:00:00+08:00",
              "site": {"inside_urban_construction_land": True},
              "activity": {"kind": "house", "stage": "under_construction"},
              "permits": {"planning": {"status": "none"}}})  # structure unknown: it changes the notice alone
    def check(observation):
        decision = ruleset.evaluate(observation)
        base = outcome(decision)
        parsed = parse_observation(observation)
        day = parsed.observed_at.date()
        listed = {(m.fact, json.dumps(a.value)): a.changes for m in decision.missing_facts for a in m.alternatives}
        for name, value in ruleset.facts_of(parsed, day).items():
            # derived facts are stated through other fields; a fact no summarised table reads changes nothing
            if value is not None or name in DERIVED or name not in read:
                continue
            kind = FACTS[name].type
            for choice in period.representatives(FACTS[name]):
                shown = shown_value(choice, kind.kind, kind.dimension)
                stated = copy.deepcopy(observation)
                strategies._set_path(stated, name, shown)
                changed = {k: v for k, v in outcome(ruleset.evaluate(stated)).items() if base[k] != v}
                assert listed.pop((name, json.dumps(shown)), {}) == changed, (name, shown)
        assert not [fact for fact, _ in listed if fact not in DERIVED]  # nothing listed that stating would not do

    check()
