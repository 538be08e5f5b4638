"""The fact catalogue: what tables of the Wanzhou ruleset may read from an observation.

Most facts come straight from the ``Observation`` fields (``engine.facts``);
the few derived here say which article needs them.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from . import units
from .case import CaseEventKind, CaseState, ViolationItem
from .engine.facts import FactExtractor
from .engine.tables import Kind, TypeDef
from .observation import LandClass, Observation

_CULTIVATED = (LandClass.permanent_basic_farmland, LandClass.ordinary_cultivated_land)


def _area_sum(observation: Observation, classes: tuple[LandClass, ...] | None) -> float | None:
    areas = observation.quantities.area
    if not areas:
        return None
    total = sum((units.canonical_magnitude(q, "area") for c, q in areas.items() if classes is None or c in classes),
                Fraction(0))
    return float(total)


def _total_area(observation: Any) -> float | None:
    return _area_sum(observation, None)


def _cultivated_area(observation: Any) -> float | None:
    # 刑法 第342条 with 法释〔2000〕14号 第3条 counts cultivated land together.
    return _area_sum(observation, _CULTIVATED)


DERIVED = {
    "quantities.area_total": (TypeDef(Kind.QUANTITY, dimension="area"), _total_area,
                              "total occupied area, all land classes"),
    "quantities.area_cultivated": (TypeDef(Kind.QUANTITY, dimension="area"), _cultivated_area,
                                   "occupied cultivated land, permanent basic farmland included"),
}


def _supplied(observation: Any) -> None:
    # Not in an observation: supplied by ``escalation.supplied_facts`` (case
    # events, or computed with the ruleset's parameters). Unknown otherwise.
    return None


# Arts. 14–15 (escalation.py): case lifecycle and facts computed with parameters.
DERIVED.update({
    "case.state": (TypeDef(Kind.ENUM, tuple(s.value for s in CaseState)), _supplied,
                   "the case's state before the event (Art. 14 lifecycle)"),
    "case.event": (TypeDef(Kind.ENUM, tuple(e.value for e in CaseEventKind)), _supplied,
                   "the case event being applied (Art. 14 lifecycle)"),
    "case.liability_exempt": (TypeDef(Kind.BOOLEAN), _supplied, "no liability attaches (立案 condition)"),
    "case.within_jurisdiction": (TypeDef(Kind.BOOLEAN), _supplied, "the bureau has jurisdiction (立案 condition)"),
    "limitation.within": (TypeDef(Kind.BOOLEAN), _supplied,
                          "discovered within the limitation period (行政处罚法 第36条)"),
    "quantities.forest_line_ratio": (TypeDef(Kind.NUMBER), _supplied,
                                     "public-welfare + commercial forest as a share of their 刑法 第342条 lines"),
    # MERGE (Art. 9): the lead's table ``violations`` outputs ``item``; delete
    # this entry once it is in the ruleset so ``violations.item`` reads the table.
    "violations.item": (TypeDef(Kind.SET, tuple(i.value for i in ViolationItem)), _supplied,
                        "Art. 9 items found"),
})

EXTRACTOR = FactExtractor(Observation, DERIVED)
FACTS = EXTRACTOR.facts
