"""The golden cases for records (rulesets/wanzhou/record_cases/*.yaml), one pytest item each."""

from __future__ import annotations

import pytest

import patrolrules
from patrolrules.engine.yamlsafe import plain, read_yaml
from patrolrules.records import RecordCases, check_record_case
from patrolrules.ruleset import bundled_directory

RULESET = patrolrules.load_ruleset()
FOLDER = bundled_directory() / "record_cases"
CASES = [(path.name, spec.kind, case) for path in sorted(FOLDER.glob("*.yaml"))
         for spec in [RecordCases.model_validate(plain(read_yaml(path, path.name)))]
         for case in spec.cases]


def test_there_are_cases_for_every_record_kind():
    assert {kind for _, kind, _ in CASES} == {"ledger", "team", "plan", "assessment"}


@pytest.mark.parametrize(("file", "kind", "case"), CASES, ids=[f"{f} {c.name}" for f, _, c in CASES])
def test_record_case(file: str, kind: str, case):
    mismatches = check_record_case(RULESET, kind, case)
    assert not mismatches, "\n".join(mismatches)
