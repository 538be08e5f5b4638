"""Every format of check / test / diff, read back by a parser for it; exit codes of the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from patrolrules import ci
from patrolrules.reports import render
from patrolrules.ruleset import bundled_directory

from .rulefiles import copy_bundled, with_one_case

SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0-minimal.schema.json").read_text())


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "patrolrules.cli", *args], capture_output=True, text=True)


def _moved(tmp_path):
    directory = copy_bundled(tmp_path)
    path = directory / "parameters" / "art08_zones.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("value: 20}", "value: 21}"), encoding="utf-8")
    return directory


def _broken(tmp_path):
    directory = copy_bundled(tmp_path)
    path = directory / "art08_zones.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("when: {zone_kinds.tier: general}",
                                                                  "when: {zone_kinds.tier: [general, key]}"),
                    encoding="utf-8")
    return directory


def _reports(tmp_path):
    return {"check": ci.check(_broken(tmp_path)), "test": ci.test(None, 101),
            "diff": ci.diff_rulesets(bundled_directory(), _moved(tmp_path))}


@pytest.mark.parametrize("command", ["check", "test", "diff"])
def test_junit_parses_and_counts_failures(tmp_path, command):
    report = _reports(tmp_path)[command]
    root = ET.fromstring(render(report, "junit"))
    suite = root.find("testsuite")
    assert root.tag == "testsuites" and suite is not None
    cases = suite.findall("testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    assert int(suite.get("tests")) == len(cases) > 0 and int(suite.get("failures")) == len(failures)
    assert failures  # each of these reports has something to fail on
    assert all(c.get("classname") and c.get("name") for c in cases)


@pytest.mark.parametrize("command", ["check", "test", "diff"])
def test_json_and_markdown(tmp_path, command):
    report = _reports(tmp_path)[command]
    data = json.loads(render(report, "json"))
    assert data["exit_code"] == report.exit_code
    markdown = render(report, "markdown")
    assert markdown.startswith(f"## patrolrules {command}") and "|---|" in markdown
    assert render(report, "text").strip()


def test_sarif_validates_and_points_at_the_rule_line(tmp_path):
    report = ci.check(_broken(tmp_path))
    document = json.loads(render(report, "sarif"))
    jsonschema.validate(document, SARIF_SCHEMA)
    results = document["runs"][0]["results"]
    overlaps = [r for r in results if r["ruleId"] == "overlap"]
    assert overlaps and all(r["level"] == "error" for r in overlaps)
    location = overlaps[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("art08_zones.yaml") and location["region"]["startLine"] > 0
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)


def test_sarif_of_the_bundled_ruleset_validates():
    jsonschema.validate(json.loads(render(ci.check(), "sarif")), SARIF_SCHEMA)


def test_sarif_is_read_by_an_independent_sarif_2_1_0_parser(tmp_path):
    from sarif_pydantic import Sarif  # typed SARIF 2.1.0 object model, written by others

    report = ci.check(_broken(tmp_path))
    log = Sarif.model_validate_json(render(report, "sarif"))
    assert log.version == "2.1.0" and len(log.runs) == 1
    results = log.runs[0].results or []
    assert len(results) == len(report.data["findings"])
    overlap = next(r for r in results if r.rule_id == "overlap")
    region = overlap.locations[0].physical_location.region
    assert overlap.level.value == "error" and region.start_line >= 1


def test_cli_exit_codes(tmp_path):
    assert run("check").returncode == 0
    assert run("check", str(_broken(tmp_path))).returncode == 1
    missing = run("check", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert run("test", "--min-coverage", "50").returncode == 0
    assert run("test", str(with_one_case(copy_bundled(tmp_path))), "--min-coverage", "50").returncode == 1
    same = run("diff", str(bundled_directory()), str(bundled_directory()), "--format", "json")
    assert same.returncode == 0 and json.loads(same.stdout)["changes"] == []
    changed = run("diff", str(bundled_directory()), str(_moved(tmp_path)), "--format", "markdown")
    assert changed.returncode == 1 and "national_road_buffer" in changed.stdout
    bad = run("diff", str(bundled_directory()), str(tmp_path / "nowhere"))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


@pytest.mark.parametrize("command", ["check", "test", "diff"])
@pytest.mark.parametrize("fmt", ["json", "junit"])
def test_an_unusable_ruleset_is_reported_as_findings_by_every_ci_command(tmp_path, command, fmt):
    # docs/ci.md: exit 2, and the ruleset's problems still printed as findings, so a CI reader of the
    # report file never gets an empty one — a directory that is no ruleset, and one whose file is broken
    broken = copy_bundled(tmp_path)
    (broken / "art08_zones.yaml").write_text("article: [\n", encoding="utf-8")
    for directory, file in ((tmp_path / "nowhere", str(tmp_path / "nowhere")), (broken, "art08_zones.yaml")):
        args = [str(bundled_directory()), str(directory)] if command == "diff" else [str(directory)]
        result = run(command, *args, "--format", fmt)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        if fmt == "json":
            [finding] = json.loads(result.stdout)["findings"]
            assert finding["code"] == "ruleset-error" and finding["file"] == file
        else:
            assert "ruleset-error" in result.stdout and "<failure" in result.stdout


def test_cli_sarif_and_unusable_ruleset(tmp_path):
    directory = copy_bundled(tmp_path)
    (directory / "art08_zones.yaml").write_text("article: [\n", encoding="utf-8")
    result = run("check", str(directory), "--format", "sarif")
    assert result.returncode == 2
    document = json.loads(result.stdout)
    jsonschema.validate(document, SARIF_SCHEMA)
    assert document["runs"][0]["results"][0]["ruleId"] == "ruleset-error"


def test_cli_replay(tmp_path):
    records = tmp_path / "observations.jsonl"
    records.write_text('{"id": "a", "observed_at": "2024-05-01T09:00:00+08:00", '
                       '"site": {"distance_to_national_road": "20.5 m"}}\n', encoding="utf-8")
    result = run("diff", str(bundled_directory()), str(_moved(tmp_path)), "--replay", str(records), "--format", "json")
    assert result.returncode == 1
    (entry,) = json.loads(result.stdout)["replay"]
    assert entry["id"] == "a" and entry["changes"]["zone.tier"] == {"before": "unlisted", "after": "key"}


def test_cli_diff_of_two_git_revisions(tmp_path):
    # docs/ci.md: `patrolrules diff --git --repo R --path P OLD NEW`, as a CI job runs it on a pull request
    repo = tmp_path / "repo"
    shutil.copytree(bundled_directory(), repo / "rules" / "wanzhou")

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
                       check=True, capture_output=True)

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "one")
    params = repo / "rules" / "wanzhou" / "parameters" / "art08_zones.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("value: 20}", "value: 21}"), encoding="utf-8")
    git("commit", "-qam", "two")
    args = ["diff", "--git", "--repo", str(repo), "--path", "rules/wanzhou", "--format", "json"]
    changed = run(*args, "HEAD~1", "HEAD")
    assert changed.returncode == 1, changed.stderr
    assert [e["name"] for e in json.loads(changed.stdout)["edits"]] == ["national_road_buffer"]
    assert run(*args, "HEAD", "HEAD").returncode == 0
    missing = run(*args, "HEAD", "no-such-revision")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
