"""Exact semantic difference between two versions of a rule graph, table by table.

For every table in both versions and every as-of period, both versions are
analysed over one shared partition (the union of their inputs and resolved
thresholds); for every output the region where each value is produced is
computed as boxes, and the changed regions are ``old(v1) ∩ new(v2)`` for
``v1 != v2``, merged into few conditions, each with a witness. Set outputs of
collect tables are compared member by member (``zone ∋ key``). Generic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from . import compiled
from .compiled import ResolvedTable
from .space import Box, Space, meet, merge, minus, table_space
from .tables import Aggregator, Citation, HitPolicy, Kind, Parameter, RuleGraph, Table
from .verify import periods, selected_regions

Regions = dict[str, dict[Any, list[Box]]]  # output key → value → boxes
OVERLAP = "overlap under hit policy unique (evaluation raises)"


@dataclass(frozen=True)
class Change:
    """One region of a table's inputs where an output's value changes."""

    table: str
    output: str
    before: Any
    after: Any
    condition: str  # what every changed input shares (the regions' hull)
    witness: dict[str, Any]
    as_of: str
    regions: tuple[str, ...] = ()  # the exact changed region, as disjoint conditions

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "output": self.output, "before": jsonable(self.before),
                "after": jsonable(self.after), "condition": self.condition, "witness": self.witness,
                "as_of": self.as_of, "regions": list(self.regions)}


@dataclass(frozen=True)
class Edit:
    """A change to the rule files that is not a region: a parameter, a rule, a citation, a date."""

    kind: str  # parameter, table, rule, citation, hit_policy, inputs, default, effective, in_force,
    # replaced_source, new_provision, lighter_source
    name: str
    before: Any
    after: Any

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "before": jsonable(self.before), "after": jsonable(self.after)}

    def text(self) -> str:
        if self.before is None:
            return f"{self.kind} {self.name} added: {jsonable(self.after)}"
        if self.after is None:
            return f"{self.kind} {self.name} removed (was {jsonable(self.before)})"
        return f"{self.kind} {self.name}: {jsonable(self.before)} → {jsonable(self.after)}"


def jsonable(value: Any) -> Any:
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    if isinstance(value, (tuple, list)):
        return [jsonable(v) for v in value]
    if isinstance(value, frozenset):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def citation_text(c: Citation) -> str:
    text = f"Art. {c.article}" + (f" ¶{c.paragraph}" if c.paragraph else "") + (f" ({c.item})" if c.item else "")
    return text + (f" [{', '.join(c.basis)}]" if c.basis else "")


def output_regions(space: Space, resolved: ResolvedTable, within: list[Box] | None = None,
                   as_sets: bool = False) -> Regions:
    """For every output (set outputs: every member), where each value is produced (only ``within``).
    ``as_sets``: single values too as membership (to compare with a version whose output is a set)."""
    regions = _output_regions(space, resolved, within)
    if not as_sets:
        return regions
    universe = [space.full()] if within is None else within
    result: Regions = {}
    for key, values in regions.items():
        if " ∋ " in key or " from rule " in key:
            result[key] = values
            continue
        members: dict[Any, list[Box]] = {}
        for value, boxes in values.items():
            for member in (value if isinstance(value, tuple) else (value,)):
                if member is not None:
                    members.setdefault(member, []).extend(boxes)
        for member, boxes in members.items():
            result[f"{key} ∋ {member}"] = {True: boxes, False: minus(universe, boxes)}
    return result


def _output_regions(space: Space, resolved: ResolvedTable, within: list[Box] | None) -> Regions:
    table = resolved.table
    universe = [space.full()] if within is None else within
    matches, chosen = selected_regions(space, resolved, within=universe)
    every = [b for m in matches for b in m]
    nomatch = minus(universe, every)
    default = resolved.default
    aggregates = dict(table.aggregate)
    result: Regions = {}
    for name, out_type in table.outputs:
        fallback = default.get(name) if default is not None else None
        if table.hit_policy.single:
            values: dict[Any, list[Box]] = {}
            for i, rule in enumerate(resolved.rules):
                values.setdefault(rule.outputs.get(name), []).extend(chosen[i])
            values.setdefault(fallback, []).extend(nomatch)
            result[name] = values
        elif aggregates.get(name) in (Aggregator.MAX, Aggregator.MIN):
            produced: set[Any] = {rule.outputs.get(name) for rule in resolved.rules} - {None}
            ranks = out_type.values
            ordered = sorted(produced, key=lambda v: (ranks.index(v) if v in ranks else len(ranks), v)) if ranks \
                else sorted(produced, reverse=True)  # numbers: highest first, as for max
            if aggregates[name] == Aggregator.MIN:
                ordered.reverse()
            values = {}
            covered: list[Box] = []
            for value in ordered:
                boxes = [b for i, rule in enumerate(resolved.rules) if rule.outputs.get(name) == value
                         for b in matches[i]]
                values.setdefault(value, []).extend(minus(boxes, covered))
                covered.extend(boxes)
            values.setdefault(fallback, []).extend(nomatch)
            result[name] = values
        elif name in aggregates:  # sum, count: compared rule by rule (conservative)
            for i, rule in enumerate(resolved.rules):
                result[f"{name} from rule {rule.id}"] = {rule.outputs.get(name): matches[i],
                                                         None: minus(universe, matches[i])}
        else:  # a set: one boolean per member
            members: set[Any] = set()
            for outputs in [r.outputs for r in resolved.rules] + ([default] if default else []):
                value = outputs.get(name)
                members.update(value if out_type.kind == Kind.LIST and value else (value,))
            listed = out_type.kind == Kind.LIST
            for member in members - {None}:
                inside = [b for i, r in enumerate(resolved.rules) if _has(r.outputs, name, member, listed)
                          for b in matches[i]]
                if default is not None and _has(default, name, member, listed):
                    inside.extend(nomatch)
                result[f"{name} ∋ {member}"] = {True: inside, False: minus(universe, inside)}
    return result


def _has(outputs: Any, name: str, member: Any, listed: bool) -> bool:
    value = outputs.get(name)
    return member in value if listed and value else bool(value == member)


def _overlaps(space: Space, resolved: ResolvedTable, within: list[Box]) -> dict[tuple[str, str], list[Box]]:
    """Under hit policy unique evaluation raises where two rules overlap: per pair of rule ids, where."""
    if resolved.table.hit_policy != HitPolicy.UNIQUE:
        return {}
    regions = [(r.id, meet(space.region(r.checks), within)) for r in resolved.rules]
    found: dict[tuple[str, str], list[Box]] = {}
    for i, (a, ra) in enumerate(regions):
        for b, rb in regions[i + 1:]:
            common = meet(ra, rb)
            if common:
                found[(min(a, b), max(a, b))] = common
    return found


def _citation_changes(space: Space, old: ResolvedTable, new: ResolvedTable) -> list[tuple[str, str, str, list[Box]]]:
    """Rules whose citation changed: (rule, before, after, region where both versions select it)."""
    _, old_chosen = selected_regions(space, old)
    _, new_chosen = selected_regions(space, new)
    old_rules = {r.id: (i, r) for i, r in enumerate(old.table.rules)}
    result = []
    for j, rule in enumerate(new.table.rules):
        if rule.id in old_rules and old_rules[rule.id][1].citation != rule.citation:
            i, before = old_rules[rule.id]
            result.append((rule.id, citation_text(before.citation), citation_text(rule.citation),
                           meet(old_chosen[i], new_chosen[j])))
    return result


def table_changes(old: ResolvedTable, new: ResolvedTable, graph: RuleGraph, as_of: dt.date,
                  limit: int = 20) -> list[Change]:
    """Every changed region of every output of one table in one period."""
    space = table_space([old, new], graph)
    full = affected(space, old, new)
    if not full:
        return []
    as_sets = old.table.hit_policy.single != new.table.hit_policy.single  # one version yields sets
    before, after = output_regions(space, old, full, as_sets), output_regions(space, new, full, as_sets)
    old_pairs, new_pairs = _overlaps(space, old, full), _overlaps(space, new, full)
    old_raises = [b for boxes in old_pairs.values() for b in boxes]
    new_raises = [b for boxes in new_pairs.values() for b in boxes]
    raising = old_raises + new_raises  # where a version raises, values mean nothing
    changes: list[Change] = []
    for key in sorted(set(before) | set(after)):
        absent: dict[Any, list[Box]] = {False: full} if " ∋ " in key else {None: full}  # never produced
        old_values = before.get(key, absent)
        new_values = after.get(key, absent)
        for v1, boxes1 in old_values.items():
            for v2, boxes2 in new_values.items():
                if v1 != v2 or type(v1) is not type(v2):
                    changed = merge(minus(meet(boxes1, boxes2), raising))
                    if changed:
                        changes.append(_change(space, old.table.id, key, v1, v2, changed, as_of, limit))
    for pairs, region, before_, after_ in ((new_pairs, minus(new_raises, old_raises), False, True),
                                           (old_pairs, minus(old_raises, new_raises), True, False)):
        for (a, b), boxes in sorted(pairs.items()):
            shown = merge(meet(boxes, region))
            if shown:
                changes.append(_change(space, old.table.id, f"{OVERLAP}: {a} and {b}", before_, after_, shown,
                                       as_of, limit))
    for rule_id, b_text, a_text, region in _citation_changes(space, old, new):
        if region:
            changes.append(_change(space, old.table.id, f"citation of rule {rule_id}", b_text, a_text,
                                   merge(region), as_of, limit))
    return changes


def affected(space: Space, old: ResolvedTable, new: ResolvedTable) -> list[Box]:
    """Where the two versions can differ at all: every rule kept by id matches the same inputs with the
    same outputs elsewhere. A change to the table itself (policy, default, order…) affects everything."""
    a, b = old.table, new.table
    same_table = (a.hit_policy == b.hit_policy and a.aggregate == b.aggregate and a.outputs == b.outputs
                  and a.priority_output == b.priority_output and old.default == new.default
                  and [r.id for r in a.rules if r.id in {x.id for x in b.rules}]
                  == [r.id for r in b.rules if r.id in {x.id for x in a.rules}])
    if not same_table:
        return [space.full()]
    old_rules = {r.id: r for r in old.rules}
    new_rules = {r.id: r for r in new.rules}
    region: list[Box] = []
    for rule_id in sorted(old_rules.keys() | new_rules.keys()):
        was, now = old_rules.get(rule_id), new_rules.get(rule_id)
        before = space.region(was.checks) if was else []
        after = space.region(now.checks) if now else []
        same_cite = was is None or now is None or (a.rules[[r.id for r in a.rules].index(rule_id)].citation
                                                   == b.rules[[r.id for r in b.rules].index(rule_id)].citation)
        if was is None or now is None or was.outputs != now.outputs or not same_cite:
            region.extend(before + after)
        else:
            region.extend(minus(before, after) + minus(after, before))
    disjoint: list[Box] = []
    for box in region:
        disjoint.extend(minus([box], disjoint))
    return merge(disjoint)


def _change(space: Space, table: str, key: str, before: Any, after: Any, boxes: list[Box], as_of: dt.date,
            limit: int) -> Change:
    regions = tuple(space.describe(b) for b in boxes[:limit])
    if len(boxes) > limit:
        regions += (f"… and {len(boxes) - limit} more",)
    return Change(table, key, before, after, space.describe(space.hull(boxes)), space.witness(boxes[0]),
                  as_of.isoformat(), regions)


def semantic_diff(old: RuleGraph, old_effective: dt.date, new: RuleGraph, new_effective: dt.date) -> list[Change]:
    """Changed regions of every table in both versions, in every as-of period of either; no repeats."""
    starts = sorted(set(periods(old, old_effective)) | set(periods(new, new_effective)))
    first = max(old_effective, new_effective)
    days = [first, *(d for d in starts if d > first)]
    seen: set[tuple[Any, ...]] = set()
    changes: list[Change] = []
    for day in days:
        old_tables = {r.table.id: r for r in compiled.resolve(old, day)}
        new_tables = {r.table.id: r for r in compiled.resolve(new, day)}
        for table_id, resolved in new_tables.items():
            if table_id not in old_tables:
                continue
            for change in table_changes(old_tables[table_id], resolved, new, day):
                key: tuple[str, ...] = (change.table, change.output, repr(change.before), repr(change.after),
                                        change.condition)
                if key not in seen:
                    seen.add(key)
                    changes.append(change)
        for table_id in sorted(set(old_tables) ^ set(new_tables)):
            key = (table_id, "*")
            if key not in seen:
                seen.add(key)
                gone = table_id in old_tables
                changes.append(Change(table_id, "*", "table" if gone else None, None if gone else "table",
                                      "always", {}, day.isoformat()))
    return changes


def _table_edits(old: Table, new: Table) -> list[Edit]:
    edits = []
    t = old.id
    if old.hit_policy != new.hit_policy:
        edits.append(Edit("hit_policy", t, str(old.hit_policy), str(new.hit_policy)))
    if [n for n, _ in old.inputs] != [n for n, _ in new.inputs]:
        edits.append(Edit("inputs", t, [n for n, _ in old.inputs], [n for n, _ in new.inputs]))
    if old.default != new.default:
        edits.append(Edit("default", t, _outputs_text(old.default), _outputs_text(new.default)))
    if old.outputs != new.outputs:
        edits.append(Edit("outputs", t, {n: list(d.values) for n, d in old.outputs},
                          {n: list(d.values) for n, d in new.outputs}))
    old_rules = {r.id: r for r in old.rules}
    new_rules = {r.id: r for r in new.rules}
    for rule_id in old_rules.keys() - new_rules.keys():
        edits.append(Edit("rule", f"{t}/{rule_id}", citation_text(old_rules[rule_id].citation), None))
    for rule_id in new_rules.keys() - old_rules.keys():
        edits.append(Edit("rule", f"{t}/{rule_id}", None, citation_text(new_rules[rule_id].citation)))
    for rule_id in sorted(old_rules.keys() & new_rules.keys()):
        a, b = old_rules[rule_id], new_rules[rule_id]
        if a.citation != b.citation:
            edits.append(Edit("citation", f"{t}/{rule_id}", citation_text(a.citation), citation_text(b.citation)))
        if a.tests != b.tests:
            edits.append(Edit("tests", f"{t}/{rule_id}", {n: x.text() for n, x in a.tests},
                              {n: x.text() for n, x in b.tests}))
        if a.outputs != b.outputs:
            edits.append(Edit("outputs", f"{t}/{rule_id}", _outputs_text(a.outputs), _outputs_text(b.outputs)))
        if (a.start, a.repealed) != (b.start, b.repealed):
            edits.append(Edit("in_force", f"{t}/{rule_id}", {"from": a.start, "repealed": a.repealed},
                              {"from": b.start, "repealed": b.repealed}))
    if [r.id for r in old.rules if r.id in new_rules] != [r.id for r in new.rules if r.id in old_rules]:
        edits.append(Edit("rule_order", t, [r.id for r in old.rules], [r.id for r in new.rules]))
    return edits


def _outputs_text(outputs: Any) -> Any:
    if outputs is None:
        return None
    return {name: f"${v.param}" if v.param else jsonable(v.literal) for name, v in outputs}


def _shape(param: Parameter | None) -> dict[str, Any] | None:
    if param is None:
        return None
    return {"unit": param.unit, "source": param.source,
            "values": [(v.start.isoformat(), jsonable(v.value)) for v in param.values]}


def _succession(graph: RuleGraph, key: str) -> dict[str, Any] | None:
    found = graph.replaced.get(key)
    return None if found is None else {"repealed": found[0], "replaced_by": list(found[1])}


def edits(old: RuleGraph, old_effective: dt.date, new: RuleGraph, new_effective: dt.date) -> list[Edit]:
    """Structural changes: effective date, parameters (values, dates, units, sources), replaced legal sources,
    tables, rules, citations."""
    out: list[Edit] = []
    if old_effective != new_effective:
        out.append(Edit("effective", "ruleset", old_effective, new_effective))
    for name in sorted(old.parameters.keys() | new.parameters.keys()):
        a, b = old.parameters.get(name), new.parameters.get(name)
        if _shape(a) != _shape(b):
            out.append(Edit("parameter", name, _shape(a), _shape(b)))
    for key in sorted(old.replaced.keys() | new.replaced.keys()):  # a renumbered source, cited anew from a date
        if old.replaced.get(key) != new.replaced.get(key):
            out.append(Edit("replaced_source", key, _succession(old, key), _succession(new, key)))
    for key in sorted(old.introduced.keys() | new.introduced.keys()):  # a new provision, cited from a date
        if old.introduced.get(key) != new.introduced.get(key):
            out.append(Edit("new_provision", key, old.introduced.get(key), new.introduced.get(key)))
    for key in sorted(old.lighter.keys() | new.lighter.keys()):  # 从旧兼从轻: which law judges earlier acts
        if old.lighter.get(key) != new.lighter.get(key):
            out.append(Edit("lighter_source", key, old.lighter.get(key), new.lighter.get(key)))
    old_tables = {t.id: t for t in old.tables}
    new_tables = {t.id: t for t in new.tables}
    for table_id in sorted(old_tables.keys() | new_tables.keys()):
        a_table, b_table = old_tables.get(table_id), new_tables.get(table_id)
        if a_table is None or b_table is None:
            out.append(Edit("table", table_id, None if a_table is None else a_table.title_en,
                            None if b_table is None else b_table.title_en))
        else:
            out.extend(_table_edits(a_table, b_table))
    return out


__all__ = ["Change", "Edit", "HitPolicy", "edits", "output_regions", "semantic_diff", "table_changes"]


def ground(graph: RuleGraph, day: dt.date, witness: dict[str, Any], depth: int = 10) -> dict[str, Any] | None:
    """A witness over facts only: each ``<table>.<output>`` value is replaced by facts that make the
    upstream table produce it (``None`` when no input does). Shared facts keep their first value, so the
    caller should confirm the result by evaluation."""
    result = dict(witness)
    tables = {r.table.id: r for r in compiled.resolve(graph, day)}
    for _ in range(depth):
        pending = [k for k, v in result.items() if v is not None and k not in graph.facts
                   and k.partition(".")[0] in tables]
        if not pending:
            return result
        name = pending[0]
        table_id, _, output = name.partition(".")
        resolved = tables[table_id]
        space = table_space([resolved], graph)
        regions = output_regions(space, resolved)
        value = result.pop(name)
        if output in regions:
            boxes = regions[output].get(tuple(value) if isinstance(value, list) else value, [])
        else:  # a set: every member present or absent as in the value
            boxes = [space.full()]
            for key, member_regions in regions.items():
                if key.startswith(f"{output} ∋ "):
                    boxes = meet(boxes, member_regions[key.split(" ∋ ", 1)[1] in set(value)])
        if not boxes:
            return None
        for fact, fact_value in space.witness(boxes[0]).items():
            if result.get(fact) is None:
                result[fact] = fact_value
    return None
