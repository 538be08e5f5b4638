"""The anchor workload of issue 9: one 20-rule, 7-field decision table, collect hit policy.

The table is an ordinary patrolrules rule file (loaded with ``engine.loader.load_directory``
over custom facts, as tests/test_hit_policies.py does), so every engine runs the same
resolved table. ``handwritten`` is the same table written by hand as if/else.
Records are seeded; about one value in eight is unknown (``None``).
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from patrolrules.engine import compiled
from patrolrules.engine.loader import load_directory
from patrolrules.engine.tables import FactDef, Kind, TypeDef
from tests.rulefiles import copy_bundled, with_tables

DAY = dt.date(2024, 6, 1)
ZONES = ("z1", "z2", "z3", "z4", "z5")
LANDS = ("l1", "l2", "l3", "l4")
ACTIVITIES = ("a1", "a2", "a3", "a4", "a5", "a6")
FACTS = {
    "zone": FactDef("zone", TypeDef(Kind.ENUM, ZONES)),
    "land": FactDef("land", TypeDef(Kind.ENUM, LANDS)),
    "activity": FactDef("activity", TypeDef(Kind.ENUM, ACTIVITIES)),
    "area": FactDef("area", TypeDef(Kind.QUANTITY, dimension="area")),
    "distance": FactDef("distance", TypeDef(Kind.QUANTITY, dimension="length")),
    "permitted": FactDef("permitted", TypeDef(Kind.BOOLEAN)),
    "repeat": FactDef("repeat", TypeDef(Kind.BOOLEAN)),
}


def _param(name: str, unit: str, value: int) -> str:
    return f"""
  {name}:
    description_zh: 基准
    description_en: benchmark threshold
    unit: {unit}
    source: default
    reference: benchmark only
    values:
      - {{from: 2019-01-01, value: {value}}}
"""


PARAMS = "parameters:" + "".join([
    _param("area_small", "m2", 500), _param("area_large", "m2", 2000), _param("area_huge", "m2", 8000),
    _param("near", "m", 50), _param("far", "m", 200)])

RULES = [  # (when, code); code = rule number, the collected output
    "{zone: z1, area: '>= $area_small'}",
    "{zone: [z1, z2], activity: [a1, a2]}",
    "{land: l1, permitted: false}",
    "{distance: '< $near', activity: {not: [a6]}}",
    "{area: '>= $area_large', repeat: true}",
    "{zone: {not: [z5]}, land: [l2, l3], permitted: false}",
    "{area: '[$area_small .. $area_large)', zone: z3}",
    "{activity: a3, distance: '>= $near'}",
    "{repeat: true, permitted: false, land: [l1, l2]}",
    "{zone: z4, activity: [a4, a5], area: '< $area_small'}",
    "{land: l4, distance: '< $far'}",
    "{permitted: true, activity: a1}",
    "{zone: [z2, z3], repeat: false}",
    "{area: '>= $area_huge'}",
    "{distance: '>= $far', zone: z5}",
    "{activity: a6, land: {not: [l1]}}",
    "{zone: z1, land: l1, activity: [a1, a2, a3], permitted: false}",
    "{area: '< $area_small', distance: '< $near', repeat: true}",
    "{activity: {not: [a1, a2]}, permitted: true, zone: [z3, z4]}",
    "{land: l3, area: '>= $area_large', distance: '>= $near'}",
]


def table_yaml() -> str:
    rules = "".join(f"""
    - id: r{n}
      when: {when}
      then: {{code: {n}}}
      cite: {{article: 8, paragraph: 3, item: 1}}""" for n, when in enumerate(RULES, start=1))
    return textwrap.dedent("""
    - id: anchor
      title_zh: 基准表
      title_en: anchor benchmark table
      hit_policy: collect
      inputs: [zone, land, activity, area, distance, permitted, repeat]
      outputs:
        code: {type: number}
      rules:""") + rules + "\n"


def load_table() -> tuple[compiled.ResolvedTable, ...]:
    """The anchor table, resolved (a temporary ruleset directory, as the tests build them)."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = with_tables(copy_bundled(Path(tmp)), table_yaml(), PARAMS)
        loaded = load_directory(directory, FACTS)
    return compiled.resolve(loaded.graph, DAY)


def records(count: int, seed: int = 20240601) -> list[dict[str, Any]]:
    rng = random.Random(seed)

    def maybe(value: Any) -> Any:
        return None if rng.random() < 0.125 else value

    return [{
        "zone": maybe(rng.choice(ZONES)),
        "land": maybe(rng.choice(LANDS)),
        "activity": maybe(rng.choice(ACTIVITIES)),
        "area": maybe(rng.choice((500.0, 2000.0, 8000.0, rng.randrange(0, 20000) / 2))),
        "distance": maybe(rng.choice((50.0, 200.0, rng.randrange(0, 800) / 2))),
        "permitted": maybe(rng.random() < 0.5),
        "repeat": maybe(rng.random() < 0.3),
    } for _ in range(count)]


def handwritten(r: dict[str, Any]) -> list[int]:
    """The anchor table by hand: matched rule indices (0-based), in table order."""
    zone, land, activity = r["zone"], r["land"], r["activity"]
    area, distance, permitted, repeat = r["area"], r["distance"], r["permitted"], r["repeat"]
    m = []
    if zone == "z1" and area is not None and area >= 500.0:
        m.append(0)
    if zone in ("z1", "z2") and activity in ("a1", "a2"):
        m.append(1)
    if land == "l1" and permitted is False:
        m.append(2)
    if distance is not None and distance < 50.0 and activity is not None and activity != "a6":
        m.append(3)
    if area is not None and area >= 2000.0 and repeat is True:
        m.append(4)
    if zone is not None and zone != "z5" and land in ("l2", "l3") and permitted is False:
        m.append(5)
    if area is not None and 500.0 <= area < 2000.0 and zone == "z3":
        m.append(6)
    if activity == "a3" and distance is not None and distance >= 50.0:
        m.append(7)
    if repeat is True and permitted is False and land in ("l1", "l2"):
        m.append(8)
    if zone == "z4" and activity in ("a4", "a5") and area is not None and area < 500.0:
        m.append(9)
    if land == "l4" and distance is not None and distance < 200.0:
        m.append(10)
    if permitted is True and activity == "a1":
        m.append(11)
    if zone in ("z2", "z3") and repeat is False:
        m.append(12)
    if area is not None and area >= 8000.0:
        m.append(13)
    if distance is not None and distance >= 200.0 and zone == "z5":
        m.append(14)
    if activity == "a6" and land is not None and land != "l1":
        m.append(15)
    if zone == "z1" and land == "l1" and activity in ("a1", "a2", "a3") and permitted is False:
        m.append(16)
    if area is not None and area < 500.0 and distance is not None and distance < 50.0 and repeat is True:
        m.append(17)
    if activity is not None and activity not in ("a1", "a2") and permitted is True and zone in ("z3", "z4"):
        m.append(18)
    if land == "l3" and area is not None and area >= 2000.0 and distance is not None and distance >= 50.0:
        m.append(19)
    return m
