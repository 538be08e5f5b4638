"""The output: a decision made of obligations and findings, each with its citations.

A ``Decision`` is a plain, immutable pydantic model: JSON in, JSON out, the same
bytes in any process. ``explain`` renders it article by article in Chinese or English.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .labels import chinese_number, label, value_label


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CitationOut(_Out):
    """A clause of the regulation, as a reference and with its text."""

    article: int
    paragraph: int | None = None
    item: int | None = None
    ref_zh: str
    ref_en: str
    text_zh: str


class BasisOut(_Out):
    """A legal basis a rule relies on."""

    key: str
    name_zh: str
    name_en: str
    tag: str


class Fired(_Out):
    """One rule that decided something: what it tested and what it produced."""

    table: str
    rule: str
    citation: CitationOut
    basis: list[BasisOut]
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    note: str | None = None


class RulesetStamp(_Out):
    """Which ruleset produced the decision: enough to reproduce it."""

    name: str
    version: str
    content_id: str


class ZoneOut(_Out):
    kind: str
    name_zh: str
    tier: str


class ZoneDecision(_Out):
    """Art. 8: the site's tier, the zones that decided it, patrol modes and frequency."""

    tier: Literal["key", "general", "unlisted"]
    tier_zh: str
    zones: list[ZoneOut]
    deciding_zones: list[str]
    patrol_modes: list[str]
    patrol_modes_zh: list[str]
    frequency_per_week: float | None
    citations: list[CitationOut]


class ViolationItem(_Out):
    """One matched item of Art. 9, worded exactly as the regulation, with its legal basis."""

    item: int
    code: str
    name_zh: str
    name_en: str
    forms: list[str]
    forms_zh: list[str]
    citation: CitationOut
    legal_basis: list[BasisOut]
    rules: list[str]
    matched_facts: dict[str, Any]
    provision: str | None = None
    basis_as_of: dt.date = Field(description="whose law this item's legal bases are: the decision's "
                                             "``basis_as_of``, or its date where the provision then in force "
                                             "punishes less (行政处罚法 第三十七条, 从旧兼从轻)")


class ViolationDecision(_Out):
    """Art. 9: every matching item, the primary one, or an explicit "no violation"."""

    status: Literal["violation", "no_violation", "undetermined"]
    status_zh: str
    items: list[ViolationItem]
    item_numbers: list[int]
    primary_item: int | None
    basis_as_of: dt.date = Field(description="whose law the items' legal bases are: the decision's date, or the "
                                             "act's for an act that ended under other law (行政处罚法 第三十七条)")
    time_rule: list[BasisOut] = []  # 行政处罚法 第三十七条, when the act's date decides (cited from 2021-07-15)


class RequiredAction(_Out):
    """One step the patrol must take, in procedural order, with its article."""

    order: int
    action: str
    name_zh: str
    name_en: str
    citation: CitationOut
    steps_zh: list[str] = []


class StopNotice(_Out):
    """The written stop notice of Art. 13 ¶3 (Art. 11(四) for the 282 route)."""

    type: str
    name_zh: str
    name_en: str
    citation: CitationOut


class DisposalDecision(_Out):
    """Arts. 10–13: required actions in order, the notice, the initial-verification checklist."""

    actions: list[RequiredAction]
    notice: StopNotice | None
    verification_checklist: list[str]
    verification_checklist_zh: list[str]


class Alternative(_Out):
    """What the decision would be if an unknown fact had this value."""

    value: Any
    changes: dict[str, Any]


class MissingFact(_Out):
    """An unknown fact the decision needs, and what each possible value would change."""

    fact: str
    label_zh: str
    alternatives: list[Alternative]


# ---- Arts. 14–15 (escalation.py): escalation, filing, transfer, reports -----


class RecipientOut(_Out):
    """Someone who must or may be told once a written stop fails (Art. 14 ¶1)."""

    recipient: str
    name_zh: str
    role: str
    mandatory: bool
    reason: str
    request: str
    request_source: str  # regulation / law / local_practice / default
    rule: str
    citation: CitationOut
    basis: list[BasisOut]


class ConditionOut(_Out):
    """One 立案 condition and whether it holds (unknown when a fact is missing)."""

    condition: str
    name_zh: str
    status: Literal["met", "failed", "unknown"]


class LimitationOut(_Out):
    """The limitation period (行政处罚法 第36条), counted for a continuing act from its end."""

    continuing: bool | None
    years: int | None
    runs_from: dt.date | None
    expires_on: dt.date | None
    discovered_on: dt.date
    within: bool | None


class FilingOut(_Out):
    """Art. 14 ¶2: whether the case must be filed (立案), and the five conditions. ``may_not_file``: all
    five are met but the act is minor, corrected in time and harmless — 可以不予立案 (《自然资源行政处罚办法》
    第十六条第二款, from 2024-05-01), the bureau's choice."""

    decision: Literal["file", "may_not_file", "not_filed", "undetermined"]
    conditions: list[ConditionOut]
    limitation: LimitationOut
    citations: list[CitationOut]


class CrimeLineOut(_Out):
    """A criminal line the facts reach, with its parameter, value, unit and source."""

    crime: str
    name_zh: str
    rule: str
    parameters: list[str]
    thresholds: list[str]
    references: list[str]
    citation: CitationOut
    basis: list[BasisOut]


class TransferOut(_Out):
    """Art. 14 ¶2: suspected crimes to transfer to the judicial organs."""

    suspected: bool | None = Field(description="None: no line is reached yet, but one could be once the facts in "
                                                "``undetermined_by`` are known")
    undetermined_by: list[str] = Field([], description="what a criminal line waits on, as the input to record "
                                                       "(``quantities.area`` for the areas): none when "
                                                       "``suspected`` is true or false")
    crimes: list[str]
    lines: list[CrimeLineOut]
    lines_as_of: dt.date  # whose criminal lines: the decision's date, or the act's (``time_rule``)
    time_rule: list[BasisOut] = []  # 高检发释字〔2001〕5号 三, when the act's date decides
    procedure: Literal["none", "reported", "approved", "refused"] | None = Field(
        None, description="a case's transfer procedure (《行政执法机关移送涉嫌犯罪案件的规定》第五条) as its events "
                          "leave it: the written report received, the transfer approved or refused (its reasons "
                          "to be on record); a refusal leaves no transfer duty, even with a line reached. None for "
                          "an observation")


class ProvisionalOut(_Out):
    """A due time counted in working days of a year no official holiday notice covers yet.

    Those days come from 《全国年节及纪念日放假办法》第二条 and weekends alone (deadlines.py),
    so the due time may move once the year's notice is added to ``calendar.yaml``.
    """

    years: list[int]
    reason_zh: str
    reason_en: str


class ReportOut(_Out):
    """A report owed: type, sender, recipients, due time and article."""

    type: str
    type_zh: str
    sender: str
    recipients: list[str]
    due: dt.datetime | None
    deadline: str  # the parameter and its value, e.g. "zero_report_hours = 24 hour"
    due_provisional: ProvisionalOut | None = None  # set when ``due`` counted a provisional year
    criteria: list[str] = []
    citation: CitationOut


class EscalationOut(_Out):
    """The observation-level part of Arts. 14–15: zero and special report, filing, transfer, escalation."""

    violation_found: bool | None
    escalation_applies: bool
    recipients: list[RecipientOut]
    filing: FilingOut
    transfer: TransferOut
    reports: list[ReportOut]


class Decision(_Out):
    """Everything the rules decide for one observation."""

    ruleset: RulesetStamp
    observation_id: str | None
    as_of: dt.date
    zone: ZoneDecision
    violations: ViolationDecision
    disposal: DisposalDecision
    missing_facts: list[MissingFact]
    citations: list[CitationOut]
    trace: list[Fired]
    escalation: EscalationOut | None = None  # Arts. 14–15

    def explain(self, lang: Literal["zh", "en"] = "zh") -> str:
        """An article-by-article account of the decision, in Chinese or English."""
        if lang not in ("zh", "en"):
            from .errors import InputError, Problem

            raise InputError([Problem("lang", "unknown language", lang, "'zh' or 'en'")])
        return _explain(self, lang)

    def _repr_html_(self) -> str:
        """Jupyter display: the tier and the Chinese account."""
        from .whatif import decision_html

        return decision_html(self)


def _facts_text(inputs: dict[str, Any], lang: str) -> str:
    parts = []
    for name, value in inputs.items():
        shown = value_label(value, lang)
        parts.append(f"{label(name, lang)}={shown}" if lang == "en" else f"{label(name, lang)}：{shown}")
    return ("; " if lang == "en" else "；").join(parts)


def _explain_violations(violations: ViolationDecision, zh: bool) -> list[str]:
    lines = [f"二、违法行为：{violations.status_zh}" if zh else f"2. Violations: {violations.status}"]
    for item in violations.items:
        primary = ("（主要）" if zh else " (primary)") if item.item == violations.primary_item else ""
        facts = _facts_text(item.matched_facts, "zh" if zh else "en")
        if zh:
            lines.append(f"  第九条第（{chinese_number(item.item)}）项{primary}：{item.name_zh}")
            lines.extend(f"    形式：{form}" for form in item.forms_zh)
            lines.append(f"    条文：{item.citation.text_zh}")
            lines.append(f"    所依事实：{facts}")
            lines.append(f"    法律依据：{'、'.join(b.name_zh for b in item.legal_basis)}")
        else:
            lines.append(f"  Art. 9 item ({item.item}){primary}: {item.name_en} [{item.code}]")
            lines.extend(f"    form: {form}" for form in item.forms)
            lines.append(f"    text (zh): {item.citation.text_zh}")
            lines.append(f"    facts matched: {facts}")
            lines.append(f"    legal basis: {'; '.join(b.name_en for b in item.legal_basis)}")
        if item.provision:
            lines.append(f"    {'所涉规定' if zh else 'provision'}：{item.provision}" if zh
                         else f"    provision: {item.provision}")
    return lines


def _explain_disposal(disposal: DisposalDecision, zh: bool) -> list[str]:
    lines = ["  应当采取的措施：" if zh else "  Required actions:"]
    for action in disposal.actions:
        ref = action.citation.ref_zh if zh else action.citation.ref_en
        lines.append(f"    {action.order}. {action.name_zh if zh else action.name_en}（{ref}）" if zh
                     else f"    {action.order}. {action.name_en} ({ref})")
        lines.extend(f"       - {step}" for step in action.steps_zh)
    if disposal.notice:
        lines.append(f"  书面通知书：{disposal.notice.name_zh}" if zh
                     else f"  Written notice: {disposal.notice.name_en} {disposal.notice.name_zh}")
    if disposal.verification_checklist:
        lines.append(("  初步核查：" + "、".join(disposal.verification_checklist_zh)) if zh
                     else "  Verify: " + ", ".join(disposal.verification_checklist))
    return lines


def _explain_reports(reports: list[ReportOut], zh: bool) -> list[str]:
    lines = ["  应报送的报告：" if zh else "  Reports owed:"]
    for report in reports:
        when = report.due.isoformat(sep=" ", timespec="minutes") if report.due else ("未定" if zh else "none")
        lines.append(f"    {report.type_zh}（{report.citation.ref_zh}）：期限 {when}" if zh
                     else f"    {report.type} ({report.citation.ref_en}): due {when}")
        if report.due_provisional:
            lines.append(f"      暂定期限：{report.due_provisional.reason_zh}" if zh
                         else f"      provisional due time: {report.due_provisional.reason_en}")
    return lines


def _explain_transfer(transfer: TransferOut, zh: bool) -> list[str]:
    """Art. 14 ¶2 涉嫌构成犯罪的: the crimes suspected, or the facts a criminal line still waits on."""
    if transfer.suspected:
        if zh:
            crimes = "、".join(dict.fromkeys(line.name_zh for line in transfer.lines))
            return [f"  涉嫌犯罪，应当移送司法机关（第十四条第二款）：{crimes}"]
        return [f"  Suspected crime, to transfer (Art. 14 ¶2): {', '.join(transfer.crimes)}"]
    if transfer.suspected is None:
        waiting = [label(name, "zh" if zh else "en") for name in transfer.undetermined_by]
        return [f"  是否涉嫌犯罪尚待查明（第十四条第二款），缺少：{'、'.join(waiting)}" if zh
                else f"  Whether a crime is suspected is undetermined (Art. 14 ¶2), waiting on: {', '.join(waiting)}"]
    return []


def _explain(decision: Decision, lang: str) -> str:
    zh = lang == "zh"
    stamp = decision.ruleset
    lines = [
        (f"规则集 {stamp.name} {stamp.version}（{stamp.content_id[:12]}），适用日期 {decision.as_of}"
         if zh else f"Ruleset {stamp.name} {stamp.version} ({stamp.content_id[:12]}), as of {decision.as_of}"),
    ]
    if decision.observation_id:
        lines.append(f"{'观察编号' if zh else 'Observation'} {decision.observation_id}")
    zone = decision.zone
    lines.append("")
    if zh:
        named = "、".join(z.name_zh for z in zone.zones if z.kind in zone.deciding_zones) or "无"
        lines.append(f"一、巡查区域：{zone.tier_zh}（依据区域：{named}）")
        lines.append(f"    巡查方式：{'、'.join(zone.patrol_modes_zh)}；预期频率：每周 {zone.frequency_per_week} 次")
    else:
        named = ", ".join(zone.deciding_zones) or "none"
        lines.append(f"1. Zone tier: {zone.tier} (deciding zones: {named})")
        lines.append(f"   Patrol modes: {', '.join(zone.patrol_modes)}; expected {zone.frequency_per_week} a week")
    lines.append("")
    lines.extend(_explain_violations(decision.violations, zh))
    lines.append("")
    lines.extend(_explain_disposal(decision.disposal, zh))
    if decision.escalation is not None:
        lines.extend(_explain_transfer(decision.escalation.transfer, zh))
        if decision.escalation.reports:
            lines.extend(_explain_reports(decision.escalation.reports, zh))
    lines.append("")
    lines.append("三、适用规则" if zh else "3. Rules applied")
    for fired in decision.trace:
        ref = fired.citation.ref_zh if zh else fired.citation.ref_en
        facts = _facts_text(fired.inputs, lang)
        if zh:
            lines.append(f"  依据{ref}（规则 {fired.table}/{fired.rule}）：{facts or '无条件'}")
            lines.append(f"    条文：{fired.citation.text_zh}")
        else:
            lines.append(f"  Under {ref} (rule {fired.table}/{fired.rule}): {facts or 'unconditional'}")
        if fired.basis:
            names = "、".join(b.name_zh for b in fired.basis) if zh else "; ".join(b.name_en for b in fired.basis)
            lines.append(f"    {'法律依据' if zh else 'Legal basis'}：{names}" if zh else f"    Legal basis: {names}")
    if decision.missing_facts:
        lines.append("")
        lines.append("四、尚缺事实（结论可能改变）" if zh else "4. Missing facts (the decision may change)")
        for missing in decision.missing_facts:
            lines.append(f"  {missing.label_zh if zh else missing.fact}:")
            for alternative in missing.alternatives:
                shown = value_label(alternative.value, lang)
                changes = ", ".join(f"{k} → {value_label(v, lang)}" for k, v in alternative.changes.items())
                lines.append(f"    {'若为' if zh else 'if'} {shown}: {changes}")
    return "\n".join(lines)
