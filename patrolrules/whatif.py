"""Policy what-ifs: changed parameters, overlays, batch evaluation and comparison.

A what-if never mutates a ruleset: ``with_parameters`` and overlays rewrite the
ruleset's *data* and reload it through the loader, so a changed ruleset passes
exactly the validation of a ruleset read from disk, and gets its own content id.
Batch evaluation and comparison return pandas DataFrames (the optional
``patrolrules[analysis]`` extra); pandas is imported only when they are used.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import functools
import html
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import units
from .decision import Decision
from .engine.loader import load_directory
from .engine.spec import RuleSpec
from .engine.tables import Parameter
from .engine.yamlsafe import line_of, read_yaml
from .errors import InputError, PatrolRulesError, Problem, RuleProblem, RulesetError
from .facts import FACTS
from .observation import EARLIEST, LATEST
from .ruleset import Engine, Ruleset, check_engine, parse_observation

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

# ---- parameter edits ---------------------------------------------------------


@dataclass(frozen=True)
class _Issue:
    """A problem with one requested parameter value."""

    name: str
    message: str
    given: Any
    expected: str | None


class _Bad(ValueError):
    def __init__(self, message: str, expected: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected


def _json_number(value: Fraction) -> int | float | str:
    """An exact number as rule-file data: an int, a float that reads back exactly, or 'p/q'."""
    if value.denominator == 1:
        return int(value)
    as_float = float(value)
    if Fraction(repr(as_float)) == value:
        return as_float
    return f"{value.numerator}/{value.denominator}"


def _converted(param: Parameter, raw: Any) -> Any:
    """``raw`` as a value in the parameter's own unit, as rule-file data; raises ``_Bad``."""
    if param.unit is not None:
        dimension = param.dimension or "area"
        expected = f"a number in {param.unit}, or {units.DIMENSIONS[dimension][2]}"
        if isinstance(raw, bool):
            raise _Bad("expected a quantity, got a boolean", expected)
        if isinstance(raw, (int, float, Fraction)):
            try:
                magnitude = units.to_fraction(raw)
            except ValueError as exc:
                raise _Bad(str(exc), expected) from None
        else:
            try:
                quantity = units.parse_quantity(raw, dimension)
            except units.QuantityError as exc:
                raise _Bad(f"{exc.reason} for parameter {param.name!r} ({dimension})", expected) from None
            magnitude = Fraction(quantity.to(units.parse_unit(param.unit)).magnitude)
        if magnitude < 0:
            raise _Bad("must not be negative", expected)
        return _json_number(magnitude)
    current = param.values[0].value if param.values else None
    if isinstance(current, bool):
        if not isinstance(raw, bool):
            raise _Bad("expected true or false", "true or false")
        return raw
    if isinstance(current, Fraction):
        if isinstance(raw, str):
            raise _Bad(f"parameter {param.name!r} has no unit; give a plain number", "a plain number")
        if isinstance(raw, bool) or not isinstance(raw, (int, float, Fraction)):
            raise _Bad("expected a number", "a plain number")
        try:
            exact = units.to_fraction(raw)
        except ValueError as exc:
            raise _Bad(str(exc), "a finite number") from None
        if exact < 0:  # as for quantities: counts, rates, weights and scores are never negative
            raise _Bad("must not be negative", "a plain number not below 0")
        number = _json_number(exact)
        return float(exact) if isinstance(number, str) else number
    if isinstance(current, str):
        if not isinstance(raw, str):
            raise _Bad("expected text", "text")
        return raw
    if isinstance(current, tuple):
        if not isinstance(raw, (list, tuple)):
            raise _Bad("expected a list", "a list")
        return list(raw)
    raise _Bad("this parameter cannot be changed", None)


def _date(raw: Any) -> str:
    if isinstance(raw, dt.datetime):
        raise _Bad("a date-time is not a date", "a date YYYY-MM-DD")
    day = raw if isinstance(raw, dt.date) else None
    if isinstance(raw, str):
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            pass
    if day is None:
        raise _Bad(f"not a date: {raw!r}", "a date YYYY-MM-DD")
    if not EARLIEST <= day <= LATEST:
        raise _Bad("out of range", f"a date from {EARLIEST} to {LATEST}")
    return day.isoformat()


def _is_dated(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"from", "value"}


def _entries(value: Any) -> list[tuple[Any, Any]]:
    """(date or None, value) pairs: a plain value, ``{from, value}``, or a list of those."""
    if _is_dated(value):
        return [(value["from"], value["value"])]
    if isinstance(value, (list, tuple)) and value and all(_is_dated(v) for v in value):
        return [(v["from"], v["value"]) for v in value]
    return [(None, value)]


def _edit_parameters(ruleset: Ruleset, mapping: Mapping[str, Any],
                     files: dict[str, Any]) -> list[_Issue]:
    """Write the new values into ``files`` (parameter files' data); return every problem.

    An undated value replaces the parameter's whole history from its first date; a
    dated value (``{"from": date, "value": v}``) is added, replacing one of the same date.
    """
    parameters = ruleset.graph.parameters
    issues: list[_Issue] = []
    if not isinstance(mapping, Mapping):
        return [_Issue("", "expected a mapping of parameter names to values", type(mapping).__name__,
                       "a dict such as {'national_road_buffer': '50 m'}")]
    for name, value in mapping.items():
        if not isinstance(name, str) or name not in parameters:
            close = difflib.get_close_matches(str(name), list(parameters), n=3)
            issues.append(_Issue(str(name), f"unknown parameter {name!r}", None,
                                 f"one of {', '.join(close)}" if close else "a parameter of the ruleset"))
            continue
        param = parameters[name]
        values: list[dict[str, Any]] = files[param.position.file]["parameters"][name]["values"]
        new: list[tuple[str | None, Any]] = []
        for start, raw in _entries(value):
            try:
                new.append((None if start is None else _date(start), _converted(param, raw)))
            except _Bad as exc:
                issues.append(_Issue(name, exc.message, raw if start is None else value, exc.expected))
        if len(new) != len(_entries(value)):
            continue
        for start, converted in new:
            if start is None:
                values[:] = [{"from": values[0]["from"], "value": converted}]
            else:
                values[:] = [v for v in values if str(v["from"]) != start]
                values.append({"from": start, "value": converted})
                values.sort(key=lambda v: str(v["from"]))
    return issues


def _files(ruleset: Ruleset) -> dict[str, Any]:
    """A private copy of every file's data, to edit and reload."""
    return {name: copy.deepcopy(data) for name, data in ruleset.loaded.canonical.items()}


def _reload(ruleset: Ruleset, files: dict[str, Any]) -> Ruleset:
    from .contexts import context_facts

    return Ruleset(load_directory(ruleset.loaded.directory, FACTS, overrides=files, context_facts=context_facts()))


def with_parameters(ruleset: Ruleset, mapping: Mapping[str, Any]) -> Ruleset:
    """A new ruleset with these parameter values; raises ``InputError`` naming every bad one.

    Values are numbers in the parameter's own unit or quantities with units
    (``"50 m"``, ``"3亩"``), converted exactly; ``{"from": date, "value": v}``
    adds a dated value.
    """
    files = _files(ruleset)
    problems = [Problem(i.name, i.message, i.given, i.expected) for i in _edit_parameters(ruleset, mapping, files)]
    changed = ruleset
    if isinstance(mapping, Mapping):  # the good values, reloaded: what the loader finds wrong with them
        try:  # (weights that no longer add up, grade lines out of order) is the caller's problem too
            changed = _reload(ruleset, files)
        except RulesetError as exc:
            names = [n for n in mapping if isinstance(n, str)]
            problems += [Problem(", ".join(n for n in names if n in p.message),
                                 f"{p.message}; {p.fix}" if p.fix else p.message) for p in exc.problems]
    if problems:
        raise InputError(problems)
    return changed


# ---- overlays ----------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleTarget(_Strict):
    table: str
    rule: str


class AddTarget(_Strict):
    table: str
    after: str | None = Field(None, description="insert after this rule id (default: at the end)")


class RuleChangeSpec(_Strict):
    """One change to one table: ``remove``, ``replace`` (+ ``with``) or ``add`` (+ ``with``)."""

    remove: RuleTarget | None = None
    replace: RuleTarget | None = None
    add: AddTarget | None = None
    with_: RuleSpec | None = Field(None, alias="with")

    @model_validator(mode="after")
    def _one_change(self) -> RuleChangeSpec:
        chosen = [k for k in ("remove", "replace", "add") if getattr(self, k) is not None]
        if len(chosen) != 1:
            raise ValueError("give exactly one of remove, replace, add")
        if (chosen[0] == "remove") != (self.with_ is None):
            raise ValueError("replace and add need 'with: <rule>'; remove takes none")
        return self


class OverlaySpec(_Strict):
    """An overlay file: a named patch of parameters and rules, applied in order."""

    overlay: str = Field(description="the overlay's name")
    description: str | None = None
    parameters: dict[str, Any] = {}
    rules: list[RuleChangeSpec] = []


def _find_table(files: dict[str, Any], ruleset: Ruleset, table_id: str) -> list[Any] | None:
    for name in ruleset.loaded.meta.articles:
        for table in files[name].get("tables") or ():
            if table.get("id") == table_id:
                rules: list[Any] = table["rules"]
                return rules
    return None


def _apply_rule_change(change: RuleChangeSpec, raw: Any, files: dict[str, Any], ruleset: Ruleset, label: str,
                       line: int | None, problems: list[RuleProblem], added: set[str]) -> None:
    target: RuleTarget | AddTarget | None = change.remove or change.replace or change.add
    assert target is not None
    rules = _find_table(files, ruleset, target.table)
    if rules is None:
        close = difflib.get_close_matches(target.table, [t.id for t in ruleset.graph.tables], n=3)
        problems.append(RuleProblem(label, line, f"unknown table {target.table!r}", None,
                                    f"did you mean {', '.join(close)}?" if close else "name a table of the ruleset"))
        return
    ids = [r.get("id") for r in rules]
    existing = change.remove or change.replace
    wanted = change.add.after if change.add is not None else existing.rule if existing is not None else None
    if wanted is not None and wanted not in ids:
        close = difflib.get_close_matches(wanted, [str(i) for i in ids], n=3)
        problems.append(RuleProblem(label, line, f"table {target.table!r} has no rule {wanted!r}", wanted,
                                    f"did you mean {', '.join(close)}?" if close else "name a rule of the table"))
        return
    new_rule = raw.get("with")
    if change.remove is not None:
        del rules[ids.index(wanted)]
    elif change.replace is not None:
        rules[ids.index(wanted)] = new_rule
        added.add(str(new_rule["id"]))
    else:
        rules.insert(len(rules) if wanted is None else ids.index(wanted) + 1, new_rule)
        added.add(str(new_rule["id"]))


def apply_overlay(ruleset: Ruleset, path: str | Path, label: str | None = None) -> Ruleset:
    """A new ruleset with the overlay file at ``path`` applied; problems raise ``RulesetError``."""
    label = label or str(path)
    data = read_yaml(Path(path), label)
    try:
        spec = OverlaySpec.model_validate(data)
    except ValidationError as exc:
        raise RulesetError([
            RuleProblem(label, line_of(data, tuple(e["loc"])), f"{'.'.join(map(str, e['loc']))}: {e['msg']}")
            for e in exc.errors()]) from None
    files = _files(ruleset)
    problems = [RuleProblem(label, line_of(data, ("parameters", i.name)),
                            f"parameter {i.name!r}: {i.message}" + (f" (given {i.given!r})" if i.given else ""),
                            None, i.expected)
                for i in _edit_parameters(ruleset, spec.parameters, files)]
    added: set[str] = set()
    for index, change in enumerate(spec.rules):
        _apply_rule_change(change, data["rules"][index], files, ruleset, label, line_of(data, ("rules", index)),
                           problems, added)
    if problems:
        raise RulesetError(problems)
    try:
        return _reload(ruleset, files)
    except RulesetError as exc:
        # A problem in a rule the overlay brought in is the overlay's (its lines are the overlay's).
        raise RulesetError([
            RuleProblem(label, p.line, p.message, p.rule_id, p.fix) if p.rule_id in added
            else RuleProblem(p.file, p.line, f"{p.message} (after overlay {label})", p.rule_id, p.fix)
            for p in exc.problems]) from None


def apply_overlays(ruleset: Ruleset, paths: Iterable[str | Path]) -> Ruleset:
    """The overlays applied in order, each to the result of the one before."""
    for path in paths:
        ruleset = apply_overlay(ruleset, path)
    return ruleset


@functools.lru_cache(maxsize=32)
def ruleset_with_overlays(ruleset: Ruleset, names: tuple[str, ...]) -> Ruleset:
    """Overlays named relative to the ruleset's directory (as golden cases name them)."""
    root = ruleset.loaded.directory.resolve()
    for name in names:
        path = (root / name).resolve()
        if not path.is_relative_to(root):
            raise RulesetError([RuleProblem(name, None, "overlay lies outside the ruleset directory",
                                            fix="name an overlay file inside the ruleset, e.g. overlays/x.yaml")])
        ruleset = apply_overlay(ruleset, path, name)
    return ruleset


# ---- batch evaluation ----------------------------------------------------------

# Flat output columns: name → candidate dotted paths into a Decision (the first that
# the Decision model has wins). Sections other modules add appear once they exist.
COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("id", ("observation_id",)),
    ("as_of", ("as_of",)),
    ("tier", ("zone.tier",)),
    ("deciding_zones", ("zone.deciding_zones",)),
    ("patrol_modes", ("zone.patrol_modes",)),
    ("frequency_per_week", ("zone.frequency_per_week",)),
    ("violation", ("violations.status",)),
    ("items", ("violations.item_numbers", "violations.items")),
    ("primary_item", ("violations.primary_item",)),
    ("notice", ("disposal.notice.type", "disposal.notice")),
    ("filing", ("escalation.filing.decision",)),
    ("transfer", ("escalation.transfer.suspected",)),
    ("crimes", ("escalation.transfer.crimes",)),
    ("special_report", ("escalation.reports",)),  # true when a special report is owed (Art. 15 ¶3)
    ("missing_facts", ("missing_facts",)),
)
KEY_COLUMNS = ("id", "as_of")


def _model_has(model: type[BaseModel], path: str) -> bool:
    import typing

    current: Any = model
    for part in path.split("."):
        fields = getattr(current, "model_fields", None)
        if fields is None or part not in fields:
            return False
        annotation = fields[part].annotation
        candidates = [annotation, *typing.get_args(annotation)]
        current = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
    return True


@functools.cache
def columns() -> tuple[tuple[str, str], ...]:
    """The flat columns this version of ``Decision`` has: (column, dotted path)."""
    found = []
    for column, paths in COLUMNS:
        path = next((p for p in paths if _model_has(Decision, p)), None)
        if path is not None:
            found.append((column, path))
    return tuple(found)


def _flat(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_flat(v) for v in value]
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), str):  # enums
        return value.value
    return value


def decision_row(decision: Decision) -> dict[str, Any]:
    """One decision as flat columns (see ``COLUMNS``), without the ``error`` column."""
    row: dict[str, Any] = {}
    for column, path in columns():
        value: Any = decision
        for part in path.split("."):
            value = getattr(value, part, None)
        if column == "missing_facts":
            value = [m.fact for m in decision.missing_facts]
        elif column == "special_report":
            value = None if value is None else any(r.type == "special_report" for r in value)
        row[column] = _flat(value)
    return row


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:  # pragma: no cover - depends on the installation
        raise PatrolRulesError("batch evaluation needs pandas: pip install 'patrolrules[analysis]'") from None
    return pandas


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN
        return True
    return type(value).__name__ in ("NAType", "NaTType")


def _plain_cell(value: Any) -> Any:
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return value.to_pydatetime()
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    return value


def _nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    """A DataFrame row (dotted column names) as a nested observation mapping; blanks are left out."""
    nested: dict[str, Any] = {}
    for column, value in flat.items():
        if _missing(value):
            continue
        node = nested
        parts = str(column).split(".")
        for part in parts[:-1]:  # no cell sits where a dotted column needs a mapping (``_chunks`` refuses it)
            node = node.setdefault(part, {})
        node[parts[-1]] = _plain_cell(value)
    return nested


CHUNK = 10_000  # rows read, converted and decided at a time: memory stays flat on any input size


def _chunks(data: Any) -> Iterator[tuple[list[Any], list[Any]]]:
    """(index labels, records) chunk by chunk from observations, mappings, an iterator, or a DataFrame.

    Nothing is read ahead of the chunk being decided: a generator of a million rows, or a
    DataFrame of a million rows, is never turned into a million mappings at once.
    """
    size = CHUNK
    if _is_frame(data):
        names = {str(c) for c in data.columns}
        clashes = sorted((n, o) for n in names for o in names if o.startswith(n + "."))
        if clashes:  # a cell of "site" and one of "site.zones" would each replace the other
            raise InputError([Problem("data.columns", "a column and a dotted column under it are both given",
                                      f"{n!r} and {o!r}", f"either {n!r} or columns {n + '.…'!r}")
                              for n, o in clashes])
        for start in range(0, len(data), size):
            part = data.iloc[start:start + size]
            yield list(part.index), [_nested(row) for row in part.to_dict(orient="records")]
        return
    if isinstance(data, (Mapping, BaseModel, str, bytes)) or not isinstance(data, Iterable):
        raise InputError([Problem("data", "expected a sequence of observations or a DataFrame",
                                  type(data).__name__, "a list of observations/mappings, or a pandas DataFrame")])
    rows = iter(data)
    position = 0
    while chunk := list(itertools.islice(rows, size)):
        yield list(range(position, position + len(chunk))), chunk
        position += len(chunk)


def _is_frame(data: Any) -> bool:
    return hasattr(data, "to_dict") and hasattr(data, "columns") and hasattr(data, "index")


def _index(labels: list[Any], names: Sequence[Any] | None) -> pd.Index:
    """The output's index: these labels, with the input DataFrame's index names (levels too)."""
    pd_ = _pandas()
    index: pd.Index
    if names is not None and len(names) > 1:
        index = pd_.MultiIndex.from_tuples(labels, names=list(names)) if labels else \
            pd_.MultiIndex.from_arrays([[] for _ in names], names=list(names))
    else:
        index = pd_.Index(labels, name=names[0] if names else None)
    return index


def _index_names(data: Any) -> list[Any] | None:
    return list(data.index.names) if _is_frame(data) else None


def _records(data: Any) -> tuple[list[Any], list[Any]]:
    """(index labels, records) of all of ``data`` at once (comparisons keep both outcomes anyway)."""
    index: list[Any] = []
    records: list[Any] = []
    for labels, chunk in _chunks(data):
        index.extend(labels)
        records.extend(chunk)
    return index, records


def _decide(ruleset: Ruleset, record: Any, engine: Engine) -> Decision | PatrolRulesError:
    try:
        return ruleset.evaluate(parse_observation(record), engine=engine)
    except PatrolRulesError as exc:
        return exc


class _Frame:
    """Outcomes collected column by column (a dict per row would double the peak memory).

    List cells are held as tuples until the frame is built: the garbage collector stops
    tracking a tuple of strings after one look, while a million lists would be rescanned
    by every full collection as the frame grows.
    """

    def __init__(self, index_names: list[Any] | None = None) -> None:
        self.names = [c for c, _ in columns()]
        self.index: list[Any] = []
        self.index_names = index_names
        self.cells: dict[str, list[Any]] = {name: [] for name in [*self.names, "error"]}

    def add(self, label: Any, outcome: Decision | PatrolRulesError) -> None:
        self.index.append(label)
        row = decision_row(outcome) if isinstance(outcome, Decision) else dict.fromkeys(self.names)
        for name in self.names:
            value = row[name]
            self.cells[name].append(tuple(value) if type(value) is list else value)
        self.cells["error"].append(None if isinstance(outcome, Decision) else str(outcome))

    def frame(self) -> pd.DataFrame:
        pd_ = _pandas()
        cells = {name: [list(v) if type(v) is tuple else v for v in column] for name, column in self.cells.items()}
        built: pd.DataFrame = pd_.DataFrame(cells, index=_index(self.index, self.index_names), dtype=object)
        return built


def _frame(index: Sequence[Any], outcomes: Sequence[Decision | PatrolRulesError],
           index_names: list[Any] | None) -> pd.DataFrame:
    collected = _Frame(index_names)
    for label, outcome in zip(index, outcomes, strict=True):
        collected.add(label, outcome)
    return collected.frame()


def evaluate_many(ruleset: Ruleset, data: Any, *, engine: Engine = "native") -> pd.DataFrame:
    """One row per input, in order, with flat columns and ``error`` (the reason a row failed).

    Rows in = rows out: a bad row keeps its index, its outcome columns are empty
    and ``error`` says why. ``data``: observations, mappings (any iterable, read
    lazily), or a DataFrame whose columns are dotted field names (``site.zones``,
    ``land.land_class``). Input is read and decided ``CHUNK`` rows at a time, so
    memory grows with the output frame only (≈1 GiB for 1 000 000 rows).
    """
    _pandas()  # fail before any work when pandas is missing
    check_engine(engine)
    collected = _Frame(_index_names(data))
    for labels, chunk in _chunks(data):
        for label, record in zip(labels, chunk, strict=True):
            collected.add(label, _decide(ruleset, record, engine))
    return collected.frame()


# ---- comparison -----------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    return (_missing(a) and _missing(b)) or (not _missing(a) and not _missing(b) and a == b)


def _fired(decision: Decision) -> set[str]:
    return {f"{f.table}/{f.rule}" for f in decision.trace}


def _explanation(before: Decision | PatrolRulesError, after: Decision | PatrolRulesError) -> str:
    if not isinstance(before, Decision) or not isinstance(after, Decision):
        return f"before: {before if not isinstance(before, Decision) else 'ok'}; " \
               f"after: {after if not isinstance(after, Decision) else 'ok'}"
    gained = sorted(_fired(after) - _fired(before))
    lost = sorted(_fired(before) - _fired(after))
    parts = []
    if gained:
        parts.append("now fires " + ", ".join(gained))
    if lost:
        parts.append("no longer fires " + ", ".join(lost))
    return "; ".join(parts) or "same rules fire; a parameter value they output changed"


class Comparison:
    """What changes from ``baseline`` to ``variant`` on the same data."""

    def __init__(self, baseline: Ruleset, variant: Ruleset, data: Any, *, engine: Engine = "native") -> None:
        pd_ = _pandas()
        wrong = [Problem(name, "not a ruleset", type(value).__name__, "a Ruleset from patrolrules.load_ruleset")
                 for name, value in (("baseline", baseline), ("variant", variant)) if not isinstance(value, Ruleset)]
        if wrong:
            raise InputError(wrong)
        check_engine(engine)
        index, records = _records(data)
        names = _index_names(data)
        self.baseline = baseline
        self.variant = variant
        self._outcomes = ([_decide(baseline, r, engine) for r in records],
                          [_decide(variant, r, engine) for r in records])
        self.before: pd.DataFrame = _frame(index, self._outcomes[0], names)
        self.after: pd.DataFrame = _frame(index, self._outcomes[1], names)
        outputs = [c for c in self.before.columns if c not in KEY_COLUMNS]
        changed = {c: [not _same(a, b) for a, b in zip(self.before[c], self.after[c], strict=True)]
                   for c in outputs}
        self.outputs: list[str] = outputs
        self.summary: pd.DataFrame = pd_.DataFrame(
            {"changed": [sum(changed[c]) for c in outputs]}, index=pd_.Index(outputs, name="output"))
        any_change = [any(changed[c][i] for c in outputs) for i in range(len(records))]
        positions = [i for i, flag in enumerate(any_change) if flag]
        moved = [c for c in outputs if any(changed[c])]
        rows: dict[str, list[Any]] = {"id": [self.before["id"].iloc[i] for i in positions]}
        for column in moved:
            rows[f"{column}_before"] = [self.before[column].iloc[i] for i in positions]
            rows[f"{column}_after"] = [self.after[column].iloc[i] for i in positions]
        rows["explanation"] = [_explanation(self._outcomes[0][i], self._outcomes[1][i]) for i in positions]
        self.rows: pd.DataFrame = pd_.DataFrame(rows, index=_index([index[i] for i in positions], names),
                                                dtype=object)
        self._positions = positions  # of each row of .rows in the input

    @property
    def changed(self) -> int:
        """How many input rows changed in any output."""
        return len(self.rows)

    def explain(self, row: Any, lang: str = "en") -> str:
        """The two decisions for one changed row, side by side in text."""
        try:  # pandas' own lookup: NaN labels and index levels as pandas matches them
            labels: Any = self.rows.index
            found = [int(i) for i in labels.get_indexer_for([row])]
        except (TypeError, ValueError):  # a label pandas cannot look up (e.g. unhashable)
            found = [-1]
        if found == [-1] or not found:
            raise InputError([Problem("row", "not a changed row", row, "an index label of .rows")])
        if len(found) > 1:
            raise InputError([Problem("row", f"the label names {len(found)} changed rows (the input's index "
                                             "repeats it)", row, "a label of one changed row: give the "
                                                                       "data a unique index")])
        position = self._positions[found[0]]
        texts = []
        for title, outcome in (("before", self._outcomes[0][position]), ("after", self._outcomes[1][position])):
            body = outcome.explain("zh" if lang == "zh" else "en") if isinstance(outcome, Decision) else str(outcome)
            texts.append(f"=== {title} ===\n{body}")
        return "\n\n".join(texts)

    def _output(self, column: Any) -> None:
        if not isinstance(column, str) or column not in self.before.columns:
            raise InputError([Problem("column", "no such output", column,
                                      "one of " + ", ".join(map(str, self.before.columns)))])

    def transitions(self, column: str = "tier") -> pd.DataFrame:
        """A before × after count table of one output over every row."""
        pd_ = _pandas()
        self._output(column)
        before = self.before[column].map(_label)
        after = self.after[column].map(_label)
        table: pd.DataFrame = pd_.crosstab(before.rename(f"{column} before"), after.rename(f"{column} after"))
        return table

    def plot(self, column: str | None = None) -> Figure:
        """Changed outcomes per output, and before/after counts of the most-changed output."""
        import matplotlib.pyplot as plt

        column = column or (str(self.summary["changed"].idxmax()) if self.changed else "tier")
        self._output(column)
        figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
        counts = self.summary["changed"]
        left.barh([str(i) for i in counts.index], list(counts.values), color="#c0392b")
        left.set_title("changed rows per output")
        left.set_xlabel("rows")
        before = self.before[column].map(_label).value_counts()
        after = self.after[column].map(_label).value_counts()
        labels = sorted(set(before.index) | set(after.index), key=str)
        positions = range(len(labels))
        left_bars = [int(before.get(label, 0)) for label in labels]
        right_bars = [int(after.get(label, 0)) for label in labels]
        right.bar([p - 0.2 for p in positions], left_bars, width=0.4, label="baseline", color="#7f8c8d")
        right.bar([p + 0.2 for p in positions], right_bars, width=0.4, label="variant", color="#2980b9")
        right.set_xticks(list(positions), [_short(label) for label in labels], rotation=30, ha="right")
        right.set_title(f"{column}: baseline vs variant")
        right.legend()
        return figure

    def __repr__(self) -> str:
        return (f"<Comparison {self.baseline.content_id[:12]} → {self.variant.content_id[:12]}: "
                f"{self.changed} of {len(self.before)} rows changed>")

    def _repr_html_(self) -> str:
        head = (f"<p><b>{self.changed}</b> of {len(self.before)} rows changed "
                f"(<code>{self.baseline.content_id[:12]}</code> → <code>{self.variant.content_id[:12]}</code>)</p>")
        shown = self.summary[self.summary["changed"] > 0]
        return head + str(shown.to_html()) + str(self.rows.head(20).to_html())


def _short(label: Any, width: int = 32) -> str:
    text = str(label)
    return text if len(text) <= width else text[: width - 1] + "…"


def _label(value: Any) -> Any:
    """A cell as a hashable label for counting (lists joined, blanks as '—')."""
    if _missing(value):
        return "—"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "∅"
    return value


def compare(baseline: Ruleset, variant: Ruleset, data: Any, *, engine: Engine = "native") -> Comparison:
    """Evaluate ``data`` under both rulesets; the summary, changed rows and a plot of what changed."""
    return Comparison(baseline, variant, data, engine=engine)


def decision_html(decision: Decision) -> str:
    """A decision for Jupyter: the zone tier and the Chinese account."""
    zone = decision.zone
    return (f"<div><p><b>{html.escape(zone.tier_zh)}</b> ({html.escape(zone.tier)}) — "
            f"{html.escape(', '.join(zone.deciding_zones) or 'no deciding zone')}</p>"
            f"<pre>{html.escape(decision.explain('zh'))}</pre></div>")
