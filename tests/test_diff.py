"""`patrolrules diff`: exact changed regions with witnesses that really change, edits, replay, git revisions."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

import patrolrules
from patrolrules import ci
from patrolrules.ruleset import bundled_directory

from .rulefiles import copy_bundled


def _edit(directory, file, old, new):
    path = directory / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return directory


def _moved(tmp_path, value="21"):
    return _edit(copy_bundled(tmp_path), "parameters/art08_zones.yaml", "value: 20}", f"value: {value}}}")


def test_a_ruleset_against_itself_reports_nothing():
    report = ci.diff_rulesets(bundled_directory(), bundled_directory())
    assert report.exit_code == 0 and report.data["changes"] == [] and report.data["edits"] == []


def test_one_moved_threshold_reports_exactly_that_region(tmp_path):
    new_dir = _moved(tmp_path)
    report = ci.diff_rulesets(bundled_directory(), new_dir)
    assert report.exit_code == 1
    assert [e["name"] for e in report.data["edits"]] == ["national_road_buffer"]
    old, new = patrolrules.load_ruleset(), patrolrules.load_ruleset(new_dir)
    assert report.data["changes"]
    for change in report.data["changes"]:
        assert change["table"] == "zone_kinds"
        assert "site.distance_to_national_road > 20 m and ≤ 21 m" in change["condition"]
        assert change["witness"]["site.distance_to_national_road"] == 20.5
        observation = change["observation"]
        assert observation is not None and change["decision_changes"]
        before, after = old.evaluate(observation), new.evaluate(observation)
        assert before.zone != after.zone  # the witness really changes the decision
        # just outside the region nothing changes
        for outside in ("20 m", "21.5 m", "19 m"):
            shifted = json.loads(json.dumps(observation))
            shifted["site"]["distance_to_national_road"] = outside
            assert old.evaluate(shifted).zone == new.evaluate(shifted).zone
    outputs = {(c["output"], c["before"], c["after"]) for c in report.data["changes"]}
    assert outputs == {("tier", "general", "key"), ("tier", "unlisted", "key"),
                       ("zone ∋ national_provincial_road_corridor", False, True)}


def test_a_downstream_change_gets_a_grounded_witness_observation(tmp_path):
    directory = _edit(copy_bundled(tmp_path), "parameters/art08_zones.yaml", "value: 2}", "value: 3}")
    report = ci.diff_rulesets(bundled_directory(), directory)
    (change,) = report.data["changes"]
    assert change["table"] == "patrol_expectation" and change["witness"] == {"zone_kinds.tier": "key"}
    assert (change["before"], change["after"]) == (2, 3)
    observation = change["observation"]  # facts that make zone_kinds.tier key, found by the diff
    assert patrolrules.load_ruleset(directory).evaluate(observation).zone.tier == "key"
    assert change["decision_changes"] == {"zone.frequency_per_week": {"before": 2.0, "after": 3.0}}


def test_parameter_dates_citations_and_rules_are_listed(tmp_path):
    directory = copy_bundled(tmp_path)
    _edit(directory, "parameters/art08_zones.yaml", "- {from: 2019-01-01, value: 3}",
          "- {from: 2019-01-01, value: 3}\n      - {from: 2025-01-01, value: 5}")
    _edit(directory, "art08_zones.yaml", "paragraph: 3, item: 1, basis: [WZ-8]}\n        note: 重要矿区",
          "paragraph: 3, item: 2, basis: [WZ-8]}\n        note: 重要矿区")
    report = ci.diff_rulesets(bundled_directory(), directory)
    kinds = {(e["kind"], e["name"]) for e in report.data["edits"]}
    assert ("parameter", "village_road_buffer") in kinds
    assert ("citation", "zone_kinds/key.important_mining_area") in kinds
    as_of = {c["as_of"] for c in report.data["changes"] if "village_road" in c["condition"]}
    assert as_of == {"2025-01-01"}  # the new value only changes decisions from its date
    cited = [c for c in report.data["changes"] if c["output"] == "citation of rule key.important_mining_area"]
    assert cited and cited[0]["witness"]["site.zones"] == ["important_mining_area"]
    assert "zone.citations" in cited[0]["decision_changes"]


def test_dropped_rule_and_table_edits(tmp_path):
    directory = _edit(copy_bundled(tmp_path), "art08_zones.yaml",
                      "      - id: key.important_mining_area\n"
                      "        when: {site.zones: important_mining_area}\n"
                      "        then: {zone: important_mining_area, tier: key}\n"
                      "        cite: {article: 8, paragraph: 3, item: 1, basis: [WZ-8]}\n"
                      "        note: 重要矿区\n", "")
    report = ci.diff_rulesets(bundled_directory(), directory)
    assert ("rule", "zone_kinds/key.important_mining_area") in {(e["kind"], e["name"]) for e in report.data["edits"]}
    assert any(c["output"] == "zone ∋ important_mining_area" and c["before"] is True for c in report.data["changes"])


def test_replay_lists_the_observations_that_change(tmp_path):
    new_dir = _moved(tmp_path, "25")
    at = "2024-05-01T09:00:00+08:00"
    records = [{"id": "near", "observed_at": at, "site": {"distance_to_national_road": "22 m"}},
               {"id": "far", "observed_at": "2024-05-01T09:00:00+08:00", "site": {"distance_to_national_road": "30 m"}}]
    report = ci.diff_rulesets(bundled_directory(), new_dir, replay=records, lang="en")
    (changed,) = report.data["replay"]
    assert changed["id"] == "near" and changed["changes"]["zone.tier"] == {"before": "unlisted", "after": "key"}
    assert "Art. 8" in changed["after"] and changed["before"] != changed["after"]


def test_replay_with_a_bad_record_is_bad_input(tmp_path):
    with pytest.raises(patrolrules.InputError):
        ci.diff_rulesets(bundled_directory(), bundled_directory(), replay=[{"observed_at": "x"}])


def test_two_git_revisions(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(bundled_directory(), repo / "rulesets" / "wanzhou")

    def git(*args):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "one")
    _moved_in = repo / "rulesets" / "wanzhou" / "parameters" / "art08_zones.yaml"
    _moved_in.write_text(_moved_in.read_text(encoding="utf-8").replace("value: 20}", "value: 21}"), encoding="utf-8")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qam", "two")
    report = ci.diff_revisions(repo, "HEAD~1", "HEAD")
    assert report.exit_code == 1 and [e["name"] for e in report.data["edits"]] == ["national_road_buffer"]
    assert ci.diff_revisions(repo, "HEAD", "HEAD").exit_code == 0
    with pytest.raises(patrolrules.InputError):
        ci.diff_revisions(repo, "no-such-rev", "HEAD")
    victim = tmp_path / "victim.txt"
    victim.write_text("kept", encoding="utf-8")
    with pytest.raises(patrolrules.InputError) as info:  # git would take it as its --output option
        ci.diff_revisions(repo, f"--output={victim}", "HEAD")
    assert info.value.problems[0].path == "revision" and victim.read_text(encoding="utf-8") == "kept"
