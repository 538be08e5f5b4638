"""Static analysis of a rule graph: overlap, gap, shadowed rule, unreachable output, clause coverage.

Each table is analysed over its own finite partition (``space``) for every
as-of period (each date some parameter changes), so the analysis is exhaustive
and every finding comes with a concrete witness input. Generic: knows nothing
about land.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import compiled
from .compiled import ResolvedTable
from .space import Box, Space, meet, merge, minus, table_space
from .spec import RegulationSpec
from .tables import HitPolicy, IntervalTest, Kind, Rule, RuleGraph, Table

ERROR, WARNING, INFO = "error", "warning", "info"
MAX_GAPS = 3  # gap findings shown per table (the message counts them)
GAP_SEARCH = 200  # uncovered boxes searched for before the count says "at least"


@dataclass(frozen=True)
class Finding:
    """One verification result: what, where, and an input that shows it."""

    severity: str
    code: str
    message: str
    file: str
    line: int | None = None
    table: str | None = None
    rules: tuple[str, ...] = ()
    witness: dict[str, Any] | None = None
    as_of: str | None = None
    fix: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "code": self.code, "message": self.message, "file": self.file,
                "line": self.line, "table": self.table, "rules": list(self.rules), "witness": self.witness,
                "as_of": self.as_of, "fix": self.fix}


def periods(graph: RuleGraph, effective: dt.date) -> list[dt.date]:
    """The start of every as-of period: the effective date and each later parameter change."""
    return [effective, *(d for d in graph.change_dates() if d > effective)]


def selected_regions(space: Space, resolved: ResolvedTable, limit: int | None = None,
                     within: list[Box] | None = None) -> tuple[list[list[Box]], list[list[Box]]]:
    """Per rule: where it matches, and where the hit policy selects it (``limit``: at most so many
    boxes; ``within``: only inside these boxes)."""
    matches = [space.region(rule.checks) for rule in resolved.rules]
    if within is not None:
        matches = [meet(m, within) for m in matches]
    policy = resolved.table.hit_policy
    if policy in (HitPolicy.FIRST, HitPolicy.UNIQUE):  # unique: overlaps are errors; evaluate as first
        chosen = [minus(matches[i], [b for j in range(i) for b in matches[j]], limit) for i in range(len(matches))]
    elif policy == HitPolicy.PRIORITY:
        ranked = resolved.table.priority_output
        ranks = resolved.table.output_type(ranked).values if ranked else ()

        def rank(i: int) -> tuple[int, int]:
            value = resolved.rules[i].outputs.get(ranked) if ranked else None
            return (ranks.index(value) if value in ranks else len(ranks), i)

        chosen = [minus(matches[i], [b for j in range(len(matches)) if rank(j) < rank(i) for b in matches[j]], limit)
                  for i in range(len(matches))]
    else:
        chosen = matches
    return matches, chosen


def analyse_table(resolved: ResolvedTable, graph: RuleGraph, as_of: dt.date,
                  dated: tuple[Rule, ...] = ()) -> list[Finding]:
    """Overlaps (unique), shadowed rules (first, priority), gaps, unreachable outputs, for one period.
    ``dated``: the table's rules in every period; values only those out of force produce are expected."""
    table = resolved.table
    space = table_space([resolved], graph)
    matches, chosen = selected_regions(space, resolved, limit=1)  # emptiness and one witness suffice
    findings: list[Finding] = []
    day = as_of.isoformat()

    def finding(severity: str, code: str, message: str, rule_index: int | None, rules: tuple[str, ...],
                box: Box | None, fix: str | None = None) -> None:
        where = table.rules[rule_index].position if rule_index is not None else table.position
        findings.append(Finding(severity, code, message, where.file, where.line, table.id, rules,
                                space.witness(box) if box is not None else None, day, fix))

    for i, rule in enumerate(table.rules):
        if not matches[i]:
            finding(WARNING, "rule-never-matches", f"rule {rule.id!r} matches no input: its tests contradict",
                    i, (rule.id,), None, "correct the rule's tests or remove the rule")
    if table.hit_policy == HitPolicy.UNIQUE:
        for i in range(len(matches)):
            for j in range(i + 1, len(matches)):
                common = meet(matches[i], matches[j])
                if common:
                    a, b = table.rules[i].id, table.rules[j].id
                    finding(ERROR, "overlap", f"hit policy unique, but rules {a!r} and {b!r} both match where "
                            f"{space.describe(common[0])}", j, (a, b), common[0],
                            "make the conditions exclusive, or choose the first, priority or collect policy")
    if table.hit_policy in (HitPolicy.FIRST, HitPolicy.PRIORITY):
        for i, rule in enumerate(table.rules):
            if matches[i] and not chosen[i]:
                winners = tuple(table.rules[j].id for j in range(len(matches))
                                if j != i and meet(matches[i], matches[j]))
                finding(WARNING, "shadowed", f"rule {rule.id!r} can never be selected under hit policy "
                        f"{table.hit_policy}: {', '.join(winners)} always win where it matches",
                        i, (rule.id, *winners), matches[i][0], "reorder, narrow or remove the rule")
    if table.default is None:
        found = minus([space.full()], [b for boxes in matches for b in boxes], GAP_SEARCH)
        gaps = merge(found)
        count = f"{len(gaps)}" if len(found) < GAP_SEARCH else f"at least {len(gaps)}"
        # A single-hit table's gap is a warning unless the table says why no output is the answer there.
        severity = WARNING if table.hit_policy.single and table.gaps is None else INFO
        declared = f"; declared: {table.gaps}" if table.gaps else ""
        for box in gaps[:MAX_GAPS]:
            finding(severity, "gap", f"no rule covers inputs where {space.describe(box)} "
                    f"({count} uncovered region(s)) and the table has no default{declared}",
                    None, (), box, "add a rule or a default for these inputs, or say why not in `gaps:`")
    findings.extend(_unreachable(table, resolved, chosen, day, dated))
    return findings


def _unreachable(table: Table, resolved: ResolvedTable, chosen: list[list[Box]], day: str,
                 dated: tuple[Rule, ...]) -> list[Finding]:
    """Declared values no rule can produce: those only rules of other as-of periods produce are expected."""
    in_force = {rule.id for rule in table.rules}
    other_periods = [rule for rule in dated if rule.id not in in_force]
    findings = []
    for name, out_type in table.outputs:
        if out_type.kind not in (Kind.ENUM, Kind.LIST) or not out_type.values:
            continue
        produced: set[Any] = set()
        sources = [resolved.rules[i].outputs for i in range(len(chosen)) if chosen[i]]
        sources += [{key: value.literal for key, value in rule.outputs} for rule in other_periods]
        if resolved.default is not None:
            sources.append(resolved.default)
        for outputs in sources:
            value = outputs.get(name)
            produced.update(value if isinstance(value, tuple) else (value,))
        missing = [v for v in out_type.values if v not in produced]
        if missing:
            findings.append(Finding(WARNING, "unreachable-output",
                                    f"output {name!r}: value(s) {', '.join(missing)} are declared but no input "
                                    "produces them", table.position.file, table.position.line, table.id, (),
                                    None, day, "remove the value(s) or add the rule that produces them"))
    return findings


def analyse_graph(graph: RuleGraph, effective: dt.date, *more: RuleGraph) -> list[Finding]:
    """Every table in every as-of period, plus parameter findings; duplicates across periods kept once.

    ``more`` are the ruleset's record-context graphs: their tables are analysed too, and
    they count as readers of the shared parameters.
    """
    findings: list[Finding] = []
    seen: set[tuple[Any, ...]] = set()
    analysed: set[tuple[str, str, str]] = set()
    for day in periods(graph, effective):
        for resolved, dated in ((r, g.table(r.table.id).rules) for g in (graph, *more)
                                for r in compiled.resolve(g, day)):
            # a table that matches as in an earlier period (only other tables, or its citations, changed)
            # has the same findings, which would be kept once anyway
            same = (resolved.table.id, repr(resolved.rules), repr(resolved.default))
            if same in analysed:
                continue
            analysed.add(same)
            for f in analyse_table(resolved, graph, day, dated):
                key = (f.code, f.table, f.rules, f.message)
                if key not in seen:
                    seen.add(key)
                    findings.append(f)
    findings.extend(parameter_findings(graph, *more))
    return findings


def parameter_findings(graph: RuleGraph, *more: RuleGraph) -> list[Finding]:
    """Unused parameters. (One read with another dimension than its unit never loads: the loader types
    every use, a ``ruleset-error``.)

    A parameter counts as used when a table reads it (``$name``), names it as an output
    value (a deadline table naming its deadline parameter), another parameter sums it
    (``sum_of``), or it declares the function that reads it (``used_by``). ``more`` are
    the ruleset's other graphs (record contexts), which share its parameters.
    """
    used: set[str] = set()
    for param in graph.parameters.values():
        used.update(param.sum_of)
        if param.used_by:
            used.add(param.name)
    for table in (t for g in (graph, *more) for t in g.tables):
        for rule in table.rules:
            for _, test in rule.tests:
                bounds = (test.low, test.high) if isinstance(test, IntervalTest) else ()
                used.update(bound.param for bound in bounds if bound is not None and bound.param)
            for _, value in list(rule.outputs) + list(table.default or ()):
                if value.param:
                    used.add(value.param)
                elif isinstance(value.literal, str) and value.literal in graph.parameters:
                    used.add(value.literal)
    return [Finding(WARNING, "unused-parameter", f"parameter {name!r} is read by no table", param.position.file,
                    param.position.line, fix="remove it, or note the function that reads it")
            for name, param in sorted(graph.parameters.items()) if name not in used]


# ---- clause coverage ----------------------------------------------------------


@dataclass(frozen=True)
class Clause:
    """A leaf of the regulation (an item, or a paragraph without items) and how the ruleset treats it."""

    article: int
    paragraph: int
    item: int | None
    text_zh: str
    non_computable: str | None
    rules: tuple[str, ...] = field(default=())  # "table/rule" ids citing it (or an enclosing clause)

    @property
    def ref(self) -> str:
        return f"Art. {self.article} ¶{self.paragraph}" + (f" ({self.item})" if self.item else "")

    @property
    def status(self) -> str:
        if self.rules:
            return "implemented"
        return "non_computable" if self.non_computable else "unmapped"


def clauses(regulation: RegulationSpec, graph: RuleGraph, *more: RuleGraph) -> list[Clause]:
    """Every leaf clause with the rules citing it (an article or paragraph citation covers its leaves).

    ``more`` are further graphs of the same ruleset (its record contexts), whose rules count too.
    """
    citing: dict[tuple[int, int | None, int | None], list[str]] = {}
    for table in (t for g in (graph, *more) for t in g.tables):
        for rule in table.rules:
            c = rule.citation
            citing.setdefault((c.article, c.paragraph, c.item), []).append(f"{table.id}/{rule.id}")
    out = []
    for article in regulation.articles:
        a = article.article
        for p, paragraph in enumerate(article.paragraphs, start=1):
            leaves: list[tuple[int | None, str, str | None]] = [
                (i.item, i.text_zh, i.non_computable or paragraph.non_computable) for i in paragraph.items]
            leaves = leaves or [(None, paragraph.text_zh, paragraph.non_computable)]
            for item, text, reason in leaves:
                keys: list[tuple[int, int | None, int | None]] = [(a, None, None), (a, p, None)]
                if item:
                    keys += [(a, p, item), (a, None, item)]
                rules = tuple(r for k in keys for r in citing.get(k, []))
                out.append(Clause(a, p, item, text, reason, rules))
    return out


def clause_findings(regulation: RegulationSpec, graph: RuleGraph, file: str, *more: RuleGraph) -> list[Finding]:
    """Unmapped clauses (warning) and clauses both declared non-computable and cited (warning)."""
    findings = []
    for clause in clauses(regulation, graph, *more):
        if clause.status == "unmapped":
            findings.append(Finding(WARNING, "unmapped-clause", f"{clause.ref} is neither implemented by a rule "
                                    f"nor declared non-computable: {clause.text_zh[:40]}", file, None,
                                    fix="cite it from a rule, or add `non_computable: <reason>` in regulation.yaml"))
        elif clause.rules and clause.non_computable:
            findings.append(Finding(WARNING, "cited-non-computable", f"{clause.ref} is declared non-computable "
                                    f"but rules cite it: {', '.join(clause.rules)}", file, None, rules=clause.rules,
                                    fix="remove the non_computable reason, or the citations"))
    return findings


def coverage_ratio(items: Iterable[bool]) -> float:
    values = list(items)
    return 1.0 if not values else sum(values) / len(values)
