"""The command line: outputs, exit codes, and errors on stderr without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "observations.jsonl"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "patrolrules.cli", *args], input=stdin, capture_output=True,
                          text=True)


def test_evaluate_prints_one_decision_per_line():
    result = run("evaluate", str(EXAMPLES))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(EXAMPLES.read_text(encoding="utf-8").splitlines())
    first = json.loads(lines[0])
    assert first["ruleset"]["name"] == "wanzhou-patrol" and first["zone"]["tier"] in ("key", "general", "unlisted")


def test_evaluate_reads_stdin_and_a_json_object():
    result = run("evaluate", "-", stdin='{"observed_at": "2024-05-01T09:00:00+08:00", "site": {"zones": []}}')
    assert result.returncode == 0 and json.loads(result.stdout)["zone"]["tier"] == "unlisted"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_explain(lang):
    result = run("explain", str(EXAMPLES), "--lang", lang)
    assert result.returncode == 0
    assert ("第八条" in result.stdout) if lang == "zh" else ("Art. 8" in result.stdout)


@pytest.mark.parametrize("what", ["observation", "decision", "ruleset", "facts"])
def test_schema(what):
    result = run("schema", what)
    assert result.returncode == 0 and isinstance(json.loads(result.stdout), dict)


def test_bad_input_exits_2_with_every_problem_and_no_traceback():
    result = run("evaluate", "-", stdin='{"observed_at": "x", "land": {"land_class": "moon"}}\nnot json\n')
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "line 2" in result.stderr


def test_invalid_record_exits_2():
    result = run("evaluate", "-", stdin='{"observed_at": "x", "land": {"land_class": "moon"}}')
    assert result.returncode == 2 and "record 1: land.land_class" in result.stderr and not result.stdout


def test_usage_error_exits_2():
    result = run("evaluate")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_missing_file_exits_2():
    result = run("evaluate", "/nonexistent.jsonl")
    assert result.returncode == 2 and "cannot read" in result.stderr


@pytest.mark.parametrize(("lang", "fact"), [("zh", "土地类别：永久基本农田"), ("en", "land.land_class=permanent_basic_farmland")])
def test_explain_gives_each_items_article_text_and_matched_facts(lang, fact):
    observation = ('{"observed_at": "2024-05-01T09:00:00+08:00", "land": {"land_class": "permanent_basic_farmland", '
                   '"approval": "none"}, "activity": {"kind": "building", "stage": "completed"}}')
    result = run("explain", "-", "--lang", lang, stdin=observation)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    # item (一) and item (四) of Art. 9, each with its Chinese text and the facts that matched
    assert "(一)未经批准非法占用土地的；" in text and "(四)占用基本农田建窑、建房" in text
    assert fact in text
    assert ("第九条第（四）项（主要）" in text) if lang == "zh" else ("Art. 9 item (4) (primary)" in text)
