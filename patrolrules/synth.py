"""Seeded synthetic observations: a plausible year of patrol findings in Wanzhou.

Shared by tests, benchmarks and docs. The mix (zones, land classes, activities,
areas in 亩 / 平方米 / 公顷, stages, lead sources, permits, ore values) is a
made-up but realistic spread, not statistics of the district: use it to
exercise rules, never to estimate real case loads. Same seed, same year.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from .observation import (
    ActivityKind,
    ApprovalStatus,
    LandClass,
    LeadSource,
    PartyKind,
    PermitStatus,
    Stage,
    ZoneKind,
)

_KEY_ZONES = [z.value for z in list(ZoneKind)[:8]]  # Art. 8 ¶3 (一)
_GENERAL_ZONES = [z.value for z in list(ZoneKind)[8:]]  # Art. 8 ¶3 (二)

_LAND = {
    LandClass.ordinary_cultivated_land: 22, LandClass.permanent_basic_farmland: 10, LandClass.forest_commercial: 8,
    LandClass.forest_public_welfare: 4, LandClass.grassland: 2, LandClass.other_agricultural: 14,
    LandClass.construction_land: 30, LandClass.unused_land: 10,
}
_ACTIVITY = {
    ActivityKind.house: 34, ActivityKind.building: 14, ActivityKind.land_occupation: 10, ActivityKind.kiln: 2,
    ActivityKind.grave: 4, ActivityKind.sand_digging: 5, ActivityKind.quarrying: 5, ActivityKind.mining: 4,
    ActivityKind.exploration: 1, ActivityKind.soil_removal: 4, ActivityKind.waste_dumping: 5,
    ActivityKind.orchard_or_fishpond: 4, ActivityKind.facility_agriculture: 5, ActivityKind.other: 3,
}
_STRUCTURE = {ActivityKind.house: "building", ActivityKind.building: "building", ActivityKind.kiln: "structure",
              ActivityKind.grave: "structure", ActivityKind.facility_agriculture: "structure"}
_EXTRACTION = (ActivityKind.sand_digging, ActivityKind.quarrying, ActivityKind.mining, ActivityKind.exploration)
_LEAD = {
    LeadSource.patrol: 60, LeadSource.satellite_enforcement: 14, LeadSource.complaint_phone: 9,
    LeadSource.complaint_letter: 3, LeadSource.complaint_email: 2, LeadSource.leader_referral: 2,
    LeadSource.lower_level_report: 4, LeadSource.media_report: 1, LeadSource.informant: 5,
}
_APPROVAL = {ApprovalStatus.none: 55, ApprovalStatus.approved: 20, ApprovalStatus.not_required: 8,
             ApprovalStatus.exceeded: 14, ApprovalStatus.obtained_by_deceit: 3}
_PERMIT = {PermitStatus.none: 55, PermitStatus.valid: 30, PermitStatus.expired: 10, PermitStatus.revoked: 5}
_STAGE = {Stage.planned: 15, Stage.under_construction: 55, Stage.completed: 30}
_PARTY = {PartyKind.villager: 50, PartyKind.individual: 20, PartyKind.enterprise: 22,
          PartyKind.government_body: 3, PartyKind.unidentified: 5}
_TOWNSHIPS = ("高峰街道", "分水镇", "武陵镇", "龙驹镇", "甘宁镇", "长岭镇", "新田镇", "五桥街道", "李河镇", "太龙镇")


def _pick(rng: random.Random, weights: dict[Any, int]) -> str:
    choice = rng.choices(list(weights), weights=list(weights.values()))[0]
    return str(choice.value if hasattr(choice, "value") else choice)


def _area(rng: random.Random) -> str:
    """A plot area in a unit a patrol would write: 亩, 平方米 or 公顷."""
    square_metres = min(rng.lognormvariate(6.3, 1.2), 200_000.0)  # median ≈ 545 m² ≈ 0.8 亩
    unit = rng.choices(("亩", "平方米", "公顷"), weights=(45, 40, 15))[0]
    if unit == "亩":
        return f"{square_metres * 15 / 10000:.2f}亩"
    if unit == "公顷":
        return f"{square_metres / 10000:.4f}公顷"
    return f"{square_metres:.0f} 平方米"


def _distance(rng: random.Random, median: float) -> str:
    metres = rng.lognormvariate(0, 1.0) * median
    return f"{metres / 1000:.2f} 公里" if metres >= 1000 else f"{metres:.1f} m"


def _zones(rng: random.Random) -> list[str]:
    draw = rng.random()
    if draw < 0.35:
        return []
    if draw < 0.65:
        return rng.sample(_GENERAL_ZONES, rng.choice((1, 1, 2)))
    if draw < 0.9:
        return rng.sample(_KEY_ZONES, 1)
    return [rng.choice(_KEY_ZONES), rng.choice(_GENERAL_ZONES)]


def observation(rng: random.Random, index: int, year: int) -> dict[str, Any]:
    """One synthetic observation (JSON-compatible) drawn from ``rng``."""
    day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
    at = f"{day.isoformat()}T{rng.randrange(8, 18):02d}:{rng.randrange(60):02d}:00+08:00"
    activity = ActivityKind(_pick(rng, _ACTIVITY))
    land_class = _pick(rng, _LAND)
    site: dict[str, Any] = {"township": rng.choice(_TOWNSHIPS)}
    if rng.random() > 0.08:  # sometimes the patrol does not know the zones yet
        site["zones"] = _zones(rng)
    for field, share, median in (("distance_to_national_road", 0.45, 60.0), ("distance_to_provincial_road", 0.4, 50.0),
                                 ("distance_to_expressway", 0.15, 120.0), ("distance_to_village_road", 0.55, 6.0)):
        if rng.random() < share:
            site[field] = _distance(rng, median)
    areas = {land_class: _area(rng)}
    if rng.random() < 0.15:
        areas[_pick(rng, _LAND)] = _area(rng)
    structure = _STRUCTURE.get(activity, "none")
    record: dict[str, Any] = {
        "id": f"SYN-{year}-{index:05d}",
        "observed_at": at,
        "site": site,
        "land": {"land_class": land_class, "approval": _pick(rng, _APPROVAL)},
        "activity": {"kind": activity.value, "structure": structure, "stage": _pick(rng, _STAGE),
                     "permanent": structure != "none" and rng.random() < 0.8},
        "quantities": {"area": areas},
        "party": {"kind": _pick(rng, _PARTY), "identified": rng.random() < 0.9,
                  # prior penalties for this kind of act: illegal mining, or occupying agricultural land
                  ("mining_penalties_within_two_years" if activity is ActivityKind.mining else
                   "agricultural_land_penalties_within_two_years"): rng.choices((0, 1, 2), weights=(85, 12, 3))[0]},
        "lead_source": _pick(rng, _LEAD),
        "act_started_on": (day - dt.timedelta(days=rng.randrange(0, 120))).isoformat(),
    }
    if activity in (ActivityKind.house, ActivityKind.building):
        record["permits"] = {"planning": {
            "kind": "rural_planning_permit" if activity == ActivityKind.house else "construction_planning_permit",
            "status": _pick(rng, _PERMIT)}}
        own_home = activity == ActivityKind.house and record["party"]["kind"] == "villager"
        record["activity"]["villager_own_home"] = own_home
    if activity in _EXTRACTION:
        licence = {"status": _pick(rng, _PERMIT), "within_boundary": rng.random() < 0.6}
        kind = "exploration_licence" if activity == ActivityKind.exploration else "mining_licence"
        record["permits"] = {kind: licence}
        value = rng.lognormvariate(2.5, 1.3)  # 万元, median ≈ 12万元
        record["quantities"]["ore_value"] = f"{value:.1f}万元" if rng.random() < 0.7 else f"{value * 10000:.0f} 元"
        record["activity"]["river_sand"] = activity == ActivityKind.sand_digging and rng.random() < 0.7
    if rng.random() < 0.03:
        record["circumstances"] = {"obstruction": True, "violence_against_officers": rng.random() < 0.3}
    return record


def observations(n: int, seed: int = 0, year: int = 2024) -> list[dict[str, Any]]:
    """``n`` synthetic observations of ``year``, sorted by date; the same for the same seed."""
    rng = random.Random(f"patrolrules-synth-{seed}-{year}")
    records = [observation(rng, index, year) for index in range(1, n + 1)]
    records.sort(key=lambda r: (r["observed_at"], r["id"]))
    return records
