"""Helpers that write small rulesets into a temporary directory."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from patrolrules.ruleset import bundled_directory


def copy_bundled(target: Path) -> Path:
    """A writable copy of the bundled ruleset."""
    destination = Path(tempfile.mkdtemp(dir=target)) / "ruleset"
    shutil.copytree(bundled_directory(), destination)
    return destination


def with_one_case(directory: Path) -> Path:
    """The ruleset with its golden cases replaced by one (a key site), so most rules go uncovered."""
    shutil.rmtree(directory / "cases")
    (directory / "cases").mkdir()
    (directory / "cases" / "one.yaml").write_text(
        "cases:\n  - name: one key site\n    input: {observed_at: '2024-05-01T09:00:00+08:00', "
        "site: {zones: [urban_rural_fringe]}}\n    expect: {zone.tier: key}\n", encoding="utf-8")
    return directory


def copy_with_edits(target: Path, file: str, *edits: tuple[str, str]) -> Path:
    """A copy of the bundled ruleset with each ``(old, new)`` text replaced once in ``file``."""
    directory = copy_bundled(target)
    path = directory / file
    text = path.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return directory


def article8_header(directory: Path) -> str:
    """The head of art08_zones.yaml up to its tables (article, titles, exact quote)."""
    text = (directory / "art08_zones.yaml").read_text(encoding="utf-8")
    return text[: text.index("tables:")]


def with_tables(directory: Path, tables_yaml: str, parameters_yaml: str | None = None) -> Path:
    """Keep only article 8 and replace its tables (and optionally its parameters)."""
    # Only Art. 8 remains: other articles' tables read facts a custom catalogue may lack.
    meta = directory / "ruleset.yaml"
    lines = meta.read_text(encoding="utf-8").splitlines()
    start = lines.index("articles:")
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("  - ")), len(lines))
    meta.write_text("\n".join([*lines[:start], "articles:", "  - art08_zones.yaml", *lines[end:]]) + "\n",
                    encoding="utf-8")
    header = article8_header(directory)
    body = textwrap.indent(textwrap.dedent(tables_yaml), "  ")
    (directory / "art08_zones.yaml").write_text(header + "tables:\n" + body, encoding="utf-8")
    if parameters_yaml is not None:
        (directory / "parameters" / "art08_zones.yaml").write_text(textwrap.dedent(parameters_yaml), encoding="utf-8")
    return directory


# The time bound is measured in a fresh process, in CPU seconds, as `patrolrules check` would run in CI:
# neither a busy shared machine nor the garbage this test process has accumulated counts against it.
_TIMED = """
import json, sys, time
import patrolrules
from patrolrules import RulesetError, ci
started = time.process_time()
if sys.argv[1] == "load":
    try:
        patrolrules.load_ruleset(sys.argv[2])
        outcome = {"refused": False}
    except RulesetError as error:
        outcome = {"refused": True, "file": error.problems[0].file}
else:
    report = ci.check(sys.argv[2])
    outcome = {"exit": report.exit_code, "file": report.data["findings"][0]["file"]}
outcome["cpu_s"] = time.process_time() - started
print(json.dumps(outcome))
"""


def timed_in_fresh_process(mode: str, directory: Path) -> dict[str, Any]:
    """Load (``load``) or check (``check``) a ruleset in a fresh process; the outcome and its CPU seconds."""
    result = subprocess.run([sys.executable, "-c", _TIMED, mode, str(directory)], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout)
