"""Art. 8: the zone tier of a site, the zones that decided it, patrol modes and frequency.

The tables live in ``rulesets/wanzhou/art08_zones.yaml``; this module turns
their results into a ``ZoneDecision``.
"""

from __future__ import annotations

from collections.abc import Callable

from .decision import CitationOut, ZoneDecision, ZoneOut
from .engine.compiled import Run
from .engine.tables import Citation
from .labels import VALUE_LABELS_ZH

TIER_TABLE = "zone_kinds"
EXPECTATION_TABLE = "patrol_expectation"
TIER_ZH = {"key": "重点巡查区域", "general": "一般巡查区域", "unlisted": "未列明区域"}


def zone_decision(run: Run, cite: Callable[[Citation], CitationOut]) -> ZoneDecision:
    """The Art. 8 decision from the evaluated tables."""
    tier_result = run.results[TIER_TABLE]
    tier = run.values[f"{TIER_TABLE}.tier"]
    zones: dict[str, ZoneOut] = {}
    for output in tier_result.outputs:
        kind = output.get("zone")
        if kind is not None and kind not in zones:
            zones[kind] = ZoneOut(kind=kind, name_zh=VALUE_LABELS_ZH[kind], tier=output["tier"])
    deciding = sorted(k for k, z in zones.items() if z.tier == tier)
    expectation = run.results[EXPECTATION_TABLE]
    modes = list(run.values[f"{EXPECTATION_TABLE}.patrol_modes"] or ())
    frequency = run.values[f"{EXPECTATION_TABLE}.frequency_per_week"]
    citations = {}
    for result in (tier_result, expectation):
        for rule in result.rules:
            out = cite(rule.citation)
            citations[out.ref_en] = out
    return ZoneDecision(
        tier=tier,
        tier_zh=TIER_ZH[tier],
        zones=sorted(zones.values(), key=lambda z: (z.tier != tier, z.kind)),
        deciding_zones=deciding,
        patrol_modes=modes,
        patrol_modes_zh=[VALUE_LABELS_ZH[m] for m in modes],
        frequency_per_week=None if frequency is None else float(frequency),
        citations=sorted(citations.values(), key=lambda c: (c.article, c.paragraph or 0, c.item or 0)),
    )


SUMMARY_VALUE = f"{TIER_TABLE}.tier"  # the one value ``summary`` reads


def summary(run: Run) -> dict[str, object]:
    """The Art. 8 outcome, for comparing alternatives of unknown facts."""
    return {"tier": run.values[SUMMARY_VALUE]}
