"""Mutation suite: seeded edits of the bundled ruleset must each be caught by `check`, `test` or `diff`.

A mutation survives when `check` exits 0, every golden case passes with full rule
coverage, and `diff` against the bundled ruleset finds no changed decision. The
suite fails on any survivor. Equivalent mutants (e.g. collect → rule_order on a
table whose order does not matter) are deliberately not seeded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import patrolrules
from patrolrules import ci
from patrolrules.ruleset import bundled_directory

from .rulefiles import copy_bundled

ART8 = "art08_zones.yaml"
PARAMS = "parameters/art08_zones.yaml"


def _rule(rule_id: str) -> str:
    """The full text of one Art. 8 rule (so a mutation can drop or edit it)."""
    text = (bundled_directory() / ART8).read_text(encoding="utf-8")
    start = text.index(f"      - id: {rule_id}\n")
    end = text.find("      - id: ", start + 1)
    end_table = text.find("\n  - id: ", start)
    end = min(e for e in (end, end_table + 1, len(text)) if e > start)
    return text[start:end]


# (name, file, old text, new text, count): a textual edit of the bundled files.
EDITS: list[tuple[str, str, str, str]] = [
    # move a threshold by one unit
    ("national road buffer 20 → 21 m", PARAMS, "value: 20}", "value: 21}"),
    ("provincial road buffer 15 → 14 m", PARAMS, "value: 15}", "value: 14}"),
    ("expressway buffer 30 → 31 m", PARAMS, "value: 30}", "value: 31}"),
    ("village road buffer 3 → 4 m", PARAMS, "value: 3}", "value: 4}"),
    ("key frequency 2 → 3 a week", PARAMS, "value: 2}", "value: 3}"),
    ("village road buffer in km", PARAMS, "unit: m\n    source: default", "unit: km\n    source: default"),
    ("village road buffer starts a year late", PARAMS, "- {from: 2019-01-01, value: 3}",
     "- {from: 2020-01-01, value: 3}"),
    # swap outputs
    ("urban-rural fringe becomes general", ART8, "then: {zone: urban_rural_fringe, tier: key}",
     "then: {zone: urban_rural_fringe, tier: general}"),
    ("village road corridor becomes key", ART8, "then: {zone: village_road_corridor, tier: general}\n        cite: "
     "{article: 8, paragraph: 3, item: 2, basis: [WZ-8]}", "then: {zone: village_road_corridor, tier: key}\n        "
     "cite: {article: 8, paragraph: 3, item: 2, basis: [WZ-8]}"),
    ("city planning area reported as town planning area", ART8, "then: {zone: city_planning_area, tier: key}",
     "then: {zone: town_planning_area, tier: key}"),
    ("key and general frequencies swapped", ART8, "frequency_per_week: $patrol_frequency_key}",
     "frequency_per_week: $patrol_frequency_general}"),
    ("general tier gets targeted patrol", ART8,
     "then: {patrol_modes: [full_coverage_patrol], frequency_per_week: $patrol_frequency_general}",
     "then: {patrol_modes: [full_coverage_patrol, targeted_patrol], frequency_per_week: $patrol_frequency_general}"),
    ("tier ranks general above key", ART8, "values: [key, general, unlisted]", "values: [general, key, unlisted]"),
    ("default tier general", ART8, "default:\n      tier: unlisted", "default:\n      tier: general"),
    ("tier aggregated by min", ART8, "tier: max", "tier: min"),
    # drop a rule
    ("drop key.permanent_basic_farmland_area", ART8, _rule("key.permanent_basic_farmland_area"), ""),
    ("drop key.national_road_distance", ART8, _rule("key.national_road_distance"), ""),
    ("drop general.approved_land_use_area", ART8, _rule("general.approved_land_use_area"), ""),
    ("drop general.other_agricultural_land_class", ART8, _rule("general.other_agricultural_land_class"), ""),
    ("drop patrol_expectation/unlisted", ART8, _rule("unlisted"), ""),
    # change a hit policy
    ("zone_kinds collect → first", ART8, "hit_policy: collect", "hit_policy: first"),
    ("patrol_expectation unique → collect", ART8, "hit_policy: unique", "hit_policy: collect"),
    # remove a zone kind
    ("remove important_mining_area from the zone values", ART8, "town_planning_area, national_provincial_road_corridor,"
     " urban_rural_fringe, important_mining_area,", "town_planning_area, national_provincial_road_corridor,"
     " urban_rural_fringe,"),
    ("remove the protected natural area zone kind", ART8, _rule("key.protected_natural_area"), ""),
    # change a citation
    ("Yangtze zone cites item 2", ART8, "item: 1, basis: [WZ-8]}\n        note: 长江沿线生态敏感区",
     "item: 2, basis: [WZ-8]}\n        note: 长江沿线生态敏感区"),
    ("mining area cites a clause that does not exist", ART8, "item: 1, basis: [WZ-8]}\n        note: 重要矿区",
     "item: 3, basis: [WZ-8]}\n        note: 重要矿区"),
    ("town planning area cites Art. 9 (1)", ART8, "cite: {article: 8, paragraph: 3, item: 1, basis: [WZ-8]}\n        "
     "note: 场镇规划区", "cite: {article: 9, paragraph: 1, item: 1, basis: [WZ-8]}\n        note: 场镇规划区"),
    ("unlisted patrol cites ¶1", ART8, "cite: {article: 8, paragraph: 2, basis: [WZ-8]}\n        note: full-coverage",
     "cite: {article: 8, paragraph: 1, basis: [WZ-8]}\n        note: full-coverage"),
    # change a test
    ("national road: ≤ becomes <", ART8, '"<= $national_road_buffer"', '"< $national_road_buffer"'),
    ("provincial road read against the expressway buffer", ART8, '"<= $provincial_road_buffer"',
     '"<= $expressway_buffer"'),
    ("grassland no longer agricultural land", ART8, "forest_commercial, grassland]", "forest_commercial]"),
    ("protected area test negated", ART8, "when: {site.zones: protected_natural_area}",
     "when: {site.zones: {none: [protected_natural_area]}}"),
    ("overlapping patrol expectation rows", ART8, "when: {zone_kinds.tier: general}",
     "when: {zone_kinds.tier: [general, key]}"),
    ("quote altered", ART8, "巡查主要实行全面巡查和重点巡查两种方式。", "巡查主要实行全面巡查方式。"),
]


def _apply(tmp_path: Path, file: str, old: str, new: str) -> Path:
    directory = copy_bundled(tmp_path)
    path = directory / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"the seed text is gone from {file}: {old[:60]!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return directory


def caught_by(directory: Path) -> str | None:
    """The first tool that notices the mutation (diff is the cheapest, so it goes first)."""
    if ci.diff_rulesets(bundled_directory(), directory).exit_code != 0:
        return "diff"
    if ci.check(directory).exit_code != 0:
        return "check"
    if ci.test(directory, 100).exit_code != 0:
        return "test"
    return None


def _caught(directory: Path) -> str | None:
    try:
        return caught_by(directory)
    except patrolrules.PatrolRulesError:  # unusable for diff: `check` reports it (exit 2)
        return "check" if ci.check(directory).exit_code == 2 else None


def test_there_are_at_least_30_seeded_mutations():
    assert len(EDITS) + len(GENERIC) >= 30 and len(EDITS) >= 30
    assert len({name for name, *_ in EDITS}) == len(EDITS)


@pytest.mark.parametrize(("name", "file", "old", "new"), EDITS, ids=[e[0] for e in EDITS])
def test_seeded_mutation_is_caught(tmp_path, name, file, old, new):
    assert _caught(_apply(tmp_path, file, old, new)) is not None, f"mutation survived: {name}"


def _drop_rule(table_index: int, rule_index: int) -> Callable[[dict], None]:
    def mutate(data: dict) -> None:
        del data["tables"][table_index]["rules"][rule_index]
    return mutate


def _generic() -> list[tuple[str, str, Callable[[dict], None]]]:
    """Whatever articles exist: drop each table's first and last rule."""
    ruleset = patrolrules.load_ruleset()
    seeds = []
    for file, article in ruleset.loaded.articles:
        for t, table in enumerate(article.tables):
            for r in sorted({0, len(table.rules) - 1}):
                seeds.append((f"{file}: drop {table.id}/{table.rules[r].id}", file, _drop_rule(t, r)))
    return seeds


GENERIC = _generic()


@pytest.mark.parametrize(("name", "file", "mutate"), GENERIC, ids=[g[0] for g in GENERIC])
def test_generic_mutation_is_caught(tmp_path, name, file, mutate):
    directory = copy_bundled(tmp_path)
    path = directory / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert _caught(directory) is not None, f"mutation survived: {name}"


def test_overlapping_unique_rows_change_decisions_into_errors(tmp_path):
    """`diff` sees that evaluation will now raise where the rows overlap, not only `check`."""
    directory = _apply(tmp_path, ART8, "when: {zone_kinds.tier: general}", "when: {zone_kinds.tier: [general, key]}")
    changes = ci.diff_rulesets(bundled_directory(), directory).data["changes"]
    (change,) = [c for c in changes if c["output"].startswith("overlap under hit policy unique")]
    assert change["output"].endswith("general and key") and (change["before"], change["after"]) == (False, True)
    assert change["witness"]["zone_kinds.tier"] == "key"


def test_an_equivalent_edit_is_not_reported(tmp_path):
    """The other side of the coin: a note edit changes no decision, so nothing catches it."""
    directory = _apply(tmp_path, ART8, "note: 重要矿区", "note: 重要矿区 (edited)")
    assert _caught(directory) is None
