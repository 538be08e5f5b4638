"""Hostile rule files are inert: refused with RulesetError within 2 seconds, nothing executed or read outside."""

from __future__ import annotations

import pytest

import patrolrules
from patrolrules import RulesetError

from .rulefiles import copy_bundled, copy_with_edits, timed_in_fresh_process


def _laughs(levels: int, fanout: int, flow: bool) -> str:
    lines = ["lol0: &lol0 lol"]
    for level in range(1, levels):
        refs = ", ".join([f"*lol{level - 1}"] * fanout)
        lines.append(f"lol{level}: &lol{level} [{refs}]" if flow else
                     f"lol{level}: &lol{level}\n" + "".join(f"  - *lol{level - 1}\n" for _ in range(fanout)).rstrip())
    return "\n".join(lines) + "\n"


HOSTILE = {
    "billion_laughs_flow": _laughs(10, 10, True),
    "billion_laughs_block": _laughs(9, 9, False),
    "alias_as_key": "a: &k x\n? *k\n: y\n",
    "merge_key_alias": "base: &b {name: x}\nother:\n  <<: *b\n",
    "python_name_tag": "name: !!python/name:os.system\n",
    "python_module_tag": "name: !!python/module:os\n",
    "set_tag": "name: !!set {a, b}\n",
    "binary_tag": "name: !!binary aGVsbG8=\n",
    "verbatim_tag": "name: !<tag:yaml.org,2002:python/object:object> {}\n",
    "deep_block": "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v: 1\n",
    "deep_flow_mapping": "a: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
    "ten_thousand_keys": "".join(f"key{i}: {i}\n" for i in range(10_000)),
    "many_nodes": "a: [" + ", ".join("1" for _ in range(250_000)) + "]\n",
    "very_long_line": "name: " + "x" * (2 * 1024 * 1024 - 100) + "\n",
    "huge_file": "# " + "y" * (3 * 1024 * 1024) + "\n",
    "timestamp": "name: 2024-01-01T00:00:00Z\n",
    "impossible_day": "effective: 2019-02-30\n",
    "duplicate_keys": "name: a\nname: b\n",
    "binary_garbage": "\x00\x01\x02\xff" * 1000,
    "multi_document": "name: a\n---\nname: b\n",
    "integer_too_long_to_read": "name: " + "9" * 5000 + "\n",
    "impossible_date": "effective: 2019-13-01\n",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_ruleset_file_is_refused_quickly(tmp_path, kind):
    directory = copy_bundled(tmp_path)
    (directory / "ruleset.yaml").write_bytes(HOSTILE[kind].encode("utf-8", "surrogateescape"))
    outcome = timed_in_fresh_process("load", directory)
    assert outcome["refused"] and outcome["file"] == "ruleset.yaml" and outcome["cpu_s"] < 2


@pytest.mark.parametrize("kind", ["billion_laughs_flow", "python_name_tag", "ten_thousand_keys", "very_long_line"])
def test_hostile_article_file_makes_check_exit_2(tmp_path, kind):
    directory = copy_bundled(tmp_path)
    (directory / "art08_zones.yaml").write_text(HOSTILE[kind], encoding="utf-8")
    outcome = timed_in_fresh_process("check", directory)
    assert outcome["exit"] == 2 and outcome["file"] == "art08_zones.yaml" and outcome["cpu_s"] < 2


def test_a_parameter_unit_with_arithmetic_is_refused_quickly(tmp_path):
    directory = copy_bundled(tmp_path)
    path = directory / "parameters" / "art08_zones.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("unit: m\n", "unit: m ** 99 ** 99 ** 99\n", 1),
                    encoding="utf-8")
    outcome = timed_in_fresh_process("load", directory)
    assert outcome["refused"] and outcome["file"] == "parameters/art08_zones.yaml" and outcome["cpu_s"] < 2


@pytest.mark.parametrize("name", ["../outside.yaml", "parameters/../../outside.yaml", "/etc/passwd"])
def test_files_outside_the_directory_are_refused(tmp_path, name):
    directory = copy_bundled(tmp_path)
    (directory.parent / "outside.yaml").write_text("parameters: {}\n", encoding="utf-8")
    path = directory / "ruleset.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  - parameters/art08_zones.yaml",
                                                             f"  - parameters/art08_zones.yaml\n  - {name}"),
                    encoding="utf-8")
    with pytest.raises(RulesetError) as info:
        patrolrules.load_ruleset(directory)
    assert "outside the ruleset directory" in str(info.value)


def test_a_symlink_out_of_the_directory_is_refused(tmp_path):
    directory = copy_bundled(tmp_path)
    (directory.parent / "outside.yaml").write_text("parameters: {}\n", encoding="utf-8")
    (directory / "parameters" / "link.yaml").symlink_to(directory.parent / "outside.yaml")
    path = directory / "ruleset.yaml"
    listed = "  - parameters/art08_zones.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(listed, f"{listed}\n  - parameters/link.yaml"),
                    encoding="utf-8")
    with pytest.raises(RulesetError, match="outside the ruleset directory"):
        patrolrules.load_ruleset(directory)


def test_a_cases_folder_outside_the_directory_is_refused(tmp_path):
    directory = copy_bundled(tmp_path)
    path = directory / "ruleset.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("cases: cases", "cases: ../.."), encoding="utf-8")
    with pytest.raises(RulesetError, match="outside the ruleset directory"):
        patrolrules.load_ruleset(directory)


@pytest.mark.parametrize(("file", "old", "new"), [
    ("ruleset.yaml", "effective: 2019-01-01", "effective: 2019-13-01"),
    ("parameters/art14_15.yaml", "value: 5}", "value: " + "9" * 5000 + "}"),
    ("ruleset.yaml", "effective: 2019-01-01", "effective: =\n<<: {x: 1}"),  # YAML 1.1 value and merge keys
    ("parameters/art14_15.yaml", "value: 5}", "value: =}"),
])
def test_scalars_yaml_cannot_construct_are_ruleset_errors_at_their_line(tmp_path, file, old, new):
    directory = copy_bundled(tmp_path)
    path = directory / file
    text = path.read_text(encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RulesetError) as info:
        patrolrules.load_ruleset(directory)
    [problem] = info.value.problems
    assert (problem.file, problem.line) == (file, line) and problem.message.startswith("cannot read") and problem.fix


def test_a_file_name_holding_a_nul_character_is_a_ruleset_error(tmp_path):
    directory = copy_bundled(tmp_path)
    path = directory / "ruleset.yaml"
    text = path.read_text(encoding="utf-8")
    line = text[: text.index("  - art08_zones.yaml")].count("\n") + 1
    path.write_text(text.replace("  - art08_zones.yaml", '  - "art08\\0zones.yaml"', 1), encoding="utf-8")
    with pytest.raises(RulesetError) as info:
        patrolrules.load_ruleset(directory)
    [problem] = info.value.problems
    assert (problem.file, problem.line) == ("ruleset.yaml", line) and "NUL" in problem.message
    with pytest.raises(RulesetError, match="NUL"):  # an overlay named so
        patrolrules.load_ruleset(None, ["a\0b.yaml"])


def test_a_parameter_unit_with_a_logarithmic_factor_is_refused(tmp_path):
    directory = copy_with_edits(tmp_path, "parameters/art08_zones.yaml", ("unit: m\n", "unit: m*dB\n"))
    with pytest.raises(RulesetError, match="m\\*dB"):
        patrolrules.load_ruleset(directory)


def test_rule_masks_of_tables_with_thousands_of_rules_are_generated_as_literals_python_reads():
    # a rule mask of more than 4300 decimal digits is written in hexadecimal, which no digit limit restricts
    from patrolrules.engine.codegen import _literal

    for mask in (1 << 20_000, (1 << 20_000) - 1, -(1 << 20_000), 5):
        assert eval(_literal(mask)) == mask
    assert eval(_literal({"a": 1 << 20_000, None: 3})) == {"a": 1 << 20_000, None: 3}
