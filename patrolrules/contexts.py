"""Record contexts: rule tables over records (ledger entries, teams, plans, assessments).

A context is a named group of article files (``contexts:`` in ``ruleset.yaml``)
whose tables read the facts of one kind of record instead of an observation.
Each record module supplies its fact catalogue; this module runs the tables
and turns what fired into findings with their citations.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from .decision import CitationOut
from .engine import compiled
from .engine.compiled import Run
from .engine.tables import FactDef, Kind, RuleGraph, TypeDef
from .errors import InputError, Problem, RuleProblem, RulesetError

if TYPE_CHECKING:
    from .ruleset import Ruleset


def context_facts() -> dict[str, dict[str, FactDef]]:
    """The fact catalogue of every record context the domain knows."""
    from .assessment import ACCOUNTABILITY_FACTS, ASSESSMENT_FACTS
    from .records import LEDGER_FACTS, PLAN_FACTS, TEAM_FACTS

    return {"ledger": LEDGER_FACTS, "team": TEAM_FACTS, "plan": PLAN_FACTS, "assessment": ASSESSMENT_FACTS,
            "accountability": ACCOUNTABILITY_FACTS}


def catalogue(prefix: str, specs: Mapping[str, tuple[Kind, tuple[str, ...] | str | None, str]]) -> dict[str, FactDef]:
    """Fact definitions ``prefix.name`` from (kind, enum values, quantity dimension or "integer" for a
    count, description)."""
    facts = {}
    for name, (kind, extra, description) in specs.items():
        if kind == Kind.QUANTITY:
            type_def = TypeDef(kind, dimension=extra if isinstance(extra, str) else None)
        elif kind == Kind.NUMBER:
            type_def = TypeDef(kind, integer=extra == "integer")
        else:
            type_def = TypeDef(kind, extra if isinstance(extra, tuple) else ())
        facts[f"{prefix}.{name}"] = FactDef(f"{prefix}.{name}", type_def, description)
    return facts


def graph_of(ruleset: Ruleset, context: str) -> RuleGraph:
    graph = ruleset.loaded.contexts.get(context)
    if graph is None:
        raise RulesetError([RuleProblem("ruleset.yaml", None, f"the ruleset has no {context!r} context",
                                        fix=f"list its article files under 'contexts: {context}:' in ruleset.yaml "
                                            "and load it with load_ruleset")])
    return graph


_FIRED: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("patrolrules_context_fired", default=None)


@contextlib.contextmanager
def recording() -> Iterator[set[str]]:
    """Collect ``table/rule`` of every context rule that fires inside the block (for coverage)."""
    fired: set[str] = set()
    token = _FIRED.set(fired)
    try:
        yield fired
    finally:
        _FIRED.reset(token)


def run_context(ruleset: Ruleset, context: str, facts: Mapping[str, Any], day: dt.date, path: str = "date") -> Run:
    """Every table of ``context`` over ``facts``, with parameters as of ``day`` (the input field ``path``)."""
    if day < ruleset.effective:
        raise InputError([Problem(path, f"before the ruleset took effect ({ruleset.effective})", day.isoformat(),
                                  f"a date on or after {ruleset.effective}")])
    tables = compiled.resolve(graph_of(ruleset, context), day)
    run = compiled.run(tables, compiled.NativeMatcher(tables), facts)
    fired = _FIRED.get()
    if fired is not None:
        fired.update(f"{t.table.id}/{rule.id}" for t in tables for rule in run.results[t.table.id].rules)
    return run


def parameter(ruleset: Ruleset, name: str, day: dt.date) -> Any:
    """A parameter's value as of ``day`` (in its own unit)."""
    param = ruleset.graph.parameters.get(name)
    value = None if param is None else param.at(day)
    if value is None:
        file, line = ("parameters", None) if param is None else (param.position.file, param.position.line)
        raise RulesetError([RuleProblem(file, line, f"parameter {name!r} has no value in force on {day}",
                                        fix=f"give {name!r} a value from a date on or before {day}")])
    return value


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Finding(_Out):
    """One output row of a context table, with the rule and article behind it."""

    table: str
    rule: str
    outputs: dict[str, Any]
    citation: CitationOut


def findings(ruleset: Ruleset, context: str, run: Run) -> list[Finding]:
    """Every rule that fired in ``run``, in table then rule order."""
    graph = graph_of(ruleset, context)
    out = []
    for table in graph.tables:
        result = run.results[table.id]
        for rule, outputs in zip(result.rules, result.outputs, strict=True):
            shown = {k: (float(v) if hasattr(v, "denominator") and not isinstance(v, int) else v)
                     for k, v in outputs.items()}
            out.append(Finding(table=table.id, rule=rule.id, outputs=shown, citation=ruleset.cite(rule.citation)))
    return out
