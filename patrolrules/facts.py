"""The fact catalogue: what tables of the Wanzhou ruleset may read from an observation.

Most facts come straight from the ``Observation`` fields (``engine.facts``);
the few derived here say which article needs them.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from . import units
from .case import CaseEventKind, CaseState
from .engine.facts import FactExtractor
from .engine.tables import Kind, TypeDef
from .observation import LandClass, Observation, PlanningPermitKind


def _area_sum(observation: Observation, classes: tuple[LandClass, ...] | None) -> float | None:
    areas = observation.quantities.area
    if not areas:
        return None
    total = sum((units.canonical_magnitude(q, "area") for c, q in areas.items() if classes is None or c in classes),
                Fraction(0))
    return float(total)


def _total_area(observation: Any) -> float | None:
    return _area_sum(observation, None)


def counted_area(observation: Any, classes: tuple[LandClass, ...]) -> Fraction | None:
    """The area of ``classes`` occupied by this act plus, for the criminal lines, what the same party
    occupied within the past year and was not processed for (法释〔2000〕14号 第9条: counted together).
    A land class the areas do not list was not occupied, but for ``land.land_class``: the act's own class, whose
    area is unknown until given. With no area at all, every class is unknown while the land's class is."""
    current = observation.quantities.area or {}
    land_class = observation.land.land_class
    if (not current and land_class is None) or (land_class in classes and land_class not in current):
        return None
    prior = observation.quantities.prior_unprocessed_area or {}
    return sum((units.canonical_magnitude(areas[c], "area") for areas in (current, prior) for c in classes
                if c in areas), Fraction(0))


def _counted(classes: tuple[LandClass, ...]) -> Any:
    def get(observation: Any) -> float | None:
        total = counted_area(observation, classes)
        return None if total is None else float(total)

    return get


def _counted_ore_value(observation: Any) -> float | None:
    # 法释〔2016〕25号: ore mined illegally within two years and not processed is counted together.
    quantities = observation.quantities
    if quantities.ore_value is None:
        return None
    prior = quantities.prior_unpunished_ore_value
    total = units.canonical_magnitude(quantities.ore_value, "money")
    return float(total + (units.canonical_magnitude(prior, "money") if prior is not None else 0))


def _facility_area_exceeds_filing(observation: Any) -> bool | None:
    # Art. 9(五) 擅自扩大用地规模: the facility uses more land than was filed (备案).
    facility = observation.land.facility_agri
    if facility is None or facility.actual_area is None or facility.filed_area is None:
        return None
    return bool(units.canonical_magnitude(facility.actual_area, "area")
                > units.canonical_magnitude(facility.filed_area, "area"))


def _other_provision_named(observation: Any) -> bool:
    # Art. 9(八) applies when the patrol names the provision violated; none named is a known "no".
    return bool(observation.activity.other_provision and observation.activity.other_provision.strip())


def _planning_permit_stated(observation: Any) -> str:
    # Art. 9(七): the permit decides the articles (城乡规划法 第40、64条 or 第41、65条); not stated → both.
    permit = observation.permits.planning
    return permit.kind.value if permit is not None and permit.kind is not None else "not_stated"


DERIVED = {
    "quantities.area_total": (TypeDef(Kind.QUANTITY, dimension="area"), _total_area,
                              "total occupied area, all land classes"),
    "land.facility_agri.area_exceeds_filing": (TypeDef(Kind.BOOLEAN), _facility_area_exceeds_filing,
                                               "facility land in use exceeds the filed area (Art. 9(五))"),
    "activity.other_provision_named": (TypeDef(Kind.BOOLEAN), _other_provision_named,
                                       "the observation names another provision violated (Art. 9(八))"),
    "permits.planning.kind_stated": (TypeDef(Kind.ENUM, (*(k.value for k in PlanningPermitKind), "not_stated")),
                                     _planning_permit_stated,
                                     "the planning permit's kind, or not_stated (Art. 9(七): which articles apply)"),
    # Criminal lines count this act with the same party's earlier unprocessed acts (Art. 14 ¶2).
    "crime.area.permanent_basic_farmland": (TypeDef(Kind.QUANTITY, dimension="area"),
                                            _counted((LandClass.permanent_basic_farmland,)),
                                            "PBF occupied, with the past year's unprocessed acts"),
    # 法释〔2000〕14号 第3条: 基本农田五亩以上 or 基本农田以外的耕地十亩以上 — two separate lines.
    "crime.area.ordinary_cultivated_land": (TypeDef(Kind.QUANTITY, dimension="area"),
                                            _counted((LandClass.ordinary_cultivated_land,)),
                                            "cultivated land other than PBF occupied, with the past year's "
                                            "unprocessed acts"),
    "crime.area.forest_public_welfare": (TypeDef(Kind.QUANTITY, dimension="area"),
                                         _counted((LandClass.forest_public_welfare,)),
                                         "public-welfare forest land occupied, with the past year's unprocessed acts"),
    "crime.area.forest_commercial": (TypeDef(Kind.QUANTITY, dimension="area"),
                                     _counted((LandClass.forest_commercial,)),
                                     "commercial forest land occupied, with the past year's unprocessed acts"),
    # 法释〔2005〕15号 第1条(四) (until 2023-08-14): both kinds of forest land together.
    "crime.area.forest": (TypeDef(Kind.QUANTITY, dimension="area"),
                          _counted((LandClass.forest_public_welfare, LandClass.forest_commercial)),
                          "forest land of both kinds occupied, with the past year's unprocessed acts"),
    "crime.area.grassland": (TypeDef(Kind.QUANTITY, dimension="area"), _counted((LandClass.grassland,)),
                             "grassland occupied, with the past year's unprocessed acts"),
    "crime.ore_value": (TypeDef(Kind.QUANTITY, dimension="money"), _counted_ore_value,
                        "ore value, with the past two years' unprocessed illegal mining (法释〔2016〕25号)"),
}


def _supplied(observation: Any) -> None:
    # Not in an observation: supplied by ``escalation.supplied_facts`` (case
    # events, or computed with the ruleset's parameters). Unknown otherwise.
    return None


# Arts. 14–15 (escalation.py): case lifecycle and facts computed with parameters.
DERIVED.update({
    # Art. 11(三) 发现…的行为: no Art. 9 item on the facts given, yet a missing fact alone could make one, or
    # the recorded facts reach a criminal line but for its items (Art. 14 ¶2) — a suspected act. Known only
    # once the missing facts are tried: ``Ruleset.evaluate`` and ``evaluate_case`` work it out when no item
    # is found (``Ruleset._settled``); unknown otherwise.
    "violations.undetermined": (TypeDef(Kind.BOOLEAN), _supplied,
                                "no Art. 9 item is found, but a missing fact alone could make one, or the recorded "
                                "facts reach a criminal line but for its items (a suspected act, Arts. 11(三), "
                                "14 ¶2); worked out from the missing facts when no item is found"),
    "case.state": (TypeDef(Kind.ENUM, tuple(s.value for s in CaseState)), _supplied,
                   "the case's state before the event (Art. 14 lifecycle)"),
    "case.event": (TypeDef(Kind.ENUM, tuple(e.value for e in CaseEventKind)), _supplied,
                   "the case event being applied (Art. 14 lifecycle)"),
    # A closed case keeps the duties to file and to transfer it never met (Art. 14 ¶2).
    "case.filed": (TypeDef(Kind.BOOLEAN), _supplied, "the case has been filed (立案): its history reached `filed`"),
    "case.transferred": (TypeDef(Kind.BOOLEAN), _supplied,
                         "the case has been handed to the judicial organs: its history reached `transferred`"),
    # Art. 14 ¶1: the reports of an ineffective written stop owed until made, in whatever state (report events).
    "case.reports_made": (TypeDef(Kind.SET, ("report_to_bureau", "written_report", "letter_to_township")), _supplied,
                          "the Art. 14 ¶1 reports the case's events record as made"),
    # Art. 14 ¶2 with TR 第五条: where the transfer stands, by the latest of its events (none yet: "none").
    "case.transfer_step": (TypeDef(Kind.ENUM, ("none", "reported", "approved", "refused")), _supplied,
                           "the transfer's step its latest event records: the written report received, the "
                           "transfer approved or refused (《行政执法机关移送涉嫌犯罪案件的规定》第五条)"),
    "case.liability_exempt": (TypeDef(Kind.BOOLEAN), _supplied, "no liability attaches (立案 condition)"),
    "case.within_jurisdiction": (TypeDef(Kind.BOOLEAN), _supplied, "the bureau has jurisdiction (立案 condition)"),
    "case.minor_and_corrected": (TypeDef(Kind.BOOLEAN), _supplied,
                                 "minor, corrected in time, no harmful consequence (may be left unfiled)"),
    "limitation.within": (TypeDef(Kind.BOOLEAN), _supplied,
                          "discovered within the limitation period (行政处罚法 第36条)"),
    "quantities.forest_line_ratio": (TypeDef(Kind.NUMBER), _supplied,
                                     "public-welfare + commercial forest as a share of their 刑法 第342条 lines"),
    "escalation.letter_to_township_mandatory": (TypeDef(Kind.BOOLEAN), _supplied,
                                                "the parameter letter_to_township_mandatory in force (Art. 14 ¶1 "
                                                "同时，函告), so the case duty follows the recipients table"),
})

EXTRACTOR = FactExtractor(Observation, DERIVED)
FACTS = EXTRACTOR.facts
