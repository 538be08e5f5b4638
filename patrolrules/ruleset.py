"""The public facade: load a ruleset, evaluate observations into decisions.

A ``Ruleset`` is an immutable value. Its content id is the sha256 of the
canonical content of all its files; every decision records it with the name
and version, so any decision can be reproduced.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import operator
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import TypeAdapter

from . import disposal, escalation, violations, zones
from .decision import Alternative, BasisOut, CitationOut, Decision, Fired, MissingFact, RulesetStamp
from .engine import codegen, compiled, unknowns
from .engine.compiled import ResolvedTable, Run
from .engine.loader import LoadedRuleset, load_directory
from .engine.tables import Citation, FactDef, Kind, Rule, RuleGraph, Table
from .errors import InputError, PatrolRulesError, Problem, RulesetError, parse_input
from .facts import EXTRACTOR, FACTS
from .labels import chinese_number, label, shown_value
from .observation import Observation

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")

Engine = Literal["native", "durable"]
ENGINES = ("native", "durable")

_PACKAGE = Path(__file__).resolve().parent


def bundled_directory() -> Path:
    """The bundled Wanzhou ruleset: inside the wheel, or beside the package in a checkout."""
    for candidate in (_PACKAGE / "rulesets" / "wanzhou", _PACKAGE.parent / "rulesets" / "wanzhou"):
        if (candidate / "ruleset.yaml").is_file():
            return candidate
    raise PatrolRulesError("the bundled ruleset is missing from this installation")


def load_ruleset(source: str | Path | None = None, overlays: Sequence[str | Path] = ()) -> Ruleset:
    """Load a ruleset directory (``None``: the bundled Wanzhou ruleset), then apply ``overlays`` in order."""
    paths = (str, os.PathLike)
    wrong = []
    if source is not None and not isinstance(source, paths):
        wrong.append(Problem("source", "not a path", type(source).__name__, "a directory path (str or Path) or None"))
    listed: tuple[Any, ...] = ()
    if overlays is not None and (isinstance(overlays, paths) or not isinstance(overlays, Iterable)):
        bad = True  # one path (a str is iterable too), or no list at all
    else:
        listed = tuple(overlays or ())
        bad = not all(isinstance(o, paths) for o in listed)
    if bad:
        wrong.append(Problem("overlays", "not a list of paths", type(overlays).__name__,
                             "a list of overlay file paths, e.g. ['overlays/wider_buffers.yaml']"))
    if wrong:
        raise InputError(wrong)
    directory = bundled_directory() if source is None else Path(source)
    if not (directory / "ruleset.yaml").is_file():
        raise InputError([Problem("source", "not a ruleset directory (no ruleset.yaml)", str(source),
                                  "a directory holding ruleset.yaml")])
    from .contexts import context_facts

    ruleset = Ruleset(load_directory(directory, FACTS, context_facts=context_facts()))
    if listed:
        from .whatif import apply_overlays

        ruleset = apply_overlays(ruleset, listed)
    return ruleset


def check_engine(engine: Any) -> None:
    """``InputError`` unless ``engine`` is one of ``ENGINES``."""
    if engine not in ENGINES:
        raise InputError([Problem("engine", "unknown engine", engine, "'native' or 'durable'")])


def parse_observation(observation: Observation | Mapping[str, Any]) -> Observation:
    """A validated ``Observation``; raises ``InputError`` listing every problem."""
    return parse_input(Observation, observation, "an observation")


# Tables whose outcome ``Ruleset._summary`` compares; only their inputs (and their upstream
# tables' inputs) can change it, so only those facts are tried as missing facts.
SUMMARY_TABLES: tuple[str, ...] = (zones.TIER_TABLE, zones.EXPECTATION_TABLE, violations.TABLE, disposal.NOTICE)
# The values ``Ruleset._summary`` is a function of: a what-if that leaves them as they were changes nothing.
_SUMMARY_VALUES = operator.itemgetter(zones.SUMMARY_VALUE, violations.SUMMARY_VALUE, disposal.SUMMARY_VALUE)
# The tables passing them on: what-ifs need only these and their upstream tables recomputed.
_SUMMARY_VALUE_TABLES = tuple(v.split(".", 1)[0] for v in (zones.SUMMARY_VALUE, violations.SUMMARY_VALUE,
                                                          disposal.SUMMARY_VALUE))


@dataclass(frozen=True)
class _Period:
    tables: tuple[ResolvedTable, ...]
    matcher: compiled.Matcher
    # (table position, id of the rule, id of its resolved outputs) → the fired rule's observation-independent
    # parts (Ruleset._trace)
    fired: dict[tuple[int, int, int], tuple[Any, ...]] = field(default_factory=dict, compare=False, repr=False)
    _representatives: dict[str, list[Any]] = field(default_factory=dict, compare=False, repr=False)

    @functools.cached_property
    def closure(self) -> tuple[int, ...]:
        """Positions of the summarised tables and every table upstream of them (once per period)."""
        wanted = {t.table.id for t in _upstream(self.tables, SUMMARY_TABLES)}
        return tuple(i for i, t in enumerate(self.tables) if t.table.id in wanted)

    @functools.cached_property
    def positions(self) -> dict[str, int]:
        """Each table's position in ``tables``, by its id (once per period)."""
        return {t.table.id: i for i, t in enumerate(self.tables)}

    @functools.cached_property
    def predicates(self) -> tuple[compiled.RulePredicates, ...]:
        """Per table, per rule: (input, closure) for each check: the generated matcher's own, else built once."""
        if isinstance(self.matcher, codegen.GeneratedMatcher):
            return self.matcher.predicates
        return tuple(compiled.rule_predicates(t) for t in self.tables)

    @functools.cached_property
    def summarised(self) -> tuple[int, ...]:
        """Positions of the tables passing on the values ``Ruleset._summary`` reads, and of their upstream
        tables: the part of ``closure`` a what-if must recompute (once per period)."""
        wanted = {t.table.id for t in _upstream(self.tables, _SUMMARY_VALUE_TABLES)}
        return tuple(i for i, t in enumerate(self.tables) if t.table.id in wanted)

    @functools.cached_property
    def _closure_tables(self) -> tuple[ResolvedTable, ...]:
        return tuple(self.tables[i] for i in self.closure)

    @functools.cached_property
    def _closure_matcher(self) -> compiled.Matcher:
        return type(self.matcher)(self._closure_tables)  # type: ignore[call-arg]

    def run(self, facts: Mapping[str, Any]) -> Run:
        # The generated matcher runs the whole graph itself (engine/codegen.py), same answers.
        if isinstance(self.matcher, codegen.GeneratedMatcher):
            return self.matcher.run(facts)
        return compiled.run(self.tables, self.matcher, facts)

    def rerun(self, base: Run, facts: Mapping[str, Any], changed: Mapping[str, Any]) -> Run:
        """``run({**facts, **changed})``; the generated matcher recomputes only the tables whose inputs changed."""
        if isinstance(self.matcher, codegen.GeneratedMatcher):
            return self.matcher.rerun(base, facts, changed)
        return compiled.run(self.tables, self.matcher, {**facts, **changed})

    def what_ifs(self, base: Run, facts: Mapping[str, Any], name: str, choices: Sequence[Any],
                 look: Callable[[Run], T]) -> list[T]:
        """``look`` at the run with ``name`` = each choice: only the closure's tables are recomputed (the
        others are stale; the generated matcher recomputes only ``summarised``), and ``look`` must not keep
        the Run it is shown nor read any value but ``_SUMMARY_VALUES``."""
        if isinstance(self.matcher, codegen.GeneratedMatcher):
            return self.matcher.what_ifs(base, name, choices, self.summarised, look)
        return [look(compiled.run(self._closure_tables, self._closure_matcher, {**facts, name: choice}))
                for choice in choices]

    def representatives(self, fact: FactDef) -> list[Any]:
        if isinstance(self.matcher, codegen.GeneratedMatcher):
            return self.matcher.representatives(fact)
        found = self._representatives.get(fact.name)  # the reference engines: also once per fact
        if found is None:
            found = self._representatives[fact.name] = unknowns.representatives(self.tables, fact)
        return list(found)

    def candidates(self, values: Mapping[str, Any]) -> list[str]:
        """Unknown facts that alone could make a rule of the closure match, in table order."""
        if isinstance(self.matcher, codegen.GeneratedMatcher):
            return self.matcher.candidates(values, FACTS, self.closure)
        return unknowns.candidates(self._closure_tables, values, FACTS)


class Ruleset:
    """An immutable, loaded ruleset. Thread-safe: evaluation keeps no state."""

    def __init__(self, loaded: LoadedRuleset) -> None:
        from . import contract

        broken = contract.problems(loaded.graph, loaded.contexts)
        if broken:
            raise RulesetError(broken)
        self._absent = contract.absent(loaded.graph)  # raised when a decision is asked for
        self._loaded = loaded
        self._graph: RuleGraph = loaded.graph
        canonical = json.dumps(loaded.canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        self._content_id = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        self._periods: dict[tuple[dt.date, str], _Period] = {}
        self._lock = threading.Lock()
        self._starts = (loaded.meta.effective, *(d for d in self._graph.change_dates() if d > loaded.meta.effective))
        self._texts = _clause_texts(loaded)
        # Articles of a single 款: a Chinese citation names no 第一款 (第九条第（四）项).
        self._one_paragraph = frozenset(a.article for a in loaded.regulation.articles if len(a.paragraphs) == 1)
        self._stamp = RulesetStamp(name=self.name, version=self.version, content_id=self._content_id)
        self._cited: dict[Citation, CitationOut] = {}  # frozen outputs, shared between decisions
        self._bases: dict[Citation, tuple[BasisOut, ...]] = {}
        self._differs: dict[tuple[str, dt.date, dt.date, bool], bool] = {}  # law_differs, per table and periods

    # -- identity ----------------------------------------------------------
    @property
    def name(self) -> str:
        return self._loaded.meta.name

    @property
    def version(self) -> str:
        return self._loaded.meta.version

    @property
    def content_id(self) -> str:
        return self._content_id

    @property
    def effective(self) -> dt.date:
        return self._loaded.meta.effective

    @property
    def graph(self) -> RuleGraph:
        return self._graph

    @property
    def loaded(self) -> LoadedRuleset:
        return self._loaded

    def __repr__(self) -> str:
        return f"<Ruleset {self.name} {self.version} {self._content_id[:12]}>"

    # -- evaluation ----------------------------------------------------------
    def evaluate(self, observation: Observation | Mapping[str, Any], *, engine: Engine = "native") -> Decision:
        """The decision for one observation, with rules and parameters as of its date."""
        if self._absent:
            raise RulesetError(self._absent)
        parsed = parse_observation(observation)
        day = parsed.observed_at.date()
        period = self._period(day, engine)
        facts = self.facts_of(parsed, day)
        result = self._run(parsed, day, period, engine, facts)
        missing = self._missing(parsed, day, period, engine, facts, result)
        result = self._settled(parsed, day, period, engine, facts, result, missing)
        return self._decision(parsed, day, period, result, missing)

    def _run(self, observation: Observation, day: dt.date, period: _Period, engine: str,
             facts: dict[str, Any]) -> Run:
        """Every table once, then ``_at_act_time``."""
        return self._at_act_time(observation, day, period, engine, facts, period.run(facts))

    def _at_act_time(self, observation: Observation, day: dt.date, period: _Period, engine: str,
                     facts: dict[str, Any], result: Run, pinned: Mapping[str, Any] | None = None,
                     supposed: Mapping[str, Any] | None = None) -> Run:
        """``result``, or for an act that ended in another as-of period: the criminal lines of the
        act's date (as ``escalation.act_time_transfer`` decides) and the items both the act's law and
        today's make a violation, cited by the act's law (``violations.at_act_time``), with the tables
        that read them run again (``pinned`` as ``result`` was run with); ``Run.act_days`` says which
        tables took the act's day. ``supposed``: facts a what-if gives another value, on both days."""
        if observation.act_ended_on is None:  # the common case: decided as of ``day``
            return result
        fixed = {}
        items_at = escalation.act_day(self, observation, day, violations.TABLE, upstream=True)
        if items_at is not None:
            past = self._period(items_at, engine)
            then = compiled.run(past.tables, past.matcher, {**self.facts_of(observation, items_at), **(supposed or {})},
                                pinned)
            items = violations.at_act_time(result, then, period.tables, self._graph, items_at)
            if items is not None:
                fixed[violations.TABLE] = items
                result = compiled.run(period.tables, period.matcher, facts, pinned, fixed)
        lines_at = escalation.act_day(self, observation, day, escalation.TRANSFER)  # on the items that stand
        lines = None if lines_at is None else escalation.act_time_transfer(self, observation, lines_at, engine, result)
        if lines is not None:
            fixed[escalation.TRANSFER] = lines
            result = compiled.run(period.tables, period.matcher, facts, pinned, fixed)
        act_days = {table: at for table, at in ((escalation.TRANSFER, lines_at), (violations.TABLE, items_at))
                    if at is not None}
        return dataclasses.replace(result, act_days=act_days) if act_days else result

    def _settled(self, observation: Observation, day: dt.date, period: _Period, engine: str,
                 facts: dict[str, Any], result: Run, missing: list[MissingFact]) -> Run:
        """``result``; with no Art. 9 item, the tables run again once the missing facts say whether the act
        is suspected (``violations.undetermined``, put in ``facts``: Arts. 11(三), 14 ¶2) — a missing fact
        alone could make an item, or the recorded facts reach a criminal line but for its items."""
        if result.values[violations.SUMMARY_VALUE]:
            return result
        suspected = (violations.undetermined(missing)
                     or escalation.crime_but_for_the_items(self, observation, result, day))
        changed = {violations.UNDETERMINED: suspected}
        facts.update(changed)
        if observation.act_ended_on is None:  # decided as of ``day`` alone: only the tables reading it run again
            return period.rerun(result, facts, changed)
        return self._run(observation, day, period, engine, facts)

    def facts_of(self, observation: Observation, day: dt.date) -> dict[str, Any]:
        """The facts the tables read for one validated observation as of ``day``: its fields and
        derived facts (``facts.py``), and those that need this ruleset's parameters (Arts. 14–15)."""
        facts = EXTRACTOR(observation)
        facts.update(escalation.supplied_facts(observation, self._graph, day))
        return facts

    # -- what-ifs and batches (patrolrules.whatif) ----------------------------
    def with_parameters(self, mapping: Mapping[str, Any]) -> Ruleset:
        """A new ruleset with these parameter values ("50 m", "3亩", or dated); this one is unchanged."""
        from .whatif import with_parameters

        return with_parameters(self, mapping)

    def evaluate_many(self, data: Any, *, engine: Engine = "native") -> pd.DataFrame:
        """A DataFrame with one row per input (flat columns and ``error``); needs ``patrolrules[analysis]``."""
        from .whatif import evaluate_many

        return evaluate_many(self, data, engine=engine)

    def evaluate_case(self, case: Any) -> escalation.CaseDecision:
        """Arts. 14–15 for one case (``patrolrules.case.Case`` or its JSON): state, obligations, reports."""
        if self._absent:
            raise RulesetError(self._absent)
        return escalation.evaluate_case(self, case)

    def native_matcher(self, day: dt.date) -> codegen.GeneratedMatcher:
        """The generated matcher (tables resolved as of ``day``) that the native engine uses."""
        matcher = self._period(day, "native").matcher
        assert isinstance(matcher, codegen.GeneratedMatcher)
        return matcher

    def period_start(self, day: dt.date) -> dt.date:
        """The first day of the as-of period ``day`` falls in (rules and parameters are constant in it)."""
        return max(s for s in self._starts if s <= day)

    def law_differs(self, table_id: str, a: dt.date, b: dt.date, *, upstream: bool = False) -> bool:
        """Whether ``table_id`` (with ``upstream``: or a table it reads from, however indirectly) has
        other rules, thresholds, outputs or cited law on ``a`` than on ``b``."""
        key = (table_id, self.period_start(a), self.period_start(b), upstream)
        found = self._differs.get(key)
        if found is None:
            def law(day: dt.date) -> tuple[Any, ...]:
                tables = self._period(day, "native").tables
                read = _upstream(tables, (table_id,)) if upstream else [t for t in tables if t.table.id == table_id]
                return tuple((t.rules, t.default, tuple(r.citation for r in t.table.rules)) for t in read)

            found = self._differs[key] = key[1] != key[2] and law(a) != law(b)
        return found

    def _period(self, day: dt.date, engine: str, path: str = "observed_at") -> _Period:
        check_engine(engine)
        if day < self.effective:
            raise InputError([Problem(path, f"before the ruleset took effect ({self.effective})",
                                      day.isoformat(), f"a date on or after {self.effective}")])
        start = self.period_start(day)
        key = (start, engine)
        period = self._periods.get(key)
        if period is None:
            tables = compiled.resolve(self._graph, start)
            matcher: compiled.Matcher
            if engine == "durable":
                from .engine.durable import DurableMatcher

                matcher = DurableMatcher(tables)
            else:  # generated code, compiled once per content id and period (engine/codegen.py)
                matcher = codegen.matcher_for(self._content_id, start.isoformat(), tables)
            period = _Period(tables, matcher)
            with self._lock:
                self._periods.setdefault(key, period)
        return period

    def _decision(self, observation: Observation, day: dt.date, period: _Period, result: Run,
                  missing: list[MissingFact]) -> Decision:
        zone = zones.zone_decision(result, self.cite)
        found = violations.violation_decision(result, self._graph, day, observation.activity.other_provision,
                                              self.cite, self.basis, result.act_days.get(violations.TABLE))
        trace = self._trace(period, result)
        citations = {f.citation.ref_en: f.citation for f in trace}
        return Decision(
            ruleset=self._stamp,
            observation_id=observation.id,
            as_of=day,
            zone=zone,
            violations=found,
            disposal=disposal.disposal_decision(result, self.cite),
            missing_facts=missing,
            citations=sorted(citations.values(), key=lambda c: (c.article, c.paragraph or 0, c.item or 0)),
            trace=trace,
            escalation=escalation.section(self, observation, result),
        )

    @staticmethod
    def _summary(result: Run) -> dict[str, Any]:
        return {**zones.summary(result), **violations.summary(result), **disposal.summary(result)}


    def _missing(self, observation: Observation, day: dt.date, period: _Period, engine: str,
                 facts: dict[str, Any], result: Run) -> list[MissingFact]:
        base = self._summary(result)
        unchanged = _SUMMARY_VALUES(result.values)

        def look(run: Run) -> dict[str, Any]:  # ``base`` itself where the summarised values are unchanged
            return base if _SUMMARY_VALUES(run.values) == unchanged else self._summary(run)

        act_day = result.act_days.get(violations.TABLE)
        if act_day is None:
            tried = [(name, period.representatives(FACTS[name])) for name in period.candidates(result.values)]
        else:
            tried = self._act_time_candidates(observation, act_day, period, engine, result)
        missing = []
        for name, choices in tried:
            fact_type = FACTS[name].type
            if act_day is not None:  # items judged by two days' law: whole runs on both days
                changes = [self._summary(self._supposing(observation, day, period, engine, facts, {name: choice}))
                           for choice in choices]
            else:
                changes = period.what_ifs(result, facts, name, choices, look)
            alternatives = []
            for value, changed in zip(choices, changes, strict=True):
                diff = {k: v for k, v in changed.items() if base.get(k) != v}
                if diff:
                    shown = shown_value(value, fact_type.kind, fact_type.dimension)
                    alternatives.append(Alternative(value=shown, changes=diff))
            if alternatives:
                missing.append(MissingFact(fact=name, label_zh=label(name, "zh"), alternatives=alternatives))
        return missing

    def _act_time_candidates(self, observation: Observation, act_day: dt.date, period: _Period, engine: str,
                             result: Run) -> list[tuple[str, list[Any]]]:
        """The missing facts to try for an act whose items both days' law judge (``_at_act_time``): the
        candidates of today's run and of the act day's (a fact only the act's law reads can decide an
        item), each at one value per cell of either day's tables."""
        past = self._period(act_day, engine)
        then = past.run(self.facts_of(observation, act_day))
        names = dict.fromkeys([*period.candidates(result.values), *past.candidates(then.values)])
        return [(name, unknowns.representatives(period.tables + past.tables, FACTS[name])) for name in names]

    def _supposing(self, observation: Observation, day: dt.date, period: _Period, engine: str,
                   facts: dict[str, Any], supposed: dict[str, Any]) -> Run:
        """The whole run, act's day included, with the ``supposed`` facts instead of the observation's."""
        facts = {**facts, **supposed}
        return self._at_act_time(observation, day, period, engine, facts, period.run(facts), supposed=supposed)

    # -- citations and trace -------------------------------------------------
    def cite(self, citation: Citation) -> CitationOut:
        """A citation with its Chinese and English reference and the clause's text."""
        found = self._cited.get(citation)
        if found is None:
            found = self._cited[citation] = self._cite(citation)
        return found

    def _cite(self, citation: Citation) -> CitationOut:
        a, p, i = citation.article, citation.paragraph, citation.item
        ref_zh = f"《{self._loaded.regulation.title_zh}》第{chinese_number(a)}条"
        ref_en = f"Art. {a}"
        if p is not None:
            if not (p == 1 and a in self._one_paragraph):
                ref_zh += f"第{chinese_number(p)}款"
            ref_en += f" ¶{p}"
        if i is not None:
            ref_zh += f"第（{chinese_number(i)}）项"
            ref_en += f" ({i})"
        return CitationOut(article=a, paragraph=p, item=i, ref_zh=ref_zh, ref_en=ref_en,
                           text_zh=self._texts.get((a, p, i), ""))

    def basis(self, citation: Citation) -> list[BasisOut]:
        found = self._bases.get(citation)
        if found is None:
            sources = self._loaded.sources
            found = self._bases[citation] = tuple(
                BasisOut(key=k, name_zh=sources[k].name_zh, name_en=sources[k].name_en, tag=sources[k].tag)
                for k in citation.basis)
        return list(found)

    def _trace(self, period: _Period, result: Run, record_items: frozenset[str] | None = None) -> list[Fired]:
        """The rules that fired, table by table. ``record_items``: the Art. 9 items a case record establishes
        (``evaluate_case``), which outrank the facts: of the Art. 9 rules only those finding one of them are
        shown, then the record itself — a rule finding an item the record does not hold decided nothing."""
        fired = []
        values = result.values
        results = result.results
        statics = period.fired
        for position, resolved in enumerate(period.tables):
            found = results[resolved.table.id]
            pinned = record_items if resolved.table.id == violations.TABLE else None
            if not found.used_default:  # as ``found.fired()``, without the list
                for rule, outputs in zip(found.rules, found.outputs, strict=True):
                    if pinned is not None and outputs.get("item") not in pinned:
                        continue
                    # keyed by the rule and outputs objects: an act's date brings rules (and criminal
                    # lines) resolved in its period, with that day's legal bases
                    key = (position, id(rule), id(outputs))
                    static = statics.get(key)
                    if static is None:
                        static = statics[key] = self._fired_static(resolved.table, rule, outputs)
                    row, tests, lists = static
                    row = row.copy()  # a new dict per decision: the validator reads it, nothing keeps it
                    row["inputs"] = inputs = {}
                    for name, plain, kind, dimension in tests:
                        value = values.get(name)  # shown as it is unless shown_value would change it
                        inputs[name] = value if plain and not isinstance(value, frozenset) else \
                            shown_value(value, kind, dimension)
                    if lists:  # pydantic copies the dict, not the lists in it: each decision gets its own
                        outputs = row["outputs"]
                        row["outputs"] = {**outputs, **{name: list(outputs[name]) for name in lists}}
                    fired.append(row)
            if pinned is not None:
                items = sorted(pinned)
                fired.append({"table": violations.TABLE, "rule": "case_record", "citation": self.cite(Citation(9)),
                              "basis": [], "inputs": {"case.violation_items": items}, "outputs": {"item": items},
                              "note": "the items the case record establishes (violation_items), which outrank "
                                      "what the observation's facts alone show"})
        # One validation for the whole trace (a third cheaper than a Fired(...) per rule); pydantic copies
        # the basis list and the outputs dict into each new Fired (the lists in outputs are copied above),
        # so no container is shared; the models in them are frozen.
        return _TRACE.validate_python(fired)

    def _fired_static(self, table: Table, rule: Rule, resolved_outputs: Mapping[str, Any]) -> tuple[Any, ...]:
        """What a fired rule shows that does not depend on the observation (once per period and rule): its
        row of the trace but the inputs (copied for each decision), the inputs' names and types, and the
        outputs that are lists."""
        types = [(name, table.input_type(name)) for name, _ in rule.tests]
        tests = tuple((name, t.kind != Kind.QUANTITY, t.kind, t.dimension) for name, t in types)
        outputs = {k: _shown_output(v) for k, v in resolved_outputs.items()}
        lists = tuple(k for k, v in outputs.items() if isinstance(v, list))
        row = {"table": table.id, "rule": rule.id, "citation": self.cite(rule.citation),
               "basis": tuple(self.basis(rule.citation)), "inputs": None, "outputs": outputs, "note": rule.note}
        return row, tests, lists


_TRACE: TypeAdapter[list[Fired]] = TypeAdapter(list[Fired])


def _upstream(tables: tuple[ResolvedTable, ...], wanted: tuple[str, ...]) -> tuple[ResolvedTable, ...]:
    """The wanted tables and every table they read from, in evaluation order."""
    needed = set(wanted)
    for resolved in reversed(tables):  # topological order: readers come after what they read
        if resolved.table.id in needed:
            needed.update(name.split(".", 1)[0] for name, _ in resolved.table.inputs)
    return tuple(t for t in tables if t.table.id in needed)


def _shown_output(value: Any) -> Any:
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _clause_texts(loaded: LoadedRuleset) -> dict[tuple[int, int | None, int | None], str]:
    texts: dict[tuple[int, int | None, int | None], str] = {}
    for article in loaded.regulation.articles:
        whole = []
        for p_no, paragraph in enumerate(article.paragraphs, start=1):
            body = "\n".join([paragraph.text_zh, *(i.text_zh for i in paragraph.items)])
            texts[(article.article, p_no, None)] = body
            whole.append(body)
            for item in paragraph.items:
                texts[(article.article, p_no, item.item)] = item.text_zh
                texts.setdefault((article.article, None, item.item), item.text_zh)
        texts[(article.article, None, None)] = "\n".join(whole)
    return texts
