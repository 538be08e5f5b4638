"""Golden cases: input → expected decision fields, as data in ``rulesets/<name>/cases/``.

An expectation maps a dotted path into the decision's JSON to the value it must
have; ``*`` maps over a list (``missing_facts.*.fact``). ``patrolrules test``
and pytest run the same cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .engine.spec import CaseSpec
from .errors import PatrolRulesError

_ABSENT = object()


@dataclass(frozen=True)
class CaseOutcome:
    file: str
    line: int | None
    name: str
    mismatches: tuple[str, ...]
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.mismatches and self.error is None


def pick(data: Any, path: str) -> Any:
    """The value at a dotted path; ``*`` maps over a list."""
    parts = path.split(".")
    for index, part in enumerate(parts):
        if part == "*":
            if not isinstance(data, list):
                return _ABSENT
            rest = ".".join(parts[index + 1:])
            return [pick(item, rest) if rest else item for item in data]
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return _ABSENT
    return data


def check_case(ruleset: Any, file: str, line: int | None, case: CaseSpec) -> CaseOutcome:
    """Evaluate one case (under its overlays, named relative to the ruleset) and compare every expected field."""
    if case.overlays:
        from .whatif import ruleset_with_overlays

        try:
            ruleset = ruleset_with_overlays(ruleset, tuple(case.overlays))
        except PatrolRulesError as exc:
            return CaseOutcome(file, line, case.name, (), f"{type(exc).__name__}: {exc}")
    try:
        if "events" in case.input:  # a case (Arts. 14–15), not an observation
            decision = ruleset.evaluate_case(case.input).model_dump(mode="json")
        else:
            decision = ruleset.evaluate(case.input).model_dump(mode="json")
    except PatrolRulesError as exc:
        if case.expect.get("error"):
            return CaseOutcome(file, line, case.name, ())
        return CaseOutcome(file, line, case.name, (), f"{type(exc).__name__}: {exc}")
    return CaseOutcome(file, line, case.name, tuple(mismatches_of(decision, case.expect)))


def mismatches_of(result: Any, expect: dict[str, Any]) -> list[str]:
    """Every expected field the result does not have, or has with another value."""
    mismatches = []
    for path, expected in expect.items():
        actual = pick(result, path)
        if actual is _ABSENT:
            mismatches.append(f"{path}: not in the result (expected {expected!r})")
        elif actual != expected:
            mismatches.append(f"{path}: expected {expected!r}, got {actual!r}")
    return mismatches
