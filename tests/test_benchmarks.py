"""The benchmark still works: quick mode runs every engine and checks their outputs identical (no timing asserts)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from benchmarks import anchor, run
from patrolrules.engine import codegen, durable

RESULTS = Path(run.__file__).resolve().parent


def _committed() -> dict:
    return json.loads((RESULTS / "results-latest.json").read_text(encoding="utf-8"))


def test_quick_benchmark_runs_every_engine_on_identical_outputs():
    result = run.benchmark(quick=True)  # raises run.Mismatch if any engine's output differs
    engines = {row["engine"] for row in result["anchor"]["rows"]}
    assert "hand-written if/else (reference)" in engines
    assert "patrolrules batch, numpy, from records" in engines
    assert ("durable_rules via patrolrules adapter" in engines) == durable.AVAILABLE
    assert any(e.startswith("zen-engine") for e in engines) == (importlib.util.find_spec("zen") is not None)
    assert all(row["us_per_record"] > 0 for row in result["anchor"]["rows"])
    assert result["decisions"]["native_per_s"] > 0 and result["memory"]["native"]["decisions"] == 50
    # each step of a decision timed in the pipeline (which raised run.Mismatch unless it gave evaluate's decisions)
    assert set(result["decisions"]["phases_ms"]) == set(run.PHASES)
    assert all(v > 0 for v in result["decisions"]["phases_ms"].values())
    assert ("durable_phases_ms" in result["decisions"]) == durable.AVAILABLE
    assert ("validated_ratio" in result["decisions"]) == durable.AVAILABLE
    assert result["cold_start"]["first_decision_s"] > 0
    assert result["many"]["records"] == 300 and result["many"]["peak_mib"] > 0  # its frame equalled the loop's
    assert len(result["memory"]["native"]["growth_mib"]) == 10
    assert "| engine (anchor" in run.markdown(result) and "`evaluate_many` of 300" in run.markdown(result)


def test_sections_run_alone_and_results_render_merged(tmp_path, capsys):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert run.main(["--quick", "--only", "cold_start", "--json", str(first)]) == 0
    second.write_text('{"machine": {"python": "x"}, "million": {"records": 10, "batch_s": 1e-5, "hand_s": 2e-5, '
                      '"before_mib": 1, "peak_mib": 2}}', encoding="utf-8")
    capsys.readouterr()
    assert run.main(["--render", str(first), str(second)]) == 0
    shown = capsys.readouterr().out
    assert "import + load + first decision" in shown and "anchor batch over 10 records" in shown
    assert "| engine (anchor" not in shown  # a section that was not run is left out
    with pytest.raises(SystemExit):
        run.main(["--only", "nonsense"])


def test_a_wrong_engine_is_caught_before_timing():
    with pytest.raises(run.Mismatch, match="record 1"):
        run._check("wrong", [[0], [1]], [[0], [2]])


def test_the_handwritten_reference_is_the_rule_file_table():
    tables = anchor.load_table()
    assert len(tables[0].rules) == 20 and len(tables[0].table.inputs) == 7
    assert str(tables[0].table.hit_policy) == "collect"
    generated = codegen.GeneratedMatcher(tables)
    rows = anchor.records(2000, seed=5)
    assert [anchor.handwritten(r) for r in rows] == [generated.match(0, r) for r in rows]


def test_results_page_shows_the_committed_raw_results():
    # benchmarks/RESULTS.md quotes benchmarks/results-latest.json: every rendered row is on the page
    rendered = run.markdown(_committed())
    page = (RESULTS / "RESULTS.md").read_text(encoding="utf-8")
    rows = [line for line in rendered.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) > 30
    assert [row for row in rows if row not in page] == []


def test_the_bound_on_the_decision_ratio_follows_from_the_measured_parts():
    # durable ÷ native = (Sd + Md) / (Sn + Mn), Sd = k·Sn; the ceiling sets Mn = 0; the budget is the Sn
    # giving exactly the goal when the shared code shrinks alike on both engines
    d = _committed()["decisions"]
    b = run.bound(d)
    sn, sd, mn, md, k = (b[key] for key in ("shared_ms", "durable_shared_ms", "native_matching_ms",
                                            "durable_matching_ms", "shared_slowdown"))
    assert sn + mn == pytest.approx(sum(d["phases_ms"].values()))
    assert sd + md == pytest.approx(sum(d["durable_phases_ms"].values())) and sd == pytest.approx(k * sn)
    assert b["implied_ratio"] == pytest.approx((sd + md) / (sn + mn))
    assert b["ceiling"] == pytest.approx((sd + md) / sn) and b["ceiling"] > b["implied_ratio"]
    budget = b["shared_budget_ms"]
    assert (k * budget + md) / (budget + mn) == pytest.approx(b["goal"])
    below, above = budget * 0.99, budget * 1.01
    assert (k * below + md) / (below + mn) > b["goal"] > (k * above + md) / (above + mn)


def test_the_phases_account_for_the_end_to_end_decision():
    # timed inside the pipeline, the phases add up to what evaluate costs end to end (within the noise),
    # and the ratio they imply is the one measured end to end
    d = _committed()["decisions"]
    assert sum(d["phases_ms"].values()) == pytest.approx(d["native_few_ms"], rel=0.15)
    assert sum(d["durable_phases_ms"].values()) == pytest.approx(d["durable_ms"], rel=0.15)
    assert run.bound(d)["implied_ratio"] == pytest.approx(d["ratio"], rel=0.15)
    # in the goal's terms (validated observation → Decision) the validation leaves the shared part
    validated = run.bound(d, validated=True)
    assert validated["shared_ms"] == pytest.approx(run.bound(d)["shared_ms"] - d["phases_ms"]["validate"])
    assert validated["implied_ratio"] == pytest.approx(d["validated_ratio"], rel=0.15)
