"""`patrolrules test`: golden cases, rule-row and clause coverage, explanations of uncovered rows."""

from __future__ import annotations

import re

import patrolrules
from patrolrules import ci
from patrolrules.engine import compiled
from patrolrules.engine.space import facts_for

from .rulefiles import copy_bundled, with_one_case


def test_bundled_cases_pass_and_cover_every_rule():
    report = ci.test(None, 100)
    assert report.exit_code == 0 and report.data["failed"] == 0 and report.data["passed"] > 0
    assert report.data["rule_coverage"] == 100
    loaded = patrolrules.load_ruleset().loaded
    graphs = (loaded.graph, *loaded.contexts.values())  # the record contexts' rules count too
    assert len(report.data["rules"]) == sum(len(t.rules) for g in graphs for t in g.tables)
    assert {r["table"] for r in report.data["rules"]} >= {"ledger_problems", "accountability_flags"}
    # record_cases/ fire the contexts' rules, so every computable clause is tested by some case
    assert report.data["clause_coverage"] == 100


def test_a_context_rule_no_record_case_fires_is_uncovered(tmp_path):
    directory = copy_bundled(tmp_path)
    path = directory / "record_cases" / "assessment.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - name: Failing to detect and failing to report")
    path.write_text(text[:start] + text[text.index("  - name: Missing inputs are reported", start):], encoding="utf-8")
    report = ci.test(directory, 100)
    assert report.exit_code == 1 and report.data["below_min_coverage"]
    uncovered = {f'{r["table"]}/{r["rule"]}' for r in report.data["rules"] if not r["covered"]}
    assert uncovered == {"accountability_flags/failure_to_detect", "accountability_flags/failure_to_report"}
    # Art. 24 ¶1 (2) and (4) stay tested: the leader rule, which a remaining case fires, implements them too
    clauses = {c["clause"]: c["tested"] for c in report.data["clauses"]}
    assert clauses["Art. 24 ¶1 (2)"] and clauses["Art. 24 ¶1 (4)"]


def test_uncovered_rows_are_explained_with_a_witness_that_fires_them(tmp_path):
    directory = with_one_case(copy_bundled(tmp_path))
    report = ci.test(directory, 50)
    assert report.exit_code == 1 and report.data["below_min_coverage"] and report.data["failed"] == 0
    ruleset = patrolrules.load_ruleset(directory)
    tables = compiled.resolve(ruleset.graph, ruleset.effective)
    index = {t.table.id: n for n, t in enumerate(tables)}
    uncovered = [r for r in report.data["rules"] if not r["covered"]]
    covered = {f'{r["table"]}/{r["rule"]}' for r in report.data["rules"] if r["covered"]}
    assert {"zone_kinds/key.urban_rural_fringe", "patrol_expectation/key"} <= covered
    # Nothing about Art. 9 and later is reached by a site-only case except what applies to every patrol.
    assert all(r.split("/")[0] not in ("violations", "mineral_licence", "stop_notice") for r in covered)
    for row in uncovered:
        assert re.search(r"add a case (dated \d{4}-\d\d-\d\d or later )?where", row["why"]) and row["line"] > 0
        if row["table"] == "zone_kinds":  # its inputs are facts: the witness really fires the row
            n = index["zone_kinds"]
            matched = compiled.NativeMatcher(tables).match(n, facts_for(row["witness"]))
            assert [tables[n].rules[i].id for i in matched] == [row["rule"]] or row["rule"] in [
                tables[n].rules[i].id for i in matched]


def test_failing_case_fails(tmp_path):
    directory = copy_bundled(tmp_path)
    path = directory / "cases" / "art08_zones.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("expect: {zone.tier: key, zone.deciding_zones: "
                                                             "[permanent_basic_farmland_area]}",
                                                             "expect: {zone.tier: general}", 1), encoding="utf-8")
    report = ci.test(directory)
    assert report.exit_code == 1 and report.data["failed"] == 1
    (failed,) = [c for c in report.data["cases"] if not c["passed"]]
    assert "zone.tier: expected 'general', got 'key'" in failed["mismatches"][0]


def test_record_cases_run_too(tmp_path):
    report = ci.test(None)
    record = [c for c in report.data["cases"] if c["file"].startswith("record_cases/")]
    assert len(record) >= 30 and all(c["passed"] for c in record)
    directory = copy_bundled(tmp_path)
    path = directory / "record_cases" / "team.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("valid: true", "valid: false", 1), encoding="utf-8")
    broken = ci.test(directory)
    assert broken.exit_code == 1 and any(not c["passed"] for c in broken.data["cases"]
                                          if c["file"] == "record_cases/team.yaml")
