"""Rendering ``ci`` reports: text, JSON, JUnit XML, Markdown, and SARIF 2.1.0 (``check`` only)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from .ci import Report

FORMATS = ("text", "json", "junit", "markdown")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.data | {"exit_code": report.exit_code}, ensure_ascii=False, indent=2,
                          sort_keys=True) + "\n"
    if fmt == "sarif":
        if report.command != "check":
            raise ValueError("sarif is available for check only")
        return json.dumps(sarif(report), ensure_ascii=False, indent=2) + "\n"
    renderers = {"text": _TEXT, "markdown": _MARKDOWN, "junit": _JUNIT}[fmt]
    return renderers[report.command](report.data)


def _witness(witness: dict[str, Any] | None) -> str:
    if not witness:
        return "—"
    return json.dumps({k: v for k, v in witness.items() if v is not None}, ensure_ascii=False, sort_keys=True)


def _where(f: dict[str, Any]) -> str:
    return f"{f['file']}:{f['line']}" if f.get("line") else str(f["file"])


# ---- check -------------------------------------------------------------------


def _check_text(data: dict[str, Any]) -> str:
    lines = []
    for f in data["findings"]:
        rules = f" [{', '.join(f['rules'])}]" if f["rules"] else ""
        table = f" table {f['table']}" if f["table"] else ""
        lines.append(f"{_where(f)}: {f['severity']} {f['code']}{table}{rules}: {f['message']}")
        if f["witness"]:
            lines.append(f"    witness (as of {f['as_of']}): {_witness(f['witness'])}")
        if f["fix"]:
            lines.append(f"    fix: {f['fix']}")
    c = data["counts"]
    lines.append(f"check {data['directory']}: {c['error']} error(s), {c['warning']} warning(s), {c['info']} info")
    return "\n".join(lines) + "\n"


def _check_markdown(data: dict[str, Any]) -> str:
    c = data["counts"]
    lines = [f"## patrolrules check: {c['error']} error(s), {c['warning']} warning(s), {c['info']} info", "",
             "| severity | code | where | table / rules | message | witness |", "|---|---|---|---|---|---|"]
    for f in data["findings"]:
        who = " ".join(filter(None, [f["table"] or "", ", ".join(f["rules"])]))
        lines.append(f"| {f['severity']} | {f['code']} | `{_where(f)}` | {_md(who)} | {_md(f['message'])} | "
                     f"{_md(_witness(f['witness']))} |")
    return "\n".join(lines) + "\n"


def _check_junit(data: dict[str, Any]) -> str:
    suite = _suite("patrolrules check")
    _case(suite, "check", "ruleset verifies without errors", None)
    for f in data["findings"]:
        failure = f"{_where(f)}: {f['message']}" if f["severity"] == "error" else None
        case = _case(suite, f"check.{f['table'] or f['code']}", f"{f['code']} {_where(f)}", failure,
                     json.dumps(f, ensure_ascii=False))
        if failure is None:
            ET.SubElement(case, "system-out").text = f"{f['severity']}: {f['message']}"
    return _xml(suite)


def sarif(report: Report) -> dict[str, Any]:
    """SARIF 2.1.0: one result per finding, located at the rule file's line for code review."""
    data = report.data
    base = Path(data["directory"])
    codes = sorted({f["code"] for f in data["findings"]})
    results = []
    for f in data["findings"]:
        location: dict[str, Any] = {"artifactLocation": {"uri": _uri(base / f["file"])}}
        if f.get("line"):
            location["region"] = {"startLine": f["line"]}
        result: dict[str, Any] = {"ruleId": f["code"], "ruleIndex": codes.index(f["code"]),
                                  "level": _LEVEL[f["severity"]], "message": {"text": f["message"]},
                                  "locations": [{"physicalLocation": location}],
                                  "properties": {"table": f["table"], "rules": f["rules"], "witness": f["witness"],
                                                 "asOf": f["as_of"], "fix": f["fix"]}}
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "patrolrules",
                                "rules": [{"id": code, "shortDescription": {"text": code.replace("-", " ")}}
                                          for code in codes]}},
            "results": results,
        }],
    }


def _uri(path: Path) -> str:
    """Relative to the working directory when inside it (code review resolves it in the repository)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.resolve().as_uri()


# ---- test --------------------------------------------------------------------


def _test_text(data: dict[str, Any]) -> str:
    lines = []
    for case in data["cases"]:
        mark = "PASS" if case["passed"] else "FAIL"
        lines.append(f"{mark} {case['file']}:{case['line']} {case['name']}")
        lines.extend(f"    {m}" for m in case["mismatches"])
        if case["error"]:
            lines.append(f"    {case['error']}")
    for row in data["rules"]:
        if not row["covered"]:
            lines.append(f"uncovered {row['file']}:{row['line']} {row['table']}/{row['rule']}: {row['why']}")
            if row.get("witness"):
                lines.append(f"    witness: {_witness(row['witness'])}")
    lines.append(f"{data['passed']} passed, {data['failed']} failed; rule coverage {data['rule_coverage']}%"
                 f" (minimum {data['min_coverage']}%), clause coverage {data['clause_coverage']}%")
    return "\n".join(lines) + "\n"


def _test_markdown(data: dict[str, Any]) -> str:
    lines = [f"## patrolrules test: {data['passed']} passed, {data['failed']} failed", "",
             f"Rule coverage **{data['rule_coverage']}%** (minimum {data['min_coverage']}%), "
             f"clause coverage **{data['clause_coverage']}%**.", "", "| result | case | details |", "|---|---|---|"]
    for case in data["cases"]:
        details = "; ".join(case["mismatches"] + ([case["error"]] if case["error"] else []))
        lines.append(f"| {'✅' if case['passed'] else '❌'} | {_md(case['name'])} | {_md(details)} |")
    uncovered = [r for r in data["rules"] if not r["covered"]]
    if uncovered:
        lines += ["", "### Uncovered rules", "", "| rule | where | why |", "|---|---|---|"]
        lines += [f"| {r['table']}/{r['rule']} | `{r['file']}:{r['line']}` | {_md(r['why'])} |" for r in uncovered]
    return "\n".join(lines) + "\n"


def _test_junit(data: dict[str, Any]) -> str:
    suite = _suite("patrolrules test")
    for case in data["cases"]:
        failure = "; ".join(case["mismatches"] + ([case["error"]] if case["error"] else [])) or None
        _case(suite, f"golden.{case['file']}", f"{case['file']}:{case['line']} {case['name']}", failure)
    failure = (f"rule coverage {data['rule_coverage']}% is below {data['min_coverage']}%"
               if data["below_min_coverage"] else None)
    case = _case(suite, "coverage", "rule coverage", failure)
    ET.SubElement(case, "system-out").text = "\n".join(
        f"uncovered {r['table']}/{r['rule']}: {r['why']}" for r in data["rules"] if not r["covered"])
    return _xml(suite)


# ---- diff --------------------------------------------------------------------


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _diff_text(data: dict[str, Any]) -> str:
    lines = [f"diff {data['old']['name']} {data['old']['version']} ({data['old']['content_id'][:12]}) → "
             f"{data['new']['version']} ({data['new']['content_id'][:12]})"]
    for edit in data["edits"]:
        lines.append(f"  edit: {edit['text']}")
    for c in data["changes"]:
        lines.append(f"{c['table']}.{c['output']}: {_value(c['before'])} → {_value(c['after'])} "
                     f"where {c['condition']} (as of {c['as_of']})")
        if len(c["regions"]) > 1:
            lines.append(f"    exactly {len(c['regions'])} disjoint region(s), e.g. {c['regions'][0]}"
                         " (all in --format json)")
        lines.append(f"    witness: {_witness(c['witness'])}")
        if c.get("observation"):
            lines.append(f"    observation: {json.dumps(c['observation'], ensure_ascii=False, sort_keys=True)}")
        for field, values in (c.get("decision_changes") or {}).items():
            lines.append(f"    decision {field}: {_short(values['before'])} → {_short(values['after'])}")
        if c.get("decision_note"):
            lines.append(f"    ({c['decision_note']})")
    for r in data["replay"] or []:
        lines.append(f"replay record {r['record']} ({r['id']}): " + "; ".join(
            f"{k}: {_short(v['before'], 60)} → {_short(v['after'], 60)}" for k, v in r["changes"].items()))
        lines.append("  before:\n" + _indent(r["before"]) + "\n  after:\n" + _indent(r["after"]))
    summary = f"{len(data['changes'])} changed region(s), {len(data['edits'])} edit(s)"
    if data["replay"] is not None:
        summary += f", {len(data['replay'])} of {data['replayed']} replayed observation(s) change"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def _short(value: Any, limit: int = 100) -> str:
    text = _value(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _diff_markdown(data: dict[str, Any]) -> str:
    lines = [f"## patrolrules diff: {len(data['changes'])} changed region(s)", "",
             f"`{data['old']['version']}` ({data['old']['content_id'][:12]}) → `{data['new']['version']}` "
             f"({data['new']['content_id'][:12]})", ""]
    if data["edits"]:
        lines += ["### Edits", ""] + [f"- {_md(e['text'])}" for e in data["edits"]] + [""]
    if data["changes"]:
        lines += ["### Changed decisions", "", "| table.output | before | after | where | witness |",
                  "|---|---|---|---|---|"]
        lines += [f"| {c['table']}.{_md(c['output'])} | {_md(_value(c['before']))} | {_md(_value(c['after']))} | "
                  f"{_md(c['condition'])} | {_md(_witness(c['witness']))} |" for c in data["changes"]]
    if data["replay"]:
        lines += ["", "### Replayed observations that change", "", "| record | id | changes |", "|---|---|---|"]
        lines += [f"| {r['record']} | {r['id']} | " + _md("; ".join(
            f"{k}: {_value(v['before'])} → {_value(v['after'])}" for k, v in r["changes"].items())) + " |"
            for r in data["replay"]]
    return "\n".join(lines) + "\n"


def _diff_junit(data: dict[str, Any]) -> str:
    suite = _suite("patrolrules diff")
    tables = sorted({c["table"] for c in data["changes"]})
    _case(suite, "diff", "no decision changes", f"{len(data['changes'])} changed region(s)" if tables else None)
    for table in tables:
        text = "\n".join(f"{c['output']}: {_value(c['before'])} → {_value(c['after'])} where {c['condition']}"
                         for c in data["changes"] if c["table"] == table)
        _case(suite, f"diff.{table}", f"table {table} unchanged", f"decisions of table {table} change", text)
    for r in data["replay"] or []:
        _case(suite, "diff.replay", f"record {r['record']} {r['id']}", "decision changes",
              json.dumps(r["changes"], ensure_ascii=False))
    return _xml(suite)


# ---- helpers -----------------------------------------------------------------


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _suite(name: str) -> ET.Element:
    return ET.Element("testsuite", {"name": name})


def _case(suite: ET.Element, classname: str, name: str, failure: str | None, text: str | None = None) -> ET.Element:
    case = ET.SubElement(suite, "testcase", {"classname": classname, "name": name})
    if failure is not None:
        node = ET.SubElement(case, "failure", {"message": failure[:500]})
        node.text = text or failure
    return case


def _xml(suite: ET.Element) -> str:
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", "0")
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


_TEXT = {"check": _check_text, "test": _test_text, "diff": _diff_text}
_MARKDOWN = {"check": _check_markdown, "test": _test_markdown, "diff": _diff_markdown}
_JUNIT = {"check": _check_junit, "test": _test_junit, "diff": _diff_junit}
