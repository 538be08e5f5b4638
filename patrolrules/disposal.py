"""Arts. 10–13: what the patrol must do on site, in order, and which written notice it serves.

Tables: ``art11_procedure.yaml`` (checklist, actions) and ``art13_stop.yaml`` (notice).
"""

from __future__ import annotations

from collections.abc import Callable

from .decision import CitationOut, DisposalDecision, RequiredAction, StopNotice
from .engine.compiled import Run
from .engine.tables import Citation

FINDING = "finding"  # Art. 11(三)/(四): what the patrol found, and whether it is a violation
FOUND = {"violation": True, "suspected": None, "none": False}
ACTIONS = "disposal_actions"
CHECKLIST = "verification_checklist"
NOTICE = "stop_notice"

ACTION_NAMES = {
    "initial_verification": ("初步核查", "initial verification"),
    "collect_evidence": ("依法收集相关证据材料", "collect evidence"),
    "oral_stop": ("口头制止", "oral stop"),
    "prevent_start": ("制止拟建行为，督促不得实施", "stop the planned act before it starts"),
    "written_notice": ("书面制止：依法及时下达通知书", "serve the written stop notice"),
    "halt_approvals": ("通知区规划和自然资源局相关科室停止办理相关审批手续",
                       "notify the bureau's sections to stop processing related approvals"),
    "report_upward": ("同时向上级报告", "report to the superior at the same time"),
    "ledger_entry": ("填写巡查台账并录入巡查信息系统", "fill in the patrol ledger and enter it into the system"),
    "follow_up": ("及时跟踪后续情况，更新有关信息", "follow up and update the record"),
    "case_handling": ("后续处理（立案查处等）", "further handling (case filing and investigation)"),
}
# Art. 13 ¶2, word for word in its parts.
ORAL_STOP_STEPS = (
    "向违法当事人宣传规划和自然资源法律法规和政策",
    "告知其行为违法及可能承担的法律责任",
    "督促违法当事人立即停止、改正违法行为",
    "跟踪检查整改情况",
)
NOTICE_NAMES = {
    "notice_stop_illegal_act": ("《责令停止违法行为通知书》", "Order to Stop Illegal Acts"),
    "notice_stop_illegal_construction": ("《责令停止违法建设通知书》", "Order to Stop Illegal Construction"),
}
CHECK_NAMES = {
    "offender": "涉嫌违法主体",
    "project_name": "项目名称",
    "site_location": "用地位置",
    "area": "面积",
    "land_use": "用途",
    "approval_progress": "审批进展情况",
    "construction_progress": "施工进展情况",
    "mineral_activity": "无证勘查或者开采矿产资源等情况",
}


def disposal_decision(run: Run, cite: Callable[[Citation], CitationOut]) -> DisposalDecision:
    """The on-site actions, the notice and the verification checklist from the evaluated tables."""
    actions = []
    for order, (rule, outputs) in enumerate(zip(run.results[ACTIONS].rules, run.results[ACTIONS].outputs,
                                                strict=True), start=1):
        action = outputs["action"]
        name_zh, name_en = ACTION_NAMES[action]
        actions.append(RequiredAction(order=order, action=action, name_zh=name_zh, name_en=name_en,
                                      citation=cite(rule.citation),
                                      steps_zh=list(ORAL_STOP_STEPS) if action == "oral_stop" else []))
    notice = None
    notice_result = run.results[NOTICE]
    if notice_result.selected:
        kind = notice_result.outputs[0]["notice"]
        notice = StopNotice(type=kind, name_zh=NOTICE_NAMES[kind][0], name_en=NOTICE_NAMES[kind][1],
                            citation=cite(notice_result.rules[0].citation))
    checks = [o["check"] for o in run.results[CHECKLIST].outputs]
    return DisposalDecision(actions=actions, notice=notice, verification_checklist=checks,
                            verification_checklist_zh=[CHECK_NAMES[c] for c in checks])


SUMMARY_VALUE = f"{NOTICE}.notice"  # the one value ``summary`` reads


def summary(run: Run) -> dict[str, object]:
    """The disposal outcome, for comparing alternatives of unknown facts."""
    return {"notice": run.values[SUMMARY_VALUE]}
