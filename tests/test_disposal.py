"""Arts. 11 and 13 properties: every violation is stopped orally and reported upward;
an ongoing one gets exactly one written notice; no violation, no stop."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from . import strategies

STAGES = st.sampled_from(["planned", "under_construction", "completed"])
SUSPECTED_ACTIONS = ["initial_verification", "collect_evidence", "ledger_entry", "follow_up"]
DAY = {"observed_at": "2024-06-01T10:00:00+08:00"}
MINERAL_KINDS = {"exploration", "mining", "quarrying", "sand_digging"}  # the acts item (六) can make unlicensed


def test_stop_and_notice_follow_the_violation_and_stage(ruleset):
    @given(strategies.observations(ruleset), STAGES)
    def check(observation, stage):
        observation = {**observation, "activity": {**observation.get("activity", {}), "stage": stage}}
        decision = ruleset.evaluate(observation)
        actions = [a.action for a in decision.disposal.actions]
        found = bool(decision.violations.items)
        assert ("oral_stop" in actions) == found and ("report_upward" in actions) == found
        assert actions.count("written_notice") == (1 if found and stage == "under_construction" else 0)
        assert (decision.disposal.notice is not None) == (found and stage == "under_construction")
        assert ("halt_approvals" in actions) == ("written_notice" in actions)
        assert actions.count("ledger_entry") == 1
        if not found:  # Art. 11(三)–(五): a suspected act is verified and followed up, not stopped
            suspected = decision.violations.status == "undetermined"
            assert actions == (SUSPECTED_ACTIONS if suspected else ["ledger_entry"])
            assert bool(decision.disposal.verification_checklist) == suspected
        orders = [a.order for a in decision.disposal.actions]
        assert orders == list(range(1, len(orders) + 1))

    check()


GENERAL_CHECKS = ["offender", "project_name", "site_location", "area", "land_use", "approval_progress",
                  "construction_progress"]


def test_every_violation_gets_every_initial_check_of_art_11_3(ruleset):
    # Art. 11(三): 应当对涉嫌违法主体、项目名称、用地位置、面积、用途、审批和施工进展情况、
    # 无证勘查或者开采矿产资源等情况
    # 进行初步核查 — for any act found, a suspected one (status undetermined) included; the mineral
    # facts for exploration or extraction found, whichever item (e.g. (四) on basic farmland).
    @given(strategies.observations(ruleset))
    @example({**DAY, "land": {"land_class": "permanent_basic_farmland"}, "activity": {"kind": "mining"}})  # (四)
    @example({**DAY, "land": {"land_class": "unused_land", "approval": "approved"},
              "activity": {"kind": "quarrying"}})  # licence unknown: suspected
    @example({**DAY, "land": {"land_class": "unused_land", "approval": "approved"}, "activity": {"kind": "kiln"}})
    def check(observation):
        decision = ruleset.evaluate(observation)
        checks = decision.disposal.verification_checklist
        status = decision.violations.status
        if status == "no_violation":
            assert checks == []
        else:
            assert checks[:7] == GENERAL_CHECKS
            mineral = observation.get("activity", {}).get("kind") in MINERAL_KINDS
            assert ("mineral_activity" in checks) == mineral
            assert mineral or 6 not in decision.violations.item_numbers

    check()
