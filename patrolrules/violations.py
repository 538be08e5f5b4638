"""Art. 9: which statutory violation items an observation matches, and the primary one.

The tables live in ``rulesets/wanzhou/art09_violations.yaml``. This module merges
the rows that matched into one entry per item (item 5 keeps its forms apart),
names each item exactly as the regulation words it, and picks the primary item by
the ``item_precedence`` parameter.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from .decision import BasisOut, CitationOut, MissingFact, ViolationDecision, ViolationItem
from .engine.compiled import ResolvedTable, Run, TableResult, select
from .engine.tables import Citation, Rule, RuleGraph
from .labels import shown_value

TABLE = "violations"
PRECEDENCE = "item_precedence"

# GLOSSARY.md, "Violation items (WZ-9)".
CODES = {
    1: ("illegal_land_occupation", "illegal occupation of land without approval"),
    2: ("permanent_structure_on_temporary_land", "permanent buildings or structures on temporary-use land"),
    3: ("cultivated_land_destruction",
        "kiln or grave on cultivated land, or unauthorised house, sand, stone, mining or soil on cultivated land"),
    4: ("basic_farmland_destruction", "destructive use of basic farmland"),
    5: ("facility_agri_land_misuse", "misuse of facility agricultural land"),
    6: ("unlicensed_mineral_activity", "unlicensed exploration or mining of mineral resources"),
    7: ("planning_permit_violation", "construction violating the (rural) construction planning permit inside the "
                                     "urban construction-land area"),
    8: ("other_violation", "other violations of planning and natural-resources law"),
}
# The three forms of item 5, worded as the regulation's item (五) words them.
FORMS = {
    "facility_non_agri_use": ("擅自或变相将设施农业用地用于其他非农建设", "non-agricultural use"),
    "facility_scale_expansion": ("擅自扩大用地规模", "enlarged scale"),
    "facility_pbf_breach": ("违反规定占用永久基本农田", "permanent basic farmland breach"),
}
STATUS_ZH = {"violation": "发现违法行为", "no_violation": "未发现违法行为", "undetermined": "尚不能确定（缺少事实）"}


def item_name_zh(clause_text: str) -> str:
    """The item's words as printed, without its number and the closing 的；/。."""
    text = re.sub(r"^[（(][一二三四五六七八九十]+[）)]", "", clause_text.strip())
    return re.sub(r"(的)?[；。;]?$", "", text)


# 行政处罚法（2021）第三十七条, cited when the items' legal bases are those of the act's date.
TIME_RULE = Citation(9, 1, None, ("APL-37",))


def violation_decision(run: Run, graph: RuleGraph, day: dt.date, provision: str | None,
                       cite: Callable[[Citation], CitationOut], basis: Callable[[Citation], list[BasisOut]],
                       act_day: dt.date | None = None) -> ViolationDecision:
    """The Art. 9 decision from the evaluated tables (with ``violations.undetermined`` worked out when no item
    is found: ``Ruleset._settled``); ``act_day``: the day whose law the items' legal bases are, when not
    ``day`` (``at_act_time``)."""
    table = graph.table(TABLE)
    result = run.results[TABLE]
    merged: dict[int, dict[str, Any]] = {}
    for rule, outputs in result.fired():
        number = int(outputs["item"][1:])
        entry = merged.setdefault(number, {"citation": rule.citation, "basis": {}, "rules": [], "forms": [],
                                                "facts": {}, "lighter": False})
        entry["lighter"] |= act_day is not None and graph.lighter_since(rule.citation.basis, act_day)
        entry["rules"].append(rule.id)
        for name, _ in rule.tests:
            type_def = table.input_type(name)
            entry["facts"][name] = shown_value(run.values.get(name), type_def.kind, type_def.dimension)
        for b in basis(rule.citation):
            entry["basis"].setdefault(b.key, b)
        form = outputs.get("form")
        if form and form not in entry["forms"]:
            entry["forms"].append(form)
    items = []
    for number in sorted(merged):
        entry = merged[number]
        citation = cite(entry["citation"])
        forms = sorted(entry["forms"], key=list(FORMS).index)
        items.append(ViolationItem(
            item=number,
            code=CODES[number][0],
            name_zh=item_name_zh(citation.text_zh),
            name_en=CODES[number][1],
            forms=forms,
            forms_zh=[FORMS[f][0] for f in forms],
            citation=citation,
            legal_basis=list(entry["basis"].values()),
            rules=entry["rules"],
            matched_facts=entry["facts"],
            provision=provision if number == 8 else None,
            basis_as_of=day if entry["lighter"] else act_day or day,
        ))
    numbers = [i.item for i in items]
    precedence = [int(n) for n in graph.parameters[PRECEDENCE].at(day)]
    primary = next((n for n in precedence if n in numbers), None)
    status = "violation" if items else "undetermined" if run.values.get(UNDETERMINED) else "no_violation"
    time_rule = [] if act_day is None else \
        basis(Citation(TIME_RULE.article, TIME_RULE.paragraph, None, graph.basis_on(TIME_RULE.basis, day)))
    return ViolationDecision(status=status, status_zh=STATUS_ZH[status], items=items, item_numbers=numbers,
                             primary_item=primary, basis_as_of=act_day or day, time_rule=time_rule)


UNDETERMINED = "violations.undetermined"  # the fact (facts.py) the Art. 11 and Art. 14 tables read


def undetermined(missing: list[MissingFact]) -> bool:
    """For a run with no item: whether a missing fact alone could make one (a suspected act, Art. 11(三))."""
    return any("items" in a.changes for m in missing for a in m.alternatives)


def at_act_time(now: Run, then: Run, tables: tuple[ResolvedTable, ...], graph: RuleGraph,
                act_day: dt.date) -> TableResult | None:
    """行政处罚法（2021）第三十七条 for an act that ended before the law changed: ``then`` is the whole
    graph run on the facts as of ``act_day``. An outcome (item, and form for item 5) stands only if the
    law of the act's day made it a violation (no later rule reaches back) and today's still does (one no
    longer a violation is not punished — the new law is lighter). Each standing outcome is cited by the
    rules that decided it on the act's day, unless today's provision for it punishes less (sources.yaml
    ``lighter``): then by today's. Matched by outcome, not by rule id, so rules split or renamed between
    the two days are cited right. ``None`` when that is exactly ``now``'s result; ``tables``: ``now``'s period."""
    found, past = now.results[TABLE], then.results[TABLE]
    standing = {_outcome(o) for o in found.outputs} & {_outcome(o) for o in past.outputs}
    rules: list[Rule] = []
    outputs: list[Mapping[str, Any]] = []
    for outcome in dict.fromkeys(_outcome(o) for o in found.outputs if _outcome(o) in standing):
        today = [(r, o) for r, o in found.fired() if _outcome(o) == outcome]
        lighter = any(graph.lighter_since(r.citation.basis, act_day) for r, _ in today)
        chosen = today if lighter else [(r, o) for r, o in past.fired() if _outcome(o) == outcome]
        rules += [r for r, _ in chosen]
        outputs += [o for _, o in chosen]
    if tuple(rules) == found.rules:
        return None
    (resolved,) = [t for t in tables if t.table.id == TABLE]
    # selected and values (what downstream tables read) from today's rules deciding the standing outcomes
    kept = select(resolved, [i for i, o in zip(found.selected, found.outputs, strict=True)
                             if _outcome(o) in standing], now.values)
    return kept if kept.used_default else dataclasses.replace(kept, outputs=tuple(outputs), rules=tuple(rules))


def _outcome(outputs: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(outputs.items()))


SUMMARY_VALUE = f"{TABLE}.item"  # the one value ``summary`` reads


def summary(run: Run) -> dict[str, object]:
    """The Art. 9 outcome, for comparing alternatives of unknown facts."""
    found = run.values[SUMMARY_VALUE] or frozenset()
    return {"items": sorted(int(v[1:]) for v in found)}
