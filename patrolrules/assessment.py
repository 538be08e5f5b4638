"""Arts. 22–24: a unit's year scored from its records, graded, with consequences and accountability.

What the indicators are, what each is worth, the grade lines and what a grade
sets off are data: the tables of the ``assessment`` context
(``art22_assessment.yaml``, ``art23_consequences.yaml``) and the parameters in
``parameters/art22_24_assessment.yaml`` (all defaults of ours: the regulation
fixes no number). This module measures each indicator as a rate from 0 to 1
from the unit's plan, ledger and cases, and explains every point. Arithmetic is
exact (Fractions), so a grade line is hit exactly.

Score: composite = 100 × max(0, Σ weight × rate − deductions) / weight_total;
final = appraisal_share × appraisal + (1 − appraisal_share) × composite.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .contexts import catalogue, findings, graph_of, parameter, run_context
from .decision import CitationOut
from .engine.tables import Kind
from .errors import InputError, Problem, RuleProblem, RulesetError, parse_input
from .observation import Day, LeadSource, UnitKind
from .observation import InputModel as _Model
from .records import AnnualPlan, LedgerEntry, validate_ledger

if TYPE_CHECKING:
    from .ruleset import Ruleset


# ---- inputs ---------------------------------------------------------------------


class Period(_Model):
    start: Day
    end: Day

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise PydanticCustomError("period_order", "the period ends before it starts",
                                      {"expected": f"an end on or after the start ({self.start})"})
        return self


class Unit(_Model):
    """The implementing body assessed (Art. 7) and its principal head (第一责任人)."""

    kind: UnitKind | None = None
    name: str | None = None
    principal_head: str | None = None


class CaseRecord(_Model):
    """One violation case of the period, as the assessment needs it."""

    id: str | None = None
    discovery_source: LeadSource | None = Field(None, description="patrol = found by the unit's own patrol")
    discovered_on: Day | None = None
    stop_required: bool = Field(True, description="false for an act that needed no stop (e.g. long finished)")
    stopped_on: Day | None = None
    report_due: Day | None = Field(None, description="deadline of the report owed (Arts. 14–15)")
    reported_on: Day | None = None
    responsible_officer: str | None = None


class Staffing(_Model):
    """定编定岗定员 (Art. 17): posts in the quota and posts filled."""

    quota: int | None = Field(None, ge=1, le=100_000)
    actual: int | None = Field(None, ge=0, le=100_000)


class EquipmentKind(StrEnum):
    """The patrol equipment Art. 19 lists."""

    vehicle = "vehicle"  # 巡查车辆
    communication = "communication"  # 通讯工具
    gps = "gps"  # GPS
    camera = "camera"  # 照相机
    video_camera = "video_camera"  # 摄像机
    drone = "drone"  # 无人机
    computer = "computer"  # 计算机


class Judgements(_Model):
    """Indicators that are judgements of the assessors, each out of 100 (Art. 22 ¶2)."""

    system_building: float | None = Field(None, ge=0, le=100)
    responsibility: float | None = Field(None, ge=0, le=100)
    organisation: float | None = Field(None, ge=0, le=100)


class SpotCheck(_Model):
    """A finding of an inspection or spot check (检查、抽查, Art. 23 ¶1)."""

    date: Day | None = None
    kind: Literal["falsification", "other"]
    ledger_entry_id: str | None = None
    person: str | None = None
    note: str | None = None


class Behaviour(StrEnum):
    """The five behaviours of Art. 24."""

    not_patrolling_per_plan = "not_patrolling_per_plan"
    failure_to_detect = "failure_to_detect"
    failure_to_stop = "failure_to_stop"
    failure_to_report = "failure_to_report"
    falsification = "falsification"


class Conduct(_Model):
    behaviour: Behaviour
    evidence: str


class Person(_Model):
    """A member of staff, the behaviours recorded against them, and any serious consequence (造成严重后果)
    with the behaviours that caused it — Art. 24 holds a person to account for a behaviour that
    造成严重后果, not for every behaviour of someone a consequence is recorded against."""

    name: str
    is_leader: bool = Field(False, description="领导干部 (accountable under the 2009 问责暂行规定)")
    conduct: tuple[Conduct, ...] = ()
    serious_consequences: str | None = Field(None, description="the serious consequence recorded, if any")
    caused_by: tuple[Behaviour, ...] = Field(
        (), validate_default=True,
        description="the Art. 24 behaviours that caused the serious consequence (有下列行为之一，造成严重后果的)")

    @field_validator("caused_by")
    @classmethod
    def _cause_and_consequence(cls, caused_by: tuple[Behaviour, ...], info: ValidationInfo) -> tuple[Behaviour, ...]:
        if "serious_consequences" not in info.data:  # invalid itself: reported there, not again here
            return caused_by
        consequence = info.data["serious_consequences"]
        if consequence and consequence.strip() and not caused_by:
            raise PydanticCustomError("consequence_cause", "a serious consequence must name the behaviours that "
                                      "caused it", {"expected": "one or more of " + ", ".join(Behaviour)})
        if caused_by and not (consequence and consequence.strip()):
            raise PydanticCustomError("cause_without_consequence", "behaviours are named as the cause of no "
                                      "serious consequence", {"expected": "serious_consequences described, or no "
                                                                          "caused_by"})
        return caused_by


class PreviousAssessment(_Model):
    """The unit's previous assessment, for Art. 23 ¶2 (未按要求整改 ⇒ 通报批评)."""

    grade: Literal["excellent", "good", "pass", "fail"]
    rectification_deadline: Day | None = None
    rectified_on: Day | None = None


class AssessmentInput(_Model):
    """Everything the assessment of one unit for one period reads. ``None`` = not supplied."""

    unit: Unit
    period: Period
    assessed_on: Day | None = Field(None, description="date of the assessment (default: the period's end)")
    plan: AnnualPlan | None = None
    ledger: tuple[LedgerEntry, ...] | None = None
    cases: tuple[CaseRecord, ...] | None = None
    staffing: Staffing | None = None
    equipment: tuple[EquipmentKind, ...] | None = None
    judgements: Judgements = Judgements()
    appraisal_score: float | None = Field(None, ge=0, le=100, description="组织评议 score out of 100")
    spot_checks: tuple[SpotCheck, ...] | None = None
    persons: tuple[Person, ...] = ()
    previous: PreviousAssessment | None = None
    what_if: dict[str, float] = Field({}, description="indicator → rate (0–1) replacing the measured one")


# ---- outputs ----------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IndicatorScore(_Out):
    indicator: str
    name_zh: str
    measure: str
    weight: float
    rate: float | None = Field(description="0–1; None when its inputs are missing (scored 0)")
    score: float
    lost: float
    explanation: str
    rule: str
    citation: CitationOut


class Deduction(_Out):
    reason: str
    points: float
    evidence: list[str]
    citation: CitationOut | None = None


class ConsequenceOut(_Out):
    consequence: str
    name_zh: str
    addressee: str | None
    by: str
    due: dt.date | None = None
    rule: str
    citation: CitationOut
    provisional: bool = Field(False, description="named on a provisional result (inputs missing or a what-if): "
                                                 "it may not stand once the assessment is complete")


class Flag(_Out):
    behaviour: str
    name_zh: str
    evidence: list[str]
    rule: str
    citation: CitationOut


class PersonAccountability(_Out):
    name: str
    is_leader: bool
    serious_consequences: str | None
    flags: list[Flag]
    not_flagged: list[str] = Field(description="behaviours recorded but not flagged (no serious consequence "
                                               "they caused)")
    causes_without_evidence: list[str] = Field(
        [], description="behaviours ``caused_by`` names that no conduct, spot check or case records: not flagged, "
                        "as Art. 24 holds to account for a behaviour shown (有下列行为之一)")


class Change(_Out):
    indicator: str
    from_rate: float
    to_rate: float
    points: float = Field(description="final-score points gained")


class Counterfactual(_Out):
    target_grade: str
    target_score: float
    gap: float
    reachable: bool
    changes: list[Change]


class Assessment(_Out):
    """The assessment of one unit for one period, with every point explained."""

    unit: Unit
    period: Period
    indicators: list[IndicatorScore]
    deductions: list[Deduction]
    composite_score: float
    appraisal_score: float | None
    appraisal_share: float
    final_score: float
    grade: str
    grade_zh: str
    grade_rule: str
    provisional: bool = Field(description="true when inputs are missing or a what-if replaced a measurement")
    missing_inputs: list[str]
    consequences: list[ConsequenceOut]
    accountability: list[PersonAccountability]
    next_grade: Counterfactual | None

    def markdown(self) -> str:
        return _markdown(self)


# ---- facts -----------------------------------------------------------------------------

ASSESSMENT_FACTS = catalogue("assessment", {
    "final_score": (Kind.NUMBER, None, "the final score out of 100"),
    "rectification_overdue": (Kind.BOOLEAN, None, "a previous failure not rectified as required (Art. 23 ¶2)"),
})
ACCOUNTABILITY_FACTS = catalogue("person", {
    "behaviours_causing_serious_consequences": (
        Kind.SET, tuple(b.value for b in Behaviour),
        "the Art. 24 behaviours recorded against the person that caused a serious consequence (造成严重后果)"),
    "is_leader": (Kind.BOOLEAN, None, "领导干部"),
})


# ---- measuring the indicators -----------------------------------------------------------


class _Measure:
    """A rate with its explanation, or a missing input."""

    def __init__(self, rate: Fraction | None, explanation: str, missing: str | None = None) -> None:
        self.rate = rate
        self.explanation = explanation
        self.missing = missing


def _pct(rate: Fraction) -> str:
    return f"{float(rate) * 100:.4g}%"


def _days_of(value: Any) -> int:
    return int(Fraction(value))


def _in_period(day: dt.date | None, period: Period) -> bool:
    return day is not None and period.start <= day <= period.end


def _entries(data: AssessmentInput) -> list[LedgerEntry]:
    return [e for e in data.ledger or () if e.patrol_time and _in_period(e.patrol_time.date(), data.period)]


def _area_frequency(plan: AnnualPlan, index: int) -> float | None:
    area = plan.areas[index]
    return area.frequency_per_week if area.frequency_per_week is not None else plan.base_frequency_per_week


def _coverage(data: AssessmentInput) -> _Measure:
    if data.plan is None or not data.plan.areas or data.ledger is None:
        return _Measure(None, "needs the plan's areas and the ledger", "plan.areas, ledger")
    patrolled = {e.plan_area for e in _entries(data)}
    names = [a.name or f"area {i + 1}" for i, a in enumerate(data.plan.areas)]
    missed = [n for n in names if n not in patrolled]
    rate = Fraction(len(names) - len(missed), len(names))
    text = f"{len(names) - len(missed)} of {len(names)} plan areas patrolled ({_pct(rate)})"
    return _Measure(rate, text + (f"; never patrolled: {', '.join(missed)}" if missed else ""))


def _completion(data: AssessmentInput) -> _Measure:
    plan = data.plan
    if plan is None or not plan.areas or data.ledger is None:
        return _Measure(None, "needs the plan's areas and frequencies and the ledger", "plan.areas, ledger")
    weeks = Fraction((data.period.end - data.period.start).days + 1, 7)
    done: dict[str | None, set[dt.date]] = {}
    for entry in _entries(data):
        assert entry.patrol_time is not None
        done.setdefault(entry.plan_area, set()).add(entry.patrol_time.date())
    parts, texts, unknown = [], [], []
    for index, area in enumerate(plan.areas):
        name = area.name or f"area {index + 1}"
        frequency = _area_frequency(plan, index)
        if frequency is None:
            unknown.append(name)
            continue
        expected = Fraction(frequency) * weeks
        count = len(done.get(area.name, ()))
        share = min(Fraction(1), Fraction(count) / expected) if expected else Fraction(1)
        parts.append(share)
        texts.append(f"{name} {count}/{math.ceil(expected)} patrol days ({_pct(share)})")
    if unknown:
        return _Measure(None, f"no frequency in the plan for {', '.join(unknown)}", "plan frequency")
    rate = sum(parts, Fraction(0)) / len(parts)
    return _Measure(rate, f"patrol days against the plan's frequency: {'; '.join(texts)}; mean {_pct(rate)}")


def _discovery(data: AssessmentInput, target: Fraction) -> _Measure:
    if data.cases is None:
        return _Measure(None, "needs the cases of the period", "cases")
    known = [c for c in data.cases if c.discovery_source is not None]
    if len(known) < len(data.cases):
        return _Measure(None, "a case has no discovery source", "cases.*.discovery_source")
    if not known:
        return _Measure(Fraction(1), "no violations in the period: none missed")
    own = sum(1 for c in known if c.discovery_source == LeadSource.patrol)
    found = Fraction(own, len(known))
    others = [f"{c.id or '?'} ({c.discovery_source})" for c in known if c.discovery_source != LeadSource.patrol]
    text = (f"{own} of {len(known)} violations found by the unit's patrols ({_pct(found)}; full marks at "
            f"{_pct(target)})" + (f"; found by others: {', '.join(others)}" if others else ""))
    return _Measure(min(Fraction(1), found / target) if target else Fraction(1), text)


def _stop_days(ruleset: Ruleset, day: dt.date) -> int:
    return _days_of(parameter(ruleset, "timely_stop_period", day))  # Art. 22 ¶3 及时制止, a default


def _stopped_late(case: CaseRecord, days: int) -> bool:
    """Art. 22 ¶3 及时制止 and Art. 24(三) 不及时制止: not stopped, or stopped more than ``days`` after discovery."""
    assert case.discovered_on is not None
    return case.stopped_on is None or (case.stopped_on - case.discovered_on).days > days


def _stop(data: AssessmentInput, days: int) -> _Measure:
    if data.cases is None:
        return _Measure(None, "needs the cases of the period", "cases")
    due = [c for c in data.cases if c.stop_required]
    if any(c.discovered_on is None for c in due):
        return _Measure(None, "a case needing a stop has no discovery date", "cases.*.discovered_on")
    if not due:
        return _Measure(Fraction(1), "no case needed a stop")
    late = [c for c in due if _stopped_late(c, days)]
    rate = Fraction(len(due) - len(late), len(due))
    text = f"{len(due) - len(late)} of {len(due)} stopped within {days} day(s) of discovery ({_pct(rate)})"
    return _Measure(rate, text + (f"; late or not stopped: {', '.join(c.id or '?' for c in late)}" if late else ""))


def _report(data: AssessmentInput) -> _Measure:
    if data.cases is None:
        return _Measure(None, "needs the cases of the period", "cases")
    owed = [c for c in data.cases if c.report_due is not None]
    if not owed:
        return _Measure(Fraction(1), "no report fell due")
    late = [c for c in owed if c.reported_on is None or c.reported_on > c.report_due]  # type: ignore[operator]
    rate = Fraction(len(owed) - len(late), len(owed))
    text = f"{len(owed) - len(late)} of {len(owed)} reports made by their deadline ({_pct(rate)})"
    return _Measure(rate, text + (f"; late or missing: {', '.join(c.id or '?' for c in late)}" if late else ""))


def _recording(ruleset: Ruleset, data: AssessmentInput) -> _Measure:
    if data.ledger is None:
        return _Measure(None, "needs the ledger", "ledger")
    entries = _entries(data)
    if not entries:
        return _Measure(Fraction(0), "no ledger entries in the period: nothing recorded")
    as_of = data.assessed_on or data.period.end
    invalid = []
    for entry in entries:
        result = validate_ledger(ruleset, entry, as_of=as_of)
        if not result.valid:
            invalid.append(f"{entry.id or '?'}: {result.problems[0].message}")
    rate = Fraction(len(entries) - len(invalid), len(entries))
    text = f"{len(entries) - len(invalid)} of {len(entries)} ledger entries complete and consistent ({_pct(rate)})"
    return _Measure(rate, text + (f"; e.g. {'; '.join(invalid[:3])}" if invalid else ""))


def _staffing(data: AssessmentInput) -> _Measure:
    staffing = data.staffing
    if staffing is None or staffing.quota is None or staffing.actual is None:
        return _Measure(None, "needs the staffing quota and the posts filled", "staffing")
    rate = min(Fraction(1), Fraction(staffing.actual, staffing.quota))
    return _Measure(rate, f"{staffing.actual} of {staffing.quota} posts filled ({_pct(rate)})")


def _equipment(data: AssessmentInput) -> _Measure:
    if data.equipment is None:
        return _Measure(None, "needs the list of patrol equipment", "equipment")
    have = set(data.equipment)
    missing = [k.value for k in EquipmentKind if k not in have]
    rate = Fraction(len(EquipmentKind) - len(missing), len(EquipmentKind))
    text = f"{len(EquipmentKind) - len(missing)} of {len(EquipmentKind)} kinds of Art. 19 equipment"
    return _Measure(rate, text + (f"; missing: {', '.join(missing)}" if missing else ""))


def _judgement(value: float | None, name: str) -> _Measure:
    if value is None:
        return _Measure(None, "a judgement of the assessors, not given", f"judgements.{name}")
    rate = Fraction(str(value)) / 100  # the decimal the assessors wrote, as appraisal and what_if are read
    return _Measure(rate, f"judged {value:g} out of 100 by the assessors")


# The indicators ``_measures`` measures: the only ones the ``assessment_indicators`` table may name.
INDICATORS = ("system_building", "responsibility", "coverage", "completion", "timely_discovery", "timely_stop",
              "timely_report", "recording", "organisation", "staffing", "equipment")


def _measures(ruleset: Ruleset, data: AssessmentInput, day: dt.date) -> dict[str, _Measure]:
    target = Fraction(parameter(ruleset, "detection_target", day))
    stop_days = _stop_days(ruleset, day)
    return {
        "system_building": _judgement(data.judgements.system_building, "system_building"),
        "responsibility": _judgement(data.judgements.responsibility, "responsibility"),
        "coverage": _coverage(data),
        "completion": _completion(data),
        "timely_discovery": _discovery(data, target),
        "timely_stop": _stop(data, stop_days),
        "timely_report": _report(data),
        "recording": _recording(ruleset, data),
        "organisation": _judgement(data.judgements.organisation, "organisation"),
        "staffing": _staffing(data),
        "equipment": _equipment(data),
    }


# ---- scoring --------------------------------------------------------------------------------


class Weights:
    """The indicator weights, the declared total and the blend, as of one day (exact)."""

    def __init__(self, ruleset: Ruleset, day: dt.date) -> None:
        run = run_context(ruleset, "assessment", {}, day, "period.end")
        self.rows = [f for f in findings(ruleset, "assessment", run) if f.table == "assessment_indicators"]
        self.weight = {str(f.outputs["indicator"]): Fraction(f.outputs["weight"]) for f in self.rows}
        self.total = Fraction(parameter(ruleset, "weight_total", day))
        self.appraisal_share = Fraction(parameter(ruleset, "appraisal_share", day))
        self.deduction = Fraction(parameter(ruleset, "falsification_deduction", day))


def composite(weights: Weights, rates: Mapping[str, Fraction], deductions: Fraction) -> Fraction:
    """100 × max(0, Σ weight × rate − deductions) / weight_total."""
    earned = sum((weights.weight[k] * rates.get(k, Fraction(0)) for k in weights.weight), Fraction(0))
    return 100 * max(Fraction(0), earned - deductions) / weights.total


def final_score(weights: Weights, rates: Mapping[str, Fraction], deductions: Fraction,
                appraisal: Fraction | None) -> Fraction:
    """appraisal_share × appraisal + (1 − appraisal_share) × composite; a missing appraisal counts 0."""
    share = weights.appraisal_share
    return share * (appraisal or Fraction(0)) + (1 - share) * composite(weights, rates, deductions)


def grade_of(ruleset: Ruleset, score: Fraction, day: dt.date) -> tuple[str, str, str]:
    """The grade of a final score under the Art. 23 grade table: (grade, 中文, rule)."""
    run = run_context(ruleset, "assessment", {"assessment.final_score": float(score)}, day)
    for found in findings(ruleset, "assessment", run):
        if found.table == "assessment_grade":
            return str(found.outputs["grade"]), str(found.outputs["grade_zh"]), f"{found.table}/{found.rule}"
    table = graph_of(ruleset, "assessment").table("assessment_grade")
    raise RulesetError([RuleProblem(table.position.file, table.position.line,
                                    f"the grade table gives no grade for the final score {float(score):g}",
                                    fix="cover every score from 0 to 100")])


def _grade_lines(ruleset: Ruleset, day: dt.date) -> list[tuple[str, Fraction]]:
    """Grades above fail with their lowest score, lowest first."""
    return [(g, Fraction(parameter(ruleset, f"grade_{g}", day))) for g in ("pass", "good", "excellent")]


def next_grade(ruleset: Ruleset, weights: Weights, rates: Mapping[str, Fraction], deductions: Fraction,
               appraisal: Fraction | None, day: dt.date) -> Counterfactual | None:
    """The smallest rise in indicator rates that lifts the final score to the next grade line.

    Greedy by weight (largest first) minimises both the total rise in rates and
    the number of indicators changed, since every point of rate is worth its
    weight. Rates are rounded up to 4 decimals so that the change, applied, reaches the line.
    """
    now = final_score(weights, rates, deductions, appraisal)
    # the lines above the score as shown and graded (grade_of reads the float): a score a hair below a
    # line that rounds onto it has that line's grade, so the next grade is the one above
    above = [(g, line) for g, line in _grade_lines(ruleset, day) if line > float(now)]
    if not above:
        return None
    target_grade, target = above[0]
    share = weights.appraisal_share
    earned = sum((weights.weight[k] * rates.get(k, Fraction(0)) for k in weights.weight), Fraction(0))
    if share == 1:
        return Counterfactual(target_grade=target_grade, target_score=float(target), gap=float(target - now),
                              reachable=False, changes=[])
    # the indicator sum that reaches the line: deductions + (target − share × appraisal) × total / (100 (1 − share))
    needed = deductions + (target - share * (appraisal or Fraction(0))) * weights.total / (100 * (1 - share))
    remaining = needed - earned  # needed > deductions, since the line lies above the score now
    changes, trial = [], dict(rates)
    for indicator in sorted(weights.weight, key=lambda k: (-weights.weight[k], k)):
        if remaining <= 0:
            break
        weight, rate = weights.weight[indicator], rates.get(indicator, Fraction(0))
        if weight == 0 or rate >= 1:
            continue
        raised = min(Fraction(1), rate + remaining / weight)
        raised = min(Fraction(1), Fraction(math.ceil(raised * 10000), 10000))
        remaining -= weight * (raised - rate)
        trial[indicator] = raised
        gained = final_score(weights, trial, deductions, appraisal) - final_score(
            weights, {**trial, indicator: rate}, deductions, appraisal)
        changes.append(Change(indicator=indicator, from_rate=float(rate), to_rate=float(raised), points=float(gained)))
    reachable = final_score(weights, trial, deductions, appraisal) >= target
    return Counterfactual(target_grade=target_grade, target_score=float(target), gap=float(target - now),
                          reachable=reachable, changes=changes)


# ---- consequences and accountability ------------------------------------------------------------


def _rectification_overdue(data: AssessmentInput, on: dt.date) -> bool | None:
    """Art. 23 ¶2 未按要求整改: a previous fail not rectified by its deadline; ``None`` (unknown) when neither
    the deadline nor the rectification is recorded — missing data is not a failure to rectify."""
    previous = data.previous
    if previous is None or previous.grade != "fail":
        return False
    deadline = previous.rectification_deadline
    if previous.rectified_on is not None and (deadline is None or previous.rectified_on <= deadline):
        return False
    return None if deadline is None else on > deadline


def _behaviours(data: AssessmentInput, stop_days: int) -> dict[str, dict[Behaviour, list[str]]]:
    """Per person, each Art. 24 behaviour with its evidence: recorded conduct plus what the records show."""
    found: dict[str, dict[Behaviour, list[str]]] = {}

    def add(person: str, behaviour: Behaviour, evidence: str) -> None:
        found.setdefault(person, {}).setdefault(behaviour, []).append(evidence)

    for person in data.persons:
        found.setdefault(person.name, {})
        for conduct in person.conduct:
            add(person.name, conduct.behaviour, conduct.evidence)
    for check in data.spot_checks or ():
        if check.kind == "falsification" and check.person:
            add(check.person, Behaviour.falsification,
                f"spot check {check.date or ''}: ledger entry {check.ledger_entry_id or '?'} falsified"
                + (f" ({check.note})" if check.note else ""))
    for case in data.cases or ():
        officer = case.responsible_officer
        if not officer:
            continue
        if case.discovery_source not in (None, LeadSource.patrol):
            add(officer, Behaviour.failure_to_detect, f"case {case.id or '?'} was found by {case.discovery_source}, "
                                                      "not by patrol")
        if case.stop_required and case.discovered_on and _stopped_late(case, stop_days):
            when = "was never stopped" if case.stopped_on is None else (
                f"was stopped on {case.stopped_on}, {(case.stopped_on - case.discovered_on).days} days after its "
                "discovery")
            add(officer, Behaviour.failure_to_stop, f"case {case.id or '?'} {when} (timely: within {stop_days} day(s))")
        if case.report_due and (case.reported_on is None or case.reported_on > case.report_due):
            add(officer, Behaviour.failure_to_report, f"case {case.id or '?'}: report due {case.report_due}, "
                                                      f"made {case.reported_on or 'never'}")
    return found


def _accountability(ruleset: Ruleset, data: AssessmentInput, day: dt.date) -> list[PersonAccountability]:
    people = {p.name: p for p in data.persons}
    out = []
    stop_days = _stop_days(ruleset, day)
    for name, behaviours in sorted(_behaviours(data, stop_days).items()):
        person = people.get(name, Person(name=name))
        facts = {"person.behaviours_causing_serious_consequences": frozenset(
                     b.value for b in behaviours if b in person.caused_by),
                 "person.is_leader": person.is_leader}
        flags = []
        for found in findings(ruleset, "accountability", run_context(ruleset, "accountability", facts, day)):
            behaviour = str(found.outputs["flag"])
            evidence = behaviours.get(Behaviour(behaviour), []) if behaviour in Behaviour.__members__ else [
                person.serious_consequences or ""]
            flags.append(Flag(behaviour=behaviour, name_zh=str(found.outputs["name_zh"]), evidence=evidence,
                              rule=f"{found.table}/{found.rule}", citation=found.citation))
        flagged = {f.behaviour for f in flags}
        out.append(PersonAccountability(name=name, is_leader=person.is_leader,
                                        serious_consequences=person.serious_consequences, flags=flags,
                                        not_flagged=sorted(b.value for b in behaviours if b.value not in flagged),
                                        causes_without_evidence=sorted(b.value for b in person.caused_by
                                                                       if b not in behaviours)))
    return out


# ---- the assessment ---------------------------------------------------------------------------


def parse_assessment_input(data: AssessmentInput | Mapping[str, Any]) -> AssessmentInput:
    return parse_input(AssessmentInput, data, "an assessment input")


def assess(ruleset: Ruleset, data: AssessmentInput | Mapping[str, Any]) -> Assessment:
    """Score, grade, consequences and accountability of one unit for one period (Arts. 22–24)."""
    parsed = parse_assessment_input(data)
    if parsed.period.start < ruleset.effective:  # patrols the regulation did not yet require would be expected
        raise InputError([Problem("period.start", f"before the ruleset took effect ({ruleset.effective})",
                                  parsed.period.start.isoformat(), f"a date on or after {ruleset.effective}")])
    on = parsed.assessed_on or parsed.period.end
    day = parsed.period.end
    weights = Weights(ruleset, day)
    unknown = sorted(set(parsed.what_if) - set(weights.weight))
    bad = [k for k, v in parsed.what_if.items() if not 0 <= v <= 1]
    if unknown or bad:
        raise InputError([Problem(f"what_if.{k}", "unknown indicator", k, f"one of {', '.join(weights.weight)}")
                          for k in unknown] + [Problem(f"what_if.{k}", "not a rate", parsed.what_if[k],
                                                       "a number from 0 to 1") for k in bad])
    measures = _measures(ruleset, parsed, day)
    rates: dict[str, Fraction] = {}
    indicators, missing = [], []
    for row in weights.rows:
        name = str(row.outputs["indicator"])
        measure = measures[name]
        rate, text = measure.rate, measure.explanation
        if name in parsed.what_if:
            rate = Fraction(str(parsed.what_if[name]))
            text = f"what-if: rate set to {_pct(rate)} (measured: {measure.explanation})"
        elif measure.missing:
            missing.append(measure.missing)
            text = f"missing input ({measure.missing}): counted as 0 — {text}"
        rates[name] = rate or Fraction(0)
        weight = weights.weight[name]
        score = weight * rates[name]
        indicators.append(IndicatorScore(
            indicator=name, name_zh=str(row.outputs["name_zh"]), measure=str(row.outputs["measure"]),
            weight=float(weight), rate=None if rate is None else float(rate), score=float(score),
            lost=float(weight - score), explanation=text, rule=f"{row.table}/{row.rule}", citation=row.citation))
    falsified = [c for c in parsed.spot_checks or () if c.kind == "falsification"]
    deductions_total = weights.deduction * len(falsified)
    deductions = []
    if falsified:
        cite = next((r.citation for r in weights.rows if r.outputs["indicator"] == "recording"), None)  # Art. 22 ¶3
        deductions.append(Deduction(
            reason=f"{len(falsified)} falsification finding(s) in spot checks × {float(weights.deduction):g} points",
            points=float(deductions_total), citation=cite,
            evidence=[f"{c.date or ''} ledger entry {c.ledger_entry_id or '?'}" for c in falsified]))
    if parsed.spot_checks is None:
        missing.append("spot_checks")
    appraisal = None if parsed.appraisal_score is None else Fraction(str(parsed.appraisal_score))
    if appraisal is None:
        missing.append("appraisal_score")
    final = final_score(weights, rates, deductions_total, appraisal)
    grade, grade_zh, grade_rule = grade_of(ruleset, final, day)
    overdue = _rectification_overdue(parsed, on)
    if overdue is None:
        missing.append("previous.rectification_deadline")
    facts = {"assessment.final_score": float(final), "assessment.rectification_overdue": overdue}
    provisional = bool(missing or parsed.what_if)
    consequences = []
    for found in findings(ruleset, "assessment", run_context(ruleset, "assessment", facts, day)):
        if found.table != "assessment_consequences":
            continue
        addressee = str(found.outputs["addressee"])
        who = parsed.unit.principal_head if addressee == "principal_head" else parsed.unit.name
        deadline = found.outputs.get("deadline")
        consequences.append(ConsequenceOut(
            consequence=str(found.outputs["consequence"]), name_zh=str(found.outputs["name_zh"]),
            addressee=who or addressee, by=str(found.outputs["by"]),
            due=None if deadline is None else on + dt.timedelta(days=_days_of(deadline)),
            rule=f"{found.table}/{found.rule}", citation=found.citation, provisional=provisional))
    return Assessment(
        unit=parsed.unit, period=parsed.period, indicators=indicators, deductions=deductions,
        composite_score=float(composite(weights, rates, deductions_total)),
        appraisal_score=parsed.appraisal_score, appraisal_share=float(weights.appraisal_share),
        final_score=float(final), grade=grade, grade_zh=grade_zh, grade_rule=grade_rule,
        provisional=provisional, missing_inputs=list(dict.fromkeys(missing)),
        consequences=consequences,
        accountability=_accountability(ruleset, parsed, day),
        next_grade=next_grade(ruleset, weights, rates, deductions_total, appraisal, day))


# ---- the report -----------------------------------------------------------------------------------


def _markdown(result: Assessment) -> str:
    unit = result.unit
    lines = [f"# 巡查工作考核结果：{unit.name or '（未具名单位）'}",
             "",
             f"考核期间：{result.period.start} 至 {result.period.end}",
             "",
             f"**最终得分 {result.final_score:.2f}（{result.grade_zh}）** = 组织评议 "
             f"{'—' if result.appraisal_score is None else f'{result.appraisal_score:g}'} × "
             f"{result.appraisal_share:g} + 综合评分 {result.composite_score:.2f} × {1 - result.appraisal_share:g}"]
    if result.provisional:
        what_if = any("what-if" in i.explanation for i in result.indicators)
        lines += ["", f"> 结果为暂定：缺少输入 {', '.join(result.missing_inputs) or '—'}"
                      f"{'；含假设情形（what-if）' if what_if else ''}"]
    lines += ["", "## 考核指标（第二十二条）", "", "| 指标 | 分值 | 得分 | 失分 | 依据 | 说明 |",
              "|---|---|---|---|---|---|"]
    for i in result.indicators:
        lines.append(f"| {i.name_zh} | {i.weight:g} | {i.score:.2f} | {i.lost:.2f} | {i.citation.ref_en} | "
                     f"{i.explanation.replace('|', '/')} |")
    if result.deductions:
        lines += ["", "## 扣分", ""]
        lines += [f"- −{d.points:g}：{d.reason}（{'; '.join(d.evidence)}）" for d in result.deductions]
    lines += ["", "## 考核结果运用（第二十三条）", ""]
    for c in result.consequences:
        due = f"，期限 {c.due}" if c.due else ""
        lines.append(f"- {c.name_zh}{'（暂定）' if c.provisional else ''}：对象 {c.addressee}，由 {c.by}{due}"
                     f"（{c.citation.ref_zh}）")
    flagged = [p for p in result.accountability if p.flags]
    lines += ["", "## 责任追究（第二十四条）", ""]
    if not flagged:
        lines.append("- 无（未记录造成严重后果的情形）")
    for person in flagged:
        leader = "（领导干部）" if person.is_leader else ""
        lines.append(f"- {person.name}{leader}：严重后果 {person.serious_consequences}")
        lines += [f"  - {f.name_zh}（{f.citation.ref_zh}）：{'; '.join(f.evidence)}" for f in person.flags]
    if result.next_grade:
        n = result.next_grade
        lines += ["", f"## 达到下一等次（{n.target_grade}，{n.target_score:g} 分）的最小改进", ""]
        if not n.reachable:
            lines.append("- 仅靠改进考核指标无法达到")
        lines += [f"- {c.indicator}：{c.from_rate:.2%} → {c.to_rate:.2%}（+{c.points:.2f} 分）" for c in n.changes]
    return "\n".join(lines) + "\n"
