"""A table's finite input partition: cells per input, boxes of cells, and box algebra.

Every unary test splits its input's values into finitely many cells: enum
members (plus one "other" for the members no test mentions, plus unknown),
booleans (plus unknown), one axis per mentioned member of a set input (plus
known/unknown), and for numbers and quantities the open intervals and points
between every resolved threshold (plus unknown). A rule's region is a union of
disjoint *boxes* (one cell subset per axis), so overlap, gap, shadowing and
semantic difference are exact set algebra with a witness in every non-empty box.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .. import units
from .compiled import Check, ResolvedTable, predicate
from .tables import IntervalTest, Kind, MemberTest, RuleGraph, SetMode, SetTest, TypeDef

Box = tuple[int, ...]  # one bit mask of cells per axis


@dataclass(frozen=True)
class Axis:
    """One axis of the space: a scalar input, or one member (or the known flag) of a set input."""

    input: str
    member: str | None  # set inputs: the member; "" for the known/unknown axis; None for scalars
    cells: tuple[Any, ...]  # representative values (set axes: False / True)
    labels: tuple[str, ...]
    thresholds: tuple[float, ...] = ()
    dimension: str | None = None
    # numbers: each known cell's slot, 2k below/between thresholds, 2k + 1 the k-th threshold (a count's
    # axis has no cell for a slot without a whole value, as between 1 and 2)
    slots: tuple[int, ...] = ()

    def runs_text(self, cells: list[int]) -> list[str]:
        """Contiguous number cells as intervals: '(20 m, 21 m]'; other cells by label."""
        known = sorted(i for i in cells if self.cells[i] is not None)
        texts: list[str] = []
        while known:
            start = end = known.pop(0)
            while known and known[0] == end + 1:
                end = known.pop(0)
            if not self.thresholds or start == end:
                texts.append(self.labels[start])
                continue
            t = [_number_text(v, self.dimension) for v in self.thresholds]
            start, end = self.slots[start], self.slots[end]
            low = "" if start == 0 else (f"≥ {t[(start - 1) // 2]}" if start % 2 else f"> {t[start // 2 - 1]}")
            high = "" if end == 2 * len(t) else (f"≤ {t[(end - 1) // 2]}" if end % 2 else f"< {t[end // 2]}")
            texts.append(" and ".join(x for x in (low, high) if x) or "any value")
        if any(self.cells[i] is None for i in cells):
            texts.append("unknown")
        return texts


def may_be_unknown(graph: RuleGraph | None, name: str) -> bool:
    """Whether ``name`` can be unknown: facts can; another table's output only if some path leaves it unset."""
    if graph is None or name in graph.facts:
        return True
    table_id, _, output = name.partition(".")
    try:
        table = graph.table(table_id)
    except KeyError:
        return True
    if not table.hit_policy.single and dict(table.aggregate).get(output) not in ("min", "max"):
        return False  # a set, a count or a sum: always known
    if table.default is None or output not in dict(table.default):
        return True
    return not all(output in dict(rule.outputs) for rule in table.rules)


def _number_text(value: float, dimension: str | None) -> str:
    text = f"{value:.10g}"
    if dimension:
        text += " " + units.CANONICAL_SYMBOL[units.DIMENSIONS[dimension][1]]
    return text


def number_cells(thresholds: Sequence[Any], dimension: str | None = None,
                 integer: bool = False) -> tuple[list[Any], list[str], list[int]]:
    """One value in each cell the sorted ``thresholds`` cut the line into, its label and its slot (2k below
    or between thresholds, 2k + 1 the k-th). ``integer`` (a count): whole values only, so a cell without
    one (between 1 and 2) has none."""
    if not thresholds:
        return [0 if integer else 0.0], ["any value"], [0]
    first, last = thresholds[0], thresholds[-1]
    slots: list[tuple[Any, str]] = [
        (math.ceil(first) - 1 if integer else first - 1 if first >= 1 or first <= 0 else first / 2,
         f"< {_number_text(first, dimension)}")]
    for index, value in enumerate(thresholds):
        at = value if not integer else int(value) if value == math.floor(value) else None
        slots.append((at, f"= {_number_text(value, dimension)}"))
        if index + 1 < len(thresholds):
            upper = thresholds[index + 1]
            inner = math.floor(value) + 1 if integer else (value + upper) / 2
            slots.append((inner if inner < upper else None,
                          f"between {_number_text(value, dimension)} and {_number_text(upper, dimension)}"))
    slots.append((math.floor(last) + 1 if integer else last + 1, f"> {_number_text(last, dimension)}"))
    kept = [(slot, value, label) for slot, (value, label) in enumerate(slots) if value is not None]
    return [v for _, v, _ in kept], [label for _, _, label in kept], [slot for slot, _, _ in kept]


class Space:
    """The partition of one table's inputs, built from the tests of one or more versions of it."""

    def __init__(self, inputs: Sequence[tuple[str, TypeDef]], checks: Iterable[Check],
                 graph: RuleGraph | None = None) -> None:
        by_input: dict[str, list[Check]] = {}
        for check in checks:
            by_input.setdefault(check.input, []).append(check)
        axes: list[Axis] = []
        self.inputs = tuple(inputs)
        for name, type_def in self.inputs:
            tests = by_input.get(name, [])
            unknown = may_be_unknown(graph, name)
            kind = type_def.kind
            if kind == Kind.SET:
                known_cells = (False, True) if unknown else (True,)
                axes.append(Axis(name, "", known_cells, ("unknown", "known")[2 - len(known_cells):]))
                mentioned = {v for c in tests if isinstance(c.test, SetTest) for v in c.test.values}
                for member in [v for v in type_def.values if v in mentioned]:
                    axes.append(Axis(name, member, (False, True), (f"without {member}", f"with {member}")))
                continue
            cells: list[Any]
            labels: list[str]
            slots: list[int] = []
            if kind == Kind.ENUM:
                mentioned = {v for c in tests if isinstance(c.test, MemberTest) for v in c.test.values}
                cells = [v for v in type_def.values if v in mentioned]
                labels = list(cells)
                others = [v for v in type_def.values if v not in mentioned]
                if others:
                    cells.append(others[0])
                    labels.append(others[0] if len(others) == 1 else f"other ({', '.join(others)})")
            elif kind == Kind.BOOLEAN:
                cells, labels = [False, True], ["false", "true"]
            elif kind in (Kind.NUMBER, Kind.QUANTITY):
                thresholds = sorted({b for c in tests if isinstance(c.test, IntervalTest)
                                     for b in (c.low, c.high) if b is not None})
                cells, labels, slots = number_cells(thresholds, type_def.dimension, type_def.integer)
            else:
                cells, labels = [], []
            if unknown or not cells:
                cells.append(None)
                labels.append("unknown")
            number = kind in (Kind.NUMBER, Kind.QUANTITY)
            axes.append(Axis(name, None, tuple(cells), tuple(labels),
                             tuple(thresholds) if number else (), type_def.dimension, tuple(slots)))
        self.axes = tuple(axes)
        self._axes_of: dict[str, list[int]] = {}
        for index, axis in enumerate(self.axes):
            self._axes_of.setdefault(axis.input, []).append(index)

    # -- boxes -----------------------------------------------------------------
    def full(self) -> Box:
        return tuple((1 << len(axis.cells)) - 1 for axis in self.axes)

    def region(self, checks: Iterable[Check]) -> list[Box]:
        """The cells where every check holds, as disjoint boxes (empty list: never)."""
        boxes = [self.full()]
        for check in checks:
            parts = self._check_parts(check)
            boxes = [c for b in boxes for p in parts if (c := intersect(b, p)) is not None]
            if not boxes:
                return []
        return boxes

    def _check_parts(self, check: Check) -> list[Box]:
        full = list(self.full())
        axes = self._axes_of[check.input]
        test = check.test
        if isinstance(test, SetTest):
            known, members = axes[0], {self.axes[a].member: a for a in axes[1:]}
            base = list(full)
            base[known] = _mask(i for i, v in enumerate(self.axes[known].cells) if v)
            wanted = [members[v] for v in sorted(test.values)]
            if test.mode == SetMode.ANY:
                parts = []
                for k, axis in enumerate(wanted):
                    part = list(base)
                    part[axis] = 0b10
                    for earlier in wanted[:k]:
                        part[earlier] = 0b01
                    parts.append(tuple(part))
                return parts
            for axis in wanted:
                base[axis] = 0b10 if test.mode == SetMode.ALL else 0b01
            return [tuple(base)]
        axis = axes[0]
        holds = predicate(check)
        full[axis] = _mask(i for i, value in enumerate(self.axes[axis].cells) if holds(value))
        return [tuple(full)]

    # -- witnesses and descriptions --------------------------------------------
    def witness(self, box: Box) -> dict[str, Any]:
        """One concrete input in ``box``: fact name → value (sets as sorted lists, unknown as None)."""
        facts: dict[str, Any] = {}
        for index, axis in enumerate(self.axes):
            # prefer unknown (the fewest facts), then the first cell
            cells = bits(box[index])
            unknown = [i for i in cells if axis.cells[i] is None or (axis.member == "" and not axis.cells[i])]
            value = axis.cells[unknown[0] if unknown else cells[0]]
            if axis.member is None:
                facts[axis.input] = value
            elif axis.member == "":
                facts[axis.input] = [] if value else None
            elif value and facts.get(axis.input) is not None:
                facts[axis.input].append(axis.member)
        return facts

    def hull(self, boxes: Sequence[Box]) -> Box:
        """The smallest box holding every box: its description is what all of them share."""
        hull = [0] * len(self.axes)
        for box in boxes:
            hull = [h | b for h, b in zip(hull, box, strict=True)]
        return tuple(hull)

    def describe(self, box: Box) -> str:
        """The box as a readable condition; axes that allow every cell are left out."""
        parts = []
        for index, axis in enumerate(self.axes):
            cells = bits(box[index])
            if len(cells) == len(axis.cells):
                continue
            shown = axis.runs_text(cells) if axis.thresholds else [axis.labels[i] for i in sorted(cells)]
            if axis.member:
                parts.append(f"{axis.input} {shown[0]}")
            elif len(shown) == 1:
                parts.append(f"{axis.input} is {shown[0]}" if shown[0] in ("unknown", "known")
                             else f"{axis.input} {shown[0]}" if shown[0][:1] in "<=>b≥≤"
                             else f"{axis.input} = {shown[0]}")
            else:
                parts.append(f"{axis.input} in {{{'; '.join(shown)}}}")
        return " and ".join(parts) or "always"


def facts_for(witness: dict[str, Any]) -> dict[str, Any]:
    """A witness as the fact values evaluators read (lists become frozensets)."""
    return {k: frozenset(v) if isinstance(v, list) else v for k, v in witness.items()}


def bits(mask: int) -> list[int]:
    """The cell indices in a mask, in order."""
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


def _mask(indices: Iterable[int]) -> int:
    mask = 0
    for i in indices:
        mask |= 1 << i
    return mask


def intersect(a: Box, b: Box) -> Box | None:
    cells = tuple(x & y for x, y in zip(a, b, strict=True))
    return cells if all(cells) else None


def _disjoint(a: Box, b: Box) -> bool:
    return not all(x & y for x, y in zip(a, b, strict=True))


def _inside(a: Box, b: Box) -> bool:
    return all(x & y == x for x, y in zip(a, b, strict=True))


def subtract(a: Box, b: Box) -> list[Box]:
    """``a`` minus ``b`` as disjoint boxes."""
    if _disjoint(a, b):
        return [a]
    out: list[Box] = []
    current = list(a)
    for axis, keep in enumerate(b):
        rest = current[axis] & ~keep
        if rest:
            out.append((*current[:axis], rest, *current[axis + 1:]))
            current[axis] &= keep
    return out


def minus(boxes: Iterable[Box], removed: Iterable[Box], limit: int | None = None) -> list[Box]:
    """``boxes`` minus every box of ``removed``, as disjoint boxes; depth first, so ``limit`` stops early."""
    covers = list(removed)
    out: list[Box] = []
    stack = [(box, 0) for box in reversed(list(boxes))]
    while stack:
        box, k = stack.pop()
        while k < len(covers) and _disjoint(box, covers[k]):
            k += 1
        if k == len(covers):
            out.append(box)
            if limit is not None and len(out) >= limit:
                break
            continue
        if _inside(box, covers[k]):
            continue
        stack.extend((piece, k + 1) for piece in reversed(subtract(box, covers[k])))
    return out


def meet(a: Iterable[Box], b: Sequence[Box]) -> list[Box]:
    return [c for x in a for y in b if (c := intersect(x, y)) is not None]


def merge(boxes: Iterable[Box], limit: int = 400) -> list[Box]:
    """Fewer, larger boxes with the same union: boxes equal on every axis but one are joined into one
    (their cells on that axis or-ed), axis after axis, until nothing joins (a pass is linear in boxes)."""
    result = list(dict.fromkeys(boxes))
    if len(result) > limit:
        return result
    changed = True
    while changed:
        changed = False
        for axis in range(len(result[0]) if result else 0):
            at: dict[Box, int] = {}  # the box without this axis → its place in ``joined``
            joined: list[Box] = []
            for box in result:
                rest = (*box[:axis], *box[axis + 1:])
                index = at.get(rest)
                if index is None:
                    at[rest] = len(joined)
                    joined.append(box)
                else:
                    other = joined[index]
                    joined[index] = (*other[:axis], other[axis] | box[axis], *other[axis + 1:])
                    changed = True
            result = joined
    return result


def table_space(tables: Sequence[ResolvedTable], graph: RuleGraph | None = None) -> Space:
    """One space over the union of the inputs and thresholds of every given version of a table."""
    inputs: dict[str, TypeDef] = {}
    checks: list[Check] = []
    for resolved in tables:
        for name, type_def in resolved.table.inputs:
            inputs.setdefault(name, type_def)
        checks.extend(c for rule in resolved.rules for c in rule.checks)
    return Space(list(inputs.items()), checks, graph)
