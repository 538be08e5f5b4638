"""What-ifs: with_parameters, overlays, as-of parameters, and golden cases under overlays."""

from __future__ import annotations

import textwrap
from fractions import Fraction
from pathlib import Path

import pytest

import patrolrules
from patrolrules.engine.spec import CaseSpec
from patrolrules.golden import check_case
from patrolrules.ruleset import bundled_directory

from .rulefiles import copy_bundled

AT = "2024-05-01T09:00:00+08:00"


def site(distance: str, at: str = AT, **extra: object) -> dict[str, object]:
    """A site known to lie in no listed zone, on construction land: only a road buffer can list it."""
    return {"observed_at": at, "site": {"zones": [], "distance_to_national_road": distance, **extra},
            "land": {"land_class": "construction_land"}}


# ---- with_parameters ----------------------------------------------------------


def test_with_parameters_returns_a_new_ruleset_and_leaves_the_original_alone(ruleset):
    before_id = ruleset.content_id
    wider = ruleset.with_parameters({"national_road_buffer": "50 m"})
    assert wider is not ruleset and wider.content_id != before_id
    assert ruleset.content_id == before_id
    assert ruleset.graph.parameters["national_road_buffer"].values[-1].value == 20
    assert wider.graph.parameters["national_road_buffer"].values[-1].value == 50
    assert ruleset.evaluate(site("35 m")).zone.tier == "unlisted"
    assert wider.evaluate(site("35 m")).zone.tier == "key"
    assert wider.evaluate(site("35 m")).ruleset.content_id == wider.content_id


def test_no_change_keeps_the_content_id(ruleset):
    assert ruleset.with_parameters({}).content_id == ruleset.content_id
    assert ruleset.with_parameters({"national_road_buffer": 20}).content_id == ruleset.content_id


@pytest.mark.parametrize(("given", "expected"), [
    (50, Fraction(50)), ("0.05 公里", Fraction(50)), ("20.5 m", Fraction(41, 2)), ("2050 cm", Fraction(41, 2)),
    ({"value": 30, "unit": "米"}, Fraction(30)), (12.25, Fraction(49, 4)),
])
def test_values_convert_exactly_into_the_parameter_unit(ruleset, given, expected):
    changed = ruleset.with_parameters({"national_road_buffer": given})
    assert changed.graph.parameters["national_road_buffer"].values[-1].value == expected


def test_a_changed_value_sits_exactly_on_the_line(ruleset):
    changed = ruleset.with_parameters({"national_road_buffer": "20.5 m"})
    assert changed.evaluate(site("20.5 m")).zone.tier == "key"  # 以内 includes the number
    assert changed.evaluate(site("20.51 m")).zone.tier == "unlisted"


def test_a_unitless_parameter_takes_a_plain_number(ruleset):
    changed = ruleset.with_parameters({"patrol_frequency_key": 3})
    obs = {"observed_at": AT, "site": {"zones": ["city_planning_area"]}}
    assert changed.evaluate(obs).zone.frequency_per_week == 3.0
    assert ruleset.evaluate(obs).zone.frequency_per_week == 2.0


def test_a_wrong_unit_raises_input_error_naming_the_parameter(ruleset):
    with pytest.raises(patrolrules.InputError) as caught:
        ruleset.with_parameters({"national_road_buffer": "50 亩"})
    [problem] = caught.value.problems
    assert problem.path == "national_road_buffer"
    assert "wrong dimension" in problem.message and "area" in problem.message
    assert "length" in (problem.expected or "") or "m" in (problem.expected or "")


def test_an_unknown_parameter_raises_input_error_naming_it_with_a_suggestion(ruleset):
    with pytest.raises(patrolrules.InputError) as caught:
        ruleset.with_parameters({"national_road_bufer": "50 m"})
    [problem] = caught.value.problems
    assert problem.path == "national_road_bufer" and "unknown parameter" in problem.message
    assert "national_road_buffer" in (problem.expected or "")


def test_every_problem_is_listed_at_once(ruleset):
    with pytest.raises(patrolrules.InputError) as caught:
        ruleset.with_parameters({
            "no_such_thing": 1,
            "national_road_buffer": "50 亩",
            "provincial_road_buffer": "-3 m",
            "patrol_frequency_key": "3 m",
            "village_road_buffer": {"from": "July 2024", "value": "5 m"},
            "expressway_buffer": True,
        })
    paths = sorted(p.path for p in caught.value.problems)
    assert paths == sorted(["no_such_thing", "national_road_buffer", "provincial_road_buffer",
                            "patrol_frequency_key", "village_road_buffer", "expressway_buffer"])
    assert "not a date" in str(caught.value)


@pytest.mark.parametrize(("mapping", "path", "said"), [
    ({"patrol_frequency_key": -1}, "patrol_frequency_key", "must not be negative"),
    ({"weight_coverage": -5, "weight_timely_report": 20}, "weight_coverage", "must not be negative"),
    ({"grade_excellent": 50}, "grade_excellent", "do not rise"),  # Art. 23: a higher grade needs a higher score
    ({"grade_pass": 120}, "grade_pass", "at most 100"),
    ({"item_precedence": [1, 1, 1, 1, 1, 1, 1, 1]}, "item_precedence", "each once"),
    ({"item_precedence": [1, 2, 3]}, "item_precedence", "each once"),
    ({"weight_coverage": 5}, "weight_coverage", "not the declared total"),
    ({"national_road_buffer": {"from": "0001-01-01", "value": "30 m"}}, "national_road_buffer", "out of range"),
    ({"calendar_holidays": ["2027-01-04"]}, "calendar_holidays", "never counted"),  # its year is not listed
    ({"calendar_years": [2027], "calendar_holidays": ["2027-01-04"], "calendar_workdays": ["2027-01-04"]},
     "calendar_holidays", "both list"),
])
def test_values_that_make_no_sense_are_the_callers_input_error(ruleset, mapping, path, said):
    # what the loader finds wrong with a changed value is named by the caller's key, not the bundled file
    with pytest.raises(patrolrules.InputError) as caught:
        ruleset.with_parameters(mapping)
    problems = caught.value.problems
    assert all(path in p.path for p in problems) and any(said in p.message for p in problems)


def test_problems_of_both_kinds_are_listed_together(ruleset):
    with pytest.raises(patrolrules.InputError) as caught:
        ruleset.with_parameters({"national_road_buffer": "50 亩", "grade_excellent": 50})
    assert sorted(p.path for p in caught.value.problems) == ["grade_excellent", "national_road_buffer"]


def test_a_mapping_is_required(ruleset):
    with pytest.raises(patrolrules.InputError):
        ruleset.with_parameters(["national_road_buffer", "50 m"])  # type: ignore[arg-type]


# ---- as-of evaluation --------------------------------------------------------------


def test_a_dated_value_answers_differently_on_either_side_of_its_date(ruleset):
    dated = ruleset.with_parameters({"national_road_buffer": {"from": "2024-07-01", "value": "50 m"}})
    values = dated.graph.parameters["national_road_buffer"].values
    assert [(v.start.isoformat(), v.value) for v in values] == [("2011-07-01", 20), ("2024-07-01", 50)]
    assert dated.evaluate(site("35 m", "2024-06-30T23:59:00+08:00")).zone.tier == "unlisted"
    assert dated.evaluate(site("35 m", "2024-07-01T00:01:00+08:00")).zone.tier == "key"
    # the old value still holds on its own side, and the original never changed
    assert dated.evaluate(site("20 m", "2024-06-30T10:00:00+08:00")).zone.tier == "key"
    assert ruleset.evaluate(site("35 m", "2024-07-01T10:00:00+08:00")).zone.tier == "unlisted"


def test_a_dated_value_through_an_overlay_answers_differently_on_either_side(ruleset):
    overlay = bundled_directory() / "overlays" / "village_road_buffer_10m_from_2024_07.yaml"
    dated = patrolrules.load_ruleset(overlays=[overlay])
    near_village_road = {"site": {"zones": [], "distance_to_village_road": "6 m"},
                         "land": {"land_class": "construction_land"}}
    assert dated.evaluate({"observed_at": "2024-06-30T10:00:00+08:00", **near_village_road}).zone.tier == "unlisted"
    assert dated.evaluate({"observed_at": "2024-07-01T10:00:00+08:00", **near_village_road}).zone.tier == "general"


def test_several_dated_values_at_once(ruleset):
    dated = ruleset.with_parameters({"national_road_buffer": [
        {"from": "2024-03-01", "value": 40}, {"from": "2024-09-01", "value": "0.06 公里"}]})
    tiers = [dated.evaluate(site("55 m", f"2024-{m:02d}-15T10:00:00+08:00")).zone.tier for m in (2, 4, 10)]
    assert tiers == ["unlisted", "unlisted", "key"]
    assert dated.evaluate(site("45 m", "2024-04-15T10:00:00+08:00")).zone.tier == "unlisted"
    assert dated.evaluate(site("40 m", "2024-04-15T10:00:00+08:00")).zone.tier == "key"


# ---- overlays ----------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "overlay.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_overlays_compose_in_order(tmp_path):
    first = write(tmp_path, """\
        overlay: first
        parameters: {national_road_buffer: 40 m}
        """, "a.yaml")
    second = write(tmp_path, """\
        overlay: second
        parameters: {national_road_buffer: 60 m}
        """, "b.yaml")
    both = patrolrules.load_ruleset(overlays=[first, second])
    assert both.graph.parameters["national_road_buffer"].values[-1].value == 60
    reverse = patrolrules.load_ruleset(overlays=[second, first])
    assert reverse.graph.parameters["national_road_buffer"].values[-1].value == 40


def test_an_overlay_replaces_adds_and_removes_rules(tmp_path):
    overlay = write(tmp_path, """\
        overlay: rules
        rules:
          - remove: {table: zone_kinds, rule: general.village_road_distance}
          - replace: {table: zone_kinds, rule: key.national_road_distance}
            with:
              id: key.national_road_distance
              when: {site.distance_to_national_road: "<= $expressway_buffer"}
              then: {zone: national_provincial_road_corridor, tier: key}
              cite: {article: 8, paragraph: 3, item: 1, basis: [WZ-8, HSR-11]}
          - add: {table: zone_kinds, after: general.approved_land_use_area}
            with:
              id: general.unused_land_class
              when: {land.land_class: unused_land}
              then: {zone: ordinary_agricultural_land, tier: general}
              cite: {article: 8, paragraph: 3, item: 2, basis: [WZ-8]}
        """)
    changed = patrolrules.load_ruleset(overlays=[overlay])
    ids = [r.id for r in changed.graph.table("zone_kinds").rules]
    assert "general.village_road_distance" not in ids
    assert ids[ids.index("general.approved_land_use_area") + 1] == "general.unused_land_class"
    assert changed.evaluate(site("25 m")).zone.tier == "key"  # now read against the 30 m expressway buffer
    assert changed.evaluate({"observed_at": AT, "site": {"zones": [], "distance_to_village_road": "1 m"},
                             "land": {"land_class": "construction_land"}}).zone.tier == "unlisted"
    assert changed.evaluate({"observed_at": AT, "site": {"zones": []},
                             "land": {"land_class": "unused_land"}}).zone.tier == "general"


def problems_of(tmp_path: Path, text: str) -> list[patrolrules.RuleProblem]:
    path = write(tmp_path, text)
    with pytest.raises(patrolrules.RulesetError) as caught:
        patrolrules.load_ruleset(overlays=[path])
    assert all(p.file == str(path) for p in caught.value.problems), caught.value
    return caught.value.problems


def test_overlay_parameter_problems_name_file_and_line(tmp_path):
    problems = problems_of(tmp_path, """\
        overlay: bad
        parameters:
          national_road_buffer: 50 亩
          national_road_bufer: 50 m
        """)
    assert [p.line for p in problems] == [3, 4]
    assert "'national_road_buffer'" in problems[0].message and "'national_road_bufer'" in problems[1].message
    assert "wrong dimension" in problems[0].message
    assert "national_road_buffer" in (problems[1].fix or "")


def test_overlay_format_problems_name_file_and_line(tmp_path):
    problems = problems_of(tmp_path, """\
        overlay: bad
        rules:
          - remove: {table: zone_kinds, rule: key.city_planning_area}
            with: {id: x, cite: {article: 8}}
          - rename: {table: zone_kinds}
        """)
    assert {p.line for p in problems} == {3, 5}


def test_overlay_unknown_table_and_rule_are_named(tmp_path):
    problems = problems_of(tmp_path, """\
        overlay: bad
        rules:
          - remove: {table: zone_kind, rule: key.city_planning_area}
          - remove: {table: zone_kinds, rule: key.city_planing_area}
        """)
    assert [p.line for p in problems] == [3, 4]
    assert "zone_kinds" in (problems[0].fix or "") and "key.city_planning_area" in (problems[1].fix or "")


def test_a_bad_rule_in_an_overlay_is_reported_at_the_overlay_line(tmp_path):
    problems = problems_of(tmp_path, """\
        overlay: bad
        rules:
          - add: {table: zone_kinds}
            with:
              id: general.bad
              when:
                site.distance_to_village_road: "<= 10"
              then: {zone: village_road_corridor, tier: general}
              cite: {article: 8, paragraph: 3, item: 2}
        """)
    [problem] = problems
    assert problem.rule_id == "general.bad" and problem.line == 7
    assert "literal threshold" in problem.message


def test_overlays_are_untrusted_yaml(tmp_path):
    marker = tmp_path / "hacked"  # what os.system would create, were the tag obeyed
    problems = problems_of(tmp_path, f"""\
        overlay: !!python/object/apply:os.system ["touch {marker}"]
        """)
    assert "tag" in problems[0].message and problems[0].line == 1 and not marker.exists()


def test_an_overlay_of_a_copied_ruleset_keeps_its_directory(tmp_path):
    directory = copy_bundled(tmp_path)
    overlay = write(tmp_path, "overlay: x\nparameters: {national_road_buffer: 50}\n")
    changed = patrolrules.load_ruleset(directory, overlays=[overlay])
    assert changed.loaded.directory == directory
    assert changed.with_parameters({"provincial_road_buffer": 25}).graph.parameters[
        "national_road_buffer"].values[-1].value == 50  # chained what-ifs keep earlier edits


# ---- golden cases under overlays -------------------------------------------------------


def test_golden_cases_name_overlays_relative_to_the_ruleset(ruleset):
    named = [c for _, _, c in ruleset.loaded.cases if c.overlays]
    assert len(named) >= 4
    case = CaseSpec(name="x", overlays=["overlays/national_road_buffer_50m.yaml"],
                    input=site("35 m"), expect={"zone.tier": "unlisted"})
    outcome = check_case(ruleset, "f", 1, case)
    assert not outcome.passed and "expected 'unlisted', got 'key'" in outcome.mismatches[0]


def test_a_golden_overlay_outside_the_ruleset_is_refused(ruleset):
    case = CaseSpec(name="x", overlays=["../../../etc/passwd"], input=site("35 m"), expect={"zone.tier": "key"})
    outcome = check_case(ruleset, "f", 1, case)
    assert not outcome.passed and "outside the ruleset directory" in (outcome.error or "")


def test_a_missing_golden_overlay_is_an_error_not_a_crash(ruleset):
    case = CaseSpec(name="x", overlays=["overlays/none.yaml"], input=site("35 m"), expect={"zone.tier": "key"})
    outcome = check_case(ruleset, "f", 1, case)
    assert "cannot read file" in (outcome.error or "")
