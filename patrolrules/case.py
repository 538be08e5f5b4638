"""The input of Arts. 14–15 (with 13, 21): one case and its dated events.

A case starts when a violation is discovered and moves through the states of
the ``case_transitions`` table in ``rulesets/wanzhou/art14_escalation.yaml``.
The enums here are the only vocabulary of that table; GLOSSARY.md names them.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from .observation import InputModel as _Model
from .observation import Moment, Observation


class CaseState(StrEnum):
    """Where a case stands (``new`` = before its first event)."""

    new = "new"
    discovered = "discovered"  # Art. 13 ¶2 发现违法
    oral_stopped = "oral_stopped"  # Art. 13 ¶2 口头制止
    notice_served = "notice_served"  # Art. 13 ¶3 书面制止
    halted = "halted"  # the act stopped after the written notice
    rectified = "rectified"  # 整改 done (Art. 13 ¶2 跟踪检查整改情况)
    escalated = "escalated"  # Art. 14 ¶1 书面制止无效 / 拒不停止
    filed = "filed"  # Art. 14 ¶2 立案
    transferred = "transferred"  # Art. 14 ¶2 移送司法机关
    closed = "closed"


class CaseEventKind(StrEnum):
    """What can happen to a case."""

    discovered = "discovered"
    oral_stop = "oral_stop"
    written_notice_served = "written_notice_served"
    reinspection_stopped = "reinspection_stopped"
    reinspection_ongoing = "reinspection_ongoing"
    reinspection_rectified = "reinspection_rectified"
    party_refuses = "party_refuses"
    obstruction = "obstruction"  # Art. 21
    violence_against_officers = "violence_against_officers"  # Art. 21
    retaliation_against_officers = "retaliation_against_officers"  # Art. 21 对巡查人员打击报复, in any state
    # Art. 14 ¶1: each report the ineffective written stop calls for, made (the duty is discharged)
    reported_to_bureau = "reported_to_bureau"  # 执法支队、规划和自然资源所向区规划和自然资源局报告
    reported_in_writing = "reported_in_writing"  # 区局书面报告区政府和重庆市规划和自然资源局
    township_informed = "township_informed"  # 函告违法行为发生地镇乡人民政府或街道办事处
    filing_decided = "filing_decided"
    # Art. 14 ¶2 涉嫌构成犯罪的，应当及时移送, by 《行政执法机关移送涉嫌犯罪案件的规定》第五条: the head decides
    # within 3 days of receiving the written report, and an approved case is handed over within 24 hours
    transfer_reported = "transfer_reported"  # 专案组提出移送涉嫌犯罪案件的书面报告，报经负责人审批 (received)
    transfer_approved = "transfer_approved"  # 正职负责人或者主持工作的负责人决定批准移送
    transfer_refused = "transfer_refused"  # 决定不批准移送，不予批准的理由记录在案
    transferred = "transferred"
    closed = "closed"


class ViolationItem(StrEnum):
    """Items (一)–(八) of Art. 9, as the Art. 9 table ``violations`` outputs them."""

    i1 = "i1"
    i2 = "i2"
    i3 = "i3"
    i4 = "i4"
    i5 = "i5"
    i6 = "i6"
    i7 = "i7"
    i8 = "i8"


class CaseUnitKind(StrEnum):
    """The unit that handles the case and reports upward (Art. 14 ¶1)."""

    enforcement_detachment = "enforcement_detachment"
    resource_station = "resource_station"


class CaseEvent(_Model):
    """One dated event of a case."""

    kind: CaseEventKind
    at: Moment = Field(description="when it happened (timezone-aware)")
    note: str | None = None


class Case(_Model):
    """One case: where, who handles it, the key facts, and its events in time order."""

    id: str
    township: str | None = Field(None, description="镇乡人民政府 or 街道办事处 where the site lies (Art. 14 ¶1)")
    unit_kind: CaseUnitKind = Field(description="执法支队 or 规划和自然资源所 handling the case")
    observation: Observation = Field(description="the key facts of the act (areas, ore value, party, …)")
    events: tuple[CaseEvent, ...] = Field(min_length=1)
    # Art. 9 items the case has established; when given they outrank what the
    # ``violations`` table finds from the observation's facts alone.
    violation_items: frozenset[ViolationItem] | None = Field(
        None, description="Art. 9 items established for the case (i1–i8); [] = no violation; "
                          "null = let the Art. 9 table find them from the observation")
    liability_exempt: bool | None = Field(
        None, description="no liability attaches (行政处罚法 第30–33条), a 立案 condition")
    within_jurisdiction: bool | None = Field(
        None, description="the district bureau has jurisdiction (《自然资源行政处罚办法》第6条), a 立案 condition")
    minor_and_corrected: bool | None = Field(
        None, description="违法行为轻微并及时纠正，没有造成危害后果 (《自然资源行政处罚办法》第16条第2款, from "
                          "2024-05-01): the case may then be left unfiled (可以不予立案)")
