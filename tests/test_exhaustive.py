"""The box algebra against brute force: on random small tables, every cell of the partition is
evaluated by the native engine, and `check` / `diff` must agree with what the cells show."""

from __future__ import annotations

import datetime as dt
import itertools
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from patrolrules.engine import compiled, diff, space, verify
from patrolrules.engine.space import facts_for, table_space
from patrolrules.engine.tables import (
    BoolTest,
    Bound,
    Citation,
    DatedValue,
    FactDef,
    HitPolicy,
    IntervalTest,
    Kind,
    MemberTest,
    OutputValue,
    Parameter,
    Position,
    Rule,
    RuleGraph,
    Table,
    TypeDef,
)
from patrolrules.errors import RulesetError
from patrolrules.facts import FACTS

INPUTS = ("land.land_class", "activity.permanent", "party.kind", "site.distance_to_national_road")
DISTANCE = "site.distance_to_national_road"
PARAMS = ("near", "far")
DAY = dt.date(2024, 1, 1)
OUT = TypeDef(Kind.ENUM, ("a", "b", "c"))


@st.composite
def cell_tests(draw: Any, name: str) -> Any:
    type_def = FACTS[name].type
    if name == DISTANCE:  # an interval between the two dated parameters, ends open or closed
        low = Bound(draw(st.booleans()), param="near") if draw(st.booleans()) else None
        high = Bound(draw(st.booleans()), param="far") if draw(st.booleans()) or low is None else None
        return IntervalTest(low, high)
    if type_def.kind == Kind.BOOLEAN:
        return BoolTest(draw(st.booleans()))
    values = draw(st.sets(st.sampled_from(type_def.values), min_size=1, max_size=3))
    return MemberTest(frozenset(values), draw(st.booleans()))


@st.composite
def tables(draw: Any, policy: HitPolicy | None = None) -> Table:
    policy = policy or draw(st.sampled_from([HitPolicy.UNIQUE, HitPolicy.FIRST, HitPolicy.COLLECT]))
    rules = []
    for index in range(draw(st.integers(1, 6))):
        names = draw(st.lists(st.sampled_from(INPUTS), min_size=0, max_size=3, unique=True))
        tests = tuple((n, draw(cell_tests(n))) for n in names)
        rules.append(Rule(f"r{index}", tests, (("out", OutputValue(draw(st.sampled_from(OUT.values)))),),
                          Citation(8, 3, 1), Position("t.yaml", index + 1)))
    default = (("out", OutputValue("c")),) if draw(st.booleans()) else None
    return Table("t", "测试", "test", policy, tuple((n, FACTS[n].type) for n in INPUTS), (("out", OUT),),
                 tuple(rules), Position("t.yaml", 1), 8, default)


def _parameters(near: int, far: int) -> dict[str, Parameter]:
    def param(name: str, value: int) -> Parameter:  # the value changes on DAY: two as-of periods
        return Parameter(name, (DatedValue(dt.date(2019, 1, 1), Fraction(value)), DatedValue(DAY, Fraction(value + 1))),
                         "default", "test", name, name, Position("p.yaml", 1), "m", "length")
    return {"near": param("near", near), "far": param("far", far)}


def _graph(table: Table, near: int = 10, far: int = 20) -> RuleGraph:
    return RuleGraph((table,), _parameters(near, far), {n: FACTS[n] for n in INPUTS})


def _cells(resolved_tables: list[compiled.ResolvedTable]) -> list[dict[str, Any]]:
    space = table_space(resolved_tables)
    axes = [range(len(axis.cells)) for axis in space.axes]
    return [space.witness(tuple(1 << i for i in combo)) for combo in itertools.product(*axes)]


def _outcome(resolved: compiled.ResolvedTable, facts: dict[str, Any]) -> Any:
    matched = compiled.NativeMatcher((resolved,)).match(0, facts_for(facts))
    try:
        return compiled.select(resolved, matched, facts_for(facts)).values["t.out"], matched
    except RulesetError:
        return "raises", matched


@settings(max_examples=60)
@given(tables(), st.sampled_from([dt.date(2020, 1, 1), DAY]))
def test_check_agrees_with_every_cell(table, day):
    (resolved,) = compiled.resolve(_graph(table), day)
    outcomes = [(_outcome(resolved, cell), cell) for cell in _cells([resolved])]
    findings = verify.analyse_table(resolved, _graph(table), day)
    codes = {f.code for f in findings}
    overlapping = any(len(m) > 1 for (_, m), _ in outcomes)
    assert ("overlap" in codes) == (table.hit_policy == HitPolicy.UNIQUE and overlapping)
    assert ("gap" in codes) == (table.default is None and any(not m for (_, m), _ in outcomes))
    for finding in findings:
        _, matched = _outcome(resolved, finding.witness or {})
        ids = [table.rules[i].id for i in matched]
        if finding.code == "overlap":
            assert set(finding.rules) <= set(ids)
        elif finding.code == "gap":
            assert ids == []
        elif finding.code == "shadowed":
            assert finding.rules[0] in ids and ids[0] != finding.rules[0]
    if table.hit_policy == HitPolicy.FIRST:
        never_first = {r.id for i, r in enumerate(table.rules)
                       if any(i in m for (_, m), _ in outcomes) and not any(m[:1] == [i] for (_, m), _ in outcomes)}
        assert never_first == {f.rules[0] for f in findings if f.code == "shadowed"}


@settings(max_examples=60)
@given(tables(), tables(), st.sampled_from([(10, 20), (11, 20), (10, 10), (20, 10)]))
def test_diff_agrees_with_every_cell(old_table, new_table, thresholds):
    (old,) = compiled.resolve(_graph(old_table), DAY)
    (new,) = compiled.resolve(_graph(new_table, *thresholds), DAY)
    changes = [c for c in diff.table_changes(old, new, _graph(new_table, *thresholds), DAY)
               if not c.output.startswith("citation")]
    # a single-hit and a multiple-hit version are compared member by member (None ~ empty set)
    as_set = old_table.hit_policy.single != new_table.hit_policy.single
    differs = [cell for cell in _cells([old, new])
               if _view(_outcome(old, cell)[0], as_set) != _view(_outcome(new, cell)[0], as_set)]
    assert bool(changes) == bool(differs)
    for change in changes:
        before, after = _outcome(old, change.witness)[0], _outcome(new, change.witness)[0]
        if change.output.startswith("overlap"):  # raises in one version only
            assert (before == "raises", after == "raises") == (change.before, change.after)
        else:  # a value change is reported only where neither version raises, and it is real
            assert "raises" not in (before, after) and _view(before, as_set) != _view(after, as_set)
            if " ∋ " in change.output:
                member = change.output.split(" ∋ ")[1]
                assert (_has(before, member), _has(after, member)) == (change.before, change.after)
            else:
                assert (before, after) == (change.before, change.after)


def _view(value: Any, as_set: bool) -> Any:
    if not as_set or value == "raises" or isinstance(value, frozenset):
        return value
    return frozenset() if value is None else frozenset({value})


def _has(value: Any, member: str) -> bool:
    return member in value if isinstance(value, frozenset) else value == member


def test_a_wide_table_is_checked_and_diffed_in_bounded_work(monkeypatch):
    """16 inputs, 30 partly overlapping rules: checking and diffing stay within a budget of box
    operations (the cost that would explode, counted rather than timed: CI machines vary)."""
    work = {"subtract": 0, "intersect": 0, "_disjoint": 0}

    def counted(name: str, function: Any) -> Any:
        def wrapper(*args: Any) -> Any:
            work[name] += 1
            return function(*args)
        return wrapper

    for name in work:
        monkeypatch.setattr(space, name, counted(name, getattr(space, name)))
    # a fixed catalogue, not the live one (a new enum value there would reshape the table): 8 booleans and
    # 8 enums of 5 to 12 values
    wide = {f"f{i:02d}": FactDef(f"f{i:02d}", TypeDef(Kind.BOOLEAN) if i % 2 else
                                  TypeDef(Kind.ENUM, tuple(f"v{v}" for v in range(5 + i % 8)))) for i in range(16)}
    names = sorted(wide)
    rules = []
    for index in range(30):  # every rule tests 4 inputs, chosen round-robin: many partial overlaps
        tests = []
        for k in range(4):
            name = names[(index * 3 + k * 5) % len(names)]
            type_def = wide[name].type
            test = BoolTest(index % 2 == 0) if type_def.kind == Kind.BOOLEAN else \
                MemberTest(frozenset(type_def.values[(index + k) % len(type_def.values)::3]))
            tests.append((name, test))
        rules.append(Rule(f"r{index}", tuple(dict(tests).items()), (("out", OutputValue("abc"[index % 3])),),
                          Citation(8, 3, 1), Position("t.yaml", index + 1)))
    facts = wide
    for policy in (HitPolicy.UNIQUE, HitPolicy.FIRST, HitPolicy.COLLECT):
        table = Table("t", "测试", "test", policy, tuple((n, wide[n].type) for n in names), (("out", OUT),),
                      tuple(rules), Position("t.yaml", 1), 8)
        changed = Table(**{**table.__dict__, "rules": (*rules[:5], Rule(rules[5].id, rules[5].tests,
                        (("out", OutputValue("c" if rules[5].outputs[0][1].literal != "c" else "a")),),
                        Citation(8, 3, 1), rules[5].position), *rules[6:])})
        before = dict(work)
        verify.analyse_graph(RuleGraph((table,), {}, facts), DAY)
        changes = diff.semantic_diff(RuleGraph((table,), {}, facts), DAY, RuleGraph((changed,), {}, facts), DAY)
        spent = sum(work[k] - before[k] for k in work)
        assert spent < 1_500_000, (policy, spent)  # ≈ 875 000 box operations under unique (2026-12-02)
        assert changes or policy == HitPolicy.FIRST  # under first, rule r5 may be shadowed entirely


_BOXES = st.lists(st.tuples(*(st.integers(min_value=1, max_value=15) for _ in range(3))), max_size=25)


def _points(boxes: list[tuple[int, ...]]) -> set[tuple[int, ...]]:
    """Every cell combination a list of boxes (bitmasks over 4 cells on each of 3 axes) covers."""
    return {point for box in boxes for point in itertools.product(*(space.bits(mask) for mask in box))}


@given(_BOXES)
def test_merging_boxes_keeps_their_union_and_joins_all_it_can(boxes):
    merged = space.merge(boxes)
    assert _points(merged) == _points(boxes)  # the same region: no cell gained or lost
    assert len(merged) <= len(set(boxes))
    for axis in range(3):  # nothing left to join: no two boxes agree on every other axis
        rests = [(*box[:axis], *box[axis + 1:]) for box in merged]
        assert len(rests) == len(set(rests))
