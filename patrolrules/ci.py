"""CI of rule changes: ``check`` (static analysis), ``test`` (golden cases, coverage), ``diff`` (what changes).

Each command returns a report (plain JSON-able data plus an exit code);
``reports`` renders it as text, JSON, JUnit XML, Markdown or SARIF.
Exit codes: 0 clean / unchanged; 1 findings (errors, failing cases, low
coverage, changed decisions); 2 unusable input.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from . import contexts
from .engine import compiled, diff, verify
from .engine.space import table_space
from .engine.tables import RuleGraph
from .engine.verify import ERROR, Finding
from .errors import InputError, PatrolRulesError, Problem, RulesetError
from .facts import DERIVED, EXTRACTOR, FACTS
from .golden import check_case
from .ruleset import Ruleset, bundled_directory, load_ruleset, parse_observation

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


@dataclass
class Report:
    """What a command found: ``data`` is the JSON output; ``exit_code`` what the process returns."""

    command: str
    exit_code: int
    data: dict[str, Any] = field(default_factory=dict)


# ---- check -------------------------------------------------------------------


def _line_in(path: Path, needle: str) -> int | None:
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if needle and needle in line:
                return number
    except OSError:
        return None
    return None


def check(directory: str | Path | None = None) -> Report:
    """Load and verify a ruleset; RulesetError problems become error findings (exit 2)."""
    root = bundled_directory() if directory is None else Path(directory)
    try:  # a ruleset may load and still fail once resolved (a parameter with no value on a day)
        ruleset = load_ruleset(root)
        contexts = tuple(ruleset.loaded.contexts.values())
        findings = verify.analyse_graph(ruleset.graph, ruleset.effective, *contexts)
        regulation_file = ruleset.loaded.meta.regulation
        for f in verify.clause_findings(ruleset.loaded.regulation, ruleset.graph, regulation_file, *contexts):
            text = f.message.split(": ", 1)[-1][:20]
            findings.append(Finding(f.severity, f.code, f.message, f.file, _line_in(root / f.file, text),
                                    f.table, f.rules, f.witness, f.as_of, f.fix))
    except (RulesetError, InputError) as exc:
        return unusable(root, exc)
    return _check_report(root, findings, EXIT_FINDINGS if any(f.severity == ERROR for f in findings) else EXIT_OK)


def _check_report(root: Path, findings: Sequence[Finding], code: int) -> Report:
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    return Report("check", code, {"directory": str(root), "counts": counts,
                                  "findings": [f.as_dict() for f in findings]})


def unusable(root: str | Path, exc: RulesetError | InputError) -> Report:
    """A ruleset that does not load, as ``check`` reports it whichever command met it: its problems as
    error findings with file and line (exit 2), so that a CI reader of the report never gets an empty file."""
    if isinstance(exc, RulesetError):
        findings = [Finding(ERROR, "ruleset-error", p.message, p.file, p.line, None,
                            (p.rule_id,) if p.rule_id else (), None, None, p.fix) for p in exc.problems]
    else:  # not a ruleset directory at all
        findings = [Finding(ERROR, "ruleset-error", str(p), str(root), fix=p.expected) for p in exc.problems]
    return _check_report(Path(root), findings, EXIT_BAD_INPUT)


# ---- test --------------------------------------------------------------------


def _record_cases(ruleset: Any) -> list[dict[str, Any]]:
    """The record contexts' golden cases (``record_cases/*.yaml``: ledger, team, plan, assessment)."""
    from .engine.yamlsafe import plain, read_yaml
    from .records import RecordCases, check_record_case

    out: list[dict[str, Any]] = []
    folder = ruleset.loaded.directory / "record_cases"
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        name = f"record_cases/{path.name}"
        try:
            spec = RecordCases.model_validate(plain(read_yaml(path, name)))
        except Exception as exc:  # a broken case file is a failed case, never a crash
            out.append({"file": name, "line": None, "name": "(file)", "passed": False, "mismatches": [],
                        "error": f"{type(exc).__name__}: {exc}"})
            continue
        for case in spec.cases:
            try:
                mismatches, error = check_record_case(ruleset, spec.kind, case), None
            except Exception as exc:
                mismatches, error = [], f"{type(exc).__name__}: {exc}"
            out.append({"file": name, "line": None, "name": case.name, "passed": not mismatches and error is None,
                        "mismatches": mismatches, "error": error})
    return out


def _rule_rows(graph: RuleGraph, effective: dt.date, fired: set[str]) -> list[dict[str, Any]]:
    """One row per rule of ``graph``, in table order: covered by a case, or why not and a witness as of
    the first day it is in force (from ``effective``; a dated rule may start later)."""
    rows: dict[str, dict[str, Any]] = {}
    for day in (effective, *(d for d in graph.change_dates() if d > effective)):
        for resolved in compiled.resolve(graph, day):
            table = resolved.table
            if all(f"{table.id}/{rule.id}" in rows for rule in table.rules):
                continue
            space = table_space([resolved], graph)
            _, chosen = verify.selected_regions(space, resolved, limit=1)
            for index, rule in enumerate(table.rules):
                row_id = f"{table.id}/{rule.id}"
                if row_id in rows:
                    continue
                row: dict[str, Any] = {"table": table.id, "rule": rule.id, "covered": row_id in fired,
                                       "file": rule.position.file, "line": rule.position.line}
                if row_id not in fired:
                    if chosen[index]:
                        box = chosen[index][0]
                        row["witness"] = space.witness(box)
                        row["why"] = (f"no golden case reaches it; add a case dated {day} or later where "
                                      f"{space.describe(box)}" if day > effective else
                                      f"no golden case reaches it; add a case where {space.describe(box)}")
                    else:
                        row["why"] = "no input can select it (see `patrolrules check`)"
                rows[row_id] = row
    for table in graph.tables:
        for rule in table.rules:
            rows.setdefault(f"{table.id}/{rule.id}", {
                "table": table.id, "rule": rule.id, "covered": False, "file": rule.position.file,
                "line": rule.position.line, "why": f"repealed on {rule.repealed}, before the ruleset takes effect"})
    return [rows[f"{t.id}/{r.id}"] for t in graph.tables for r in t.rules]


def test(directory: str | Path | None = None, min_coverage: float = 0.0) -> Report:
    """Run the golden cases; rule-row and clause coverage; explain each uncovered row."""
    root = bundled_directory() if directory is None else Path(directory)
    try:
        ruleset = load_ruleset(root)
    except (RulesetError, InputError) as exc:
        return unusable(root, exc)
    cases = []
    fired: set[str] = set()
    for file, line, case in ruleset.loaded.cases:
        try:
            outcome = check_case(ruleset, file, line, case)
            mismatches, error = list(outcome.mismatches), outcome.error
        except Exception as exc:  # a broken ruleset may fail in a domain module: report, never crash
            mismatches, error = [], f"{type(exc).__name__}: {exc}"
        try:  # an observation, or a case's events (Arts. 14–15); both carry a trace of fired rules
            trace = (ruleset.evaluate_case(case.input) if "events" in case.input
                     else ruleset.evaluate(case.input)).trace
            fired.update(f"{f.table}/{f.rule}" for f in trace)
        except Exception:
            pass
        cases.append({"file": file, "line": line, "name": case.name, "passed": not mismatches and error is None,
                      "mismatches": mismatches, "error": error})
    with contexts.recording() as context_fired:  # record cases fire the contexts' rules
        cases.extend(_record_cases(ruleset))
    fired |= context_fired
    rows = []
    for graph in (ruleset.graph, *ruleset.loaded.contexts.values()):
        rows.extend(_rule_rows(graph, ruleset.effective, fired))
    clause_rows = []
    for clause in verify.clauses(ruleset.loaded.regulation, ruleset.graph, *ruleset.loaded.contexts.values()):
        if clause.non_computable:
            continue
        clause_rows.append({"clause": clause.ref, "implemented": bool(clause.rules),
                            "tested": any(r in fired for r in clause.rules)})
    rule_coverage = verify.coverage_ratio(bool(r["covered"]) for r in rows) * 100
    clause_coverage = verify.coverage_ratio(bool(c["tested"]) for c in clause_rows) * 100
    failed = [c for c in cases if not c["passed"]]
    below = rule_coverage + 1e-9 < min_coverage
    code = EXIT_FINDINGS if failed or below else EXIT_OK
    return Report("test", code, {
        "cases": cases, "passed": len(cases) - len(failed), "failed": len(failed),
        "rule_coverage": round(rule_coverage, 2), "clause_coverage": round(clause_coverage, 2),
        "min_coverage": min_coverage, "below_min_coverage": below, "rules": rows, "clauses": clause_rows})


# ---- diff --------------------------------------------------------------------


def ruleset_at_revision(repo: Path, revision: str, path: str, into: Path) -> Path:
    """Extract ``path`` of ``revision`` of the git repository ``repo`` into ``into`` (git archive)."""
    if revision.startswith("-"):  # git would read it as an option (`--output=…` writes a file)
        raise InputError([Problem("revision", "a revision does not start with '-'", revision,
                                  "a branch, tag or commit of the repository")])
    archive = into / f"{len(list(into.iterdir()))}.tar"
    result = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", "-o", str(archive), revision, "--",
                             path], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise InputError([Problem("revision", f"git archive failed: {result.stderr.strip()}", revision,
                                  "a revision of the repository that holds the ruleset path")])
    target = into / archive.stem
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target / path


def witness_observation(witness: Mapping[str, Any], as_of: str) -> dict[str, Any] | None:
    """An Observation (JSON) whose facts are the witness; ``None`` when a fact is not an observation field."""
    observation: dict[str, Any] = {"observed_at": f"{as_of}T12:00:00+08:00"}
    for name, value in witness.items():
        if value is None:
            continue
        if name not in FACTS or name in DERIVED:
            return None
        fact = FACTS[name].type
        if fact.kind.value == "quantity":
            from .units import CANONICAL_SYMBOL, DIMENSIONS

            value = f"{value!r} {CANONICAL_SYMBOL[DIMENSIONS[fact.dimension or 'area'][1]]}"
        node = observation
        *parents, leaf = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return observation


def _grounded_observation(old: Ruleset, new: Ruleset, change: diff.Change) -> dict[str, Any] | None:
    """A witness observation for a change, grounding other tables' outputs in facts where possible.

    The grounded facts are re-evaluated in the new version: the observation is kept only if every
    table output the witness names really takes the witness's value there."""
    day = dt.date.fromisoformat(change.as_of)
    named = {k: v for k, v in change.witness.items() if v is not None and k not in FACTS}
    if not named:
        return witness_observation(change.witness, change.as_of)
    for ruleset in (new, old):
        facts = diff.ground(ruleset.graph, day, change.witness)
        observation = None if facts is None else witness_observation(facts, change.as_of)
        if observation is None:
            continue
        try:
            tables = compiled.resolve(ruleset.graph, day)
            run = compiled.run(tables, compiled.NativeMatcher(tables), EXTRACTOR(parse_observation(observation)))
        except PatrolRulesError:  # not an observation, or this version raises on it (overlap under unique)
            continue
        if all(_same(run.values.get(k), v) for k, v in named.items()):
            return observation
    return None


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(actual, frozenset):
        return sorted(actual) == sorted(expected)
    return bool(actual == (tuple(expected) if isinstance(expected, list) else expected))


def main_fields(decision: Any) -> dict[str, Any]:
    """The decision's fields that matter for a change, flattened one level (``zone.tier``)."""
    data = decision.model_dump(mode="json")
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("ruleset", "trace"):
            continue
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            flat[key] = value
    return flat


def _compare(old: Ruleset, new: Ruleset, observation: Any) -> tuple[dict[str, Any], Any, Any]:
    before, after = old.evaluate(observation), new.evaluate(observation)
    a, b = main_fields(before), main_fields(after)
    changed = {k: {"before": a.get(k), "after": b.get(k)} for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)}
    return changed, before, after


def diff_rulesets(old_source: str | Path, new_source: str | Path, replay: list[Any] | None = None,
                  lang: Literal["zh", "en"] = "zh") -> Report:
    """The semantic difference of two ruleset directories, with whole-decision witnesses and replay."""
    loaded = []
    for source in (old_source, new_source):
        try:
            loaded.append(load_ruleset(source))
        except (RulesetError, InputError) as exc:
            return unusable(source, exc)
    old, new = loaded
    changes = diff.semantic_diff(old.graph, old.effective, new.graph, new.effective)
    edits = diff.edits(old.graph, old.effective, new.graph, new.effective)
    if old.version != new.version:
        edits.insert(0, diff.Edit("version", "ruleset", old.version, new.version))
    shown = []
    for change in changes:
        entry = change.as_dict()
        observation = _grounded_observation(old, new, change) if change.output != "*" else None
        entry["observation"] = observation
        if observation is not None:
            try:
                entry["decision_changes"], _, _ = _compare(old, new, observation)
            except Exception as exc:  # a changed ruleset may break a domain module: report it
                entry["decision_changes"] = None
                entry["decision_note"] = f"evaluating the witness observation failed: {type(exc).__name__}: {exc}"
        else:
            entry["decision_changes"] = None
            entry["decision_note"] = "the witness reads another table's output or a derived fact"
        shown.append(entry)
    replayed: list[dict[str, Any]] = []
    if replay is not None:
        problems: list[Problem] = []
        for index, record in enumerate(replay, start=1):
            try:
                changed, before, after = _compare(old, new, record)
            except InputError as exc:
                problems.extend(Problem(f"record {index}: {p.path}", p.message, p.given, p.expected)
                                for p in exc.problems)
                continue
            if changed:
                replayed.append({"record": index, "id": before.observation_id, "changes": changed,
                                 "before": before.explain(lang), "after": after.explain(lang)})
        if problems:
            raise InputError(problems)
    code = EXIT_FINDINGS if changes or replayed else EXIT_OK
    return Report("diff", code, {"old": {"name": old.name, "version": old.version, "content_id": old.content_id},
                                 "new": {"name": new.name, "version": new.version, "content_id": new.content_id},
                                 "changes": shown, "edits": [e.as_dict() | {"text": e.text()} for e in edits],
                                 "replay": replayed if replay is not None else None,
                                 "replayed": len(replay) if replay is not None else 0})


def diff_revisions(repo: str | Path, old_rev: str, new_rev: str, path: str = "rulesets/wanzhou",
                   replay: list[Any] | None = None, lang: Literal["zh", "en"] = "zh") -> Report:
    """``diff_rulesets`` of one ruleset path at two git revisions."""
    with tempfile.TemporaryDirectory(prefix="patrolrules-diff-") as tmp:
        into = Path(tmp)
        old_dir = ruleset_at_revision(Path(repo), old_rev, path, into)
        new_dir = ruleset_at_revision(Path(repo), new_rev, path, into)
        return diff_rulesets(old_dir, new_dir, replay, lang)
