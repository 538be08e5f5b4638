"""Export of a resolved patrolrules table to zen-engine's JSON Decision Model (JDM).

Benchmark-only. Every rule gets one extra output, ``rule``, its 0-based index, so
zen's collected outputs can be compared with the other engines' matched rules.
Unknown (``None``/null) must never satisfy a test: positive tests never match
null in zen; negations and bounds are guarded with ``$ != null`` explicitly.
"""

from __future__ import annotations

import json
from typing import Any

from patrolrules.engine.compiled import Check, ResolvedTable
from patrolrules.engine.tables import AnyTest, BoolTest, HitPolicy, IntervalTest, MemberTest


def _string(value: str) -> str:
    return json.dumps(value)  # a double-quoted string literal in zen's expression language


def _cell(check: Check) -> str:
    test = check.test
    if isinstance(test, AnyTest):
        return ""
    if isinstance(test, BoolTest):
        return "true" if test.value else "false"
    if isinstance(test, MemberTest):
        listed = ", ".join(_string(v) for v in sorted(test.values))
        if test.negate:
            return f"$ != null and not ($ in [{listed}])"
        return listed
    if isinstance(test, IntervalTest):
        parts = ["$ != null"]
        if check.low is not None:
            parts.append(f"$ {'>=' if test.low is None or test.low.closed else '>'} {check.low!r}")
        if check.high is not None:
            parts.append(f"$ {'<=' if test.high is None or test.high.closed else '<'} {check.high!r}")
        return " and ".join(parts)
    raise NotImplementedError(f"no JDM export for {type(test).__name__}")


def export(resolved: ResolvedTable) -> dict[str, Any]:
    table = resolved.table
    if table.hit_policy not in (HitPolicy.COLLECT, HitPolicy.FIRST):
        raise NotImplementedError("the benchmark exports collect and first tables only")
    inputs = [{"id": f"i{n}", "name": name, "field": name} for n, (name, _) in enumerate(table.inputs)]
    column = {name: f"i{n}" for n, (name, _) in enumerate(table.inputs)}
    rules = []
    for index, rule in enumerate(resolved.rules):
        row: dict[str, str] = {"_id": f"r{index}", "o0": str(index)}
        row.update({f"i{n}": "" for n in range(len(inputs))})
        for check in rule.checks:
            row[column[check.input]] = _cell(check)
        rules.append(row)
    node = {"id": "table", "type": "decisionTableNode", "name": table.id, "position": {"x": 200, "y": 0},
            "content": {"hitPolicy": str(table.hit_policy), "inputs": inputs,
                        "outputs": [{"id": "o0", "name": "rule", "field": "rule"}], "rules": rules}}
    return {
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "Request", "position": {"x": 0, "y": 0}},
            node,
            {"id": "out", "type": "outputNode", "name": "Response", "position": {"x": 400, "y": 0}},
        ],
        "edges": [
            {"id": "e0", "sourceId": "in", "targetId": "table", "type": "edge"},
            {"id": "e1", "sourceId": "table", "targetId": "out", "type": "edge"},
        ],
    }


def matched(response: dict[str, Any]) -> list[int]:
    """Matched rule indices from a zen collect response."""
    result = response["result"]
    rows = result if isinstance(result, list) else ([result] if result else [])
    return [int(row["rule"]) for row in rows]
