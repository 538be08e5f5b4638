"""Batches: each table's tests evaluated column-wise with numpy over many rows at once.

A column is encoded once per (table, input): enums as small integer codes, booleans
as 1/0, quantities as float64, sets as bit masks; ``known`` marks the rows whose
value is not ``None``, since an unknown value never satisfies a test. Each check
is then one array expression with exactly the meaning of ``compiled.predicate``
(``~(col < low)``, not ``col >= low``, so NaN behaves alike). A column whose values
the encoding cannot represent exactly (a string where a number is expected, a set
member outside the type, an integer beyond 2**53) makes that table fall back to
the generated per-row function, so the answers never differ from the reference.

Hit policies stay per row but are cached by matched rules (``GeneratedMatcher.result``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from .codegen import GeneratedMatcher
from .compiled import Check, ResolvedTable, Run, TableResult
from .tables import AnyTest, BoolTest, IntervalTest, MemberTest, SetMode, SetTest

Mask = npt.NDArray[np.bool_]
_NUMERIC = {float, int, bool, type(None)}
_EXACT = 2**53
_ZERO_FOR_NONE = {None: 0.0}


class _Unrepresentable(Exception):
    """A column the array encoding cannot hold exactly: use the per-row code."""


def _column_mask(checks: list[Check], column: list[Any]) -> list[Mask]:
    """One boolean mask per check on the same input column."""
    kinds = {type(c.test) for c in checks}
    if kinds <= {MemberTest}:
        return _members(checks, column)
    if kinds <= {BoolTest}:  # ``v is True``: compare identities, exactly
        ids = np.fromiter(map(id, column), np.uint64, len(column))
        return [ids == id(c.test.value) for c in checks if isinstance(c.test, BoolTest)]
    if kinds <= {IntervalTest}:
        return _intervals(checks, column)
    if kinds <= {SetTest}:
        return _sets(checks, column)
    raise _Unrepresentable("mixed tests on one input")


def _members(checks: list[Check], column: list[Any]) -> list[Mask]:
    universe = sorted({v for c in checks if isinstance(c.test, MemberTest) for v in c.test.values})
    index: dict[Any, int] = {None: -1}
    index.update((v, i) for i, v in enumerate(universe))
    try:  # -2: known but none of the listed values (matches only a negated test)
        codes = np.fromiter(map(index.get, column, repeat(-2, len(column))), np.int64, len(column)) + 2
    except TypeError as exc:  # an unhashable value: let the per-row code raise or decide
        raise _Unrepresentable(str(exc)) from None
    masks = []
    for check in checks:
        test = check.test
        assert isinstance(test, MemberTest)
        table = np.zeros(len(universe) + 2, dtype=np.bool_)
        for value in test.values:
            table[index[value] + 2] = True
        if test.negate:
            table = ~table
            table[1] = False  # None never matches
        masks.append(table[codes])
    return masks


def _intervals(checks: list[Check], column: list[Any]) -> list[Mask]:
    if not set(map(type, column)) <= _NUMERIC:
        raise _Unrepresentable("non-numeric value in a quantity column")
    known = np.fromiter(map(id, column), np.uint64, len(column)) != id(None)
    values = np.fromiter(map(_ZERO_FOR_NONE.get, column, column), np.float64, len(column))
    if np.any(np.abs(values[np.isfinite(values)]) >= _EXACT):
        raise _Unrepresentable("magnitude beyond exact float range")
    masks = []
    for check in checks:
        test = check.test
        assert isinstance(test, IntervalTest)
        mask = known.copy()
        if check.low is not None:
            closed = test.low.closed if test.low else True
            mask &= ~(values < check.low) if closed else ~(values <= check.low)
        if check.high is not None:
            closed = test.high.closed if test.high else True
            mask &= ~(values > check.high) if closed else ~(values >= check.high)
        masks.append(mask)
    return masks


def _sets(checks: list[Check], column: list[Any]) -> list[Mask]:
    universe = sorted({v for c in checks if isinstance(c.test, SetTest) for v in c.test.values})
    if len(universe) > 62:
        raise _Unrepresentable("too many set members for a 64-bit mask")
    bit = {v: 1 << i for i, v in enumerate(universe)}
    other = 1 << len(universe)  # a member no test names

    def encode(value: Any) -> int:
        if value is None:
            return -1
        if type(value) not in (frozenset, set):
            raise _Unrepresentable("a set column holds a non-set")
        code = 0
        for member in value:
            code |= bit.get(member, other)
        return code

    coded = np.fromiter((encode(v) for v in column), np.int64, len(column))
    known = coded >= 0
    masks = []
    for check in checks:
        test = check.test
        assert isinstance(test, SetTest)
        wanted = sum(bit[v] for v in test.values)
        hit = coded & wanted
        if test.mode == SetMode.ANY:
            masks.append(known & (hit != 0))
        elif test.mode == SetMode.ALL:
            masks.append(known & (hit == wanted))
        else:
            masks.append(known & (hit == 0))
    return masks


def match_columns(resolved: ResolvedTable, columns: Mapping[str, list[Any]], rows: int) -> list[tuple[int, ...]]:
    """Matched rule indices per row, from one list of values per input; raises ``_Unrepresentable``."""
    by_input: dict[str, list[Check]] = {}
    for rule in resolved.rules:
        for check in rule.checks:
            if not isinstance(check.test, AnyTest):
                by_input.setdefault(check.input, []).append(check)
    masks: dict[int, Mask] = {}  # id(check) → mask; a Check may repeat, so key by identity
    for name, checks in by_input.items():
        for check, mask in zip(checks, _column_mask(checks, columns[name]), strict=True):
            masks[id(check)] = mask
    out: list[tuple[int, ...]] | None = None
    for start in range(0, len(resolved.rules), 63):  # 63 rules per int64 word
        word = np.zeros(rows, dtype=np.int64)
        for offset, rule in enumerate(resolved.rules[start:start + 63]):
            hold = np.ones(rows, dtype=np.bool_)
            for check in rule.checks:
                if not isinstance(check.test, AnyTest):
                    hold &= masks[id(check)]
            word |= hold.astype(np.int64) << offset
        decoded = {code: tuple(start + i for i in range(63) if code >> i & 1) for code in np.unique(word).tolist()}
        chunk = list(map(decoded.__getitem__, word.tolist()))  # rows with the same matches share one tuple
        out = chunk if out is None else [a + b for a, b in zip(out, chunk, strict=True)]
    return out if out is not None else [() for _ in range(rows)]


def columns_of(rows: Sequence[Mapping[str, Any]], names: Sequence[str]) -> dict[str, list[Any]]:
    """One list per name, ``None`` where a row lacks the name."""
    columns = {}
    for name in names:
        try:
            columns[name] = list(map(itemgetter(name), rows))  # C speed when every row has it
        except KeyError:
            columns[name] = [row.get(name) for row in rows]
    return columns


def match_table(matcher: GeneratedMatcher, index: int,
                rows: Sequence[Mapping[str, Any]]) -> list[tuple[int, ...]]:
    """``[tuple(matcher.match(index, row)) for row in rows]``, column-wise when the values allow it.

    Rows matching the same rules share one (immutable) tuple.
    """
    resolved = matcher.tables[index]
    names = sorted({c.input for r in resolved.rules for c in r.checks if not isinstance(c.test, AnyTest)})
    try:
        return match_columns(resolved, columns_of(rows, names), len(rows))
    except _Unrepresentable:
        function = matcher.functions[index]
        return [tuple(function(row)) for row in rows]


def run_many(matcher: GeneratedMatcher, facts: Iterable[Mapping[str, Any]], *, copy: bool = True) -> list[Run]:
    """``[compiled.run(tables, NativeMatcher(tables), f) for f in facts]``, table by table over the batch.

    ``copy=False`` lets the run take over (and extend) the caller's fact dicts.
    """
    rows: list[dict[str, Any]] = [dict(f) for f in facts] if copy else list(facts)  # type: ignore[arg-type]
    results: list[dict[str, TableResult]] = [{} for _ in rows]
    for index, resolved in enumerate(matcher.tables):
        table_id = resolved.table.id
        for row, outcome, matched in zip(rows, results, match_table(matcher, index, rows), strict=True):
            found = matcher.result(index, matched, row)
            outcome[table_id] = found
            row.update(found.values)
    return [Run(row, outcome) for row, outcome in zip(rows, results, strict=True)]
