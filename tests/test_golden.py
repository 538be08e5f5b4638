"""The ruleset's golden cases (rulesets/wanzhou/cases/*.yaml), one pytest item each."""

from __future__ import annotations

import pytest

import patrolrules
from patrolrules.golden import check_case

RULESET = patrolrules.load_ruleset()
CASES = RULESET.loaded.cases


@pytest.mark.parametrize(("file", "line", "case"), CASES, ids=[f"{f}:{line} {c.name}" for f, line, c in CASES])
def test_golden_case(file, line, case):
    outcome = check_case(RULESET, file, line, case)
    assert outcome.passed, "\n".join([*outcome.mismatches, outcome.error or ""])
