"""Arts. 4–6, 10, 12: the patrol ledger, the patrol team and the annual plans, as validated records.

Each record is a pydantic model whose fields may be left out (``None`` = not
recorded); the validator lists *every* missing or inconsistent field. What is
a problem, and under which article, is data: the tables of the ``ledger``,
``team`` and ``plan`` contexts (``art10_ledger.yaml``, ``art12_team.yaml``,
``art05_plans.yaml``, ``art06_plans.yaml``) read the facts computed here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from . import units
from .contexts import catalogue, findings, run_context
from .decision import CitationOut
from .engine.tables import Kind
from .errors import InputError, Problem, parse_input, shown, validation_problems
from .labels import VALUE_LABELS_ZH
from .observation import Area, Day, Moment, Observation, UnitKind
from .observation import InputModel as _Model

if TYPE_CHECKING:
    from .decision import Decision
    from .ruleset import Ruleset

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# ---- the ledger (Art. 10) ---------------------------------------------------


class LedgerFinding(StrEnum):
    """What the patrol found at the site: a confirmed violation, a suspected one (Art. 11(三)), or none."""

    violation = "violation"
    suspected = "suspected"
    none = "none"


class StopMeasure(StrEnum):
    """制止措施 (Arts. 11(四), 13)."""

    oral_stop = "oral_stop"  # 口头制止 (Art. 13 ¶2)
    notice_stop_illegal_act = "notice_stop_illegal_act"  # 《责令停止违法行为通知书》
    notice_stop_illegal_construction = "notice_stop_illegal_construction"  # 《责令停止违法建设通知书》
    suspend_approvals = "suspend_approvals"  # 通知相关科室停止办理相关审批手续 (Art. 13 ¶3)
    report_upward = "report_upward"  # 同时向上级报告 (Art. 11(四))


class StopEffect(StrEnum):
    """制止效果."""

    stopped = "stopped"  # 已停止
    corrected = "corrected"  # 已改正
    continuing = "continuing"  # 未停止 / 拒不停止
    pending = "pending"  # 待跟踪核查


class NoticeType(StrEnum):
    notice_stop_illegal_act = "notice_stop_illegal_act"
    notice_stop_illegal_construction = "notice_stop_illegal_construction"


class InitialCheck(_Model):
    """Art. 11(三): the initial verification of a suspected violation."""

    subject: str | None = Field(None, description="涉嫌违法主体")
    project_name: str | None = Field(None, description="项目名称")
    site: str | None = Field(None, description="用地位置")
    area: Area | None = Field(None, description="面积")
    land_use: str | None = Field(None, description="用途")
    approval_progress: str | None = Field(None, description="审批和施工进展情况")
    mineral_facts: str | None = Field(None, description="无证勘查或者开采矿产资源等情况")
    evidence: tuple[str, ...] = Field((), description="证据材料 collected (photo ids, statements …)")


class LedgerEntry(_Model):
    """One entry of the patrol ledger (巡查台账), Art. 10 ¶2, with the Art. 11(三) facts and extras."""

    id: str | None = None
    unit_kind: UnitKind | None = None
    unit_name: str | None = None
    patrol_time: Moment | None = Field(None, description="巡查时间")
    patrol_staff: tuple[str, ...] = Field((), description="巡查人员")
    route: str | None = Field(None, description="巡查路线")
    plan_area: str | None = Field(None, description="the annual plan's area patrolled (links the entry to the plan)")
    inspected_items: tuple[str, ...] = Field((), description="巡查项目")
    finding: LedgerFinding | None = Field(None, description="violation / suspected / none")
    offender_or_project: str | None = Field(None, description="违法项目主体或名称")
    location: str | None = Field(None, description="违法地点")
    violation_status: str | None = Field(None, description="违法现状")
    stop_measures: tuple[StopMeasure, ...] = Field((), description="制止措施")
    stop_effect: StopEffect | None = Field(None, description="制止效果")
    follow_up: str | None = Field(None, description="后续处理")
    initial_check: InitialCheck | None = None
    longitude: float | None = Field(None, ge=-180, le=180)
    latitude: float | None = Field(None, ge=-90, le=90)
    zone_tier: Literal["key", "general", "unlisted"] | None = None
    item_codes: tuple[str, ...] = Field((), description="Art. 9 items found, e.g. i1")
    notice_type: NoticeType | None = None
    entered_into_system: Moment | None = Field(None, description="录入巡查信息系统的时间")

    @field_validator("item_codes")
    @classmethod
    def _items_need_a_finding(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if value and info.data.get("finding") == LedgerFinding.none:
            raise PydanticCustomError("inconsistent", "Art. 9 items are recorded although no violation was found",
                                      {"expected": "no item codes, or finding violation or suspected"})
        return value


_MEASURES = tuple(m.value for m in StopMeasure)
LEDGER_FACTS = catalogue("ledger", {
    "patrol_time_recorded": (Kind.BOOLEAN, None, "巡查时间 recorded"),
    "patrol_staff_recorded": (Kind.BOOLEAN, None, "巡查人员 recorded"),
    "route_recorded": (Kind.BOOLEAN, None, "巡查路线 recorded"),
    "inspected_items_recorded": (Kind.BOOLEAN, None, "巡查项目 recorded"),
    "finding_recorded": (Kind.BOOLEAN, None, "whether a violation was found is recorded"),
    "finding": (Kind.ENUM, tuple(f.value for f in LedgerFinding), "violation / suspected / none"),
    "offender_or_project_recorded": (Kind.BOOLEAN, None, "违法项目主体或名称 recorded"),
    "location_recorded": (Kind.BOOLEAN, None, "违法地点 recorded"),
    "violation_status_recorded": (Kind.BOOLEAN, None, "违法现状 recorded"),
    "stop_measures_recorded": (Kind.BOOLEAN, None, "制止措施 recorded"),
    "stop_measures": (Kind.SET, _MEASURES, "the stop measures recorded"),
    "stop_effect_recorded": (Kind.BOOLEAN, None, "制止效果 recorded"),
    "follow_up_recorded": (Kind.BOOLEAN, None, "后续处理 recorded"),
    "initial_check_recorded": (Kind.BOOLEAN, None, "the Art. 11(三) initial verification recorded"),
    "notice_type": (Kind.ENUM, tuple(n.value for n in NoticeType), "the written stop notice served"),
    "staff_count": (Kind.NUMBER, "integer", "number of patrol officers named"),
    "entered_before_patrol": (Kind.BOOLEAN, None, "entry time before the patrol time (unknown if either is)"),
    "entry_delay": (Kind.QUANTITY, "duration", "calendar days from the patrol day to the entry day"),
    "unentered_for": (Kind.QUANTITY, "duration", "calendar days from the patrol day to as_of, not yet entered"),
})


def _text(value: str | None) -> bool:
    return value is not None and value.strip() != ""


def _checked(check: InitialCheck) -> bool:
    """Whether the initial verification records anything: a text of spaces records nothing."""
    def recorded(value: Any) -> bool:
        if isinstance(value, str):
            return _text(value)
        if isinstance(value, tuple):
            return any(recorded(v) for v in value)
        return value is not None

    return any(recorded(value) for _, value in check)


def _days(n: int) -> float:
    """Calendar days as the canonical duration magnitude (hours)."""
    return float(units.canonical_magnitude(units.ureg.Quantity(Fraction(n), units.parse_unit("day")), "duration"))


def ledger_facts(entry: LedgerEntry, as_of: dt.date | None = None) -> dict[str, Any]:
    """The facts the ledger tables read from one entry."""
    patrol, entered = entry.patrol_time, entry.entered_into_system
    entry_delay = unentered = None
    if patrol is not None and entered is not None:
        entry_delay = _days((entered.date() - patrol.date()).days)  # Beijing dates (observation.Moment)
    if patrol is not None and entered is None and as_of is not None:
        unentered = _days((as_of - patrol.date()).days)
    check = entry.initial_check
    # the notice served: as recorded, or the one among the stop measures (Art. 13 ¶3), so a notice
    # recorded only as a measure is held to the same checks (halted approvals, a confirmed violation)
    notice = entry.notice_type or _notice_among(entry.stop_measures)
    return {
        "ledger.patrol_time_recorded": patrol is not None,
        "ledger.patrol_staff_recorded": any(_text(s) for s in entry.patrol_staff),
        "ledger.route_recorded": _text(entry.route),
        "ledger.inspected_items_recorded": any(_text(s) for s in entry.inspected_items),
        "ledger.finding_recorded": entry.finding is not None,
        "ledger.finding": None if entry.finding is None else entry.finding.value,
        "ledger.offender_or_project_recorded": _text(entry.offender_or_project),
        "ledger.location_recorded": _text(entry.location) or (entry.longitude is not None
                                                               and entry.latitude is not None),
        "ledger.violation_status_recorded": _text(entry.violation_status),
        "ledger.stop_measures_recorded": bool(entry.stop_measures),
        "ledger.stop_measures": frozenset(m.value for m in entry.stop_measures),
        "ledger.stop_effect_recorded": entry.stop_effect is not None,
        "ledger.follow_up_recorded": _text(entry.follow_up),
        "ledger.initial_check_recorded": check is not None and _checked(check),
        "ledger.notice_type": None if notice is None else notice.value,
        "ledger.staff_count": float(len({s.strip() for s in entry.patrol_staff if _text(s)})),
        "ledger.entered_before_patrol": None if patrol is None or entered is None else entered < patrol,
        "ledger.entry_delay": entry_delay,
        "ledger.unentered_for": unentered,
    }


# ---- the team (Art. 12) -----------------------------------------------------


class Officer(_Model):
    """A patrol officer on the task, with the enforcement certificate carried (执法监察等有效证件)."""

    name: str | None = None
    certificate_no: str | None = Field(None, description="执法证件号")
    certificate_valid_from: Day | None = None
    certificate_valid_until: Day | None = None
    uniform: bool | None = Field(None, description="着装规范")

    @field_validator("certificate_valid_until")
    @classmethod
    def _ends_after_it_starts(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        since = info.data.get("certificate_valid_from")
        if value is not None and since is not None and value < since:
            raise PydanticCustomError("inconsistent", "the certificate ends before it starts",
                                      {"expected": f"a date on or after certificate_valid_from ({since})"})
        return value


class PatrolTeam(_Model):
    """The officers executing one patrol task (Art. 12)."""

    id: str | None = None
    patrol_date: Day | None = None
    unit_name: str | None = None
    task: str | None = None
    officers: tuple[Officer, ...] = ()


def _people(officers: tuple[Officer, ...]) -> int:
    """How many people the entries name (Art. 12 不少于2人 counts people, not lines): one per certificate
    number; a line without a number is one of them when its name goes with exactly one number (or with
    several: it cannot add a person who may be one of them), else one person per name; a line with
    neither is a person of its own."""
    numbers_of: dict[str, set[str]] = {}
    numbers: set[str] = set()
    bare: set[str] = set()
    anonymous = 0
    for officer in officers:
        number = str(officer.certificate_no).strip() if _text(officer.certificate_no) else None
        name = str(officer.name).strip() if _text(officer.name) else None
        if number is not None:
            numbers.add(number)
            if name is not None:
                numbers_of.setdefault(name, set()).add(number)
        elif name is not None:
            bare.add(name)
        else:
            anonymous += 1
    return len(numbers) + len(bare - numbers_of.keys()) + anonymous


def _no_certificate(officer: Officer, day: dt.date | None) -> bool:
    return not _text(officer.certificate_no)


def _invalid_certificate(officer: Officer, day: dt.date | None) -> bool:
    until = officer.certificate_valid_until
    return day is not None and not _no_certificate(officer, day) and until is not None and until < day


def _certificate_validity_unknown(officer: Officer, day: dt.date | None) -> bool:
    # not shown valid, nor shown expired: the record does not say, as with an unrecorded uniform
    return day is not None and not _no_certificate(officer, day) and officer.certificate_valid_until is None


def _not_yet_valid_certificate(officer: Officer, day: dt.date | None) -> bool:
    since = officer.certificate_valid_from
    return day is not None and not _no_certificate(officer, day) and since is not None and since > day


def _out_of_uniform(officer: Officer, day: dt.date | None) -> bool:
    return officer.uniform is False


def _uniform_unknown(officer: Officer, day: dt.date | None) -> bool:
    return officer.uniform is None


_PER_OFFICER: dict[str, Callable[[Officer, dt.date | None], bool]] = {
    "certificate_missing": _no_certificate,
    "certificate_invalid": _invalid_certificate,
    "certificate_validity_unrecorded": _certificate_validity_unknown,
    "certificate_not_yet_valid": _not_yet_valid_certificate,
    "not_in_uniform": _out_of_uniform,
    "uniform_unrecorded": _uniform_unknown,
}

TEAM_FACTS = catalogue("team", {
    "patrol_date_recorded": (Kind.BOOLEAN, None, "the patrol date is recorded"),
    "officer_count": (Kind.NUMBER, "integer", "officers on the task"),
    "officers_without_certificate": (Kind.NUMBER, "integer", "officers carrying no certificate"),
    "officers_with_invalid_certificate": (Kind.NUMBER, "integer", "officers whose certificate has expired by that day"),
    "officers_with_certificate_validity_unrecorded": (Kind.NUMBER, "integer",
                                                      "officers whose certificate's end of validity is not recorded"),
    "officers_with_certificate_not_yet_valid": (Kind.NUMBER, "integer",
                                                "officers whose certificate is valid only from a later day"),
    "officers_not_in_uniform": (Kind.NUMBER, "integer", "officers not in proper uniform"),
    "officers_uniform_unrecorded": (Kind.NUMBER, "integer", "officers whose uniform is not recorded"),
})


def team_facts(team: PatrolTeam) -> dict[str, Any]:
    day = team.patrol_date

    def count(test: Callable[[Officer, dt.date | None], bool]) -> float:
        return float(sum(1 for officer in team.officers if test(officer, day)))

    return {
        "team.patrol_date_recorded": day is not None,
        "team.officer_count": float(_people(team.officers)),
        "team.officers_without_certificate": count(_no_certificate),
        "team.officers_with_invalid_certificate": count(_invalid_certificate),
        "team.officers_with_certificate_validity_unrecorded": count(_certificate_validity_unknown),
        "team.officers_with_certificate_not_yet_valid": count(_not_yet_valid_certificate),
        "team.officers_not_in_uniform": count(_out_of_uniform),
        "team.officers_uniform_unrecorded": count(_uniform_unknown),
    }


# ---- the annual plans (Arts. 4–6) ---------------------------------------------


class PlanArea(_Model):
    """One patrol area (detachment) or responsible area (station) of an annual plan."""

    name: str | None = Field(None, description="巡查区域 / 巡查责任区域")
    tier: Literal["key", "general", "unlisted"] | None = Field(None, description="Art. 8 tier of the area")
    responsible_staff: tuple[str, ...] = Field((), description="巡查责任人员")
    route: str | None = Field(None, description="巡查路线")
    time_slots: tuple[str, ...] = Field((), description="巡查时段")
    frequency_per_week: float | None = Field(None, gt=0, description="巡查频率: patrols a week")


class AnnualPlan(_Model):
    """A detachment's (Art. 5(一)) or a station's (Art. 6(一)) annual patrol plan."""

    id: str | None = None
    unit_kind: UnitKind | None = None
    unit_name: str | None = None
    year: int | None = Field(None, ge=2000, le=2100)
    areas: tuple[PlanArea, ...] = ()
    implementing_units: tuple[str, ...] = Field((), description="巡查实施具体单位 (detachment plan)")
    base_frequency_per_week: float | None = Field(None, gt=0, description="巡查基本频率 (detachment plan)")
    filed_on: Day | None = Field(None, description="date filed (备案) with the district bureau")

    @field_validator("areas")
    @classmethod
    def _each_area_once(cls, value: tuple[PlanArea, ...]) -> tuple[PlanArea, ...]:
        names = [a.name.strip() for a in value if a.name and a.name.strip()]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise PydanticCustomError("duplicate", "an area is listed twice: {names}",
                                      {"names": ", ".join(twice).encode("utf-8", "backslashreplace").decode("utf-8"),
                                       "expected": "each area once, by its name"})  # a lone surrogate escaped
        return value


_PER_AREA: dict[str, tuple[str, Callable[[PlanArea], bool]]] = {
    "area_missing_staff": ("responsible_staff", lambda a: any(_text(s) for s in a.responsible_staff)),
    "area_missing_route": ("route", lambda a: _text(a.route)),
    "area_missing_time_slots": ("time_slots", lambda a: any(_text(s) for s in a.time_slots)),
    "area_missing_frequency": ("frequency_per_week", lambda a: a.frequency_per_week is not None),
}

PLAN_FACTS = catalogue("plan", {
    "unit_kind_recorded": (Kind.BOOLEAN, None, "whose plan it is is recorded"),
    "unit_kind": (Kind.ENUM, tuple(u.value for u in UnitKind), "the implementing body the plan belongs to"),
    "year_recorded": (Kind.BOOLEAN, None, "the plan's year is recorded"),
    "areas_recorded": (Kind.BOOLEAN, None, "at least one named area"),
    "implementing_units_recorded": (Kind.BOOLEAN, None, "巡查实施具体单位 named"),
    "base_frequency_recorded": (Kind.BOOLEAN, None, "巡查基本频率 stated for the plan or every area"),
    "responsible_staff_recorded": (Kind.BOOLEAN, None, "every area names its responsible staff"),
    "routes_recorded": (Kind.BOOLEAN, None, "every area states its route"),
    "time_slots_recorded": (Kind.BOOLEAN, None, "every area states its time slots"),
    "frequency_recorded": (Kind.BOOLEAN, None, "every area states its frequency"),
})


def plan_facts(plan: AnnualPlan) -> dict[str, Any]:
    areas = plan.areas
    return {
        "plan.unit_kind_recorded": plan.unit_kind is not None,
        "plan.unit_kind": None if plan.unit_kind is None else plan.unit_kind.value,
        "plan.year_recorded": plan.year is not None,
        "plan.areas_recorded": any(_text(a.name) for a in areas),
        "plan.implementing_units_recorded": any(_text(u) for u in plan.implementing_units),
        "plan.base_frequency_recorded": plan.base_frequency_per_week is not None or (
            bool(areas) and all(a.frequency_per_week is not None for a in areas)),
        **{f"plan.{name}": all(test(a) for a in areas) for name, (_, test) in (
            ("responsible_staff_recorded", _PER_AREA["area_missing_staff"]),
            ("routes_recorded", _PER_AREA["area_missing_route"]),
            ("time_slots_recorded", _PER_AREA["area_missing_time_slots"]),
            ("frequency_recorded", _PER_AREA["area_missing_frequency"]))},
    }


# ---- results -----------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RecordProblem(_Out):
    """One missing, invalid or inconsistent field, with the article that requires it."""

    path: str
    code: str
    message: str
    expected: str | None = None
    given: Any = None
    citation: CitationOut | None = None
    rule: str | None = Field(None, description="table/rule that found it; None for a malformed field")


class Obligation(_Out):
    """Something a unit owes because of its record: who, to whom, by when, under which article."""

    duty: str
    duty_zh: str
    owed_by: str | None
    owed_to: str
    status: Literal["done", "outstanding", "recurring"]
    done_on: dt.date | None = None
    due: dt.date | None = None
    weekday: str | None = None
    citation: CitationOut


class Validation(_Out):
    """The result of validating one record: every problem, and the obligations it gives rise to."""

    kind: Literal["ledger", "team", "plan"]
    record_id: str | None
    valid: bool
    problems: list[RecordProblem]
    obligations: list[Obligation] = []


def _parse(model: type[_Model], data: Any) -> tuple[Any, list[RecordProblem], set[str]]:
    """The record, the problems of malformed fields, and those fields' top-level names.

    Malformed fields are dropped and the rest validated again, so the content
    rules still run and every problem is listed at once.
    """
    if isinstance(data, model):
        return data, [], set()
    if not isinstance(data, Mapping):
        return None, [RecordProblem(path="", code="invalid", message="a record must be a JSON object",
                                    given=type(data).__name__, expected="an object")], set()
    try:
        return model.model_validate(dict(data)), [], set()
    except ValidationError as exc:
        errors = exc.errors()
    scalar = (str, int, float, bool, type(None))
    problems = [RecordProblem(path=p.path, code="invalid", message=p.message, expected=p.expected,
                              given=p.as_dict()["given"] if isinstance(p.given, scalar) else shown(p.given))
                for p in validation_problems(errors, model=model)]
    bad = {str(e["loc"][0]) for e in errors if e.get("loc")}
    try:
        record = model.model_validate({k: v for k, v in data.items() if k not in bad})
    except ValidationError:
        record = None
    return record, problems, bad


def _table_problems(ruleset: Ruleset, context: str, facts: dict[str, Any], day: dt.date, path: str
                    ) -> list[tuple[str, dict[str, Any], CitationOut]]:
    run = run_context(ruleset, context, facts, day, path)
    return [(f"{f.table}/{f.rule}", f.outputs, f.citation) for f in findings(ruleset, context, run)
            if "code" in f.outputs]


def _problem(rule: str, outputs: dict[str, Any], citation: CitationOut, path: str | None = None,
             message: str | None = None) -> RecordProblem:
    expected = outputs.get("expected")
    return RecordProblem(path=path or str(outputs["path"]), code=str(outputs["code"]),
                         message=message or str(outputs["message"]),
                         expected=None if expected is None else _filled(str(expected), outputs),
                         citation=citation, rule=rule)


_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def _filled(text: str, outputs: Mapping[str, Any]) -> str:
    """``text`` with each ``{name}`` replaced by the rule's *number* output ``name`` (a parameter in force, e.g.
    the fewest officers of Art. 12): plain substitution, nothing a rule file writes is evaluated, and a text
    output is never substituted (an untrusted file could make one text repeat itself without bound)."""
    def value(match: re.Match[str]) -> str:
        found = outputs.get(match.group(1))
        if isinstance(found, bool) or not isinstance(found, (int, float)):
            return match.group(0)
        return str(int(found)) if float(found).is_integer() else str(found)

    return _PLACEHOLDER.sub(value, text)


def as_of_date(value: Any, path: str = "as_of") -> dt.date | None:
    """The ``as_of`` argument (a date or its ISO text), read like a date field; ``InputError`` otherwise."""
    try:
        return _AS_OF.validate_python(value)
    except ValidationError as exc:
        raise InputError(validation_problems(exc.errors(), prefix=path)) from None


_AS_OF: TypeAdapter[dt.date | None] = TypeAdapter(Day | None)


def validate_ledger(ruleset: Ruleset, data: LedgerEntry | Mapping[str, Any], as_of: dt.date | None = None
                    ) -> Validation:
    """Every missing or inconsistent field of one ledger entry (Arts. 10–13); ``as_of`` checks unentered entries."""
    as_of = as_of_date(as_of)
    entry, problems, bad = _parse(LedgerEntry, data)
    if entry is not None:
        day = as_of or (entry.patrol_time.date() if entry.patrol_time else ruleset.effective)
        path = "as_of" if as_of else "patrol_time"
        for rule, outputs, citation in _table_problems(ruleset, "ledger", ledger_facts(entry, as_of), day, path):
            if str(outputs["path"]) not in bad:
                problems.append(_problem(rule, outputs, citation))
    record_id = entry.id if entry is not None else None
    return Validation(kind="ledger", record_id=record_id, valid=not problems, problems=problems)


def validate_team(ruleset: Ruleset, data: PatrolTeam | Mapping[str, Any]) -> Validation:
    """Every breach of Art. 12 by one patrol team, naming the officers behind each."""
    team, problems, bad = _parse(PatrolTeam, data)
    if team is not None:
        day = team.patrol_date or ruleset.effective
        for rule, outputs, citation in _table_problems(ruleset, "team", team_facts(team), day, "patrol_date"):
            code = str(outputs["code"])
            if code in _PER_OFFICER:
                for index, officer in enumerate(team.officers):
                    if _PER_OFFICER[code](officer, team.patrol_date):
                        who = officer.name or f"officer {index + 1}"
                        problems.append(_problem(rule, outputs, citation, f"officers.{index}.{outputs['path']}",
                                                 f"{who}: {outputs['message']}"))
            elif str(outputs["path"]) not in bad:
                problems.append(_problem(rule, outputs, citation))
    return Validation(kind="team", record_id=team.id if team else None, valid=not problems, problems=problems)


def _next_weekday(day: dt.date, weekday: str) -> dt.date:
    return day + dt.timedelta(days=(WEEKDAYS.index(weekday) - day.weekday()) % 7)


def validate_plan(ruleset: Ruleset, data: AnnualPlan | Mapping[str, Any], as_of: dt.date | None = None
                  ) -> Validation:
    """Every missing element of an annual plan (Arts. 5(一), 6(一)), and its filing and weekly-report duties."""
    as_of = as_of_date(as_of)
    plan, problems, bad = _parse(AnnualPlan, data)
    obligations: list[Obligation] = []
    if plan is not None:
        day = as_of or (dt.date(plan.year, 1, 1) if plan.year else ruleset.effective)
        day = max(day, ruleset.effective) if as_of is None else day
        run = run_context(ruleset, "plan", plan_facts(plan), day, "as_of")
        for found in findings(ruleset, "plan", run):
            rule, outputs, citation = f"{found.table}/{found.rule}", found.outputs, found.citation
            if "duty" in outputs:
                obligations.append(_obligation(plan, outputs, citation, as_of))
                continue
            code = str(outputs["code"])
            if code in _PER_AREA:
                field, test = _PER_AREA[code]
                for index, area in enumerate(plan.areas):
                    if not test(area):
                        who = area.name or f"area {index + 1}"
                        problems.append(_problem(rule, outputs, citation, f"areas.{index}.{field}",
                                                 f"{who}: {outputs['message']}"))
            elif str(outputs["path"]) not in bad:
                problems.append(_problem(rule, outputs, citation))
    return Validation(kind="plan", record_id=plan.id if plan else None, valid=not problems, problems=problems,
                      obligations=obligations)


def _obligation(plan: AnnualPlan, outputs: dict[str, Any], citation: CitationOut, as_of: dt.date | None
                ) -> Obligation:
    duty = str(outputs["duty"])
    common = {"duty": duty, "duty_zh": str(outputs["duty_zh"]), "owed_by": plan.unit_name,
              "owed_to": str(outputs["owed_to"]), "citation": citation}
    if duty == "weekly_report":
        weekday = str(outputs.get("weekday") or "")
        if weekday not in WEEKDAYS:
            from .errors import RuleProblem, RulesetError

            raise RulesetError([RuleProblem("parameters", None, f"weekly_report_weekday {weekday!r} is not a weekday",
                                            fix=f"use one of {', '.join(WEEKDAYS)}")])
        due = _next_weekday(as_of, weekday) if as_of is not None else None
        return Obligation(**common, status="recurring", due=due, weekday=weekday)
    # Art. 5(一) / 6(一): the plan is filed (备案) with the district bureau; no deadline is set. Checked as of a
    # day before the filing, it was still outstanding then.
    filed = plan.filed_on is not None and (as_of is None or plan.filed_on <= as_of)
    return Obligation(**common, status="done" if filed else "outstanding", done_on=plan.filed_on if filed else None)


# ---- a ledger entry pre-filled from an observation and its decision --------------


def _label(value: Any) -> str:
    text = str(getattr(value, "value", value))
    return VALUE_LABELS_ZH.get(text, text)


def _code(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    for attribute in ("item", "code", "id"):
        value = getattr(item, attribute, None)
        if isinstance(value, str):
            return value
    return None


def _notice_type(notice: Any) -> NoticeType | None:
    candidates = [notice] + [getattr(notice, a, None) for a in ("type", "kind", "code", "document", "id")]
    for candidate in candidates:
        text = getattr(candidate, "value", candidate)
        if isinstance(text, str) and text in NoticeType.__members__:
            return NoticeType(text)
    return None


def _finding(decision: Any) -> tuple[LedgerFinding, tuple[str, ...], NoticeType | None]:
    violations = getattr(decision, "violations", None)
    status = getattr(getattr(violations, "status", None), "value", getattr(violations, "status", None))
    items = tuple(c for c in (_code(i) for i in getattr(violations, "items", None) or ()) if c)
    notice = _notice_type(getattr(getattr(decision, "disposal", None), "notice", None))  # Decision.disposal
    if status == "violation":
        return LedgerFinding.violation, items, notice
    if status == "no_violation":
        return LedgerFinding.none, (), None
    # Undetermined, or a ruleset without Art. 9: a suspicion under initial verification (Art. 11(三)).
    return LedgerFinding.suspected, items, None


def _location(observation: Observation) -> str | None:
    site = observation.site
    parts = [p for p in (site.township, site.address) if p]
    if site.longitude is not None and site.latitude is not None:
        parts.append(f"({site.longitude:.6f}, {site.latitude:.6f})")
    return "，".join(parts) or None


def _status_text(observation: Observation) -> str | None:
    activity = observation.activity
    parts = [_label(v) for v in (activity.stage, activity.kind) if v is not None]
    if observation.quantities.area:
        total = sum((units.canonical_magnitude(q, "area") for q in observation.quantities.area.values()), Fraction(0))
        parts.append(f"占地 {float(total):.10g} m²")
    if activity.description:
        parts.append(activity.description)
    return "；".join(parts) or None


def ledger_entry_from(observation: Observation | Mapping[str, Any], decision: Decision, *,
                      patrol_staff: tuple[str, ...] | None = None, route: str | None = None,
                      inspected_items: tuple[str, ...] | None = None,
                      stop_measures: tuple[StopMeasure, ...] | None = None, stop_effect: StopEffect | None = None,
                      follow_up: str | None = None, entered_into_system: dt.datetime | None = None,
                      evidence: tuple[str, ...] = ()) -> LedgerEntry:
    """A ledger entry pre-filled from an observation and its decision; what neither knows stays unrecorded.

    Keyword arguments supply what the patrol knows but the observation does not carry. The decision
    says which stop measures are *owed* (``stop_measures_owed``), not which were *taken*: the measures,
    the notice served and the stop's effect stay unrecorded until ``stop_measures`` records them, so an
    unedited draft never claims a measure nobody took (Art. 24(五) 弄虚作假) and the validator names them.
    """
    from .ruleset import parse_observation

    obs = parse_observation(observation)
    decision = _decision_of(decision)
    finding, items, _ = _finding(decision)
    location = _location(obs)
    found = finding != LedgerFinding.none
    project = obs.project_name or obs.party.name
    inspected = inspected_items if inspected_items is not None else tuple(
        p for p in (obs.project_name, _label(obs.activity.kind) if obs.activity.kind else None, obs.site.address) if p)
    area = None
    if obs.quantities.area:
        total = sum((units.canonical_magnitude(q, "area") for q in obs.quantities.area.values()), Fraction(0))
        area = units.ureg.Quantity(total, units.parse_unit("m²"))
    check = None
    if found:
        approval = [_label(v) for v in (obs.land.approval, obs.activity.stage) if v is not None]
        licence = obs.permits.mining_licence or obs.permits.exploration_licence
        check = {
            "subject": obs.party.name, "project_name": obs.project_name, "site": location, "area": area,
            "land_use": _label(obs.land.land_class) if obs.land.land_class else None,
            "approval_progress": "；".join(approval) or None,
            "mineral_facts": f"许可证：{_label(licence.status)}" if licence and licence.status else None,
            "evidence": evidence}
    default_follow_up = {
        LedgerFinding.violation: "跟踪检查整改情况，及时更新巡查信息（第十一条第（五）项、第十三条第二款）",
        LedgerFinding.suspected: "继续初步核查，确认是否构成违法（第十一条第（三）项）",
    }
    # one validation of the whole entry: a bad keyword argument is an InputError naming its field
    entry = parse_input(LedgerEntry, {
        "id": obs.id,
        "unit_kind": obs.patrol.unit_kind,
        "unit_name": obs.patrol.unit_name,
        "patrol_time": obs.observed_at,
        "patrol_staff": patrol_staff if patrol_staff is not None else obs.patrol.officers,
        "route": route if route is not None else obs.patrol.route,
        "inspected_items": inspected,
        "finding": finding,
        "offender_or_project": project if found else None,
        "location": location if found else None,
        "violation_status": _status_text(obs) if found else None,
        "stop_measures": () if stop_measures is None else stop_measures,
        "stop_effect": stop_effect,
        "follow_up": (follow_up or default_follow_up.get(finding)) if found else None,
        "initial_check": check,
        "longitude": obs.site.longitude,
        "latitude": obs.site.latitude,
        "zone_tier": decision.zone.tier,
        "item_codes": items,
        "entered_into_system": entered_into_system,
    }, "ledger entry")
    # what the recorded measures say: the notice served among them, and an effect pending until known
    pending = entry.stop_measures and finding == LedgerFinding.violation and entry.stop_effect is None
    return entry.model_copy(update={"notice_type": _notice_among(entry.stop_measures),
                                    **({"stop_effect": StopEffect.pending} if pending else {})})


def _notice_among(measures: tuple[StopMeasure, ...]) -> NoticeType | None:
    """The written notice among the stop measures taken (Art. 13 ¶3), if any."""
    return next((NoticeType(m.value) for m in measures if m.value in NoticeType.__members__), None)


def _decision_of(decision: Any) -> Any:
    """A decision, or its JSON as ``Decision.model_dump(mode="json")`` gives it."""
    from .decision import Decision

    if isinstance(decision, Mapping):
        try:
            return parse_input(Decision, decision, "decision")
        except InputError as error:
            raise InputError([Problem(f"decision.{p.path}".rstrip("."), p.message, p.given, p.expected)
                              for p in error.problems]) from None
    if getattr(decision, "zone", None) is None:
        raise InputError([Problem("decision", "not a decision", type(decision).__name__,
                                  "a Decision (Ruleset.evaluate) or its JSON")])
    return decision


def stop_measures_owed(decision: Decision) -> tuple[StopMeasure, ...]:
    """The stop measures a decision owes, in the ledger's words: for a confirmed violation the oral stop
    (Art. 13 ¶2), for an act going on the written notice and the halted approvals (Art. 13 ¶3), and the
    report to the superior (Art. 11(四) 同时向上级报告); none for a suspicion or no violation.

    Pass them to ``ledger_entry_from(..., stop_measures=...)`` once the patrol has taken them.
    """
    finding, _, notice = _finding(_decision_of(decision))
    if finding != LedgerFinding.violation:
        return ()
    served = (StopMeasure(notice.value), StopMeasure.suspend_approvals) if notice is not None else ()
    return (StopMeasure.oral_stop, *served, StopMeasure.report_upward)


VALIDATORS: dict[str, Callable[..., Validation]] = {
    "ledger": validate_ledger,
    "team": validate_team,
    "plan": validate_plan,
}


# ---- golden cases for records ---------------------------------------------------


class RecordCase(_Model):
    """A golden case for a record: a sentence, the record, and dotted paths into the result JSON."""

    name: str
    input: Any
    expect: dict[str, Any]
    as_of: dt.date | None = None


class RecordCases(_Model):
    kind: Literal["ledger", "team", "plan", "assessment"]
    cases: list[RecordCase]


def check_record_case(ruleset: Ruleset, kind: str, case: RecordCase) -> list[str]:
    """The mismatches between a case's expectations and the validation result (empty = passed)."""
    from .errors import PatrolRulesError
    from .golden import mismatches_of

    try:
        if kind == "assessment":
            from .assessment import assess

            result = assess(ruleset, case.input).model_dump(mode="json")
        else:
            extra = {} if kind == "team" else {"as_of": case.as_of}
            result = VALIDATORS[kind](ruleset, case.input, **extra).model_dump(mode="json")
    except PatrolRulesError as exc:  # an expected error is a case too: expect {error: <text it contains>}
        if "error" in case.expect and str(case.expect["error"]) in str(exc):
            return []
        return [f"{type(exc).__name__}: {exc}"]
    return mismatches_of(result, case.expect)
