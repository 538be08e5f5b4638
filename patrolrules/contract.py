"""What the decision code reads from a ruleset beyond the rule-file format, checked when it is built.

The loader checks the format. The domain modules also read tables, outputs and parameters
by name and look their values up (a state's Chinese name, an item's number, a deadline's
days, the holiday calendar). A ruleset whose tables or parameters break that raises
``RulesetError`` at load, with file, line and the fix — never ``KeyError`` or ``ValueError``
while deciding. A ruleset may leave tables out (one article, for a test); a decision that
needs them then raises ``RulesetError`` naming them (``absent``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from . import units
from .assessment import INDICATORS
from .deadlines import UNSEEDED_POLICIES
from .disposal import ACTION_NAMES, CHECK_NAMES, FOUND, NOTICE_NAMES
from .engine.tables import OutputValue, Parameter, RuleGraph, Table
from .errors import RuleProblem
from .escalation import CALENDAR_DEADLINES, NAMES_ZH
from .labels import VALUE_LABELS_ZH
from .observation import EARLIEST, LATEST
from .records import WEEKDAYS
from .violations import FORMS, PRECEDENCE
from .zones import TIER_ZH


@dataclass(frozen=True)
class Reads:
    """What the code reads from the rules of one table (``"*"``: of every table of the graph)."""

    table: str
    outputs: tuple[str, ...] = ()  # read as outputs[name]: every rule sets them (see when / unless)
    known: Mapping[str, Collection[str]] = field(default_factory=dict)  # output → the values the code can name
    default: tuple[str, ...] = ()  # read even when no rule applies: the table's default sets them
    names: Mapping[str, str] = field(default_factory=dict)  # text output → "parameters" or "deadline" it names
    when: str | None = None  # only the rules that set this output
    unless: str | None = None  # only the rules that do not set this output


_ITEMS = tuple(f"i{n}" for n in range(1, 9))
_FILING = ("file", "may_not_file", "not_filed", "undetermined")  # FilingOut.decision

# None: the observation's graph (every table must be there for a decision); else a record context.
READS: dict[str | None, tuple[Reads, ...]] = {
    None: (
        Reads("zone_kinds", ("tier",), {"tier": TIER_ZH, "zone": VALUE_LABELS_ZH}, default=("tier",)),
        Reads("patrol_expectation", known={"patrol_modes": VALUE_LABELS_ZH}),
        Reads("violations", ("item",), {"item": _ITEMS, "form": FORMS}),
        Reads("finding", ("finding",), {"finding": FOUND}),
        Reads("verification_checklist", ("check",), {"check": CHECK_NAMES}),
        Reads("disposal_actions", ("action",), {"action": ACTION_NAMES}),
        Reads("stop_notice", ("notice",), {"notice": NOTICE_NAMES}),
        Reads("case_transitions", ("next_state",), {"next_state": NAMES_ZH}),
        # a line is the parameters it reaches, or none where the circumstance itself is the line
        Reads("crime_transfer", ("crime",), {"crime": NAMES_ZH}, names={"line": "parameters"}),
        Reads("filing_conditions"),
        Reads("filing_decision", known={"decision": _FILING}, default=("decision",)),
        Reads("escalation_recipients", ("recipient", "role", "mandatory", "reason", "request", "request_source"),
              {"recipient": NAMES_ZH}),
        Reads("case_obligations", ("duty", "actor"), {"duty": NAMES_ZH}, names={"deadline": "deadline"}),
        Reads("special_report"),
        Reads("reports_owed", ("report", "sender", "recipients", "deadline"), {"report": NAMES_ZH},
              names={"deadline": "deadline"}),
    ),
    "ledger": (Reads("*", ("path", "message"), when="code"),),
    "team": (Reads("*", ("path", "message"), when="code"),),
    "plan": (Reads("*", ("duty_zh", "owed_to"), when="duty"), Reads("*", ("code", "path", "message"), unless="duty")),
    "assessment": (Reads("assessment_indicators", ("indicator", "name_zh", "measure", "weight"),
                         {"indicator": INDICATORS}),
                   Reads("assessment_grade", ("grade", "grade_zh")),
                   Reads("assessment_consequences", ("consequence", "name_zh", "addressee", "by"))),
    "accountability": (Reads("*", ("flag", "name_zh")),),
}


# ---- parameters the code reads: (test of one dated value, what it must be) ----------------------------

def _whole(low: int, high: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, Fraction) and v.denominator == 1 and low <= v <= high


def _integer(low: int, high: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high


def _positive(value: Any) -> bool:
    return isinstance(value, Fraction) and value > 0


def _iso_date(value: Any) -> bool:
    try:
        return EARLIEST <= dt.date.fromisoformat(str(value)) <= LATEST
    except ValueError:
        return False


def _each(test: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, tuple) and all(test(x) for x in v)


_YEARS = f"{EARLIEST.year}–{LATEST.year}"
PARAMETERS: dict[str, tuple[Callable[[Any], bool], str]] = {
    PRECEDENCE: (lambda v: _each(_integer(1, 8))(v) and sorted(v) == list(range(1, 9)),
                 "the Art. 9 item numbers 1–8, each once (an item left out would never be primary)"),
    "calendar_years": (_each(_integer(EARLIEST.year, LATEST.year)), f"a list of years {_YEARS}"),
    "calendar_holidays": (_each(_iso_date), f"a list of dates YYYY-MM-DD in {_YEARS}"),
    "calendar_workdays": (_each(_iso_date), f"a list of dates YYYY-MM-DD in {_YEARS}"),
    "weekly_report_weekday": (lambda v: v in WEEKDAYS, f"one of {', '.join(WEEKDAYS)}"),
    "calendar_unseeded_years": (lambda v: v in UNSEEDED_POLICIES, f"one of {', '.join(UNSEEDED_POLICIES)}"),
    "periodic_quarter_due_day": (_whole(1, 31), "a day of the month 1–31"),
    "periodic_annual_due_day": (_whole(1, 31), "a day of the month 1–31"),
    "limitation_years": (_whole(0, 100), "a whole number of years 0–100"),
    "limitation_years_safety": (_whole(0, 100), "a whole number of years 0–100"),
    "crime342_forest_public_area": (_positive, "an area above 0 (forest areas are divided by it)"),
    "crime342_forest_commercial_area": (_positive, "an area above 0 (forest areas are divided by it)"),
    "weight_total": (_positive, "a number above 0 (scores are divided by it)"),
    "appraisal_share": (lambda v: isinstance(v, Fraction) and 0 <= v <= 1, "a share from 0 to 1"),
    **{f"grade_{g}": (lambda v: isinstance(v, Fraction) and 0 < v <= 100, "a final score above 0 and at most 100")
       for g in ("pass", "good", "excellent")},
}
# Parameters whose values must rise in this order on every day (Art. 23's grade lines: a higher grade
# needs a higher score).
ASCENDING = (("grade_pass", "grade_good", "grade_excellent"),)
# Periods: up to ten years, whole days; with input dates up to 2999 no deadline overflows.
_MAX_PERIOD = {"duration": Fraction(3660 * 24), "working_time": Fraction(3660)}  # in hours, in working days
_WHOLE_UNITS = ("day", "working_day")


def _period_problem(param: Parameter, value: Any) -> str | None:
    canonical = units.canonical_magnitude(units.ureg.Quantity(value, units.parse_unit(param.unit or "")),
                                          param.dimension or "")
    if not 0 <= canonical <= _MAX_PERIOD[param.dimension or ""]:
        return "a period from 0 to 3660 days"
    if str(units.parse_unit(param.unit or "")) in _WHOLE_UNITS and value.denominator != 1:
        return f"a whole number of {param.unit}s"
    return None


def _parameter_problems(parameters: Mapping[str, Parameter]) -> Iterator[RuleProblem]:
    for name, param in parameters.items():
        for dated in param.values:
            expected = None
            if name in PARAMETERS and not PARAMETERS[name][0](dated.value):
                expected = PARAMETERS[name][1]
            elif param.dimension in _MAX_PERIOD:
                expected = _period_problem(param, dated.value)
            elif isinstance(dated.value, Fraction) and dated.value < 0:  # counts, rates, weights, scores
                expected = "a number not below 0"
            if expected:
                yield RuleProblem(param.position.file, param.position.line,
                                  f"parameter {name!r} (from {dated.start}): {_shown(dated.value)} is not {expected}",
                                  fix=f"give it {expected}")
    yield from _calendar_problems(parameters)
    yield from _ascending_problems(parameters)


def _ascending_problems(parameters: Mapping[str, Parameter]) -> Iterator[RuleProblem]:
    """Each group of ``ASCENDING`` rises on every day one of them changes."""
    for names in ASCENDING:
        if not all(n in parameters for n in names):
            continue
        for day in sorted({d.start for n in names for d in parameters[n].values}):
            values = [parameters[n].at(day) for n in names]
            if None not in values and any(low >= high for low, high in itertools.pairwise(values)):
                first = parameters[names[0]]
                shown = ", ".join(f"{n} {_shown(v)}" for n, v in zip(names, values, strict=True))
                yield RuleProblem(first.position.file, first.position.line,
                                  f"parameters {', '.join(names)} (from {day}) do not rise: {shown}",
                                  fix=f"give {' < '.join(names)}")


def _calendar_problems(parameters: Mapping[str, Parameter]) -> Iterator[RuleProblem]:
    """A holiday or make-up workday counts only in a year of ``calendar_years`` (deadlines.py): one outside
    them would be silently ignored, and a day cannot be both."""
    names = ("calendar_years", "calendar_holidays", "calendar_workdays")
    if not all(n in parameters for n in names):
        return
    for day in sorted({d.start for n in names for d in parameters[n].values}):
        years = {y for y in parameters["calendar_years"].at(day) or () if _integer(EARLIEST.year, LATEST.year)(y)}
        holidays, workdays = (set(parameters[n].at(day) or ()) for n in names[1:])
        outside = sorted(str(d) for d in holidays | workdays if _iso_date(d) and int(str(d)[:4]) not in years)
        both = sorted(str(d) for d in holidays & workdays)
        found = [(f"calendar_holidays/calendar_workdays (from {day}): {', '.join(outside)} not in a year of "
                  "calendar_years, so never counted", "add their years to calendar_years")] if outside else []
        found += [(f"calendar_holidays and calendar_workdays (from {day}) both list {', '.join(both)}",
                   "list each day as a holiday or as a workday")] if both else []
        for message, fix in found:
            param = parameters["calendar_holidays"]
            yield RuleProblem(param.position.file, param.position.line, message, fix=fix)


def _shown(value: Any) -> str:
    if isinstance(value, Fraction):
        return str(value)
    return repr(list(value) if isinstance(value, tuple) else value)


# ---- tables ------------------------------------------------------------------------------------------

def _values(value: OutputValue, parameters: Mapping[str, Parameter]) -> Iterator[Any]:
    """Every value an output cell can take (each member of a list)."""
    raw = [d.value for d in parameters[value.param].values] if value.param else [value.literal]
    for item in raw:
        yield from item if isinstance(item, (list, tuple)) else (item,)


def _names_problem(kind: str, text: Any, parameters: Mapping[str, Parameter]) -> str | None:
    names = str(text).split("+") if kind == "parameters" else [str(text)]
    unknown = [n for n in names if n not in parameters]
    if unknown:
        return f"names no parameter of the ruleset: {', '.join(unknown)}"
    if kind == "deadline" and names[0] not in CALENDAR_DEADLINES and parameters[names[0]].dimension not in _MAX_PERIOD:
        return f"parameter {names[0]!r} is not a period (hour, day or working_day)"
    return None


def _table_problems(table: Table, reads: Reads, parameters: Mapping[str, Parameter]) -> Iterator[RuleProblem]:
    file, line = table.position.file, table.position.line
    declared = dict(table.outputs)
    defaults = dict(table.default or ())
    cells: list[tuple[str | None, int | None, dict[str, OutputValue]]] = [
        (rule.id, rule.position.line, dict(rule.outputs)) for rule in table.rules]
    conditional = reads.when is not None or reads.unless is not None  # then only some rules are read
    for name in (*reads.outputs, *reads.default):
        if name not in declared and not conditional:
            yield RuleProblem(file, line, f"table {table.id!r} has no output {name!r}, which the decision code reads",
                              fix=f"declare the output {name!r} and set it in every rule")
    for name in reads.default:
        if name in declared and name not in defaults:
            yield RuleProblem(file, line, f"table {table.id!r} needs a default for {name!r}: it is read when no rule "
                              "applies", fix=f"add default: {{{name}: …}}")
    for rule_id, rule_line, outputs in cells:
        if (reads.when and reads.when not in outputs) or (reads.unless and reads.unless in outputs):
            continue
        missing = [n for n in reads.outputs if n not in outputs and (n in declared or conditional)]
        if missing:
            yield RuleProblem(file, rule_line, f"the rule sets no {', '.join(missing)}, which the decision code reads",
                              rule_id, f"add {', '.join(missing)} to its then")
    for rule_id, rule_line, outputs in [*cells, (None, line, defaults)]:
        for name, cell in outputs.items():
            known = reads.known.get(name)
            unknown = sorted({repr(v) for v in _values(cell, parameters) if v not in known}) if known else []
            if known and unknown:
                yield RuleProblem(file, rule_line, f"output {name!r}: {', '.join(unknown)} is not a value the "
                                  "decision code can name", rule_id, f"use one of {', '.join(known)}")
            if name in reads.names and cell.literal is not None:
                problem = _names_problem(reads.names[name], cell.literal, parameters)
                if problem:
                    yield RuleProblem(file, rule_line, f"output {name!r}: {problem}", rule_id,
                                      "name a parameter of the ruleset's parameter files")


def problems(graph: RuleGraph, contexts: Mapping[str, RuleGraph]) -> list[RuleProblem]:
    """Every way the tables present and the parameters break what the decision code reads."""
    found = list(_parameter_problems(graph.parameters))
    for context, reads in READS.items():
        target = graph if context is None else contexts.get(context)
        if target is None:
            continue
        for spec in reads:
            for table in target.tables:
                if spec.table in ("*", table.id):
                    found.extend(_table_problems(table, spec, graph.parameters))
    return found


def absent(graph: RuleGraph) -> list[RuleProblem]:
    """The tables and parameters a decision reads that this ruleset leaves out."""
    present = {t.id for t in graph.tables}
    found = [RuleProblem("ruleset.yaml", None, f"the ruleset has no table {r.table!r}, which every decision reads",
                         fix="list the article file that defines it under articles: in ruleset.yaml")
             for r in READS[None] if r.table not in present]
    if PRECEDENCE not in graph.parameters:
        found.append(RuleProblem("ruleset.yaml", None, f"the ruleset has no parameter {PRECEDENCE!r}, which every "
                                 "decision reads", fix="list its parameter file under parameters: in ruleset.yaml"))
    return found
