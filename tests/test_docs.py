"""The docs stay true: every Python sample runs, and the generated rule reference is current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from patrolrules import reference

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").rglob("*.md") if "reference" not in p.parts)]
SAMPLES = {page: re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S) for page in PAGES}


@pytest.mark.parametrize("page", [p for p, blocks in SAMPLES.items() if blocks],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_code_samples_run(page, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "__docs__"}  # a page's samples run in order, like a session
    for index, code in enumerate(SAMPLES[page]):
        exec(compile(code, f"{page}#{index}", "exec"), namespace)


def test_there_are_samples_to_run():
    assert sum(len(blocks) for blocks in SAMPLES.values()) >= 4


def test_rule_reference_is_current(ruleset):
    stale = reference.stale(ruleset, ROOT / "docs" / "reference")
    assert stale == [], f"run `patrolrules reference`: stale pages {stale}"


def test_writing_the_reference_makes_it_current_whatever_was_there(ruleset, tmp_path):
    # a page of an article no longer in the regulation, and a page that is not UTF-8: both stale, both mended
    reference.write(ruleset, tmp_path)
    (tmp_path / "zh" / "art99.md").write_text("# 第九十九条\n", encoding="utf-8")
    (tmp_path / "en" / "index.md").write_bytes(b"\xff")
    assert reference.stale(ruleset, tmp_path) == ["en/index.md", "zh/art99.md"]
    assert sorted(reference.write(ruleset, tmp_path)) == ["en/index.md", "zh/art99.md"]
    assert reference.stale(ruleset, tmp_path) == [] and not (tmp_path / "zh" / "art99.md").exists()


def test_reference_pages_cover_every_article_in_both_languages(ruleset):
    pages = reference.generate(ruleset)
    for article in ruleset.loaded.regulation.articles:
        for lang in reference.LANGS:
            assert f"{lang}/art{article.article:02d}.md" in pages
    assert "| `national_road_buffer`" in pages["en/art08.md"] and "20 m" in pages["en/art08.md"]
    assert "第九条" in pages["zh/art09.md"] and "`item4.occupation_of_basic_farmland`" in pages["zh/art09.md"]
    loaded = ruleset.loaded
    for _, spec in (*loaded.articles, *loaded.context_articles):  # record-context articles too (10, 12, 22–24)
        assert pages[f"zh/art{spec.article:02d}.md"].splitlines()[0].endswith(f"条 {spec.title_zh}")
        assert pages[f"en/art{spec.article:02d}.md"].splitlines()[0] == f"# Article {spec.article} — {spec.title_en}"
    assert {spec.article for _, spec in loaded.context_articles} >= {10, 12, 22, 23, 24}


def _shell_samples() -> list[tuple[Path, str]]:
    """`patrolrules …` command lines in the docs' code blocks (usage lines with placeholders excluded)."""
    out = []
    for page in PAGES:
        for body in re.findall(r"```\w*\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            for line in body.splitlines():
                match = re.match(r"^\s*(?:-\s*)?(?:run:\s*)?(?:\$\s*)?(patrolrules\s.*)$", line)
                if not match:
                    continue
                command = match.group(1).split("#")[0].split(">")[0].strip()
                if any(mark in command for mark in ("|", "FILE", "[", "${{", "\\")):
                    continue  # a usage line or a CI template, not a runnable sample
                out.append((page, command))
    return out


SHELL = _shell_samples()


@pytest.mark.parametrize(("page", "command"), SHELL, ids=[f"{p.relative_to(ROOT)}: {c}" for p, c in SHELL])
def test_shell_sample_runs(page, command):
    import shlex
    import subprocess
    import sys

    args = shlex.split(command)[1:]
    result = subprocess.run([sys.executable, "-m", "patrolrules.cli", *args], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode in (0, 1), result.stderr  # 1 = findings, which a sample may show on purpose
    assert "Traceback" not in result.stderr and result.stdout


def test_there_are_shell_samples_to_run():
    assert len(SHELL) >= 3


def test_ci_runs_both_quickstart_commands():
    """`.ci/run` must run the README's own commands, so a missing install step fails in CI first."""
    readme = ROOT.joinpath("README.md").read_text(encoding="utf-8")
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", quickstart, re.S)
    assert len(commands) == 2, commands
    ci = ROOT.joinpath(".ci", "run").read_text(encoding="utf-8")
    run_command, test_command = commands
    assert test_command.removeprefix("python3 -m venv .venv && ") in ci
    install, evaluate = run_command.removeprefix("python3 -m venv .venv && ").split(" && ")
    assert install.replace(".venv/", ".venv-run/").replace("pip install", "pip install -q") in ci
    assert evaluate.replace(".venv/", ".venv-run/") in ci


def test_every_command_list_in_ci_fails_ci_when_any_step_fails():
    """`set -e` ignores a failure inside `a && b` except in its last command: a failed install before
    a passing step would be skipped over silently, so every such list must end in `|| exit 1`."""
    ci = ROOT.joinpath(".ci", "run").read_text(encoding="utf-8").replace("\\\n", " ")
    lists = [line for line in ci.splitlines() if "&&" in line and not line.lstrip().startswith("#")]
    assert len(lists) >= 4, lists  # the test suite, the docs, the Quickstart job, the lowest versions
    for line in lists:
        assert line.rstrip().endswith("|| exit 1"), line


def test_a_case_file_name_lists_its_articles_it_does_not_span_them():
    # art09_14_15 holds Arts. 9, 14 and 15 cases; read as the range 9–14, it put them on the Art. 10 and 12 pages
    assert reference._articles_of_case_file("art09_14_15_coverage.yaml") == {9, 14, 15}
    assert reference._articles_of_case_file("art11_13_disposal.yaml") == {11, 13}
    assert reference._articles_of_case_file("art08_zones.yaml") == {8}
    assert reference._articles_of_case_file("whatif_overlays.yaml") == set()
