"""Arts. 14–15 (with 6, 13, 21): case lifecycle, escalation, filing, transfer, reports.

The rules are the tables of ``art14_escalation.yaml`` and ``art15_reports.yaml``;
this module holds the registered pure functions they need (the limitation period,
the pro-rata forest ratio, deadlines in working days) and turns table results into
``EscalationOut`` (per observation) and ``CaseDecision`` (per case).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from . import units, violations
from .case import Case, CaseEvent, CaseEventKind, CaseState
from .deadlines import Due, HolidayCalendar, due, provisional_reason
from .decision import (
    CitationOut,
    ConditionOut,
    CrimeLineOut,
    EscalationOut,
    FilingOut,
    Fired,
    LimitationOut,
    ProvisionalOut,
    RecipientOut,
    ReportOut,
    RulesetStamp,
    TransferOut,
    _Out,
)
from .disposal import FINDING, FOUND
from .engine import compiled, unknowns
from .engine.compiled import Run, TableResult
from .engine.tables import Citation, MemberTest, Rule, RuleGraph
from .errors import InputError, Problem, RuleProblem, RulesetError, parse_input
from .facts import FACTS, counted_area
from .observation import LandClass, Observation

if TYPE_CHECKING:
    from .ruleset import Ruleset, _Period

TRANSITIONS = "case_transitions"
TRANSFER = "crime_transfer"
CONDITIONS = "filing_conditions"
FILING = "filing_decision"
RECIPIENTS = "escalation_recipients"
OBLIGATIONS = "case_obligations"
SPECIAL = "special_report"
REPORTS = "reports_owed"
OBSERVATION_REPORTS = ("zero_report", "special_report")  # the rest are per period, not per observation
PATROL_EVENTS = (CaseEventKind.discovered, CaseEventKind.reinspection_stopped, CaseEventKind.reinspection_ongoing,
                 CaseEventKind.reinspection_rectified)

NAMES_ZH = {  # GLOSSARY.md
    "district_bureau": "区规划和自然资源局", "district_government": "区政府",
    "municipal_bureau": "重庆市规划和自然资源局", "township_government": "镇乡人民政府或街道办事处",
    "dev_reform": "发展改革", "construction": "建设", "environment": "环保", "municipal_utilities": "市政",
    "power_supply": "电力", "finance": "金融", "market_regulation": "市场监督", "emergency_management": "应急管理",
    "public_security": "公安", "the_public": "社会",
    "identifiable_party": "有明确的违法行为人", "violation_facts": "有违反规划和自然资源管理法律法规的事实",
    "liability": "依法应当追究法律责任", "jurisdiction": "属于本部门管辖", "within_limitation": "未超过追诉时效",
    "crime_342": "非法占用农用地罪（刑法第三百四十二条）", "crime_343_1": "非法采矿罪（刑法第三百四十三条第一款）",
    "zero_report": "零报告", "special_report": "专项报告", "periodic_quarterly": "定期报告（季度）",
    "periodic_annual": "定期报告（年度）", "weekly_report": "每周报告巡查工作开展情况",
    "oral_stop": "口头制止", "serve_written_notice": "书面制止：依法及时下达通知书",
    "suspend_approvals": "通知相关科室停止办理相关审批手续",
    "reinspect": "跟踪检查整改情况", "report_to_bureau": "向区规划和自然资源局报告",
    "written_report": "书面报告区政府和重庆市规划和自然资源局", "letter_to_township": "函告镇乡人民政府或街道办事处",
    "file_case": "立案查处", "decide_transfer": "作出是否移送的决定", "hand_over_to_police": "向同级公安机关移送",
    "coordinate_police": "协调区公安局处置", "new": "未立档", "discovered": "已发现", "oral_stopped": "已口头制止",
    "notice_served": "已书面制止", "halted": "已停止", "rectified": "已整改", "escalated": "书面制止无效已上报",
    "filed": "已立案", "transferred": "已移送", "closed": "已结案",
}
_CONDITIONS = ("identifiable_party", "violation_facts", "liability", "jurisdiction", "within_limitation")


# ---- registered pure functions (parameters stay in the ruleset) ------------


def _param(graph: RuleGraph, name: str, day: dt.date) -> Any:
    if name not in graph.parameters:
        raise RulesetError([RuleProblem("ruleset", None, f"parameter {name!r} is missing",
                                        fix="add it to parameters/art14_15.yaml")])
    value = graph.parameters[name].at(day)
    if value is None:
        raise RulesetError([RuleProblem(str(graph.parameters[name].position), None,
                                        f"parameter {name!r} has no value in force on {day}")])
    return value


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _continuing(observation: Observation) -> bool:
    """The act goes on: the land is not restored, or the building is still under construction with
    no end date given ([1997]法行字第6号: illegal occupation continues until the land is restored)."""
    return observation.land.restored is False or (
        observation.act_ended_on is None and observation.activity.stage is not None
        and observation.activity.stage.value == "under_construction")


def act_day(ruleset: Ruleset, observation: Observation, day: dt.date, table: str,
            upstream: bool = False) -> dt.date | None:
    """The day whose law ``table`` applies instead of ``day``'s: an act that ended before ``table``'s
    rules, thresholds or cited law changed (with ``upstream``: or those of a table it reads from) and
    is decided after it (the criminal lines: 高检发释字〔2001〕5号 三; the items: 行政处罚法 第三十七条).
    A continuing act, or one whose end is unknown, is decided as of ``day``. An act that ended before
    the ruleset took effect is taken as of that date, the earliest the ruleset knows."""
    ended = observation.act_ended_on
    if ended is None or ended >= day or _continuing(observation):
        return None
    at = max(ended, ruleset.effective)
    return at if ruleset.law_differs(table, at, day, upstream=upstream) else None


def act_time_transfer(ruleset: Ruleset, observation: Observation, at: dt.date, engine: str,
                      run: Run) -> TableResult | None:
    """高检发释字〔2001〕5号 三: the criminal lines in force when the act was done (``at``, from
    ``act_day``), unless the later ones favour the suspect — a crime is suspected only if both periods'
    lines reach it, with the act-time lines. ``None`` when that is what ``run`` already decided."""
    period = ruleset._period(at, engine)
    position = period.positions[TRANSFER]
    values = {**run.values, **supplied_facts(observation, ruleset.graph, at)}  # e.g. the forest ratio then
    then = compiled.select(period.tables[position], period.matcher.match(position, values), values)
    now = run.values[f"{TRANSFER}.crime"] or frozenset()
    kept = [i for i, outputs in zip(then.selected, then.outputs, strict=True) if outputs["crime"] in now]
    result = compiled.select(period.tables[position], kept, values)
    return None if result == run.results[TRANSFER] else result


def limitation(observation: Observation, graph: RuleGraph, discovered_on: dt.date) -> LimitationOut:
    """行政处罚法 第36条: discovered within 2 (5) years of the act, a continuing act from its end.

    Illegal occupation continues until the land is restored ([1997]法行字第6号).
    """
    ended = observation.act_ended_on
    harmed = observation.circumstances.harms_life_health_or_property_safety
    if _continuing(observation):
        return LimitationOut(continuing=True, years=None, runs_from=None, expires_on=None,
                             discovered_on=discovered_on, within=True)
    if ended is None:
        return LimitationOut(continuing=None, years=None, runs_from=None, expires_on=None,
                             discovered_on=discovered_on, within=None)
    short = int(_param(graph, "limitation_years", discovered_on))
    long = int(_param(graph, "limitation_years_safety", discovered_on))
    years = long if harmed else short
    expires = _add_years(ended, years)
    within: bool | None = discovered_on <= expires
    if not within and harmed is None and discovered_on <= _add_years(ended, long):
        within = None  # the longer period would apply if safety was harmed
    return LimitationOut(continuing=False, years=years, runs_from=ended, expires_on=expires,
                         discovered_on=discovered_on, within=within)


def forest_line_ratio(observation: Observation, graph: RuleGraph, day: dt.date) -> float | None:
    """法释〔2023〕8号 第1条(三): public-welfare and commercial forest as shares of their lines, summed."""
    total = Fraction(0)
    for land_class, line_name in ((LandClass.forest_public_welfare, "crime342_forest_public_area"),
                                  (LandClass.forest_commercial, "crime342_forest_commercial_area")):
        counted = counted_area(observation, (land_class,))  # with the past year's unprocessed acts
        if counted is None:
            return None
        total += counted / _area_line(_param(graph, line_name, day), graph.parameters[line_name].unit)
    return float(total)


@functools.lru_cache(maxsize=64)
def _area_line(value: Any, unit: str | None) -> Fraction:
    """A line's area in the canonical unit, exactly (once per parameter value: pint is slow per call)."""
    return units.canonical_magnitude(units.ureg.Quantity(Fraction(value), units.parse_unit(unit or "mu")), "area")


def letter_to_township_mandatory(graph: RuleGraph, day: dt.date) -> bool | None:
    """Art. 14 ¶1 "同时，函告": whether the letter to the township is a duty (a parameter; unknown if absent)."""
    param = graph.parameters.get("letter_to_township_mandatory")
    value = None if param is None else param.at(day)
    return None if value is None else bool(value)


def supplied_facts(observation: Observation, graph: RuleGraph, day: dt.date) -> dict[str, Any]:
    """Facts the tables read that need the ruleset's parameters."""
    return {
        "limitation.within": limitation(observation, graph, day).within,
        "quantities.forest_line_ratio": forest_line_ratio(observation, graph, day),
        "escalation.letter_to_township_mandatory": letter_to_township_mandatory(graph, day),
    }


def calendar_of(graph: RuleGraph, day: dt.date) -> HolidayCalendar:
    """The working-day calendar of ``parameters/calendar.yaml`` in force on ``day``."""
    policy = _param(graph, "calendar_unseeded_years", day)  # one of UNSEEDED_POLICIES (contract.PARAMETERS)
    try:
        return _calendar(_param(graph, "calendar_years", day), _param(graph, "calendar_holidays", day),
                         _param(graph, "calendar_workdays", day), policy)
    except (TypeError, ValueError) as exc:
        param = graph.parameters["calendar_years"]
        raise RulesetError([RuleProblem(param.position.file, None, f"calendar parameters: {exc}",
                                        fix="years as integers, days as YYYY-MM-DD")]) from None


_calendar = functools.lru_cache(maxsize=16)(HolidayCalendar.from_parameters)


@functools.lru_cache(maxsize=16)
def _provisional(years: tuple[int, ...]) -> ProvisionalOut | None:
    if not years:
        return None
    return ProvisionalOut(years=list(years), reason_zh=provisional_reason(years, "zh"),
                          reason_en=provisional_reason(years, "en"))


# Deadlines named by a parameter without a unit: a day of the month, or a weekday (``deadline_of``).
CALENDAR_DEADLINES = ("periodic_quarter_due_day", "periodic_annual_due_day", "weekly_report_weekday")


def deadline_of(graph: RuleGraph, name: str, anchor: dt.datetime, day: dt.date,
                path: str = "deadline") -> tuple[Due, str]:
    """When the period named by parameter ``name`` from ``anchor`` ends, and its text."""
    value = _param(graph, name, day)
    param = graph.parameters[name]
    unit = _unit_name(param.unit) if param.unit else None
    text = f"{name} = {_number(value)}{' ' + unit if unit else ''}"
    calendar = calendar_of(graph, day)
    if unit is not None:
        return due(anchor, Fraction(value), unit, calendar, path), text
    local = anchor.date()
    if name == "periodic_quarter_due_day":  # first month of the next quarter
        month = (local.month - 1) // 3 * 3 + 4
        year = local.year + (month > 12)
        last = dt.date(year, (month - 1) % 12 + 1, int(value))
    elif name == "periodic_annual_due_day":
        last = dt.date(local.year + 1, 1, int(value))
    elif name == "weekly_report_weekday":  # in the week after the anchor's week (shared with records)
        from .records import WEEKDAYS

        last = local + dt.timedelta(days=7 - local.weekday() + WEEKDAYS.index(str(value)))
    else:
        raise RulesetError([RuleProblem(str(param.position), None, f"parameter {name!r} is not a deadline",
                                        fix="give it a unit: hour, day or working_day")])
    return Due(dt.datetime.combine(last, dt.time(23, 59, 59), tzinfo=anchor.tzinfo)), text


@functools.lru_cache(maxsize=64)
def _unit_name(text: str) -> str:
    """pint's name of a unit ("working_day"); formatting a pint unit is slow, so once per spelling."""
    return str(units.parse_unit(text))


def _number(value: Any) -> str:
    if isinstance(value, Fraction):
        return str(int(value)) if value.denominator == 1 else str(float(value))
    return str(value)


# ---- the observation-level section ------------------------------------------


def _violation_found(run: Run) -> bool | None:
    # Art. 11 finding (from the Art. 9 items, or those a case record pins): unknown for a suspected act
    return FOUND.get(run.values[f"{FINDING}.finding"])


def _recipients(ruleset: Ruleset, run: Run) -> list[RecipientOut]:
    result = run.results[RECIPIENTS]
    out = []
    for rule, outputs in zip(result.rules, result.outputs, strict=True):
        out.append(RecipientOut(
            recipient=outputs["recipient"], name_zh=NAMES_ZH[outputs["recipient"]], role=outputs["role"],
            mandatory=bool(outputs["mandatory"]), reason=outputs["reason"], request=outputs["request"],
            request_source=outputs["request_source"], rule=rule.id,
            citation=ruleset.cite(rule.citation), basis=ruleset.basis(rule.citation)))
    return out


def _filing(ruleset: Ruleset, run: Run, limit: LimitationOut) -> FilingOut:
    met = run.values[f"{CONDITIONS}.met"] or frozenset()
    failed = run.values[f"{CONDITIONS}.failed"] or frozenset()
    conditions = [ConditionOut(condition=c, name_zh=NAMES_ZH[c],
                               status="failed" if c in failed else "met" if c in met else "unknown")
                  for c in _CONDITIONS]
    citations = {}
    for table in (CONDITIONS, FILING):
        for rule in run.results[table].rules:
            cited = ruleset.cite(rule.citation)
            citations[cited.ref_en] = cited
    return FilingOut(decision=run.values[f"{FILING}.decision"], conditions=conditions, limitation=limit,
                     citations=list(citations.values()))


# 高检发释字〔2001〕5号 三, cited when a decision takes the criminal lines of the act's date.
TIME_RULE = Citation(14, 2, None, ("TE2001",))


def _transfer(ruleset: Ruleset, observation: Observation, run: Run, day: dt.date,
              fixed: Collection[str] = (), procedure: str | None = None) -> TransferOut:
    """Art. 14 ¶2 涉嫌构成犯罪的: the criminal lines reached, or what one still waits on. ``fixed``: values a
    case record settles (its items), which no recording of facts changes; ``procedure``: a case's
    ``case.transfer_step``."""
    result = run.results[TRANSFER]
    graph = ruleset.graph
    at = run.act_days.get(TRANSFER)
    lines_day = at or day
    lines = []
    for rule, outputs in zip(result.rules, result.outputs, strict=True):
        names = str(outputs["line"]).split("+") if outputs.get("line") else []  # a line may be no amount
        thresholds = []
        for name in names:
            param = graph.parameters[name]
            thresholds.append(f"{_number(_param(graph, name, lines_day))}{' ' + param.unit if param.unit else ''}")
        lines.append(CrimeLineOut(
            crime=outputs["crime"], name_zh=NAMES_ZH[outputs["crime"]], rule=rule.id,
            parameters=names, thresholds=thresholds,
            references=[f"{graph.parameters[n].source}: {graph.parameters[n].reference}" for n in names],
            citation=ruleset.cite(rule.citation), basis=ruleset.basis(rule.citation)))
    crimes = sorted(run.values[f"{TRANSFER}.crime"] or ())
    waiting = [] if crimes else _waiting_for_lines(ruleset, observation, run, day, fixed)
    return TransferOut(suspected=True if crimes else None if waiting else False, undetermined_by=waiting,
                       crimes=crimes, lines=lines, lines_as_of=lines_day,
                       time_rule=[] if at is None else ruleset.basis(TIME_RULE), procedure=procedure)


def _waiting_for_lines(ruleset: Ruleset, observation: Observation, run: Run, day: dt.date,
                       fixed: Collection[str]) -> list[str]:
    """Art. 14 ¶2 涉嫌构成犯罪的, for a run that reaches no line: what a line still waits on, as the inputs to
    record — empty when no line can be reached whatever the unknown facts turn out to be. A crime whose
    act-time lines apply (高检发释字〔2001〕5号 三) needs both days' lines: it is out of reach when
    either day's are, and waits on what either day's wait on."""
    per_day = [_reachable(ruleset, on, values, fixed) for on, values in _lines_days(ruleset, observation, run, day)]
    waiting: set[str] = set()
    for crime in set.intersection(*(set(reach) for reach in per_day)):
        for reach in per_day:
            waiting.update(reach[crime])
    if len(per_day) > 1 and observation.land.restored is None and per_day[0]:
        # unrecorded restoration: the occupation may go on ([1997]法行字第6号), and then today's lines alone apply
        waiting.update({"land.restored"}, *per_day[0].values())
    return sorted(waiting)


def _lines_days(ruleset: Ruleset, observation: Observation, run: Run,
                day: dt.date) -> list[tuple[dt.date, Mapping[str, Any]]]:
    """The days whose criminal lines judge the act, with the values to read them on: ``day``, and the act's own
    date where its lines apply (高检发释字〔2001〕5号 三), with the facts that need that day's parameters."""
    at = run.act_days.get(TRANSFER)
    return [(day, run.values)] if at is None else [
        (day, run.values), (at, {**run.values, **supplied_facts(observation, ruleset.graph, at)})]


def _reachable(ruleset: Ruleset, day: dt.date, values: Mapping[str, Any],
               fixed: Collection[str]) -> dict[str, set[str]]:
    """Each crime whose lines in force on ``day`` a recording of unknown facts could reach, with those facts
    (``unknowns.Reach``, three-valued: the Art. 9 items the lines need may wait on several facts at once)."""
    period = ruleset._period(day, "native")
    reach = unknowns.Reach(period.tables, period.predicates, period.positions, values, FACTS, fixed)
    rules = period.tables[period.positions[TRANSFER]].rules
    found: dict[str, set[str]] = {}
    for number, waits in reach.rules(period.positions[TRANSFER]):
        found.setdefault(str(rules[number].outputs["crime"]), set()).update(_RECORDED_AS.get(n, n) for n in waits)
    return found


# Facts of the party or the circumstances, not of the act itself (crime_but_for_the_items)
_NOT_THE_ACT = ("party.", "circumstances.")


def crime_but_for_the_items(ruleset: Ruleset, observation: Observation, run: Run, day: dt.date) -> bool:
    """Art. 11(三) with Art. 14 ¶2, for a run with no Art. 9 item, as of ``day``: the recorded facts of the act
    meet every other test of a criminal line, and some recording of the unknown facts would bring an item it
    needs — the act would be a suspected crime once shown to be a violation, so it is a suspected act. A
    line whose other tests read only the party's record or circumstances (two earlier mining penalties,
    serious ecological damage) describes no act (第八条规定的行为), so it does not count. For an act judged by
    its own date's lines too (高检发释字〔2001〕5号 三), on both dates' lines."""
    return all(_crime_but_for_the_items(ruleset, on, values) for on, values in _lines_days(ruleset, observation, run,
                                                                                             day))


def _crime_but_for_the_items(ruleset: Ruleset, day: dt.date, values: Mapping[str, Any]) -> bool:
    period = ruleset._period(day, "native")
    reach: unknowns.Reach | None = None
    for checks in period.predicates[period.positions[TRANSFER]]:
        items = [holds for name, holds in checks if name == violations.SUMMARY_VALUE]
        others = [(name, holds) for name, holds in checks if name != violations.SUMMARY_VALUE]
        if items and any(not name.startswith(_NOT_THE_ACT) for name, _ in others) \
                and all(holds(values.get(name)) for name, holds in others):
            reach = reach or unknowns.Reach(period.tables, period.predicates, period.positions, values, FACTS)
            if all(reach.derived(violations.SUMMARY_VALUE, holds) is not None for holds in items):
                return True
    return False


# The input field to record for a derived fact the criminal lines read (facts.py): what the user can give.
_RECORDED_AS = {**{name: "quantities.area" for name in FACTS if name.startswith("crime.area.")},
                "quantities.forest_line_ratio": "quantities.area", "crime.ore_value": "quantities.ore_value"}


def _reports(ruleset: Ruleset, run: Run, anchor: dt.datetime, day: dt.date, kinds: Sequence[str] | None,
             zero_anchors: Sequence[dt.datetime] | None = None,
             special: Sequence[tuple[dt.datetime, str]] | None = None) -> list[ReportOut]:
    """The reports owed, each due from ``anchor`` — the zero report from each of ``zero_anchors``, the special
    report by the earliest due of its criteria (``special``: when each arose, and its deadline)."""
    result = run.results[REPORTS]
    criteria = sorted(run.values[f"{SPECIAL}.criterion"] or ())
    graph = ruleset.graph
    out = []
    for rule, outputs in zip(result.rules, result.outputs, strict=True):
        kind = outputs["report"]
        if kinds is not None and kind not in kinds:
            continue
        path = f"reports.{kind}"
        if kind == "zero_report" and zero_anchors is not None:
            dues = [deadline_of(graph, outputs["deadline"], at, day, path) for at in zero_anchors]
        elif kind == SPECIAL and special:
            dues = [min((deadline_of(graph, name, at, day, path) for at, name in special), key=lambda d: d[0].at)]
        else:
            dues = [deadline_of(graph, outputs["deadline"], anchor, day, path)]
        cited = ruleset.cite(rule.citation)
        for due_at, text in dues:
            out.append(ReportOut(type=kind, type_zh=NAMES_ZH[kind], sender=outputs["sender"],
                                 recipients=list(outputs["recipients"]), due=due_at.at, deadline=text,
                                 due_provisional=_provisional(due_at.provisional_years),
                                 criteria=criteria if kind == SPECIAL else [], citation=cited))
    return out


def section(ruleset: Ruleset, observation: Observation, run: Run) -> EscalationOut:
    """The Arts. 14–15 part of one observation's decision (computed in ``Ruleset.evaluate``)."""
    day = observation.observed_at.date()
    return EscalationOut(
        violation_found=_violation_found(run),
        escalation_applies=bool(run.results[RECIPIENTS].selected),
        recipients=_recipients(ruleset, run),
        filing=_filing(ruleset, run, limitation(observation, ruleset.graph, day)),
        transfer=_transfer(ruleset, observation, run, day),
        reports=_reports(ruleset, run, observation.observed_at, day, OBSERVATION_REPORTS),
    )


# ---- the case lifecycle ------------------------------------------------------


class TransitionOut(_Out):
    """One applied event: the state before and after, and the rule that allowed it."""

    index: int
    event: str
    at: dt.datetime
    from_state: str
    to_state: str
    rule: str
    citation: CitationOut


class ObligationOut(_Out):
    """Who must do what by when, under which article."""

    duty: str
    duty_zh: str
    actor: str
    due: dt.datetime | None
    deadline: str | None
    due_provisional: ProvisionalOut | None = None  # set when ``due`` counted a provisional year
    citation: CitationOut


class CaseDecision(_Out):
    """A case evaluated: its state, what is owed next, who is told, filing, transfer, reports."""

    ruleset: RulesetStamp
    case_id: str
    as_of: dt.date
    state: str
    state_zh: str
    history: list[TransitionOut]
    obligations: list[ObligationOut]
    recipients: list[RecipientOut]
    filing: FilingOut
    transfer: TransferOut
    reports: list[ReportOut]
    trace: list[Fired]


Lifecycle = Mapping[tuple[str, str], tuple[str, int]]  # (state, event) → (next state, rule index)


@functools.lru_cache(maxsize=16)
def lifecycle_table(ruleset: Ruleset) -> Lifecycle:
    """The ``case_transitions`` table as a lookup; every row must name states and events."""
    table = ruleset.graph.table(TRANSITIONS)
    lookup: dict[tuple[str, str], tuple[str, int]] = {}
    for index, rule in enumerate(table.rules):
        if rule.start is not None or rule.repealed is not None:
            raise RulesetError([RuleProblem(str(rule.position), rule.position.line,
                                            "a case transition cannot be dated (the lifecycle has no as-of date)",
                                            rule.id, "remove 'from' and 'repealed' from the transition")])
        states, events = rule.test_for("case.state"), rule.test_for("case.event")
        if not (isinstance(states, MemberTest) and isinstance(events, MemberTest)) or states.negate or events.negate:
            raise RulesetError([RuleProblem(str(rule.position), rule.position.line,
                                            "a transition must list its states and events", rule.id,
                                            "write case.state: [..] and case.event: [..]")])
        next_state = dict(rule.outputs)["next_state"].literal
        for state in states.values:
            for event in events.values:
                lookup[(state, event)] = (next_state, index)
    return lookup


def run_lifecycle(ruleset: Ruleset, events: Sequence[CaseEvent]) -> tuple[str, list[tuple[int, str, str, int]]]:
    """The final state and each step (index, from, to, rule index); ``InputError`` on an impossible event."""
    table = lifecycle_table(ruleset)
    state = CaseState.new.value
    steps = []
    previous: dt.datetime | None = None
    for index, event in enumerate(events):
        if previous is not None and event.at < previous:
            raise InputError([Problem(f"events.{index}.at", "events must be in time order",
                                      event.at.isoformat(), f"on or after {previous.isoformat()}")])
        previous = event.at
        step = table.get((state, event.kind.value))
        if step is None:
            accepting = sorted({s for s, e in table if e == event.kind.value})
            allowed = sorted({e for s, e in table if s == state})
            raise InputError([Problem(
                f"events.{index}", f"event {event.kind.value!r} is impossible in state {state!r}",
                event.kind.value,
                f"an event in state {state!r} ({', '.join(allowed) or 'none'}); "
                f"{event.kind.value!r} is accepted in states {', '.join(accepting)}")])
        steps.append((index, state, step[0], step[1]))
        state = step[0]
    return state, steps


def parse_case(case: Case | Mapping[str, Any]) -> Case:
    return parse_input(Case, case, "a case")


def evaluate_case(ruleset: Ruleset, case: Case | Mapping[str, Any]) -> CaseDecision:
    """A case's state, obligations, recipients, filing, transfer and reports, from its events."""
    parsed = parse_case(case)
    if parsed.events[0].kind != CaseEventKind.discovered:
        raise InputError([Problem("events.0", "a case starts with its discovery", parsed.events[0].kind.value,
                                  "discovered")])
    state, steps = run_lifecycle(ruleset, parsed.events)
    observation = parsed.observation
    discovered_at = parsed.events[0].at
    day = discovered_at.date()
    escalated_at = next((parsed.events[i].at for i, _, to, _ in steps if to == CaseState.escalated.value), None)
    period = ruleset._period(day, "native", "events.0.at")  # rules as of the discovery
    facts = ruleset.facts_of(observation, day)
    facts.update({
        "case.liability_exempt": parsed.liability_exempt,
        "case.within_jurisdiction": parsed.within_jurisdiction,
        "case.minor_and_corrected": parsed.minor_and_corrected,
        "patrol.unit_kind": parsed.unit_kind.value,
    })
    by_step = list(_facts_by_step(parsed, steps))
    facts.update(by_step[-1])  # the case as its last event leaves it
    # Items the case record establishes (e.g. after investigation) outrank what the
    # observation's facts alone let the Art. 9 table find.
    record_items = None if parsed.violation_items is None else frozenset(i.value for i in parsed.violation_items)
    pinned = None if record_items is None else {violations.SUMMARY_VALUE: record_items}

    def run_with(facts: dict[str, Any]) -> Run:
        return ruleset._at_act_time(observation, day, period, "native", facts,
                                    compiled.run(period.tables, period.matcher, facts, pinned), pinned)

    if pinned is not None:  # the record establishes the items, or that there are none
        facts[violations.UNDETERMINED] = False
        run = run_with(facts)
    else:  # as Ruleset.evaluate: with no item found, is the act suspected? (Arts. 11(三), 14 ¶2)
        first = run_with(facts)
        missing = [] if first.values[violations.SUMMARY_VALUE] else \
            ruleset._missing(observation, day, period, "native", facts, first)
        run = ruleset._settled(observation, day, period, "native", facts, first, missing)
    run = _cited_on_event_days(ruleset, run, parsed, day, facts, pinned)
    graph = ruleset.graph
    last_at = parsed.events[-1].at
    history = []
    for index, before, after, rule_index in steps:
        rule = graph.table(TRANSITIONS).rules[rule_index]
        history.append(TransitionOut(index=index, event=parsed.events[index].kind.value, at=parsed.events[index].at,
                                     from_state=before, to_state=after, rule=rule.id,
                                     citation=ruleset.cite(rule.citation)))
    since = _owed_since(parsed, by_step, facts, run, run_with)
    # Art. 21 及时处置: each obstruction, violence or retaliation needs its own, so police coordination runs
    # from the latest such event (a retaliation after closure is not due when an earlier one was)
    incident = max((e.at for e in parsed.events if e.kind in EVENT_CIRCUMSTANCES), default=None)
    if incident is not None and "coordinate_police" in since:
        since["coordinate_police"] = max(since["coordinate_police"], incident)
    # TR 第五条: the head decides within 3 days of receiving the written report (自接到报告之日起), and hands an
    # approved case over within 24 hours of the approval — from the first report or approval since the duty
    # has been owed (a refusal ends both, so a new round starts after it); one recorded again moves nothing
    for kind, duty in ((CaseEventKind.transfer_reported, "decide_transfer"),
                       (CaseEventKind.transfer_approved, "hand_over_to_police")):
        if duty in since:
            since[duty] = min((e.at for e in parsed.events if e.kind == kind and e.at >= since[duty]),
                              default=since[duty])
    obligations = _obligations(ruleset, run, since, last_at, day)
    zero_anchors = [e.at for e in parsed.events if e.kind in PATROL_EVENTS]
    special = _special_anchors(run, period, parsed.events, discovered_at, escalated_at)
    return CaseDecision(
        ruleset=ruleset._stamp, case_id=parsed.id, as_of=day, state=state, state_zh=NAMES_ZH[state],
        history=history, obligations=obligations, recipients=_recipients(ruleset, run),
        filing=_filing(ruleset, run, limitation(observation, graph, day)),
        transfer=_transfer(ruleset, observation, run, day, () if pinned is None else tuple(pinned),
                           by_step[-1]["case.transfer_step"]),
        reports=_reports(ruleset, run, discovered_at, day, None, zero_anchors, special),
        trace=[*(Fired(table=TRANSITIONS, rule=step.rule, citation=step.citation, basis=[], inputs={
            "case.state": step.from_state, "case.event": step.event}, outputs={"next_state": step.to_state})
                 for step in history), *ruleset._trace(period, run, record_items)],
    )


# Art. 21 ¶1: an obstruction, violence or retaliation recorded as a case event happened on its own day, so
# the rules that fired on it cite the law in force that day (e.g. 《治安管理处罚法》第六十一条 from 2026-01-01),
# not the discovery day's. One already in the observation happened at the discovery.
# Each is also a field of ``Circumstances`` and a fact ``circumstances.<kind>`` of the same name.
EVENT_CIRCUMSTANCES = (CaseEventKind.obstruction, CaseEventKind.violence_against_officers,
                       CaseEventKind.retaliation_against_officers)
# Art. 14 ¶1: the event that records each report of an ineffective written stop as made, by the duty it discharges
REPORT_EVENTS = {CaseEventKind.reported_to_bureau: "report_to_bureau",
                 CaseEventKind.reported_in_writing: "written_report",
                 CaseEventKind.township_informed: "letter_to_township"}
# Art. 14 ¶2 with TR 第五条: each event of the transfer's own procedure, by the step it records (case.transfer_step)
TRANSFER_EVENTS = {CaseEventKind.transfer_reported: "reported", CaseEventKind.transfer_approved: "approved",
                   CaseEventKind.transfer_refused: "refused"}


def _next_transfer_step(step: str, kind: CaseEventKind) -> str:
    """TR 第五条: a decision ends the report's round. Another report after an approval changes nothing (the
    transfer is decided); one after a refusal (after further verification) opens a new round."""
    if kind == CaseEventKind.transfer_reported and step == "approved":
        return step
    return TRANSFER_EVENTS.get(kind, step)


def _cited_on_event_days(ruleset: Ruleset, run: Run, case: Case, day: dt.date, facts: Mapping[str, Any],
                         pinned: Mapping[str, Any] | None) -> Run:
    """``run`` with the rules testing an event's circumstance cited as of its latest event's day."""
    for kind in EVENT_CIRCUMSTANCES:
        at = max((e.at.date() for e in case.events if e.kind == kind), default=None)
        if at is None or getattr(case.observation.circumstances, kind.value) \
                or ruleset.period_start(at) == ruleset.period_start(day):
            continue
        period = ruleset._period(at, "native")
        then = compiled.run(period.tables, period.matcher, facts, pinned)
        run = compiled.recited(run, then, period.tables, tuple(run.results), _testing(f"circumstances.{kind.value}"))
    return run


def _testing(fact: str) -> Callable[[Rule], bool]:
    return lambda rule: any(name == fact for name, _ in rule.tests)


def _special_anchors(run: Run, period: _Period, events: Sequence[CaseEvent], discovered_at: dt.datetime,
                     escalated_at: dt.datetime | None) -> list[tuple[dt.datetime, str]]:
    """For each criterion that makes the violation major or sudden: when it came to hold, and the deadline
    its own urgency sets (the ``reports_owed`` row for that urgency) — a criterion that came later with a
    shorter deadline (violence: 24 h) runs from its own event, not from an earlier one's."""
    event_criteria = {"violence_against_officers": CaseEventKind.violence_against_officers}
    position = period.positions[REPORTS]
    deadlines: dict[str, str] = {}
    anchors = []
    for outputs in run.results[SPECIAL].outputs:
        criterion, urgency = outputs["criterion"], outputs["urgency"]
        if criterion == "repeat_after_written_stop" and escalated_at is not None:
            at = escalated_at
        elif criterion in event_criteria:
            at = next((e.at for e in events if e.kind == event_criteria[criterion]), discovered_at)
        else:
            at = discovered_at
        if urgency not in deadlines:
            values = {**run.values, f"{SPECIAL}.urgency": urgency}
            owed = compiled.select(period.tables[position], list(period.matcher.match(position, values)), values)
            deadlines[urgency] = next(o["deadline"] for o in owed.outputs if o["report"] == SPECIAL)
        anchors.append((at, deadlines[urgency]))
    return anchors


def _facts_by_step(case: Case, steps: Sequence[tuple[int, str, str, int]]) -> Iterator[dict[str, Any]]:
    """The facts of the case's history as each event leaves it: its state, whether it has been filed or
    transferred, whether a written stop has proved ineffective, and the Art. 21 circumstances so far."""
    reached: set[str] = set()
    seen: set[CaseEventKind] = set()
    transfer_step = "none"
    circumstances = case.observation.circumstances
    for (_, _, to, _), event in zip(steps, case.events, strict=True):
        reached.add(to)
        seen.add(event.kind)
        transfer_step = _next_transfer_step(transfer_step, event.kind)
        yield {
            "case.state": to,
            "case.filed": CaseState.filed.value in reached,
            "case.transferred": CaseState.transferred.value in reached,
            "case.reports_made": frozenset(REPORT_EVENTS[kind] for kind in seen if kind in REPORT_EVENTS),
            "case.transfer_step": transfer_step,
            # Art. 14 ¶1: escalation is earned only through the lifecycle (a written notice, then
            # ineffective or refused)
            "circumstances.written_stop_ineffective": CaseState.escalated.value in reached,
            # Art. 21: known from the observation or from an event of the case
            **{f"circumstances.{kind.value}": getattr(circumstances, kind.value) or kind in seen or None
               for kind in EVENT_CIRCUMSTANCES},
        }


def _duties(run: Run) -> frozenset[str]:
    return frozenset(str(o["duty"]) for o in run.results[OBLIGATIONS].outputs)


def _owed_since(case: Case, by_step: Sequence[dict[str, Any]], facts: Mapping[str, Any], run: Run,
                run_with: Callable[[dict[str, Any]], Run]) -> dict[str, dt.datetime]:
    """For each duty owed now (``run``: the case as its last event leaves it), the event since which it has
    been owed without a break: its deadline runs from there (Art. 14 及时), not from the latest follow-up,
    which would put every deadline off again."""
    # a case's states are few: one run per distinct step
    owed: dict[tuple[Any, ...], frozenset[str]] = {tuple(by_step[-1].values()): _duties(run)}
    alive: set[str] | None = None
    since: dict[str, dt.datetime] = {}
    for event, step in zip(reversed(case.events), reversed(by_step), strict=True):
        key = tuple(step.values())
        if key not in owed:
            owed[key] = _duties(run_with({**facts, **step}))
        alive = set(owed[key]) if alive is None else alive & owed[key]
        if not alive:
            break
        since.update(dict.fromkeys(alive, event.at))
    return since


def _obligations(ruleset: Ruleset, run: Run, since: Mapping[str, dt.datetime], last_at: dt.datetime,
                 day: dt.date) -> list[ObligationOut]:
    result = run.results[OBLIGATIONS]
    out = []
    decided: dt.datetime | None = None
    for rule, outputs in zip(result.rules, result.outputs, strict=True):
        name = outputs.get("deadline")
        anchor = since.get(str(outputs["duty"]), last_at)
        start = decided if outputs["duty"] == "hand_over_to_police" and decided is not None else anchor
        due_at, text = deadline_of(ruleset.graph, name, start, day, f"obligations.{outputs['duty']}") if name \
            else (None, None)
        if outputs["duty"] == "decide_transfer":
            decided = due_at.at if due_at else None
        out.append(ObligationOut(duty=outputs["duty"], duty_zh=NAMES_ZH[outputs["duty"]], actor=outputs["actor"],
                                 due=due_at.at if due_at else None, deadline=text,
                                 due_provisional=_provisional(due_at.provisional_years) if due_at else None,
                                 citation=ruleset.cite(rule.citation)))
    return out
