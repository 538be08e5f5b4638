"""Art. 8 properties: key zones make key sites; more zones never lower the tier."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from patrolrules.observation import ZoneKind

from . import strategies

TIERS = ["unlisted", "general", "key"]
KEY = [z.value for z in list(ZoneKind)[:8]]
ALL = [z.value for z in ZoneKind]
BASE = {"observed_at": "2024-05-01T09:00:00+08:00"}


def _tier(ruleset, observation) -> str:
    return ruleset.evaluate(observation).zone.tier


@given(zones=st.lists(st.sampled_from(ALL), unique=True), key=st.sampled_from(KEY))
def test_a_key_zone_makes_the_site_key(ruleset, zones, key):
    decision = ruleset.evaluate({**BASE, "site": {"zones": [*zones, key]}})
    assert decision.zone.tier == "key" and key in decision.zone.deciding_zones


def test_adding_zones_never_lowers_the_tier(ruleset):
    @given(strategies.observations(ruleset), st.lists(st.sampled_from(ALL), unique=True))
    def check(observation, extra):
        before = _tier(ruleset, observation)
        site = dict(observation.get("site", {}))
        site["zones"] = sorted(set(site.get("zones") or []) | set(extra))
        after = _tier(ruleset, {**observation, "site": site})
        assert TIERS.index(after) >= TIERS.index(before)

    check()


def test_deciding_zones_all_have_the_tier(ruleset):
    @given(strategies.observations(ruleset))
    def check(observation):
        zone = ruleset.evaluate(observation).zone
        tiers = {z.kind: z.tier for z in zone.zones}
        assert all(tiers[k] == zone.tier for k in zone.deciding_zones)
        assert bool(zone.deciding_zones) == (zone.tier != "unlisted")
        assert ("targeted_patrol" in zone.patrol_modes) == (zone.tier == "key")

    check()


def test_road_buffer_follows_the_parameter(ruleset):
    buffer = float(ruleset.graph.parameters["national_road_buffer"].at(strategies.DAY))
    at = _tier(ruleset, {**BASE, "site": {"zones": [], "distance_to_national_road": f"{buffer} m"}})
    beyond = _tier(ruleset, {**BASE, "site": {"zones": [], "distance_to_national_road": f"{buffer + 0.01} m"}})
    assert (at, beyond) == ("key", "unlisted")


def test_unknown_zones_are_reported_as_missing(ruleset):
    decision = ruleset.evaluate(BASE)
    missing = {m.fact: m for m in decision.missing_facts}
    assert decision.zone.tier == "unlisted" and "site.zones" in missing
    changes = {tuple(a.value): a.changes["tier"] for a in missing["site.zones"].alternatives}
    assert changes[("permanent_basic_farmland_area",)] == "key"
    assert changes[("village_road_corridor",)] == "general"


def test_known_empty_zones_leave_nothing_missing_about_zones(ruleset):
    decision = ruleset.evaluate({**BASE, "site": {"zones": [], "distance_to_national_road": "500 m",
                                                  "distance_to_provincial_road": "500 m",
                                                  "distance_to_expressway": "500 m",
                                                  "distance_to_village_road": "500 m"},
                                 "land": {"land_class": "construction_land"}})
    assert decision.zone.tier == "unlisted" and decision.missing_facts == []
