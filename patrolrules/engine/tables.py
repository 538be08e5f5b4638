"""Decision tables in the DMN sense: typed inputs, unary tests, outputs, hit policies.

This module is generic: it knows nothing about land. A table's cells are unary
tests over finite enums, booleans, sets and unit-bearing intervals, so every
table splits its input space into finitely many cells (see ``verify``).
Thresholds in interval tests name parameters; they are resolved to plain
numbers per as-of period by ``compiled``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any


class Kind(StrEnum):
    """The type of an input fact or an output value."""

    ENUM = "enum"
    BOOLEAN = "boolean"
    QUANTITY = "quantity"
    NUMBER = "number"
    SET = "set"
    TEXT = "text"
    LIST = "list"


class HitPolicy(StrEnum):
    """DMN hit policies, with their exact DMN meanings."""

    UNIQUE = "unique"  # at most one rule may match; more is an error
    FIRST = "first"  # the first matching rule in table order
    PRIORITY = "priority"  # the matching rule whose output ranks highest
    COLLECT = "collect"  # every matching rule, in table order, optionally aggregated
    RULE_ORDER = "rule_order"  # every matching rule, in table order

    @property
    def single(self) -> bool:
        return self in (HitPolicy.UNIQUE, HitPolicy.FIRST, HitPolicy.PRIORITY)


class Aggregator(StrEnum):
    SUM = "sum"
    MIN = "min"
    MAX = "max"
    COUNT = "count"


@dataclass(frozen=True)
class Position:
    """Where something was written: file and 1-based line."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class TypeDef:
    """The type of a fact or output: kind plus allowed values or dimension."""

    kind: Kind
    values: tuple[str, ...] = ()  # enum / set / list-of-enum members, in rank order
    dimension: str | None = None  # quantity dimension (units.DIMENSIONS)
    integer: bool = False  # a number that is a count: only whole values occur (cells and what-ifs use them)


# ---- unary tests -----------------------------------------------------------


@dataclass(frozen=True)
class Bound:
    """One end of an interval: a parameter reference or a literal, open or closed."""

    closed: bool
    param: str | None = None
    literal: Fraction | None = None


@dataclass(frozen=True)
class AnyTest:
    """Matches every value, including an unknown one (DMN "-")."""

    def text(self) -> str:
        return "-"


@dataclass(frozen=True)
class MemberTest:
    """Enum membership (``negate`` = exclusion). Unknown never matches."""

    values: frozenset[str]
    negate: bool = False

    def text(self) -> str:
        listed = ", ".join(sorted(self.values))
        return f"not in ({listed})" if self.negate else (listed if len(self.values) == 1 else f"in ({listed})")


@dataclass(frozen=True)
class BoolTest:
    value: bool

    def text(self) -> str:
        return "true" if self.value else "false"


@dataclass(frozen=True)
class IntervalTest:
    """A unit-bearing interval; ``None`` ends are unbounded."""

    low: Bound | None
    high: Bound | None

    def text(self) -> str:
        def end(bound: Bound) -> str:
            return f"${bound.param}" if bound.param else str(bound.literal)

        if self.low and self.high:
            left = "[" if self.low.closed else "("
            right = "]" if self.high.closed else ")"
            return f"{left}{end(self.low)} .. {end(self.high)}{right}"
        if self.low:
            return (">= " if self.low.closed else "> ") + end(self.low)
        if self.high:
            return ("<= " if self.high.closed else "< ") + end(self.high)
        return "-"


class SetMode(StrEnum):
    ANY = "any"  # the set contains at least one of the values
    ALL = "all"  # the set contains every value
    NONE = "none"  # the set contains none of the values


@dataclass(frozen=True)
class SetTest:
    mode: SetMode
    values: frozenset[str]

    def text(self) -> str:
        return f"contains {self.mode} of ({', '.join(sorted(self.values))})"


Test = AnyTest | MemberTest | BoolTest | IntervalTest | SetTest


# ---- rules, tables, parameters --------------------------------------------


@dataclass(frozen=True)
class Citation:
    """Article, paragraph (款) and item (项) of the regulation, plus legal bases."""

    article: int
    paragraph: int | None = None
    item: int | None = None
    basis: tuple[str, ...] = ()  # keys into the ruleset's legal sources


@dataclass(frozen=True)
class OutputValue:
    """An output cell: a literal or a parameter reference."""

    literal: Any = None
    param: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    tests: tuple[tuple[str, Test], ...]  # (input name, test); AnyTest omitted
    outputs: tuple[tuple[str, OutputValue], ...]
    citation: Citation
    position: Position
    note: str | None = None
    start: dt.date | None = None  # in force from this day (``from:``); None: as long as the ruleset
    repealed: dt.date | None = None  # no longer in force from this day

    def in_force(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.repealed is None or day < self.repealed)

    def test_for(self, name: str) -> Test:
        for input_name, test in self.tests:
            if input_name == name:
                return test
        return AnyTest()


@dataclass(frozen=True)
class Table:
    id: str
    title_zh: str
    title_en: str
    hit_policy: HitPolicy
    inputs: tuple[tuple[str, TypeDef], ...]
    outputs: tuple[tuple[str, TypeDef], ...]
    rules: tuple[Rule, ...]
    position: Position
    article: int
    default: tuple[tuple[str, OutputValue], ...] | None = None
    aggregate: tuple[tuple[str, Aggregator], ...] = ()
    priority_output: str | None = None  # for the priority policy: rank by this output
    gaps: str | None = None  # why "no rule applies" is a legal answer here (`check` reports gaps as info)

    def output_type(self, name: str) -> TypeDef:
        return dict(self.outputs)[name]

    def input_type(self, name: str) -> TypeDef:
        return dict(self.inputs)[name]


def downstream_type(policy: HitPolicy, aggregated: Aggregator | None, declared: TypeDef) -> TypeDef:
    """The type another table sees when it reads ``<table>.<output>``: a single-hit table's value,
    a min/max aggregate's value, a sum/count as a number, otherwise the set of collected values."""
    if policy.single or aggregated in (Aggregator.MIN, Aggregator.MAX):
        return declared
    if aggregated in (Aggregator.SUM, Aggregator.COUNT):
        return TypeDef(Kind.NUMBER, integer=aggregated == Aggregator.COUNT)
    return TypeDef(Kind.SET, declared.values)


@dataclass(frozen=True)
class DatedValue:
    start: dt.date
    value: Any  # Fraction (in the parameter's unit), bool, str or tuple


@dataclass(frozen=True)
class Parameter:
    """A dated, unit-bearing value with its source (OpenFisca's discipline)."""

    name: str
    values: tuple[DatedValue, ...]  # sorted by start
    source: str  # "regulation", "law" or "default"
    reference: str
    description_zh: str
    description_en: str
    position: Position
    unit: str | None = None  # as written, e.g. "mu"; None for dimensionless values
    dimension: str | None = None
    used_by: str | None = None  # the registered function that reads it, when no table does
    sum_of: tuple[str, ...] = ()  # parameters that must add up to this one

    def at(self, day: dt.date) -> Any:
        """The value in force on ``day``; ``None`` before the first value."""
        current: Any = None
        for dated in self.values:
            if dated.start <= day:
                current = dated.value
            else:
                break
        return current


@dataclass(frozen=True)
class FactDef:
    """A named input fact the domain supplies, with its type."""

    name: str
    type: TypeDef
    description: str = ""


@dataclass(frozen=True)
class ClauseStatus:
    """A clause of the regulation and how the ruleset treats it."""

    article: int
    paragraph: int | None
    item: int | None
    text_zh: str
    non_computable: str | None = None


@dataclass(frozen=True)
class RuleGraph:
    """Every table of a ruleset in evaluation (topological) order, plus parameters."""

    tables: tuple[Table, ...]
    parameters: dict[str, Parameter] = field(hash=False)
    facts: dict[str, FactDef] = field(hash=False)
    # legal source key → (first day it is no longer in force, the keys in force from then on): a
    # renumbered or split provision (sources.yaml ``repealed`` + ``replaced_by``)
    replaced: dict[str, tuple[dt.date, tuple[str, ...]]] = field(default_factory=dict, hash=False)
    # legal source key → the day it comes into force, for a provision with no predecessor
    # (sources.yaml ``new_provision``): decisions dated earlier leave it out
    introduced: dict[str, dt.date] = field(default_factory=dict, hash=False)
    # legal source key → the day it comes into force, for a successor that punishes less than what it
    # replaces (sources.yaml ``lighter``): 行政处罚法 第三十七条 judges earlier acts by it
    lighter: dict[str, dt.date] = field(default_factory=dict, hash=False)

    def lighter_since(self, basis: tuple[str, ...], act_day: dt.date) -> bool:
        """Whether ``basis`` cites a provision that punishes less than the one in force on ``act_day``."""
        return any(key in self.lighter and act_day < self.lighter[key] for key in basis)

    def table(self, table_id: str) -> Table:
        for table in self.tables:
            if table.id == table_id:
                return table
        raise KeyError(table_id)

    def change_dates(self) -> tuple[dt.date, ...]:
        """Every date on which a parameter changes value, a rule comes into or goes out of force or a
        source it cites is replaced (as-of periods start here)."""
        rules = {d for t in self.tables for r in t.rules for d in (r.start, r.repealed) if d is not None}
        cited = {key for t in self.tables for r in t.rules for key in r.citation.basis}
        succeeded = {k for key in cited for k in self.succession(key)}
        sources = {self.replaced[k][0] for k in succeeded if k in self.replaced} | \
            {self.introduced[k] for k in succeeded if k in self.introduced}
        return tuple(sorted(rules | sources | {v.start for p in self.parameters.values() for v in p.values}))

    def succession(self, key: str) -> tuple[str, ...]:
        """The key and every source that replaces it, directly or in turn."""
        out = [key]
        for found in out:  # the list grows while iterated: a breadth-first walk
            out.extend(s for s in self.replaced.get(found, (None, ()))[1] if s not in out)
        return tuple(out)

    def basis_on(self, basis: tuple[str, ...], day: dt.date) -> tuple[str, ...]:
        """The legal bases as in force on ``day``: a replaced source is cited by its successors, a new
        provision not before it is in force."""
        out: dict[str, None] = {}

        def cite(key: str) -> None:
            if key in self.introduced and day < self.introduced[key]:
                return
            found = self.replaced.get(key)
            if found is not None and found[0] <= day:
                for successor in found[1]:
                    cite(successor)
            else:
                out.setdefault(key, None)

        for key in basis:
            cite(key)
        return tuple(out)
