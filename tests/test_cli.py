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


def test_the_published_schemas_hold_what_the_library_reads_and_writes():
    # `schema observation` / `schema decision` are what backends validate against: the bundled samples
    # and the decisions made of them must validate, and a sample made wrong must not
    import jsonschema

    observation_schema = json.loads(run("schema", "observation").stdout)
    decision_schema = json.loads(run("schema", "decision").stdout)
    samples = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    decisions = [json.loads(line) for line in run("evaluate", str(EXAMPLES)).stdout.splitlines()]
    assert len(decisions) == len(samples) > 0
    for sample, decision in zip(samples, decisions, strict=True):
        jsonschema.validate(sample, observation_schema)
        jsonschema.validate(decision, decision_schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**samples[0], "land": {"land_class": "lava"}}, observation_schema)


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


@pytest.mark.parametrize(("lang", "fact"), [("zh", "土地类别：永久基本农田"),
                                           ("en", "land.land_class=permanent_basic_farmland")])
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


# ---- reading input: whatever the bytes, exit 2 with the problem, or every record read ----------------

OBSERVATION = '{"observed_at": "2024-05-01T09:00:00+08:00"}'
CASE = ('{"id": "C", "unit_kind": "resource_station", "observation": ' + OBSERVATION
        + ', "events": [{"kind": "discovered", "at": "2024-05-01T09:00:00+08:00"}]}')


def run_bytes(*args: str, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "patrolrules.cli", *args], input=stdin, capture_output=True)


@pytest.mark.parametrize(("text", "where", "reason"), [
    ("[" * 100_000 + "]" * 100_000, "<document>", "nested too deeply"),
    ('{"a": ' * 100_000 + "1" + "}" * 100_000, "<document>", "nested too deeply"),
    ('{"observed_at": 1' + "0" * 5000 + "}", "<document>", "4300 digits"),
    ('{"observed_at": "2024-05-01T09:00:00+08:00", "observed_at": "2025-05-01T09:00:00+08:00"}', "<document>",
     "duplicate key 'observed_at'"),
    (OBSERVATION + '\n{"id": "a", "id": "b"}\n', "line 2", "duplicate key 'id'"),
    ('{\n  "observed_at": "2024-05-01T09:00:00+08:00",\n  "site": {\n}\n', "line 5", "Expecting"),
])
def test_json_the_decoder_refuses_or_cannot_hold_is_an_input_error(text, where, reason):
    from patrolrules.cli import parse_records
    from patrolrules.errors import InputError

    with pytest.raises(InputError) as info:
        parse_records(text)
    [problem] = info.value.problems
    assert problem.path == where and reason in problem.message and problem.expected


def test_deeply_nested_json_exits_2_without_a_traceback(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = run("evaluate", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr and "nested too deeply" in result.stderr


def test_non_utf8_stdin_is_refused_like_a_non_utf8_file():
    result = run_bytes("evaluate", "-", stdin=b'{"observed_at": "\xff"}\n')
    assert result.returncode == 2 and b"<stdin>: not UTF-8 at byte 17" in result.stderr and not result.stdout


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_a_byte_order_mark_is_dropped(tmp_path, source):
    data = b"\xef\xbb\xbf" + (OBSERVATION + "\n" + OBSERVATION + "\n").encode("utf-8")
    path = tmp_path / "bom.jsonl"
    path.write_bytes(data)
    result = run_bytes("evaluate", str(path) if source == "file" else "-", stdin=data)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2


def test_case_reads_json_lines_from_stdin():
    result = run("case", "-", stdin=CASE + "\n" + CASE + "\n")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["state"] for line in result.stdout.splitlines()] == ["discovered", "discovered"]


def test_validate_prints_nothing_when_a_later_record_is_bad_input():
    ledger = ('{"patrol_time": "2024-05-01T09:00:00+08:00"}\n'
              '{"patrol_time": "2010-05-01T09:00:00+08:00"}\n')  # before the ruleset took effect
    result = run("validate", "ledger", "-", stdin=ledger)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert not result.stdout and "record 2: patrol_time: before the ruleset took effect" in result.stderr


def test_an_unwritable_reference_target_exits_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    result = run("reference", "--out", str(blocker / "reference"))
    assert result.returncode == 2 and "Traceback" not in result.stderr and str(blocker) in result.stderr


@pytest.mark.parametrize("value", ["nan", "NaN", "lots", "inf", "-inf", "100.5", "-1"])
def test_min_coverage_must_be_a_number_of_percent(value):
    result = run("test", f"--min-coverage={value}")
    assert result.returncode == 2 and "is not a number of percent" in result.stderr and not result.stdout


def test_json_lines_end_at_newlines_only():
    # U+2028, U+2029 and U+0085 may stand raw in a JSON string; str.splitlines would cut the line there
    from patrolrules.cli import parse_records

    lines = [json.dumps({"id": f"a{c}b", "observed_at": "2024-05-01T09:00:00+08:00"}, ensure_ascii=False)
             for c in ("\u2028", "\u2029", "\x85")]
    assert [r["id"] for r in parse_records("\n".join(lines) + "\n")] == ["a\u2028b", "a\u2029b", "a\x85b"]


def test_every_bad_line_is_listed_even_the_first():
    from patrolrules.cli import parse_records
    from patrolrules.errors import InputError

    for text in ("{bad\n" + OBSERVATION + "\n{bad2\n",
                 '{"id": 1, "id": 2}\n' + OBSERVATION + '\n{"id": 3, "id": 4}\n'):
        with pytest.raises(InputError) as info:
            parse_records(text)
        assert [p.path for p in info.value.problems] == ["line 1", "line 3"]


@pytest.mark.parametrize("command", [["evaluate"], ["explain"], ["validate", "ledger"]])
def test_a_lone_surrogate_escape_is_bad_input(command):
    text = '{"observed_at": "2024-05-01T09:00:00+08:00", "id": "\\ud800"}\n'
    result = run(*command, "-", stdin=text)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "lone surrogate" in result.stderr
    paired = run("evaluate", "-", stdin=text.replace("\\ud800", "\\ud83d\\ude00"))
    assert paired.returncode == 0 and json.loads(paired.stdout)["observation_id"] == "\U0001f600"


@pytest.mark.parametrize("command", ["evaluate", "explain"])
def test_output_is_utf8_whatever_the_locale(command):
    # a Chinese Windows console or a redirect there writes GBK, which has no ¶ or ²
    import os

    result = subprocess.run([sys.executable, "-m", "patrolrules.cli", command, str(EXAMPLES)], capture_output=True,
                            env={**os.environ, "PYTHONIOENCODING": "gbk"})
    assert result.returncode == 0 and b"Traceback" not in result.stderr
    assert {"¶", "²"} & set(result.stdout.decode("utf-8"))


def test_validate_as_of_is_checked_once_with_its_range():
    result = run("validate", "plan", "-", "--as-of", "9999-12-31", stdin='{"year": 2024}\n{"year": 2025}\n')
    assert result.returncode == 2 and not result.stdout  # OverflowError in the weekly report's date before
    assert result.stderr.count("out of range") == 1 and "--as-of: out of range" in result.stderr
    assert "expected a date from 1900-01-01 to 2999-12-31" in result.stderr


def test_validate_team_refuses_an_as_of_date_it_would_ignore():
    team = '{"patrol_date": "2024-05-06", "officers": []}\n'
    result = run("validate", "team", "-", "--as-of", "garbage", stdin=team)
    assert result.returncode == 2 and "--as-of" in result.stderr and not result.stdout
