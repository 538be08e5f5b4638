"""Renumbered, split and new legal bases (sources.yaml ``repealed`` / ``replaced_by`` / ``from`` /
``new_provision``). 《治安管理处罚法》 as revised on 2025-06-27 is in force from 2026-01-01 (第一百四十四条)
and moves 阻碍国家机关工作人员依法执行职务 from 第五十条 to 第六十一条; 土地管理法, its 实施条例, 行政处罚法,
自然资源行政处罚办法 and 矿产资源法 were renumbered too since the ruleset took effect. A decision cites the
law in force on its date; the renumbering changes citations, never what is decided."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import patrolrules
from patrolrules import RulesetError, ci
from patrolrules.engine import durable
from patrolrules.engine.tables import Citation
from patrolrules.ruleset import bundled_directory

from . import strategies
from .rulefiles import copy_with_edits

REVISION = dt.date(2026, 1, 1)
# every day a cited source changes (土地管理法 2020-01-01, 行政处罚法 2021-07-15, 实施条例 2021-09-01,
# 自然资源行政处罚办法 2024-05-01, 矿产资源法 2025-07-01, 治安管理处罚法 2026-01-01, 矿产资源法实施条例
# 2026-06-15) and the day before
_CHANGES = [dt.date(2020, 1, 1), dt.date(2021, 7, 15), dt.date(2021, 9, 1), dt.date(2024, 5, 1), dt.date(2025, 7, 1),
            REVISION, dt.date(2026, 6, 15)]
_DAYS = [dt.date(2019, 1, 1), *_CHANGES, *(d - dt.timedelta(days=1) for d in _CHANGES)]
_SUCCESSION = ("    repealed: 2026-01-01  # the 2025 revision (2025-06-27, 第一百四十四条: in force 2026-01-01) "
               "renumbers it\n    replaced_by: PSAP-61\n", "")


def _in_force(source: Any, day: dt.date) -> bool:
    return (source.from_ is None or source.from_ <= day) and (source.repealed is None or day < source.repealed)


def _bases(data: Any, path: str = "") -> list[tuple[str, str]]:
    """(path, key) of every legal basis in a decision's JSON."""
    if isinstance(data, dict):
        if set(data) == {"key", "name_zh", "name_en", "tag"}:
            return [(path, data["key"])]
        return [found for k, v in data.items() for found in _bases(v, f"{path}.{k}")]
    if isinstance(data, list):
        return [found for i, v in enumerate(data) for found in _bases(v, f"{path}.{i}")]
    return []


@pytest.fixture(scope="module")
def unrenumbered(tmp_path_factory) -> patrolrules.Ruleset:
    """The bundled ruleset without the succession: 第五十条 cited on every date."""
    return patrolrules.load_ruleset(copy_with_edits(tmp_path_factory.mktemp("plain"), "sources.yaml", _SUCCESSION))


def test_a_decision_cites_only_law_in_force_on_its_date(ruleset, unrenumbered):
    """Every legal basis a decision shows is in force on its date — or, for an act that ended under
    other law, on the act's date: the criminal lines (高检发释字〔2001〕5号 三) and the items' legal bases
    (行政处罚法 第三十七条) — and the succession changes nothing but 第五十条 → 第六十一条 from 2026-01-01."""
    sources = ruleset.loaded.sources
    old, new = (ruleset.basis(Citation(21, 1, None, (key,)))[0].model_dump(mode="json")
                for key in ("PSAP-50", "PSAP-61"))

    @given(strategies.observations(ruleset), st.sampled_from(_DAYS), st.sampled_from([True, False, None]),
           st.sampled_from([True, None]), st.none() | st.sampled_from(_DAYS), st.sampled_from([True, False, None]))
    def check(observation, day, obstruction, ineffective, ended, restored):
        ended = None if ended is None else min(ended, day)  # an act ends no later than it is observed
        circumstances = {**observation.get("circumstances", {}), "obstruction": obstruction,
                         "written_stop_ineffective": ineffective}
        observation = {**observation, "observed_at": f"{day.isoformat()}T10:00:00+08:00",
                       "circumstances": circumstances, "land": {**observation.get("land", {}), "restored": restored},
                       "act_ended_on": None if ended is None else ended.isoformat()}
        decision = ruleset.evaluate(observation).model_dump(mode="json")
        day = dt.date.fromisoformat(decision["as_of"])
        lines_day = dt.date.fromisoformat(decision["escalation"]["transfer"]["lines_as_of"])
        basis_day = dt.date.fromisoformat(decision["violations"]["basis_as_of"])
        # the act's law only for an act that ended before the decision (and is not going on)
        act = max(ended, ruleset.effective) if ended is not None and ended < day and restored is not False else None
        assert basis_day in {day, act} and lines_day in {day, act}
        assert [b["key"] for b in decision["violations"]["time_rule"]] == (
            ["APL-37"] if basis_day != day and day >= dt.date(2021, 7, 15) else [])
        # an item's own law: the act's, or today's where today's provision punishes less (从旧兼从轻)
        item_days = {rule: dt.date.fromisoformat(item["basis_as_of"])
                     for item in decision["violations"]["items"] for rule in item["rules"]}
        assert set(item_days.values()) <= {basis_day, day}
        for path, key in _bases(decision):
            parts = path.split(".")
            if parts[1] == "trace":
                fired = decision["trace"][int(parts[2])]
                on = item_days[fired["rule"]] if fired["table"] == "violations" else \
                    lines_day if fired["table"] == "crime_transfer" else day
            elif parts[1] == "violations" and parts[2] != "time_rule":
                on = dt.date.fromisoformat(decision["violations"]["items"][int(parts[3])]["basis_as_of"])
            else:
                on = lines_day if path.startswith(".escalation.transfer.lines.") else day
            assert _in_force(sources[key], on), (path, key, on)
        plain = unrenumbered.evaluate(observation).model_dump(mode="json")
        if day >= REVISION:
            plain = _replace(plain, old, new)
        assert {k: v for k, v in decision.items() if k != "ruleset"} == \
            {k: v for k, v in plain.items() if k != "ruleset"}

    check()


def test_a_case_cites_the_law_of_the_day_of_each_obstruction_or_violence(ruleset, unrenumbered):
    """Art. 21: an obstruction or violence recorded as a case event happened on its day, so the rules that
    fired on it cite the law in force that day; every other basis is the discovery day's (the case's
    as-of). The succession changes nothing but 第五十条 → 第六十一条, and that only for an obstruction
    on or after 2026-01-01."""
    sources = ruleset.loaded.sources
    reading = {fact: {(t.id, r.id) for t in ruleset.graph.tables for r in t.rules if any(n == fact for n, _ in r.tests)}
               for fact in ("circumstances.obstruction", "circumstances.violence_against_officers")}
    old, new = (ruleset.basis(Citation(21, 1, None, (key,)))[0].model_dump(mode="json")
                for key in ("PSAP-50", "PSAP-61"))

    @given(st.sampled_from(_DAYS), st.integers(0, 400), st.none() | st.integers(0, 400), st.booleans())
    def check(discovered, after, violence_after, obstructed):
        obstruction_day = discovered + dt.timedelta(days=after)
        events = [("discovered", discovered), ("oral_stop", discovered), ("written_notice_served", discovered),
                  ("reinspection_ongoing", obstruction_day)]
        if obstructed:
            events.append(("obstruction", obstruction_day))
        if violence_after is not None:
            events.append(("violence_against_officers", obstruction_day + dt.timedelta(days=violence_after)))
        case = {"id": "C", "township": "高峰街道", "unit_kind": "resource_station", "violation_items": ["i1"],
                "observation": {"observed_at": f"{discovered.isoformat()}T09:00:00+08:00",
                                "activity": {"kind": "building"}, "land": {"approval": "none"}},
                "events": [{"kind": kind, "at": f"{on.isoformat()}T10:00:00+08:00"} for kind, on in events]}
        decision = ruleset.evaluate_case(case).model_dump(mode="json")
        event_day = {fact: max((on for kind, on in events if f"circumstances.{kind}" == fact), default=discovered)
                     for fact in reading}

        def day_of(entry: dict[str, Any]) -> dt.date:  # a recipient or a fired rule
            fired = (entry.get("table", "escalation_recipients"), entry.get("rule"))
            return next((event_day[fact] for fact, rules in reading.items() if fired in rules), discovered)

        for path, key in _bases(decision):
            parts = path.split(".")
            on = day_of(decision[parts[1]][int(parts[2])])
            assert _in_force(sources[key], on), (path, key, on)
        plain = unrenumbered.evaluate_case(case).model_dump(mode="json")
        for section in ("recipients", "trace"):
            plain[section] = [_replace(e, old, new) if day_of(e) >= REVISION else e for e in plain[section]]
        assert {k: v for k, v in decision.items() if k != "ruleset"} == \
            {k: v for k, v in plain.items() if k != "ruleset"}
        late = (obstructed and obstruction_day >= REVISION) or \
            (violence_after is not None and event_day["circumstances.violence_against_officers"] >= REVISION)
        assert any(key == "PSAP-61" for _, key in _bases(decision)) == late

    check()


_POLICE_CITE = "police_coordination_hours}\n        cite: {article: 21, paragraph: 1, basis: [WZ-21, PSAP-50]}\n"
_POLICE_SPLIT = (_POLICE_CITE,
                 _POLICE_CITE +
                 "        repealed: 2026-01-01\n"
                 "      - id: police.obstruction_2026\n"
                 "        when: {case.state: {not: [new, closed]}, circumstances.obstruction: true}\n"
                 "        then: {duty: coordinate_police, actor: district_bureau, "
                 "deadline: police_coordination_hours}\n"
                 "        cite: {article: 21, paragraph: 1, basis: [WZ-21, PSAP-61]}\n"
                 "        from: 2026-01-01\n")


@pytest.mark.parametrize(("obstructed_on", "rule", "key"), [("2025-12-31", "police.obstruction", "PSAP-50"),
                                                            ("2026-01-08", "police.obstruction_2026", "PSAP-61")])
def test_an_obstruction_is_cited_by_the_rule_of_its_day_even_under_another_id(tmp_path, obstructed_on, rule, key):
    """A police rule replaced on 2026-01-01 under a new id: an obstruction of a case discovered on
    2025-12-29 is cited by the rule in force on the obstruction's day, found by what it decides."""
    split = patrolrules.load_ruleset(copy_with_edits(tmp_path, "art14_escalation.yaml", _POLICE_SPLIT))
    events = [("discovered", "2025-12-29"), ("oral_stop", "2025-12-29"), ("written_notice_served", "2025-12-29"),
              ("reinspection_ongoing", obstructed_on), ("obstruction", obstructed_on)]
    case = {"id": "C", "township": "高峰街道", "unit_kind": "resource_station", "violation_items": ["i1"],
            "observation": {"observed_at": "2025-12-29T09:00:00+08:00", "activity": {"kind": "building"},
                            "land": {"approval": "none"}},
            "events": [{"kind": kind, "at": f"{on}T10:00:00+08:00"} for kind, on in events]}
    decision = split.evaluate_case(case)
    police = [(f.rule, [b.key for b in f.basis]) for f in decision.trace if f.table == "case_obligations"
              and f.rule.startswith("police.")]
    assert police == [(rule, ["WZ-21", key])]
    assert [o.duty for o in decision.obligations].count("coordinate_police") == 1


def test_rule_seeds_on_every_change_cite_each_source_only_while_in_force(ruleset):
    """An observation next to every rule, decided on each day a cited source changes and the day
    before: every basis shown is in force, and every source rules cite — old and new — is shown."""
    sources = ruleset.loaded.sources
    seen: set[str] = set()
    # seeds next to the rules in force on DAY, and on the last change (rules that came into force after DAY)
    seeds = (*strategies.rule_seeds(ruleset, strategies.DAY), *strategies.rule_seeds(ruleset, _CHANGES[-1]))
    for seed, _ in seeds:
        observation = {k: v for k, v in seed.items() if k != "act_ended_on"}  # its own day: other tests
        for day in _DAYS:
            decision = ruleset.evaluate({**observation, "observed_at": f"{day.isoformat()}T10:00:00+08:00"})
            data = decision.model_dump(mode="json")
            for path, key in _bases(data):
                on = decision.escalation.transfer.lines_as_of if path.startswith(".escalation.transfer.lines.") \
                    else day
                assert _in_force(sources[key], on or day), (path, key, day)
                seen.add(key)
        for index, day in enumerate(_DAYS):  # the filing conditions read case facts (自然资源行政处罚办法)
            at = f"{day.isoformat()}T10:00:00+08:00"
            case = {"id": "C", "township": "高峰街道", "unit_kind": "resource_station", "within_jurisdiction": True,
                    "liability_exempt": False, "minor_and_corrected": index % 2 == 0 or None,  # 第十六条第二款
                    "observation": {**observation, "observed_at": at,
                                    "party": {**observation.get("party", {}), "identified": True}},
                    "events": [{"kind": "discovered", "at": at}]}
            for path, key in _bases(ruleset.evaluate_case(case).model_dump(mode="json")):
                assert _in_force(sources[key], day) or path.startswith(".transfer.lines."), (path, key, day)
                seen.add(key)
    cited = {k for t in ruleset.graph.tables for r in t.rules for key in r.citation.basis
             for k in ruleset.graph.succession(key)}
    assert {k for k in cited if sources[k].from_ or sources[k].repealed} <= seen


def _replace(data: Any, old: Any, new: Any) -> Any:
    if data == old:
        return new
    if isinstance(data, dict):
        return {k: _replace(v, old, new) for k, v in data.items()}
    if isinstance(data, list):
        return [_replace(v, old, new) for v in data]
    return data


def test_periods_start_on_the_day_the_revision_is_in_force(ruleset):
    assert set(_CHANGES) <= set(ruleset.graph.change_dates())
    assert ruleset.period_start(REVISION) == REVISION
    assert ruleset.graph.basis_on(("WZ-21", "PSAP-50"), REVISION) == ("WZ-21", "PSAP-61")
    assert ruleset.graph.basis_on(("WZ-21", "PSAP-50"), REVISION - dt.timedelta(days=1)) == ("WZ-21", "PSAP-50")


def test_a_split_article_is_cited_by_all_its_successors_and_a_new_one_only_once_in_force(ruleset):
    graph = ruleset.graph
    before, on = dt.date(2025, 6, 30), dt.date(2025, 7, 1)  # 矿产资源法 (2024) 第八十条
    basis = ("MRL09-3", "EBR-26", "MRL24-63", "MRL09-39")
    assert graph.basis_on(basis, before) == ("MRL09-3", "EBR-26", "MRL09-39")  # 第六十三条 is new: left out
    assert graph.basis_on(basis, on) == ("MRL24-5", "MRL24-33", "EBR-26", "MRL24-63", "MRL24-64")
    assert graph.basis_on(("MRL09-3", "MRL24-5"), on) == ("MRL24-5", "MRL24-33")  # each cited once
    assert graph.succession("MRL09-3") == ("MRL09-3", "MRL24-5", "MRL24-33")
    # 矿产资源法实施条例 第七十九条 repeals 勘查区块登记管理办法 on 2026-06-15: 第六十三条 carries the acts alone
    repeal = dt.date(2026, 6, 15)
    assert graph.basis_on(basis, repeal - dt.timedelta(days=1)) == ("MRL24-5", "MRL24-33", "EBR-26", "MRL24-63",
                                                                    "MRL24-64")
    assert graph.basis_on(basis, repeal) == ("MRL24-5", "MRL24-33", "MRL24-63", "MRL24-64")
    assert repeal in graph.change_dates()


@pytest.mark.skipif(not durable.AVAILABLE, reason="durable_rules installs on Python < 3.13 only")
def test_engines_agree_after_the_revision(ruleset):
    seeds = [{**o, "observed_at": "2026-03-02T10:00:00+08:00",
              "circumstances": {**o.get("circumstances", {}), "obstruction": True}}
             for o, fired in strategies.rule_seeds(ruleset, strategies.DAY)
             if any(table == "escalation_recipients" for table, _ in fired)]
    assert seeds
    for observation in seeds:
        native = ruleset.evaluate(observation).model_dump(mode="json")
        assert ruleset.evaluate(observation, engine="durable").model_dump(mode="json") == native


_COVERED = "    covered_by: [MRL24-63, MRL24-66]\n"


@pytest.mark.parametrize(("edits", "message"), [
    ((("replaced_by: PSAP-61", "replaced_by: PSAP-62"),),
     "source 'PSAP-50' is replaced by unknown source 'PSAP-62'"),
    ((("    from: 2026-01-01\n", "    from: 2026-02-01\n"),),
     "source 'PSAP-50' is replaced by 'PSAP-61', but 'PSAP-50' is repealed on 2026-01-01 and 'PSAP-61' is in force "
     "from 2026-02-01"),
    ((("    replaced_by: PSAP-61\n", "    replaced_by: PSAP-61\n    from: 2026-06-01\n"),),
     "source 'PSAP-50' is repealed (2026-01-01) before it is in force (2026-06-01)"),
    (((_COVERED, "    covered_by: [MRL24-63, MRL24-99]\n"),),
     "source 'EBR-26' is covered by unknown source 'MRL24-99'"),
    (((_COVERED, "    covered_by: [MRL09-3]\n"),),
     "source 'EBR-26' is covered by 'MRL09-3', which is not in force on 2026-06-15"),
    (((_COVERED, "    covered_by: [MRL24-63, MRL24-66]\n    replaced_by: MRL24-63\n"),),
     "source 'EBR-26' is covered by ['MRL24-63', 'MRL24-66'] but also has a successor ('replaced_by')"),
    ((("    repealed: 2026-06-15\n" + _COVERED, _COVERED),),
     "source 'EBR-26' is covered by ['MRL24-63', 'MRL24-66'] but is not repealed"),
    ((("    repealed: 2026-06-15\n" + _COVERED, "    covered_by: [MRL24-99]\n"),),  # every problem listed
     ["source 'EBR-26' is covered by ['MRL24-99'] but is not repealed",
      "source 'EBR-26' is covered by unknown source 'MRL24-99'"]),
])
def test_a_broken_succession_or_covering_is_a_rule_file_error(tmp_path, edits, message):
    directory = copy_with_edits(tmp_path, "sources.yaml", *edits)
    with pytest.raises(RulesetError) as raised:
        patrolrules.load_ruleset(directory)
    problems = [p for p in raised.value.problems if p.file == "sources.yaml"]
    assert [p.message for p in problems] == ([message] if isinstance(message, str) else message)
    assert all(p.line is not None for p in problems)


def test_a_new_provision_needs_its_first_day(tmp_path):
    directory = copy_with_edits(tmp_path, "sources.yaml", ("    from: 2020-01-01\n    new_provision: true",
                                                           "    new_provision: true"))
    with pytest.raises(RulesetError) as raised:
        patrolrules.load_ruleset(directory)
    assert [p.message for p in raised.value.problems] == ["source 'LAL-35' is a new provision but says not from when"]


def test_a_rule_cannot_cite_law_outside_the_days_it_is_in_force(tmp_path):
    # 第六十一条 cited from the ruleset's first day (2019), before the revision exists
    police = "police_coordination_hours}\n        cite: {article: 21, paragraph: 1, basis: [WZ-21, %s]}"
    early = copy_with_edits(tmp_path, "art14_escalation.yaml", (police % "PSAP-50", police % "PSAP-61"))
    with pytest.raises(RulesetError) as raised:
        patrolrules.load_ruleset(early)
    (problem,) = raised.value.problems
    assert problem.rule_id == "police.obstruction" and problem.file == "art14_escalation.yaml"
    assert problem.message == "rule is in force from 2019-01-01 but cites 'PSAP-61', in force from 2026-01-01"
    # 第五十条 repealed with no successor, cited by rules in force for good
    gone = copy_with_edits(tmp_path, "sources.yaml", ("    replaced_by: PSAP-61\n", ""))
    with pytest.raises(RulesetError) as raised:
        patrolrules.load_ruleset(gone)
    assert {p.rule_id for p in raised.value.problems} >= {"police.obstruction", "copy.public_security.obstruction"}
    assert all(p.message.startswith("cites 'PSAP-50', in force until 2026-01-01") for p in raised.value.problems)


def test_a_rule_citing_a_source_with_no_successor_cites_what_covers_it(tmp_path):
    # 勘查区块登记管理办法 第二十六条 is gone on 2026-06-15; without 第六十三条 the rule would be left bare
    bare = copy_with_edits(tmp_path, "art09_violations.yaml",
                           ("basis: [MRL09-3, EBR-26, MRL24-63]}\n      - id: item6.exploration_right",
                            "basis: [MRL09-3, EBR-26]}\n      - id: item6.exploration_right"))
    with pytest.raises(RulesetError) as raised:
        patrolrules.load_ruleset(bare)
    (problem,) = raised.value.problems
    assert problem.rule_id == "item6.exploration_without_licence" and problem.file == "art09_violations.yaml"
    assert problem.message == ("cites 'EBR-26', in force until 2026-06-15 ('EBR-26' has no successor of its own), "
                               "and cites none of what covers it then: MRL24-63, MRL24-66")


def test_a_lighter_successor_judges_acts_done_before_it(ruleset):
    """行政处罚法 第三十七条: an act that ended before 2025-07-01 and is decided later is judged by the
    2009 law — unless the 2024 provision punishes less: a right-holder mining without the licence gets
    第六十七条 (责令改正 first) instead of 第三十九条; anyone else still 第三十九条. The items are the same."""
    @given(st.sampled_from(["mining", "quarrying", "sand_digging"]), st.sampled_from(["none", "expired", "revoked"]),
           st.sampled_from([True, None]), st.dates(dt.date(2024, 1, 1), dt.date(2025, 6, 30)),
           st.dates(dt.date(2025, 7, 1), dt.date(2026, 12, 31)))
    def check(kind, status, right_held, ended, decided):
        observation = {"observed_at": f"{decided.isoformat()}T09:00:00+08:00", "act_ended_on": ended.isoformat(),
                       "land": {"land_class": "unused_land", "approval": "approved"}, "activity": {"kind": kind},
                       "permits": {"mining_licence": {"status": status, "right_held": right_held}}}
        found = ruleset.evaluate(observation).violations
        (item,) = found.items
        keys = [b.key for b in item.legal_basis]
        assert found.basis_as_of == ended and [b.key for b in found.time_rule] == ["APL-37"]
        if right_held:
            assert item.basis_as_of == decided and "MRL24-67" in keys and "MRL09-39-HOLDER" not in keys
        else:
            assert item.basis_as_of == ended and "MRL09-39" in keys and "MRL24-64" not in keys

    check()


def test_lighter_is_for_a_successor_only(tmp_path):
    directory = copy_with_edits(tmp_path, "sources.yaml", ("    tag: LAW\n    from: 2025-07-01\n    lighter: true",
                                                           "    tag: LAW\n    lighter: true"))
    with pytest.raises(RulesetError) as raised:
        patrolrules.load_ruleset(directory)
    problems = [p for p in raised.value.problems if "lighter" in p.message]
    assert [p.message for p in problems] == ["source 'MRL24-67' is marked lighter but replaces nothing"]
    (tmp_path / "plain").mkdir()
    plain = copy_with_edits(tmp_path / "plain", "sources.yaml", ("    lighter: true", ""))
    report = ci.diff_rulesets(plain, bundled_directory())
    (edit,) = [e for e in report.data["edits"] if e["kind"] == "lighter_source"]
    assert (edit["name"], edit["before"], edit["after"]) == ("MRL24-67", None, "2025-07-01")


def test_diff_lists_a_new_succession(tmp_path):
    directory = copy_with_edits(tmp_path, "sources.yaml", _SUCCESSION)
    report = ci.diff_rulesets(directory, bundled_directory())
    (edit,) = [e for e in report.data["edits"] if e["kind"] == "replaced_source"]
    assert (edit["name"], edit["before"], edit["after"]) == (
        "PSAP-50", None, {"repealed": "2026-01-01", "replaced_by": ["PSAP-61"]})
    assert edit["text"] == "replaced_source PSAP-50 added: {'repealed': '2026-01-01', 'replaced_by': ['PSAP-61']}"


def test_recited_rules_keep_their_own_table(ruleset):
    """``compiled.recited`` swaps each selected rule for the one of the same table and id in the other
    period: ``oral_stop`` is the id of a rule in three tables (disposal actions, case transitions and
    obligations), so recited into its own period every rule stays the same."""
    from patrolrules.engine import compiled

    observation = {"observed_at": "2024-06-01T10:00:00+08:00", "land": {"approval": "none"},
                   "activity": {"kind": "building", "stage": "under_construction"}}
    parsed = patrolrules.ruleset.parse_observation(observation)
    day = parsed.observed_at.date()
    period = ruleset._period(day, "native")
    run = ruleset._run(parsed, day, period, "native", ruleset.facts_of(parsed, day))
    swapped = compiled.recited(run, run, period.tables, tuple(run.results), lambda rule: True)
    fired = {(t, r.id) for t, found in run.results.items() for r in found.rules}
    assert ("disposal_actions", "oral_stop") in fired
    for table_id, found in swapped.results.items():
        assert found.rules == run.results[table_id].rules, table_id
