"""The ``patrolrules`` command line.

Exit codes: 0 ok; 1 findings (check / test / diff / validate); 2 bad input or
usage, with the message on stderr and never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from .errors import InputError, PatrolRulesError, Problem

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2
T = TypeVar("T")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # usage errors exit 2 without a traceback
        self.print_usage(sys.stderr)
        print(f"patrolrules: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _read_text(path: str) -> str:
    """The file (``-``: stdin) as text: strict UTF-8, a leading byte-order mark dropped."""
    name = "<stdin>" if path == "-" else path
    try:
        if path == "-":
            buffer = getattr(sys.stdin, "buffer", None)
            if buffer is None:  # already text (a replaced sys.stdin)
                return sys.stdin.read().removeprefix("\ufeff")
            raw: bytes = buffer.read()
        else:
            raw = Path(path).read_bytes()
        return raw.decode("utf-8-sig")
    except OSError as exc:
        raise InputError([Problem(name, f"cannot read file: {exc}")]) from None
    except UnicodeDecodeError as exc:
        raise InputError([Problem(name, f"not UTF-8 at byte {exc.start}", None, "a UTF-8 text file")]) from None


class _NotJSON(ValueError):
    """A text that is not one JSON value: why, and the line where known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:  # the JSON decoder would keep the last silently
            raise _NotJSON(f"duplicate key {key!r}")
        found[key] = value
    return found


# A \uD800–\uDFFF escape: JSON lets it stand alone, but a lone surrogate is no character and cannot be written.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _loads(text: str) -> Any:
    """One JSON value; raises ``_NotJSON`` for anything the decoder refuses or cannot hold."""
    try:
        value = json.loads(text, object_pairs_hook=_object)
        if _SURROGATE_ESCAPE.search(text):
            json.dumps(value, ensure_ascii=False).encode("utf-8")  # only paired surrogates make a character
        return value
    except UnicodeEncodeError:
        raise _NotJSON("a \\u escape of a lone surrogate is not a character") from None
    except _NotJSON:
        raise
    except json.JSONDecodeError as exc:
        raise _NotJSON(exc.msg, exc.lineno) from None
    except RecursionError:
        raise _NotJSON("nested too deeply") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise _NotJSON(str(exc)) from None


def parse_records(text: str) -> list[Any]:
    """JSON (one value or a list) or JSON Lines; raises ``InputError`` naming every bad line."""
    stripped = text.strip()
    if not stripped:
        return []
    whole: _NotJSON | None = None
    if stripped[0] in "[{" or ("\n" not in stripped):  # one JSON document, pretty-printed or not
        try:
            data = _loads(text)
            return data if isinstance(data, list) else [data]
        except _NotJSON as exc:
            whole = exc
    records: list[Any] = []
    problems: list[Problem] = []
    # lines end at "\n" only: str.splitlines would also cut at U+2028, U+0085…, which JSON strings may hold
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append(_loads(line))
        except _NotJSON as exc:
            problems.append(Problem(f"line {number}", f"not JSON: {exc.reason}", line[:60],
                                    "one JSON object per line"))
    if problems and whole is not None and not any(isinstance(r, dict) for r in records):
        # one broken document, not JSON Lines: no line of it is an object of its own
        where = f"line {whole.line}" if whole.line else "<document>"
        raise InputError([Problem(where, f"not JSON: {whole.reason}", None,
                                  "one JSON document, or one JSON object per line")])
    if problems:
        raise InputError(problems)
    return records


def read_records(path: str) -> list[Any]:
    """The records of a JSON or JSON Lines file (``-``: stdin); raises ``InputError``."""
    return parse_records(_read_text(path))


def _each(records: Sequence[Any], decide: Callable[[Any], T], label: str | None = "record") -> list[T]:
    """``decide`` of every record, or one ``InputError`` with every record's problems: never a partial result."""
    results: list[T] = []
    problems: list[Problem] = []
    for index, record in enumerate(records, start=1):
        try:
            results.append(decide(record))
        except InputError as exc:
            prefix = f"{label} {index}" if label else ""
            problems.extend(Problem(f"{prefix}: {p.path}" if prefix and p.path else prefix or p.path, p.message,
                                    p.given, p.expected) for p in exc.problems)
    if problems:
        raise InputError(problems)
    return results


def _json_line(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n"


def _evaluate_all(args: argparse.Namespace) -> list[Any]:
    from .ruleset import load_ruleset

    ruleset = load_ruleset(args.ruleset, overlays=getattr(args, "overlay", None) or ())
    return _each(read_records(args.file), lambda record: ruleset.evaluate(record, engine=args.engine))


def cmd_evaluate(args: argparse.Namespace) -> int:
    for decision in _evaluate_all(args):  # all decided before the first line: never a partial output
        sys.stdout.write(_json_line(decision.model_dump(mode="json")))
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    decisions = _evaluate_all(args)
    sys.stdout.write("\n\n".join(d.explain(args.lang) for d in decisions) + "\n")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from .case import Case
    from .decision import Decision
    from .engine.spec import ruleset_json_schema
    from .escalation import CaseDecision
    from .facts import FACTS
    from .observation import Observation

    schemas: dict[str, Callable[[], Any]] = {
        "observation": lambda: Observation.model_json_schema(),
        "decision": lambda: Decision.model_json_schema(),
        "ruleset": ruleset_json_schema,
        "case": lambda: Case.model_json_schema(),
        "case-decision": lambda: CaseDecision.model_json_schema(),
        "facts": lambda: {name: {"type": f.type.kind.value, "values": list(f.type.values),
                                 "dimension": f.type.dimension, "description": f.description}
                          for name, f in sorted(FACTS.items())},
    }
    sys.stdout.write(json.dumps(schemas[args.what](), ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    return EXIT_OK


def cmd_reference(args: argparse.Namespace) -> int:
    from . import reference
    from .ruleset import load_ruleset

    ruleset = load_ruleset(args.ruleset)
    target = Path(args.out)
    if args.check:
        stale = reference.stale(ruleset, target)
        for page in stale:
            print(f"stale: {target / page}", file=sys.stderr)
        if stale:
            print("patrolrules: the rule reference is stale; run `patrolrules reference`", file=sys.stderr)
        return EXIT_FINDINGS if stale else EXIT_OK
    for page in reference.write(ruleset, target):
        print(f"wrote {target / page}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from .records import VALIDATORS, as_of_date
    from .ruleset import load_ruleset

    ruleset = load_ruleset(args.ruleset)
    records = read_records(args.file)
    extra: dict[str, Any] = {}
    if args.as_of is not None and args.kind == "team":  # a team is checked on its patrol date
        raise InputError([Problem("--as-of", "validate team takes no --as-of (a team is checked on its "
                                             "patrol_date)", args.as_of, "--as-of with ledger or plan only")])
    if args.as_of is not None:
        extra["as_of"] = as_of_date(args.as_of, "--as-of")  # checked once, not once per record
    results = _each(records, lambda record: VALIDATORS[args.kind](ruleset, record, **extra))
    for index, result in enumerate(results, start=1):
        sys.stdout.write(_json_line({"record": index, **result.model_dump(mode="json")}))
        for problem in result.problems:
            cited = f" [{problem.citation.ref_en}]" if problem.citation else ""
            print(f"record {index}: {problem.path or '<root>'}: {problem.message}; expected {problem.expected}"
                  f"{cited}", file=sys.stderr)
    return EXIT_FINDINGS if any(not result.valid for result in results) else EXIT_OK


def cmd_assess(args: argparse.Namespace) -> int:
    from .assessment import assess
    from .ruleset import load_ruleset

    ruleset = load_ruleset(args.ruleset)
    results = _each(read_records(args.file), lambda record: assess(ruleset, record))
    for result in results:
        sys.stdout.write(result.markdown() + "\n" if args.format == "markdown"
                         else _json_line(result.model_dump(mode="json")))
    return EXIT_OK


def cmd_case(args: argparse.Namespace) -> int:
    """Arts. 14–15: one case's state, obligations, recipients and reports as JSON."""
    from .ruleset import load_ruleset

    ruleset = load_ruleset(args.ruleset)
    records = read_records(args.file)  # one (pretty-printed) JSON document, a list, or JSON Lines
    decisions = _each(records, ruleset.evaluate_case, "case" if len(records) > 1 else None)
    for decision in decisions:
        sys.stdout.write(_json_line(decision.model_dump(mode="json")))
    return EXIT_OK


def _emit(report: Any, fmt: str) -> int:
    from .reports import render

    sys.stdout.write(render(report, fmt))
    code: int = report.exit_code
    return code


def cmd_check(args: argparse.Namespace) -> int:
    from .ci import check

    return _emit(check(args.directory), args.format)


def cmd_test(args: argparse.Namespace) -> int:
    from .ci import test

    return _emit(test(args.directory, args.min_coverage), args.format)


def cmd_diff(args: argparse.Namespace) -> int:
    from .ci import diff_revisions, diff_rulesets

    replay = read_records(args.replay) if args.replay else None
    if args.git:
        report = diff_revisions(args.repo, args.old, args.new, args.path, replay, args.lang)
    else:
        report = diff_rulesets(args.old, args.new, replay, args.lang)
    return _emit(report, args.format)


def _percent(text: str) -> float:
    """A coverage threshold in percent, 0–100; NaN is refused (every comparison with it is false, so it passed),
    and so is infinity (the JSON report could not hold it)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of percent from 0 to 100")
    return value


def _add_ci_commands(sub: Any) -> None:
    """check / test / diff: CI of rule changes (docs/ci.md)."""
    formats = ["text", "json", "junit", "markdown"]
    check = sub.add_parser("check", help="verify a ruleset: schema, citations, overlaps, gaps, coverage")
    check.add_argument("directory", nargs="?", default=None, help="ruleset directory (default: bundled)")
    check.add_argument("--format", choices=[*formats, "sarif"], default="text")
    check.set_defaults(func=cmd_check)

    test = sub.add_parser("test", help="run the golden cases; rule and clause coverage")
    test.add_argument("directory", nargs="?", default=None, help="ruleset directory (default: bundled)")
    test.add_argument("--min-coverage", type=_percent, default=0.0, help="fail below this rule coverage (percent)")
    test.add_argument("--format", choices=formats, default="text")
    test.set_defaults(func=cmd_test)

    diff = sub.add_parser("diff", help="which decisions change between two versions of a ruleset")
    diff.add_argument("old", help="old ruleset directory (with --git: a revision)")
    diff.add_argument("new", help="new ruleset directory (with --git: a revision)")
    diff.add_argument("--git", action="store_true", help="OLD and NEW are git revisions of --repo")
    diff.add_argument("--repo", default=".", help="git repository (with --git; default: .)")
    diff.add_argument("--path", default="rulesets/wanzhou", help="ruleset path inside the repository (with --git)")
    diff.add_argument("--replay", default=None, help="JSON Lines of recorded observations to re-decide")
    diff.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of replay explanations")
    diff.add_argument("--format", choices=formats, default="text")
    diff.set_defaults(func=cmd_diff)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="patrolrules", description="The Wanzhou patrol regulation as executable rules.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def with_ruleset(p: argparse.ArgumentParser) -> None:
        p.add_argument("--ruleset", default=None, help="ruleset directory (default: the bundled Wanzhou ruleset)")

    evaluate = sub.add_parser("evaluate", help="print one JSON decision per observation")
    evaluate.add_argument("file", help="JSON or JSON Lines file of observations, '-' for stdin")
    evaluate.add_argument("--engine", choices=["native", "durable"], default="native")
    with_ruleset(evaluate)
    evaluate.add_argument("--overlay", action="append", default=[], metavar="FILE",
                        help="apply an overlay file (repeatable; applied in order)")
    evaluate.set_defaults(func=cmd_evaluate)

    explain = sub.add_parser("explain", help="print the readable account of each decision")
    explain.add_argument("file")
    explain.add_argument("--lang", choices=["zh", "en"], default="zh")
    explain.add_argument("--engine", choices=["native", "durable"], default="native")
    with_ruleset(explain)
    explain.add_argument("--overlay", action="append", default=[], metavar="FILE",
                        help="apply an overlay file (repeatable; applied in order)")
    explain.set_defaults(func=cmd_explain)

    ref = sub.add_parser("reference", help="generate the bilingual rule reference (docs/reference)")
    ref.add_argument("--out", default="docs/reference", help="target directory (default: docs/reference)")
    ref.add_argument("--check", action="store_true", help="exit 1 if the pages there are stale")
    with_ruleset(ref)
    ref.set_defaults(func=cmd_reference)

    validate = sub.add_parser("validate",
                              help="validate ledger entries, patrol teams or annual plans (Arts. 4–6, 10, 12)")
    validate.add_argument("kind", choices=["ledger", "plan", "team"])
    validate.add_argument("file", help="JSON or JSON Lines file of records, '-' for stdin")
    validate.add_argument("--as-of", default=None,
                          help="date of the check (ledger: unentered entries; plan: next weekly report; not with team)")
    with_ruleset(validate)
    validate.set_defaults(func=cmd_validate)

    assess = sub.add_parser("assess", help="assess a unit's year (Arts. 22–24): score, grade, consequences")
    assess.add_argument("file", help="JSON or JSON Lines file of assessment inputs, '-' for stdin")
    assess.add_argument("--format", choices=["json", "markdown"], default="json")
    with_ruleset(assess)
    assess.set_defaults(func=cmd_assess)

    case = sub.add_parser("case", help="print a case's state, obligations, recipients and reports (Arts. 14–15)")
    case.add_argument("file", help="JSON file of a case (or a list / JSON Lines of cases), '-' for stdin")
    with_ruleset(case)
    case.set_defaults(func=cmd_case)

    schema = sub.add_parser("schema", help="print a JSON Schema")
    schema.add_argument("what", choices=["observation", "decision", "ruleset", "facts", "case", "case-decision"])
    schema.set_defaults(func=cmd_schema)
    _add_ci_commands(sub)
    return parser


def _utf8_output() -> None:
    """Standard output in UTF-8 whatever the locale (JSON is UTF-8; GBK cannot write ¶ or ²), and messages
    on standard error that never fail on a character the console cannot show."""
    for stream, errors in ((sys.stdout, "strict"), (sys.stderr, "backslashreplace")):
        reconfigure = getattr(stream, "reconfigure", None)  # a replaced stream (tests, notebooks) may lack it
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors=errors)


def main(argv: Sequence[str] | None = None) -> int:
    _utf8_output()
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except PatrolRulesError as exc:
        print(f"patrolrules: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `patrolrules evaluate … | head`
        return EXIT_OK
    except OSError as exc:  # e.g. `reference --out` where nothing can be written
        print(f"patrolrules: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
