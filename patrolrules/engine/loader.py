"""Rule files → tables, with file, line and rule id on every problem.

The loader never stops at the first problem: it collects every one it can find
and raises a single ``RulesetError``. Nothing in a rule file is executed; cells
are parsed by a small fixed grammar (see ``parse_cell``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from fractions import Fraction
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .. import units
from ..errors import RuleProblem, RulesetError
from .spec import (
    ArticleSpec,
    CaseSpec,
    CasesSpec,
    LegalSourceSpec,
    ParametersSpec,
    RegulationSpec,
    RulesetSpec,
    SourcesSpec,
    TableSpec,
)
from .tables import (
    AnyTest,
    BoolTest,
    Bound,
    Citation,
    DatedValue,
    FactDef,
    IntervalTest,
    Kind,
    MemberTest,
    OutputValue,
    Parameter,
    Position,
    Rule,
    RuleGraph,
    SetMode,
    SetTest,
    Table,
    Test,
    TypeDef,
    downstream_type,
)
from .yamlsafe import line_of, plain, read_yaml

MAX_FILES = 200


@dataclass(frozen=True)
class LoadedRuleset:
    """Everything read from a ruleset directory, validated."""

    meta: RulesetSpec
    regulation: RegulationSpec
    sources: dict[str, LegalSourceSpec]
    articles: tuple[tuple[str, ArticleSpec], ...]
    graph: RuleGraph
    cases: tuple[tuple[str, int | None, CaseSpec], ...]  # (file, line, case)
    canonical: dict[str, Any]  # plain content of every file, for the content id
    directory: Path
    # Record contexts (ledger, team, …): their own tables over their own facts.
    contexts: dict[str, RuleGraph] = field(default_factory=dict)
    context_articles: tuple[tuple[str, ArticleSpec], ...] = ()  # the article files of the contexts


class _Problems:
    def __init__(self) -> None:
        self.items: list[RuleProblem] = []

    def add(self, file: str, line: int | None, message: str, rule_id: str | None = None,
            fix: str | None = None) -> None:
        self.items.append(RuleProblem(file, line, message, rule_id, fix))

    def raise_if_any(self) -> None:
        if self.items:
            raise RulesetError(list(self.items))


def _validate(model: type[BaseModel], data: Any, label: str, problems: _Problems) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            where = ".".join(str(p) for p in loc)
            expected = _expected_text(error)
            problems.add(label, line_of(data, loc), f"{where}: {error['msg']}", fix=expected)
        return None


def _expected_text(error: Any) -> str | None:
    ctx = error.get("ctx") or {}
    if "expected" in ctx:
        return f"use one of {ctx['expected']}"
    if error["type"] == "extra_forbidden":
        return "remove this key (it is not part of the format; see `patrolrules schema ruleset`)"
    if error["type"] == "missing":
        return "add this key"
    return None


def load_directory(directory: Path, facts: dict[str, FactDef],
                   overrides: dict[str, Any] | None = None,
                   context_facts: dict[str, dict[str, FactDef]] | None = None) -> LoadedRuleset:
    """Read and validate a ruleset directory; ``overrides`` replaces whole files' data.

    ``context_facts`` gives the fact catalogue of each record context named in
    ``ruleset.yaml``; without it the contexts are not built.
    """
    problems = _Problems()
    overrides = overrides or {}
    canonical: dict[str, Any] = {}

    def read(name: str) -> Any:
        if name in overrides:
            data = overrides[name]
        else:
            path = directory / name
            if not path.resolve().is_relative_to(directory.resolve()):
                raise RulesetError([RuleProblem(name, None, "file lies outside the ruleset directory")])
            data = read_yaml(path, name)
        canonical[name] = plain(data)
        return data

    meta_data = read("ruleset.yaml")
    meta: RulesetSpec | None = _validate(RulesetSpec, meta_data, "ruleset.yaml", problems)
    problems.raise_if_any()
    assert meta is not None
    if len(meta.parameters) + len(meta.articles) > MAX_FILES:
        raise RulesetError([RuleProblem("ruleset.yaml", None, f"more than {MAX_FILES} files")])

    regulation = _validate(RegulationSpec, read(meta.regulation), meta.regulation, problems)
    sources_data = read(meta.sources)
    sources_spec = _validate(SourcesSpec, sources_data, meta.sources, problems)
    dated_sources: _DatedSources = ({}, {}, {}) if sources_spec is None else \
        _dated_sources(sources_spec.sources, sources_data, meta.sources, problems)
    parameters: dict[str, Parameter] = {}
    sums: list[tuple[str, str, int | None, list[str]]] = []
    for name in meta.parameters:
        data = read(name)
        spec = _validate(ParametersSpec, data, name, problems)
        if spec is not None:
            _build_parameters(spec, data, name, parameters, problems)
            sums.extend((name, p, line_of(data, ("parameters", p, "sum_of")), v.sum_of)
                        for p, v in spec.parameters.items() if v.sum_of)
    _check_sums(sums, parameters, problems)
    articles: list[tuple[str, ArticleSpec, Any]] = []
    for name in meta.articles:
        data = read(name)
        spec = _validate(ArticleSpec, data, name, problems)
        if spec is not None:
            articles.append((name, spec, data))
    context_articles: dict[str, list[tuple[str, ArticleSpec, Any]]] = {}
    if context_facts is not None:
        for context, names in meta.contexts.items():
            if context not in context_facts:
                problems.add("ruleset.yaml", line_of(meta_data, ("contexts", context)), f"unknown context {context!r}",
                             fix=f"use one of {', '.join(sorted(context_facts))}")
                continue
            for name in names:
                data = read(name)
                spec = _validate(ArticleSpec, data, name, problems)
                if spec is not None:
                    context_articles.setdefault(context, []).append((name, spec, data))
    problems.raise_if_any()
    assert regulation is not None and sources_spec is not None

    clauses = _clause_index(regulation)
    for name, article, data in [*articles, *(a for group in context_articles.values() for a in group)]:
        _check_quote(article, regulation, name, data, problems)
    graph = _build_graph(articles, facts, parameters, sources_spec.sources, dated_sources, clauses, problems)
    contexts = {context: _build_graph(group, (context_facts or {})[context], parameters, sources_spec.sources,
                                      dated_sources, clauses, problems)
                for context, group in context_articles.items()}
    for built in (graph, *contexts.values()):
        _check_cited_in_force(built, sources_spec.sources, meta.effective, problems)
    if (directory / meta.cases).resolve().is_relative_to(directory.resolve()):
        cases = _read_cases(directory / meta.cases, meta.cases, canonical, problems)
    else:
        cases = ()
        problems.add("ruleset.yaml", line_of(meta_data, ("cases",)), f"cases folder {meta.cases!r} lies outside the "
                     "ruleset directory", fix="keep the golden cases inside the ruleset directory")
    problems.raise_if_any()
    return LoadedRuleset(
        meta=meta,
        regulation=regulation,
        sources=dict(sources_spec.sources),
        articles=tuple((name, spec) for name, spec, _ in articles),
        graph=graph,
        cases=cases,
        canonical=canonical,
        directory=directory,
        contexts=contexts,
        context_articles=tuple((name, spec) for group in context_articles.values() for name, spec, _ in group),
    )


# ---- parameters ------------------------------------------------------------


def _build_parameters(spec: ParametersSpec, data: Any, file: str, out: dict[str, Parameter],
                      problems: _Problems) -> None:
    for name, param in spec.parameters.items():
        line = line_of(data, ("parameters", name))
        if name in out:
            problems.add(file, line, f"parameter {name!r} is defined twice", fix="keep one definition")
            continue
        dimension = None
        if param.unit is not None:
            dimension = _dimension_of_unit(param.unit)
            if dimension is None:
                problems.add(file, line, f"parameter {name!r} has unknown unit {param.unit!r}",
                             fix="use a unit such as m, mu, m², hectare, yuan, wan_yuan, hour, day, working_day")
                continue
        values = []
        for index, dated in enumerate(param.values):
            value = _parameter_value(dated.value, param.unit is not None)
            if value is None or not _in_range(value, param.unit, dimension):
                problems.add(file, line_of(data, ("parameters", name, "values", index)),
                             f"parameter {name!r}: value {dated.value!r} is not a number of at most 1e300 "
                             "(in the canonical unit)", fix="a parameter with a unit takes a plain number in that unit")
                continue
            values.append(DatedValue(dated.from_, value))
        starts = [v.start for v in values]
        if starts != sorted(set(starts)):
            problems.add(file, line, f"parameter {name!r}: dated values must be in increasing date order",
                         fix="sort the values by 'from' and remove repeated dates")
        out[name] = Parameter(name, tuple(values), param.source, param.reference, param.description_zh,
                              param.description_en, Position(file, line), param.unit, dimension, param.used_by,
                              tuple(param.sum_of))


def _in_range(value: Any, unit: str | None, dimension: str | None) -> bool:
    """A number with a unit stays a finite float in its canonical unit (values are compared as floats)."""
    if unit is None or dimension is None:
        return True
    quantity = units.ureg.Quantity(value, units.parse_unit(unit))
    return units.in_range(units.canonical_magnitude(quantity, dimension))


def _check_sums(sums: list[tuple[str, str, int | None, list[str]]], parameters: dict[str, Parameter],
                problems: _Problems) -> None:
    """A declared total must equal the sum of its parts on every date any of them changes."""
    for file, total_name, line, parts in sums:
        unknown = [p for p in parts if p not in parameters]
        if unknown or total_name not in parameters:
            problems.add(file, line, f"parameter {total_name!r}: sum_of names unknown parameter(s) "
                         f"{', '.join(unknown)}", fix="name parameters defined in the ruleset's parameter files")
            continue
        total = parameters[total_name]
        members = [parameters[p] for p in parts]
        days = sorted({v.start for p in (total, *members) for v in p.values})
        for day in days:
            declared, values = total.at(day), [m.at(day) for m in members]
            if declared is None or any(v is None for v in values):
                continue
            if not all(isinstance(v, Fraction) for v in (declared, *values)):
                problems.add(file, line, f"parameter {total_name!r}: sum_of needs numbers",
                             fix="give the total and its parts plain numbers")
                break
            if sum(values, Fraction(0)) != declared:
                shown = " + ".join(f"{m.name} {_number_text(v)}" for m, v in zip(members, values, strict=True))
                problems.add(file, line, f"{shown} = {_number_text(sum(values, Fraction(0)))}, not the declared "
                             f"total {total_name} {_number_text(declared)} (values in force on {day})",
                             fix="change the parts or the declared total so that they agree")
                break


# sources.yaml's succession (key → repealed day, successors), new provisions (key → first day) and
# lighter successors (key → first day)
_DatedSources = tuple[dict[str, tuple[dt.date, tuple[str, ...]]], dict[str, dt.date], dict[str, dt.date]]


def _dated_sources(sources: dict[str, LegalSourceSpec], data: Any, file: str, problems: _Problems) -> _DatedSources:
    """Renumbered or split provisions, key → (first day no longer in force, its successors), each
    successor in force from that day (no gap, no overlap); new provisions, key → first day; and
    successors that punish less than what they replace, key → first day."""
    replaced: dict[str, tuple[dt.date, tuple[str, ...]]] = {}
    introduced = {k: s.from_ for k, s in sources.items() if s.new_provision and s.from_ is not None}
    for key, source in sources.items():
        if source.from_ is not None and source.repealed is not None and source.repealed <= source.from_:
            problems.add(file, line_of(data, ("sources", key, "repealed")),
                         f"source {key!r} is repealed ({source.repealed}) before it is in force ({source.from_})",
                         fix="give 'repealed' a later date than 'from'")
        if source.new_provision and source.from_ is None:
            problems.add(file, line_of(data, ("sources", key, "new_provision")),
                         f"source {key!r} is a new provision but says not from when", fix="give it 'from'")
        if source.covered_by:  # with a 'replaced_by' too, that conflict is the one problem reported
            _covered(key, source, sources, data, file, problems, replaced)
            continue
        if not source.replaced_by:
            continue
        line = line_of(data, ("sources", key, "replaced_by"))
        ok = True
        for name in source.replaced_by:
            successor = sources.get(name)
            if successor is None:
                problems.add(file, line, f"source {key!r} is replaced by unknown source {name!r}",
                             fix=_unknown_source_fix(name, sources))
                ok = False
            elif source.repealed is None or successor.from_ != source.repealed:
                problems.add(file, line, f"source {key!r} is replaced by {name!r}, but {key!r} is repealed on "
                             f"{source.repealed} and {name!r} is in force from {successor.from_}",
                             fix=f"give {key!r} 'repealed' and {name!r} 'from' the same date")
                ok = False
        if ok and source.repealed is not None:
            replaced[key] = (source.repealed, tuple(source.replaced_by))
    successors = {name for s in sources.values() for name in s.replaced_by}
    lighter = {}
    for key, source in sources.items():
        if source.lighter and (key not in successors or source.from_ is None):
            problems.add(file, line_of(data, ("sources", key, "lighter")),
                         f"source {key!r} is marked lighter but replaces nothing",
                         fix="name it in the 'replaced_by' of the provision it replaces, or remove 'lighter'")
        elif source.lighter and source.from_ is not None:
            lighter[key] = source.from_
    return replaced, introduced, lighter


def _covered(key: str, source: LegalSourceSpec, sources: dict[str, LegalSourceSpec], data: Any, file: str,
             problems: _Problems, replaced: dict[str, tuple[dt.date, tuple[str, ...]]]) -> None:
    """A source repealed with no successor of its own (``covered_by``): cited by no one from its repeal on."""
    line = line_of(data, ("sources", key, "covered_by"))
    found = []
    if source.repealed is None or source.replaced_by:
        found.append((f"source {key!r} is covered by {source.covered_by} but " +
                      ("is not repealed" if source.repealed is None else "also has a successor ('replaced_by')"),
                      "give it 'repealed' and either 'replaced_by' (a successor) or 'covered_by', not both"))
    for name in source.covered_by:
        other = sources.get(name)
        if other is None:
            found.append((f"source {key!r} is covered by unknown source {name!r}", _unknown_source_fix(name, sources)))
        elif source.repealed is not None and not _in_force(other, source.repealed):
            found.append((f"source {key!r} is covered by {name!r}, which is not in force on {source.repealed}",
                          f"name a source in force on {source.repealed}"))
    for message, fix in found:
        problems.add(file, line, message, fix=fix)
    if not found and source.repealed is not None:
        replaced[key] = (source.repealed, ())


def _unknown_source_fix(name: str, sources: dict[str, LegalSourceSpec]) -> str:
    close = difflib.get_close_matches(name, list(sources), n=3)
    return f"did you mean {', '.join(close)}?" if close else "add it to sources.yaml"


def _in_force(source: LegalSourceSpec, day: dt.date) -> bool:
    return (source.from_ is None or source.from_ <= day) and (source.repealed is None or day < source.repealed)


def _check_cited_in_force(graph: RuleGraph, sources: dict[str, LegalSourceSpec], effective: dt.date,
                          problems: _Problems) -> None:
    """A rule cites, on every day it is in force, sources in force that day (directly or through
    ``replaced_by``): a decision never cites law not yet or no longer in force. A source repealed
    with no successor (``covered_by``) leaves the rule citing what covers its acts."""
    for table in graph.tables:
        for rule in table.rules:
            first = rule.start or effective
            for key in rule.citation.basis:
                start = sources[key].from_
                ends = [(end, k) for k in graph.succession(key)
                        if k not in graph.replaced and (end := sources[k].repealed) is not None]
                where = f"cites {key!r}, in force"
                if start is not None and first < start and not sources[key].new_provision:
                    problems.add(rule.position.file, rule.position.line, f"rule is in force from {first} but {where} "
                                 f"from {start}", rule.id, f"give the rule 'from: {start}', cite the source in "
                                 "force before it, or mark the source 'new_provision' if nothing preceded it")
                for covered in graph.succession(key):
                    source, end = sources[covered], sources[covered].repealed
                    if source.covered_by and end is not None and (rule.repealed is None or rule.repealed > end) \
                            and not set(source.covered_by) & set(graph.basis_on(rule.citation.basis, end)):
                        covering = ", ".join(source.covered_by)
                        problems.add(rule.position.file, rule.position.line, f"{where} until {end} ({covered!r} has "
                                     f"no successor of its own), and cites none of what covers it then: {covering}",
                                     rule.id, f"cite one of {covering} too, or give the rule 'repealed: {end}'")
                for end, last in ends:
                    if rule.repealed is None or rule.repealed > end:
                        problems.add(rule.position.file, rule.position.line, f"{where} until {end} ({last!r} is "
                                     "repealed then, with no 'replaced_by')", rule.id,
                                     f"give the rule 'repealed: {end}' or the source its successor ('replaced_by')")


def _number_text(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


def _dimension_of_unit(unit: str) -> str | None:
    try:
        return units.dimension_of(units.ureg.Quantity(1, units.parse_unit(unit)))
    except ValueError:
        return None


def _parameter_value(value: Any, has_unit: bool) -> Any:
    if has_unit:
        try:
            return units.to_fraction(value)
        except ValueError:
            return None
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return units.to_fraction(value)
    if isinstance(value, list):
        return tuple(plain(value))
    return None


def parameter_threshold(param: Parameter, value: Any, dimension: str | None) -> Fraction:
    """A parameter value as an exact magnitude in the canonical unit of ``dimension``."""
    if param.unit is None or dimension is None:
        return Fraction(value)
    quantity = units.ureg.Quantity(Fraction(value), units.parse_unit(param.unit))
    return units.canonical_magnitude(quantity, dimension)


# ---- regulation, citations -------------------------------------------------


def _clause_index(regulation: RegulationSpec) -> set[tuple[int, int | None, int | None]]:
    index: set[tuple[int, int | None, int | None]] = set()
    for article in regulation.articles:
        index.add((article.article, None, None))
        for p_no, paragraph in enumerate(article.paragraphs, start=1):
            index.add((article.article, p_no, None))
            for item in paragraph.items:
                index.add((article.article, p_no, item.item))
                index.add((article.article, None, item.item))  # item cited without paragraph
    return index


def article_text(regulation: RegulationSpec, article_no: int) -> str:
    """The article's whole text, paragraphs and items, as printed in the regulation."""
    for article in regulation.articles:
        if article.article == article_no:
            lines: list[str] = []
            for paragraph in article.paragraphs:
                lines.append(paragraph.text_zh)
                lines.extend(item.text_zh for item in paragraph.items)
            return "\n".join(lines)
    raise KeyError(article_no)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _check_quote(article: ArticleSpec, regulation: RegulationSpec, file: str, data: Any,
                 problems: _Problems) -> None:
    try:
        expected = article_text(regulation, article.article)
    except KeyError:
        problems.add(file, line_of(data, ("article",)), f"article {article.article} is not in the regulation")
        return
    if _normalise(article.quote_zh) != _normalise(expected):
        problems.add(file, line_of(data, ("quote_zh",)),
                     f"quote_zh differs from the text of article {article.article} in the regulation",
                     fix="copy the article's text exactly from regulation.yaml")


# ---- tables ----------------------------------------------------------------


def _build_graph(articles: list[tuple[str, ArticleSpec, Any]], facts: dict[str, FactDef],
                 parameters: dict[str, Parameter], sources: dict[str, LegalSourceSpec],
                 dated_sources: _DatedSources, clauses: set[tuple[int, int | None, int | None]],
                 problems: _Problems) -> RuleGraph:
    specs: dict[str, tuple[str, TableSpec, Any, int]] = {}
    for file, article, data in articles:
        for index, spec_of_table in enumerate(article.tables):
            if spec_of_table.id in specs:
                problems.add(file, line_of(data, ("tables", index)), f"table id {spec_of_table.id!r} is used twice",
                             fix="give every table its own id")
                continue
            specs[spec_of_table.id] = (file, spec_of_table, data["tables"][index], article.article)

    built: dict[str, Table] = {}
    dependencies: dict[str, set[str]] = {}
    # Output types are needed before inputs can be typed: build output types first.
    output_types = {tid: {name: _output_type(o) for name, o in spec.outputs.items()}
                    for tid, (_, spec, _, _) in specs.items()}
    for table_id, (file, table_spec, table_data, article_no) in specs.items():
        table: Table | None = _build_table(table_spec, table_data, file, article_no, facts, specs, output_types,
                                           parameters, sources, clauses, problems)
        if table is not None:
            built[table_id] = table
            dependencies[table_id] = {name.split(".", 1)[0] for name, _ in table.inputs
                                      if name not in facts and name.split(".", 1)[0] in specs}
    try:
        order = list(TopologicalSorter(dependencies).static_order())
    except CycleError as exc:
        cycle = " → ".join(exc.args[1])
        problems.add(specs[exc.args[1][0]][0], None, f"tables depend on each other in a cycle: {cycle}",
                     fix="break the cycle; a table may only read tables evaluated before it")
        order = list(dependencies)
    return RuleGraph(tuple(built[t] for t in order if t in built), parameters, facts, *dated_sources)


def _output_type(spec: Any) -> TypeDef:
    return TypeDef(Kind(spec.type), tuple(spec.values), spec.dimension)


def _build_table(spec: TableSpec, data: Any, file: str, article_no: int, facts: dict[str, FactDef],
                 specs: dict[str, Any], output_types: dict[str, dict[str, TypeDef]],
                 parameters: dict[str, Parameter], sources: dict[str, LegalSourceSpec],
                 clauses: set[tuple[int, int | None, int | None]], problems: _Problems) -> Table | None:
    table_line = line_of(data, ())
    ok = True
    inputs: list[tuple[str, TypeDef]] = []
    for index, name in enumerate(spec.inputs):
        input_type = _resolve_input(name, spec, facts, specs, output_types)
        if input_type is None:
            known = list(facts) + [f"{t}.{o}" for t, outs in output_types.items() for o in outs]
            close = difflib.get_close_matches(name, known, n=3)
            problems.add(file, line_of(data, ("inputs", index)), f"table {spec.id!r}: unknown input {name!r}",
                         fix=f"did you mean {', '.join(close)}?" if close else
                         "name a fact (`patrolrules schema facts`) or '<table>.<output>' of another table")
            ok = False
        else:
            inputs.append((name, input_type))
    outputs = output_types[spec.id]
    for name, out_type in outputs.items():
        if out_type.kind == Kind.QUANTITY and out_type.dimension not in units.DIMENSIONS:
            problems.add(file, line_of(data, ("outputs", name)), f"output {name!r}: unknown dimension",
                         fix=f"use one of {', '.join(units.DIMENSIONS)}")
            ok = False
    for name in spec.aggregate:
        if name not in outputs:
            problems.add(file, line_of(data, ("aggregate", name)), f"aggregate names unknown output {name!r}")
            ok = False
        elif spec.hit_policy.single:
            problems.add(file, line_of(data, ("aggregate",)), "aggregate needs the collect hit policy",
                         fix="use hit_policy: collect, or remove aggregate")
            ok = False
    if spec.hit_policy == "priority":
        if spec.priority not in outputs or outputs[spec.priority].kind != Kind.ENUM:
            problems.add(file, line_of(data, ("hit_policy",)),
                         "the priority hit policy needs 'priority: <enum output>' whose values list ranks the rules",
                         fix="add priority: naming an enum output; its values are ranked highest first")
            ok = False
    typed_inputs = dict(inputs)
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, rule_spec in enumerate(spec.rules):
        rule_data = data["rules"][index]
        rule_line = line_of(data, ("rules", index))
        if rule_spec.id in seen:
            problems.add(file, rule_line, f"rule id {rule_spec.id!r} is used twice in table {spec.id!r}",
                         rule_spec.id, "give every rule its own id")
            ok = False
        seen.add(rule_spec.id)
        tests: list[tuple[str, Test]] = []
        for input_name, cell in rule_spec.when.items():
            cell_line = line_of(rule_data, ("when", input_name))
            if input_name not in typed_inputs:
                if input_name in spec.inputs:
                    continue  # already reported as unknown
                problems.add(file, cell_line, f"rule tests {input_name!r}, which is not an input of the table",
                             rule_spec.id, f"add it to the table's inputs or use one of {', '.join(typed_inputs)}")
                ok = False
                continue
            try:
                test = parse_cell(cell, typed_inputs[input_name], parameters)
            except ValueError as exc:
                problems.add(file, cell_line, f"input {input_name!r}: {exc}", rule_spec.id)
                ok = False
                continue
            if not isinstance(test, AnyTest):
                tests.append((input_name, test))
        rule_outputs = _outputs(rule_spec.then, outputs, parameters, file, rule_data, "then", rule_spec.id,
                                problems)
        if rule_outputs is None:
            ok = False
        cite = rule_spec.cite
        if (cite.article, cite.paragraph, cite.item) not in clauses:
            problems.add(file, line_of(rule_data, ("cite",)),
                         f"citation {cite.article}/{cite.paragraph}/{cite.item} is not a clause of the regulation",
                         rule_spec.id, "cite an article, paragraph and item that exist in regulation.yaml")
            ok = False
        for key in cite.basis:
            if key not in sources:
                problems.add(file, line_of(rule_data, ("cite", "basis")), f"unknown legal basis {key!r}",
                             rule_spec.id, _unknown_source_fix(key, sources))
                ok = False
        if rule_spec.from_ is not None and rule_spec.repealed is not None and rule_spec.repealed <= rule_spec.from_:
            problems.add(file, line_of(rule_data, ("repealed",)),
                         f"rule is repealed ({rule_spec.repealed}) before it comes into force ({rule_spec.from_})",
                         rule_spec.id, "give 'repealed' a later date than 'from'")
            ok = False
        rules.append(Rule(rule_spec.id, tuple(tests), tuple(rule_outputs or ()),
                          Citation(cite.article, cite.paragraph, cite.item, tuple(cite.basis)),
                          Position(file, rule_line), rule_spec.note, rule_spec.from_, rule_spec.repealed))
    default = None
    if spec.default is not None:
        default_outputs = _outputs(spec.default, outputs, parameters, file, data, "default", None, problems)
        ok = ok and default_outputs is not None
        default = tuple(default_outputs or ())
    if not ok:
        return None
    return Table(spec.id, spec.title_zh, spec.title_en, spec.hit_policy, tuple(inputs), tuple(outputs.items()),
                 tuple(rules), Position(file, table_line), article_no, default, tuple(spec.aggregate.items()),
                 spec.priority, spec.gaps)


def _resolve_input(name: str, spec: TableSpec, facts: dict[str, FactDef], specs: dict[str, Any],
                   output_types: dict[str, dict[str, TypeDef]]) -> TypeDef | None:
    if name in facts:
        return facts[name].type
    table_id, _, output = name.partition(".")
    if table_id == spec.id or table_id not in specs or output not in output_types[table_id]:
        return None
    other: TableSpec = specs[table_id][1]
    return downstream_type(other.hit_policy, other.aggregate.get(output), output_types[table_id][output])


def _outputs(cells: dict[str, Any], outputs: dict[str, TypeDef], parameters: dict[str, Parameter], file: str,
             data: Any, key: str, rule_id: str | None, problems: _Problems) -> list[tuple[str, OutputValue]] | None:
    result: list[tuple[str, OutputValue]] = []
    ok = True
    for name, raw in cells.items():
        line = line_of(data, (key, name))
        if name not in outputs:
            problems.add(file, line, f"unknown output {name!r}", rule_id, f"use one of {', '.join(outputs)}")
            ok = False
            continue
        try:
            result.append((name, _output_value(raw, outputs[name], parameters)))
        except ValueError as exc:
            problems.add(file, line, f"output {name!r}: {exc}", rule_id)
            ok = False
    return result if ok else None


def _output_value(raw: Any, out_type: TypeDef, parameters: dict[str, Parameter]) -> OutputValue:
    if isinstance(raw, str) and raw.startswith("$"):
        name = raw[1:]
        if name not in parameters:
            raise ValueError(f"unknown parameter {name!r}")
        param = parameters[name]
        if out_type.kind == Kind.QUANTITY:
            if param.dimension != out_type.dimension:
                raise ValueError(f"parameter {name!r} has dimension {param.dimension}; expected {out_type.dimension}")
            return OutputValue(param=name)
        if param.unit is not None:
            raise ValueError(f"parameter {name!r} has unit {param.unit!r}; this {out_type.kind} output takes none")
        for dated in param.values:  # each value must be one this output may take, as a literal must
            try:
                _literal(list(dated.value) if isinstance(dated.value, tuple) else dated.value, out_type)
            except ValueError as exc:
                raise ValueError(f"parameter {name!r} (from {dated.start}): {exc}") from None
        return OutputValue(param=name)
    return OutputValue(literal=_literal(raw, out_type))


def _literal(raw: Any, out_type: TypeDef) -> Any:
    """``raw`` as a value of an output of ``out_type``; raises ``ValueError`` saying what is allowed."""
    kind = out_type.kind
    if kind == Kind.ENUM:
        if raw not in out_type.values:
            raise ValueError(f"{raw!r} is not one of {', '.join(out_type.values)}")
    elif kind == Kind.BOOLEAN:
        if not isinstance(raw, bool):
            raise ValueError("expected true or false")
    elif kind == Kind.NUMBER:
        if isinstance(raw, bool) or not isinstance(raw, (int, float, Fraction)):
            raise ValueError("expected a number")
        raw = units.to_fraction(raw)
    elif kind == Kind.TEXT:
        if not isinstance(raw, str):
            raise ValueError("expected text")
    elif kind == Kind.LIST:
        if not isinstance(raw, list):
            raise ValueError("expected a list")
        if out_type.values and any(v not in out_type.values for v in raw):
            raise ValueError(f"list members must be among {', '.join(out_type.values)}")
        raw = tuple(plain(raw))
    elif kind == Kind.QUANTITY:
        raise ValueError("a quantity output must name a parameter ($name): thresholds are never literals")
    return raw


# ---- cells -----------------------------------------------------------------

_BOUND = r"(\$[a-z][a-z0-9_]*|-?\d+(?:\.\d+)?)"
_COMPARE = re.compile(rf"^(>=|<=|>|<)\s*{_BOUND}$")
_RANGE = re.compile(rf"^([\[(])\s*{_BOUND}\s*\.\.\s*{_BOUND}\s*([\])])$")


def parse_cell(cell: Any, input_type: TypeDef, parameters: dict[str, Parameter]) -> Test:
    """One unary test from one table cell; raises ``ValueError`` saying what is allowed."""
    if cell is None or cell == "-":
        return AnyTest()
    kind = input_type.kind
    if kind == Kind.BOOLEAN:
        if not isinstance(cell, bool):
            raise ValueError(f"expected true, false or '-', got {cell!r}")
        return BoolTest(cell)
    if kind == Kind.ENUM:
        negate = False
        if isinstance(cell, dict) and set(cell) == {"not"}:
            negate, cell = True, cell["not"]
        values = [cell] if isinstance(cell, str) else cell
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            raise ValueError("expected a value, a list of values, or {not: [...]}")
        unknown = [v for v in values if v not in input_type.values]
        if unknown:
            raise ValueError(f"unknown value(s) {', '.join(map(repr, unknown))}; "
                             f"allowed: {', '.join(input_type.values)}")
        return MemberTest(frozenset(values), negate)
    if kind == Kind.SET:
        if isinstance(cell, str):
            mode, values = SetMode.ANY, [cell]
        elif isinstance(cell, dict) and len(cell) == 1 and next(iter(cell)) in ("any", "all", "none"):
            mode, raw = SetMode(next(iter(cell))), next(iter(cell.values()))
            values = [raw] if isinstance(raw, str) else raw
        else:
            raise ValueError("expected a value, or {any|all|none: [values]}")
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            raise ValueError("expected a non-empty list of values")
        unknown = [v for v in values if v not in input_type.values]
        if unknown:
            raise ValueError(f"unknown value(s) {', '.join(map(repr, unknown))}; "
                             f"allowed: {', '.join(input_type.values)}")
        return SetTest(mode, frozenset(values))
    if kind in (Kind.QUANTITY, Kind.NUMBER):
        if not isinstance(cell, str):
            raise ValueError("expected a comparison such as '>= $param' or an interval '[$a .. $b)'")
        text = cell.strip()
        compare = _COMPARE.match(text)
        if compare:
            op, bound = compare.groups()
            parsed = _bound(bound, op in (">=", "<="), input_type, parameters)
            return IntervalTest(parsed, None) if op.startswith(">") else IntervalTest(None, parsed)
        ranged = _RANGE.match(text)
        if ranged:
            left, low, high, right = ranged.groups()
            return IntervalTest(_bound(low, left == "[", input_type, parameters),
                                _bound(high, right == "]", input_type, parameters))
        raise ValueError(f"cannot read {cell!r}; write '>= $param', '< $param' or '[$low .. $high)'")
    raise ValueError(f"inputs of type {kind} cannot be tested; use '-'")


def _bound(text: str, closed: bool, input_type: TypeDef, parameters: dict[str, Parameter]) -> Bound:
    if text.startswith("$"):
        name = text[1:]
        if name not in parameters:
            close = difflib.get_close_matches(name, list(parameters), n=3)
            raise ValueError(f"unknown parameter {name!r}" + (f"; did you mean {', '.join(close)}?" if close else ""))
        param = parameters[name]
        expected = input_type.dimension if input_type.kind == Kind.QUANTITY else None
        if param.dimension != expected:
            raise ValueError(f"parameter {name!r} has dimension {param.dimension or 'none'}; "
                             f"this input needs {expected or 'a plain number'}")
        return Bound(closed, param=name)
    literal = units.to_fraction(text)  # bounded: thresholds are compared as floats
    if input_type.kind == Kind.QUANTITY and literal != 0:
        raise ValueError(f"literal threshold {text}: policy thresholds must be parameters ($name); only 0 is allowed")
    return Bound(closed, literal=literal)


# ---- golden cases ----------------------------------------------------------


def _read_cases(folder: Path, label: str, canonical: dict[str, Any],
                problems: _Problems) -> tuple[tuple[str, int | None, CaseSpec], ...]:
    cases: list[tuple[str, int | None, CaseSpec]] = []
    if not folder.is_dir():
        return ()
    for path in sorted(folder.glob("*.yaml")):
        name = f"{label}/{path.name}"
        if not path.resolve().is_relative_to(folder.resolve()):
            problems.add(name, None, "file lies outside the ruleset directory", fix="copy the file in; no links out")
            continue
        data = read_yaml(path, name)
        canonical[name] = plain(data)
        spec = _validate(CasesSpec, data, name, problems)
        if spec is not None:
            for index, case in enumerate(spec.cases):
                cases.append((name, line_of(data, ("cases", index)), case))
    return tuple(cases)
