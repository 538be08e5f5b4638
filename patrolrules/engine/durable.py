"""durable_rules as the independent reference engine, behind this one module.

Every resolved table compiles to a durable_rules JSON ruleset; matching then runs
in durable's C engine while hit policies stay shared (``compiled.select``).
durable_rules is fragile when embedded (DESIGN.md §3.6), so this adapter keeps to
its one safe pattern: its C module driven directly; one ruleset per compiled
table, created once per process and cached by its JSON; one fixed session;
``assert_fact`` → drain actions → ``retract_fact`` of the same JSON; a lock per
ruleset; facts dumped with non-ASCII kept and numbers in
plain decimal form (its parser rejects exponents such as ``1e-5``); a nonce per fact so that
durable's 32-bit fact hashes never merge distinct facts. Sets are passed as one
boolean per member (durable's ``$iall`` is false on an empty array).
"""

from __future__ import annotations

import itertools
import json
import os
import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..errors import PatrolRulesError
from .compiled import Check, ResolvedTable
from .tables import AnyTest, BoolTest, IntervalTest, Kind, MemberTest, SetMode, SetTest, Table

try:  # durable_rules is the optional extra `patrolrules[durable]` (Python < 3.13)
    import durable_rules_engine as _engine
except ImportError:  # pragma: no cover - exercised only where the extra is absent
    _engine = None

AVAILABLE = _engine is not None
_SESSION = "0"
_names = itertools.count()
_registry_lock = threading.Lock()
_handles: dict[str, tuple[int, threading.Lock]] = {}


class EngineUnavailable(PatrolRulesError):
    """The durable engine was asked for but durable_rules is not installed."""


def _field(name: str) -> str:
    return name.replace(".", "__")


def _member_field(name: str, member: str) -> str:
    return f"{_field(name)}__has__{member}"


def _condition(check: Check, table: Table) -> dict[str, Any]:
    field = _field(check.input)
    test = check.test
    if isinstance(test, MemberTest):
        if test.negate:
            return {"$and": [{"$ex": {field: 1}}] + [{"$neq": {field: v}} for v in sorted(test.values)]}
        return {"$or": [{field: v} for v in sorted(test.values)]}
    if isinstance(test, BoolTest):
        return {field: test.value}
    if isinstance(test, IntervalTest):
        parts: list[dict[str, Any]] = [{"$ex": {field: 1}}]
        if check.low is not None:
            parts.append({"$gte" if test.low and test.low.closed else "$gt": {field: check.low}})
        if check.high is not None:
            parts.append({"$lte" if test.high and test.high.closed else "$lt": {field: check.high}})
        return {"$and": parts}
    if isinstance(test, SetTest):
        members = sorted(test.values)
        if test.mode == SetMode.ANY:
            return {"$or": [{_member_field(check.input, m): True} for m in members]}
        wanted = test.mode == SetMode.ALL
        return {"$and": [{_member_field(check.input, m): wanted} for m in members]}
    assert isinstance(test, AnyTest)
    return {"$ex": {"__t": 1}}


def ruleset_json(resolved: ResolvedTable) -> dict[str, Any]:
    """The durable_rules JSON ruleset for one resolved table (rule ``r<i>`` = row i)."""
    definition = {}
    for index, rule in enumerate(resolved.rules):
        conditions = [{"$ex": {"__t": 1}}] + [_condition(c, resolved.table) for c in rule.checks]
        definition[f"r{index}"] = {"all": [{"m": {"$and": conditions}}]}
    return definition


def fact_json(table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """A fact carrying the table's inputs; unknown values are left out."""
    fact: dict[str, Any] = {"__t": 1, "sid": _SESSION}
    for name, input_type in table.inputs:
        value = values.get(name)
        if value is None:
            continue
        if input_type.kind == Kind.SET:
            for member in input_type.values:
                fact[_member_field(name, member)] = member in value
        elif isinstance(value, bool) or isinstance(value, str):
            fact[_field(name)] = value
        elif isinstance(value, (int, float)):
            fact[_field(name)] = float(value)
    return fact


def _plain(value: Any) -> bool:
    """A scalar ``json.dumps`` already writes as durable reads it (``repr`` of a float uses no
    exponent for 0 and for 1e-4 <= |x| < 1e16)."""
    return type(value) is not float or value == 0 or 1e-4 <= abs(value) < 1e16


def to_json(value: Any) -> str:
    """JSON as durable's parser reads it: non-ASCII kept, numbers never in exponent form."""
    if isinstance(value, dict) and all(type(v) in (str, bool, int, float) and _plain(v) for v in value.values()):
        # a flat fact (the hot path): the C encoder writes the same text as ``_written``
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return _written(value)


def _written(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{_written(v)}"
                              for k, v in sorted(value.items())) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_written(v) for v in value) + "]"
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return json.dumps(value, ensure_ascii=False)


def _handle(definition: dict[str, Any]) -> tuple[int, threading.Lock]:
    text = to_json(definition)
    with _registry_lock:
        found = _handles.get(text)
        if found is None:
            assert _engine is not None
            # A ruleset name may be registered only once per process.
            handle = _engine.create_ruleset(f"patrolrules_{os.getpid()}_{next(_names)}", text)
            _prime(handle)
            found = (handle, threading.Lock())
            _handles[text] = found
        return found


def _prime(handle: int) -> None:
    """Create the one fixed session once, so later facts never start a new state."""
    fact = to_json({"__prime": 1, "sid": _SESSION, "id": "prime"})
    _engine.assert_fact(handle, fact)
    _drain(handle)
    _engine.retract_fact(handle, fact)


def _drain(handle: int) -> list[str]:
    fired: list[str] = []
    result = _engine.start_action(handle)
    while result:
        fired.extend(json.loads(result[1]))
        state = result[2]
        following = _engine.complete_and_start_action(handle, state)
        while following:
            fired.extend(json.loads(following))
            following = _engine.complete_and_start_action(handle, state)
        result = _engine.start_action(handle)
    return fired


_nonce = itertools.count()


class DurableMatcher:
    """Matching in durable_rules' C engine; thread-safe through a lock per ruleset."""

    def __init__(self, tables: tuple[ResolvedTable, ...]) -> None:
        if not AVAILABLE:
            raise EngineUnavailable(
                "the durable engine needs durable_rules: pip install 'patrolrules[durable]' (Python < 3.13)")
        self._tables = tables
        self._handles = [_handle(ruleset_json(t)) if t.rules else None for t in tables]

    def match(self, index: int, values: Mapping[str, Any]) -> list[int]:
        entry = self._handles[index]
        if entry is None:
            return []
        handle, lock = entry
        fact = fact_json(self._tables[index].table, values)
        with lock:
            while True:
                fact["id"] = next(_nonce)
                text = to_json(fact)
                code = _engine.assert_fact(handle, text)[0]
                if code != 2:  # 2: a distinct fact hashed like a live one; retry with a new id
                    break
            try:
                fired = _drain(handle) if code == 0 else []
            finally:
                _engine.retract_fact(handle, text)
        return sorted(int(name[1:]) for name in set(fired))
