"""Broken and hostile rule files are refused with RulesetError naming file and line."""

from __future__ import annotations

import pytest

import patrolrules
from patrolrules import RulesetError

from .rulefiles import copy_bundled, timed_in_fresh_process, with_tables

GOOD_TABLE = """
- id: t
  title_zh: 测试
  title_en: test
  hit_policy: unique
  inputs: [land.land_class]
  outputs:
    out: {type: enum, values: [a, b]}
  rules:
    - id: r1
      when: {land.land_class: permanent_basic_farmland}
      then: {out: a}
      cite: {article: 8, paragraph: 3, item: 1}
"""


def _error(directory) -> RulesetError:
    with pytest.raises(RulesetError) as info:
        patrolrules.load_ruleset(directory)
    return info.value


def _replace(directory, old: str, new: str, file: str = "art08_zones.yaml"):
    path = directory / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return directory


def _line_of(directory, needle: str, file: str = "art08_zones.yaml") -> int:
    for number, line in enumerate((directory / file).read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_the_bundled_ruleset_loads(ruleset):
    assert ruleset.name == "wanzhou-patrol"
    assert len(ruleset.content_id) == 64


def test_unknown_input(tmp_path):
    directory = with_tables(copy_bundled(tmp_path), GOOD_TABLE.replace("inputs: [land.land_class]",
                                                                      "inputs: [land.land_clas]"))
    error = _error(directory)
    problem = error.problems[0]
    assert problem.file == "art08_zones.yaml" and problem.line == _line_of(directory, "land.land_clas]")
    assert "unknown input 'land.land_clas'" in problem.message and "land.land_class" in (problem.fix or "")


def test_bad_unit(tmp_path):
    directory = _replace(copy_bundled(tmp_path), "unit: m\n", "unit: blorps\n", "parameters/art08_zones.yaml")
    problem = _error(directory).problems[0]
    assert problem.file == "parameters/art08_zones.yaml"
    assert problem.line == _line_of(directory, "national_road_buffer:", "parameters/art08_zones.yaml")
    assert "unknown unit 'blorps'" in problem.message


def test_unknown_hit_policy(tmp_path):
    directory = _replace(copy_bundled(tmp_path), "hit_policy: unique", "hit_policy: whichever")
    problem = _error(directory).problems[0]
    assert problem.line == _line_of(directory, "hit_policy: whichever")
    assert "unique" in (problem.fix or "") and "rule_order" in (problem.fix or "")


def test_duplicate_rule_id(tmp_path):
    directory = _replace(copy_bundled(tmp_path), "- id: general\n", "- id: key\n")
    problem = _error(directory).problems[0]
    assert problem.rule_id == "key" and "used twice" in problem.message
    assert problem.line == _line_of(directory, "      - id: key\n".strip()) or problem.line > 0


def test_missing_citation(tmp_path):
    directory = with_tables(copy_bundled(tmp_path), GOOD_TABLE.replace(
        "      cite: {article: 8, paragraph: 3, item: 1}\n", ""))
    problem = _error(directory).problems[0]
    assert "cite" in problem.message and "Field required" in problem.message
    assert problem.line == _line_of(directory, "- id: r1")


def test_citation_to_nothing(tmp_path):
    directory = with_tables(copy_bundled(tmp_path), GOOD_TABLE.replace("item: 1}", "item: 9}"))
    problem = _error(directory).problems[0]
    assert problem.rule_id == "r1" and "not a clause" in problem.message


def test_parameter_of_the_wrong_dimension(tmp_path):
    directory = _replace(copy_bundled(tmp_path), '"<= $national_road_buffer"', '"<= $patrol_frequency_key"')
    problem = _error(directory).problems[0]
    assert problem.rule_id == "key.national_road_distance"
    assert "dimension" in problem.message and problem.line == _line_of(directory, "$patrol_frequency_key\"")


def test_literal_thresholds_are_refused(tmp_path):
    directory = _replace(copy_bundled(tmp_path), '"<= $national_road_buffer"', '"<= 20"')
    assert "must be parameters" in _error(directory).problems[0].message


def test_yaml_syntax_error(tmp_path):
    directory = _replace(copy_bundled(tmp_path), "hit_policy: unique", "hit_policy: [unique")
    problem = _error(directory).problems[0]
    assert problem.file == "art08_zones.yaml" and "YAML syntax error" in problem.message
    assert problem.line is not None and problem.line >= _line_of(directory, "hit_policy: [unique")


def test_every_problem_is_reported_at_once(tmp_path):
    directory = _replace(copy_bundled(tmp_path), "hit_policy: unique", "hit_policy: whichever")
    directory = _replace(directory, "unit: m\n", "unit: blorps\n", "parameters/art08_zones.yaml")
    assert len(_error(directory).problems) >= 2


def test_quote_must_match_the_regulation(tmp_path):
    directory = _replace(copy_bundled(tmp_path), "巡查主要实行全面巡查", "巡查主要实行部分巡查")
    assert "quote_zh differs" in _error(directory).problems[0].message


HOSTILE = {
    "python_tag": "name: !!python/object/apply:os.system ['touch MARKER']\n",  # MARKER: a file in tmp_path
    "custom_tag": "name: !evil x\n",
    "alias_bomb": "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
    "deep": "a: " + "[" * 5000 + "]" * 5000 + "\n",
    "huge": "a: '" + "x" * (3 * 1024 * 1024) + "'\n",
    "not_utf8": "name: \udcff\n",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_files_are_refused_quickly(tmp_path, kind):
    directory = copy_bundled(tmp_path)
    text = HOSTILE[kind].replace("MARKER", str(tmp_path / "pwned"))  # the file os.system would create
    (directory / "ruleset.yaml").write_bytes(text.encode("utf-8", "surrogateescape"))
    outcome = timed_in_fresh_process("load", directory)
    assert outcome["refused"] and outcome["cpu_s"] < 2
    error = _error(directory)
    assert error.problems[0].file == "ruleset.yaml"
    assert not (tmp_path / "pwned").exists()


def test_a_parameter_an_enum_output_names_must_hold_one_of_its_values(tmp_path):
    # It loaded, and every decision with an ongoing act raised KeyError('zzz').
    directory = _replace(copy_bundled(tmp_path), "value: notice_stop_illegal_act}", "value: zzz}",
                         "parameters/art13_stop.yaml")
    [problem] = _error(directory).problems
    assert (problem.file, problem.line) == ("art13_stop.yaml", _line_of(directory, "$notice_for_other_acts",
                                                                        "art13_stop.yaml"))
    assert problem.rule_id == "ongoing_other_act"
    assert "'notice_for_other_acts' (from 2019-01-01): 'zzz' is not one of notice_stop_illegal_construction" \
           in problem.message


@pytest.mark.parametrize(("file", "old", "new", "needle"), [
    ("parameters/art14_15.yaml", "value: 5}", "value: 1e400}", "value: 1e400}"),  # OverflowError when evaluated
    ("art12_team.yaml", '"< $min_patrol_officers"', '"< ' + "9" * 400 + '"', "team.officer_count: \"< 999"),
])
def test_numbers_too_large_to_compare_are_refused(tmp_path, file, old, new, needle):
    directory = _replace(copy_bundled(tmp_path), old, new, file)
    [problem] = _error(directory).problems
    assert (problem.file, problem.line) == (file, _line_of(directory, needle, file))
    assert "1e300" in problem.message


def test_a_loaded_ruleset_keeps_no_yaml_nodes_alive():
    """Loading parses YAML into nodes (for line numbers) and plain data; once loaded, no node stays
    alive, so a process that loads rulesets again and again (CI over many edits, what-ifs in a
    notebook) does not grow. PyYAML's constructor remembers every node it built: one shared
    constructor kept every file ever loaded (≈70 000 nodes and marks a ruleset)."""
    import gc

    import yaml

    def nodes() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if isinstance(o, (yaml.nodes.Node, yaml.error.Mark)))

    patrolrules.load_ruleset()  # whatever a first load caches for good
    before = nodes()
    for _ in range(3):
        patrolrules.load_ruleset()
    assert nodes() == before
