"""`patrolrules check`: exhaustive table analysis with witnesses, parameters, clause coverage, exit codes."""

from __future__ import annotations

import patrolrules
from patrolrules import ci
from patrolrules.engine import compiled, unknowns
from patrolrules.engine.space import Axis, facts_for, number_cells
from patrolrules.facts import FACTS

from .rulefiles import copy_bundled, with_tables

HEAD = """
- id: t
  title_zh: 测试
  title_en: test
  hit_policy: {policy}
  inputs: [land.land_class, site.distance_to_national_road]
  outputs:
    out: {{type: enum, values: [a, b, c]}}
  rules:
"""
NEAR = """    - id: near
      when: {site.distance_to_national_road: "<= $national_road_buffer"}
      then: {out: a}
      cite: {article: 8, paragraph: 3, item: 1}
"""
FARMLAND = """    - id: farmland
      when: {land.land_class: permanent_basic_farmland}
      then: {out: b}
      cite: {article: 8, paragraph: 3, item: 1}
"""
NEAR_FARMLAND = """    - id: near_farmland
      when: {land.land_class: permanent_basic_farmland, site.distance_to_national_road: "< $national_road_buffer"}
      then: {out: b}
      cite: {article: 8, paragraph: 3, item: 1}
"""


def _check(tmp_path, policy: str, rules: str, default: str = ""):
    directory = with_tables(copy_bundled(tmp_path), HEAD.format(policy=policy) + rules + default)
    return directory, ci.check(directory)


def _findings(report, code):
    """Findings of one code, about the test table ``t`` where a finding names a table."""
    return [f for f in report.data["findings"] if f["code"] == code and f["table"] in (None, "t")]


def _selected(directory, facts):
    """Which rules of table t match the witness (as the native engine sees it)."""
    ruleset = patrolrules.load_ruleset(directory)
    tables = compiled.resolve(ruleset.graph, ruleset.effective)
    return [tables[0].rules[i].id for i in compiled.NativeMatcher(tables).match(0, facts_for(facts))]


def test_the_bundled_ruleset_has_no_errors():
    # How long `patrolrules check` takes is measured by the benchmark (`--only cold_start`), not here.
    report = ci.check()
    assert report.exit_code == 0 and report.data["counts"]["error"] == 0
    # Nothing to warn about: every single-hit table that gives no answer where its article does not
    # apply says why in `gaps:`, so its gaps are info; what else remains is info too.
    assert report.data["counts"]["warning"] == 0, [f["message"] for f in report.data["findings"]
                                                   if f["severity"] == "warning"]
    declared = [f for f in report.data["findings"] if f["code"] == "gap" and "; declared: " in f["message"]]
    assert {f["table"] for f in declared} >= {"mineral_licence", "stop_notice", "case_transitions"}


def test_overlap_under_unique_is_an_error_with_a_witness_matching_both(tmp_path):
    directory, report = _check(tmp_path, "unique", NEAR + FARMLAND)
    assert report.exit_code == 1
    (overlap,) = _findings(report, "overlap")
    assert overlap["severity"] == "error" and overlap["rules"] == ["near", "farmland"]
    assert overlap["file"] == "art08_zones.yaml" and overlap["line"] > 0
    assert _selected(directory, overlap["witness"]) == ["near", "farmland"]


def test_shadowed_rule_under_first(tmp_path):
    directory, report = _check(tmp_path, "first", FARMLAND + NEAR_FARMLAND)
    (shadowed,) = _findings(report, "shadowed")
    assert shadowed["severity"] == "warning" and shadowed["rules"][:2] == ["near_farmland", "farmland"]
    assert _selected(directory, shadowed["witness"]) == ["farmland", "near_farmland"]
    assert report.exit_code == 0  # warnings do not fail


def test_shadowed_rule_under_priority(tmp_path):
    rules = NEAR_FARMLAND.replace("out: b", "out: c") + FARMLAND
    _, report = _check(tmp_path, "priority\n  priority: out", rules)
    (shadowed,) = _findings(report, "shadowed")
    assert shadowed["rules"][0] == "near_farmland"  # b ranks above c and matches wherever it does


def test_gap_in_a_single_hit_table_is_a_warning_with_an_uncovered_witness(tmp_path):
    directory, report = _check(tmp_path, "unique", NEAR_FARMLAND)
    gaps = _findings(report, "gap")
    assert gaps and all(g["severity"] == "warning" for g in gaps)
    for gap in gaps:
        assert _selected(directory, gap["witness"]) == []


def test_a_gap_the_table_explains_is_info_with_its_reason(tmp_path):
    reason = "no answer outside the corridor is the article's own answer"
    _, report = _check(tmp_path, f"unique\n  gaps: {reason}", NEAR_FARMLAND)
    gaps = _findings(report, "gap")
    assert gaps and all(g["severity"] == "info" and g["message"].endswith(f"declared: {reason}") for g in gaps)
    _, undeclared = _check(tmp_path, "unique", NEAR_FARMLAND)
    assert [g["witness"] for g in gaps] == [g["witness"] for g in _findings(undeclared, "gap")]  # same gaps


def test_gap_in_a_collect_table_is_info_and_a_default_closes_it(tmp_path):
    _, report = _check(tmp_path, "collect", NEAR)
    assert {g["severity"] for g in _findings(report, "gap")} == {"info"}
    _, report = _check(tmp_path, "collect", NEAR, "  default: {out: c}\n")
    assert not _findings(report, "gap")


def test_unreachable_output_value(tmp_path):
    _, report = _check(tmp_path, "first", FARMLAND + NEAR_FARMLAND)
    (unreachable,) = _findings(report, "unreachable-output")
    assert "a, c" in unreachable["message"]  # b only: a and c are declared but never produced


def test_a_value_produced_only_in_another_as_of_period_is_not_unreachable(tmp_path):
    dated = NEAR.replace("then: {out: a}", "then: {out: c}") + "      from: 2024-05-01\n"
    _, report = _check(tmp_path, "first", FARMLAND + dated)
    (unreachable,) = _findings(report, "unreachable-output")  # before 2024-05-01 c comes from no rule: fine
    assert unreachable["message"].startswith("output 'out': value(s) a are declared")  # a, in no period


def test_unused_parameters_are_warnings(tmp_path):
    _, report = _check(tmp_path, "unique", FARMLAND)
    unused = {f["message"].split("'")[1] for f in _findings(report, "unused-parameter")}
    assert "expressway_buffer" in unused and "national_road_buffer" in unused
    assert all(f["severity"] == "warning" for f in _findings(report, "unused-parameter"))


def test_threshold_cells_follow_every_period(tmp_path):
    directory = copy_bundled(tmp_path)
    path = directory / "parameters" / "art08_zones.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "- {from: 2011-07-01, value: 20}", "- {from: 2011-07-01, value: 20}\n      - {from: 2025-01-01, value: 40}"),
        encoding="utf-8")
    with_tables(directory, HEAD.format(policy="unique") + NEAR + NEAR.replace("id: near", "id: far").replace(
        '"<= $national_road_buffer"', '"> $national_road_buffer"'))
    report = ci.check(directory)
    assert not _findings(report, "overlap")
    gaps = _findings(report, "gap")  # only the unknown distance is uncovered, in both periods alike
    assert gaps and all(g["witness"]["site.distance_to_national_road"] is None for g in gaps)


def test_clause_coverage():
    findings = ci.check().data["findings"]
    unmapped = {f["message"].split(" is ")[0] for f in findings if f["code"] == "unmapped-clause"}
    assert all(f["severity"] == "warning" for f in findings if f["code"] == "unmapped-clause")
    assert all(f["severity"] == "warning" for f in findings if f["code"] == "cited-non-computable")
    assert "Art. 1 ¶1" not in unmapped and "Art. 26 ¶1" not in unmapped  # declared non-computable
    for implemented in ("Art. 8 ¶3 (1)", "Art. 9 ¶1 (1)", "Art. 14 ¶1", "Art. 4 ¶1 (1)", "Art. 22 ¶2"):
        assert implemented not in unmapped  # cited by rules (Art. 22 by a record context)


def test_non_computable_but_cited_is_reported(tmp_path):
    directory = copy_bundled(tmp_path)
    path = directory / "regulation.yaml"
    text = path.read_text(encoding="utf-8")
    anchor = "  - text_zh: 巡查主要实行全面巡查和重点巡查两种方式。\n"
    path.write_text(text.replace("    - item: 2\n      text_zh: （二）一般巡查区域",
                                 "    - item: 2\n      non_computable: test\n      text_zh: （二）一般巡查区域"),
                    encoding="utf-8")
    assert anchor in text
    findings = _findings(ci.check(directory), "cited-non-computable")
    assert findings and "Art. 8 ¶3 (2)" in findings[0]["message"]


def test_unusable_ruleset_exits_2_with_findings(tmp_path):
    broken = FARMLAND.replace("item: 1}", "item: 9}")
    directory = with_tables(copy_bundled(tmp_path), HEAD.format(policy="unique") + broken)
    report = ci.check(directory)
    assert report.exit_code == 2
    (finding,) = report.data["findings"]
    assert finding["code"] == "ruleset-error" and "not a clause" in finding["message"] and finding["line"] > 0
    assert finding["rules"] == ["farmland"]


COUNTED = """
- id: t
  title_zh: 测试
  title_en: test
  hit_policy: first
  inputs: [{fact}]
  outputs:
    out: {{type: enum, values: [a, b]}}
  rules:
    - id: at_most_once
      when: {{{fact}: "<= 1"}}
      then: {{out: a}}
      cite: {{article: 8, paragraph: 3, item: 1}}
    - id: twice_or_more
      when: {{{fact}: ">= 2"}}
      then: {{out: b}}
      cite: {{article: 8, paragraph: 3, item: 1}}
"""


def test_a_count_has_no_gap_between_two_whole_numbers(tmp_path):
    # A count (an int field of the observation: TypeDef.integer) takes whole values only, so rules for
    # "≤ 1" and "≥ 2" cover every known count; a real number (a ratio) read by the same rules does not.
    count, ratio = "party.mining_penalties_within_two_years", "quantities.forest_line_ratio"
    gaps = {}
    for fact in (count, ratio):
        report = ci.check(with_tables(copy_bundled(tmp_path), COUNTED.format(fact=fact)))
        gaps[fact] = [(f["message"], f["witness"][fact]) for f in _findings(report, "gap")]
    assert gaps[count] == [(f"no rule covers inputs where {count} is unknown (1 uncovered region(s)) and the "
                            "table has no default", None)]
    assert gaps[ratio] == [(f"no rule covers inputs where {ratio} in {{between 1 and 2; unknown}} (1 uncovered "
                            "region(s)) and the table has no default", None)]


def test_a_counts_representative_values_are_whole_one_per_cell():
    # The what-if values tried for an unknown count, and the cells `check` analyses: whole numbers
    # only, one in each cell that has one; a threshold that is not whole has no cell of its own.
    assert number_cells([1, 2], integer=True) == ([0, 1, 2, 3], ["< 1", "= 1", "= 2", "> 2"], [0, 1, 3, 4])
    assert number_cells([0.5, 3], integer=True)[0] == [0, 1, 3, 4]
    assert number_cells([1, 2])[0] == [0, 1, 1.5, 2, 3]
    cells, labels, slots = number_cells([1, 2], integer=True)  # regions of cells shown as intervals
    axis = Axis("n", None, (*cells, None), (*labels, "unknown"), (1, 2), None, tuple(slots))
    assert [axis.runs_text(c) for c in ([0, 1], [1, 2], [2, 3], [0, 1, 2, 3, 4])] == \
        [["≤ 1"], ["≥ 1 and ≤ 2"], ["≥ 2"], ["any value", "unknown"]]
    ruleset = patrolrules.load_ruleset()
    tables = compiled.resolve(ruleset.graph, ruleset.effective)
    count = FACTS["party.mining_penalties_within_two_years"]
    assert count.type.integer and not FACTS["quantities.forest_line_ratio"].type.integer
    values = unknowns.representatives(tables, count)
    assert values and all(type(v) is int for v in values)


def test_a_rule_whose_tests_contradict_never_matches_and_is_named(tmp_path):
    classes = "[permanent_basic_farmland, ordinary_cultivated_land, forest_public_welfare, forest_commercial, " \
              "grassland, other_agricultural, construction_land, unused_land]"
    never = FARMLAND.replace("id: farmland", "id: nowhere").replace(
        "land.land_class: permanent_basic_farmland", f"land.land_class: {{not: {classes}}}")
    _, report = _check(tmp_path, "first", FARMLAND + never)
    (found,) = _findings(report, "rule-never-matches")
    assert found["severity"] == "warning" and found["rules"] == ["nowhere"] and found["witness"] is None
    _, clean = _check(tmp_path, "first", FARMLAND)
    assert not _findings(clean, "rule-never-matches")


def test_a_parameter_read_with_another_dimension_does_not_load(tmp_path):
    # a distance tested against an area line: the loader types each use, so `check` stops at it (exit 2)
    wrong = NEAR.replace("$national_road_buffer", "$crime342_pbf_area")
    _, report = _check(tmp_path, "first", wrong)
    (found,) = [f for f in report.data["findings"] if f["severity"] == "error"]
    assert found["code"] == "ruleset-error" and report.exit_code == 2
    assert "parameter 'crime342_pbf_area' has dimension area; this input needs length" in found["message"]


def test_an_output_given_a_parameter_of_another_dimension_does_not_load(tmp_path):
    # an area line as the value of a length output: refused at load, like a test against it
    table = HEAD.format(policy="first").replace("out: {type: enum, values: [a, b, c]}",
                                                "out: {type: quantity, dimension: length}")
    rules = FARMLAND.replace("then: {out: b}", "then: {out: $crime342_pbf_area}")
    report = ci.check(with_tables(copy_bundled(tmp_path), table + rules))
    (found,) = [f for f in report.data["findings"] if f["severity"] == "error"]
    assert found["code"] == "ruleset-error" and report.exit_code == 2
    assert "output 'out': parameter 'crime342_pbf_area' has dimension area; expected length" in found["message"]
