"""The issue-9 benchmark: ``python -m benchmarks.run [--quick] [--json FILE]`` from the repository root.

Every engine's output is checked identical to the hand-written reference (anchor)
or to the native engine (decisions, batches) before anything is timed; a mismatch
raises ``Mismatch``. Times are medians of repeated runs in one process, and ratios
are against hand-written Python measured in the same process.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class Mismatch(AssertionError):
    """An engine gave a different answer than the reference: nothing is timed."""


def _median(function: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()  # no collection of an earlier run's garbage inside this one
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _check(name: str, got: Sequence[Any], expected: Sequence[Any]) -> None:
    if len(got) != len(expected):
        raise Mismatch(f"{name}: {len(got)} results for {len(expected)} records")
    for index, (a, b) in enumerate(zip(got, expected, strict=True)):
        if (list(a) if isinstance(a, tuple) else a) != b:
            raise Mismatch(f"{name}: record {index} gives {a!r}, expected {b!r}")


# ---- the anchor table ------------------------------------------------------

def anchor(records: int, slow_records: int, repeats: int) -> dict[str, Any]:
    from patrolrules.engine import codegen, compiled, durable, vectorized

    from . import anchor as workload

    tables = workload.load_table()
    rows = workload.records(records)
    slow_rows = rows[:slow_records]
    generated = codegen.GeneratedMatcher(tables)
    function = generated.functions[0]
    closures = compiled.NativeMatcher(tables)
    names = sorted({c.input for r in tables[0].rules for c in r.checks})
    columns = {name: [row[name] for row in rows] for name in names}
    hand = workload.handwritten

    engines: list[tuple[str, Callable[[list[dict[str, Any]]], list[Any]], bool]] = [
        ("hand-written if/else (reference)", lambda rs: [hand(r) for r in rs], False),
        ("patrolrules generated code, table function", lambda rs: [function(r) for r in rs], False),
        ("patrolrules generated code, Matcher.match", lambda rs: [generated.match(0, r) for r in rs], False),
        ("patrolrules run: match + collect policy + TableResult",
         lambda rs: [list(generated.run(r).results["anchor"].selected) for r in rs], False),
        ("patrolrules closures (foundation NativeMatcher)", lambda rs: [closures.match(0, r) for r in rs], False),
        ("patrolrules batch, numpy, from records", lambda rs: vectorized.match_table(generated, 0, rs), False),
    ]
    if durable.AVAILABLE:
        reference = durable.DurableMatcher(tables)
        engines.append(("durable_rules via patrolrules adapter", lambda rs: [reference.match(0, r) for r in rs],
                        True))
    zen_note = "zen-engine not installed (pip install -e .[bench])"
    try:
        import zen

        from . import zen_export

        jdm = zen_export.export(tables[0])
        decision = zen.ZenEngine().create_decision(json.dumps(jdm))
        static = zen.ZenEngine({"loader": {"type": "static", "content": {"anchor": jdm}}})
        engines.append(("zen-engine ZenDecision.evaluate",
                        lambda rs: [zen_export.matched(decision.evaluate(r)) for r in rs], True))
        engines.append(("zen-engine ZenEngine.evaluate (static loader)",
                        lambda rs: [zen_export.matched(static.evaluate("anchor", r)) for r in rs], True))
        engines.append(("zen-engine evaluate_batch (static loader)",
                        lambda rs: [zen_export.matched(x["data"]) for x in
                                    static.evaluate_batch([{"key": "anchor", "context": r} for r in rs])], True))
        zen_note = f"zen-engine {_version('zen-engine')}"
    except ImportError:
        pass

    expected = [hand(r) for r in rows]
    for name, engine, slow in engines:  # every output checked before anything is timed
        subset = slow_rows if slow else rows
        _check(name, engine(subset), expected[:len(subset)])
    _check("batch kernel", vectorized.match_columns(tables[0], columns, len(rows)), expected)

    lines = []
    base = _median(lambda: [hand(r) for r in rows], repeats) / len(rows)
    for name, engine, slow in engines:
        subset = slow_rows if slow else rows
        per = _median(lambda e=engine, s=subset: e(s), max(1, repeats // 2) if slow else repeats) / len(subset)
        lines.append({"engine": name, "records": len(subset), "us_per_record": per * 1e6, "ratio": per / base})
    per = _median(lambda: vectorized.match_columns(tables[0], columns, len(rows)), repeats) / len(rows)
    lines.append({"engine": "patrolrules batch kernel alone (columns given)", "records": len(rows),
                  "us_per_record": per * 1e6, "ratio": per / base})
    return {"rows": lines, "note": zen_note, "matched_per_record": sum(map(len, expected)) / len(expected)}


# ---- full decisions --------------------------------------------------------

def decisions(count: int, durable_count: int, repeats: int) -> dict[str, Any]:
    from patrolrules import load_ruleset, synth
    from patrolrules.batch import batch_run
    from patrolrules.engine import durable
    from patrolrules.ruleset import parse_observation

    ruleset = load_ruleset()
    observations = synth.observations(count, seed=1)
    few = observations[:durable_count]
    native = [ruleset.evaluate(o) for o in observations]
    if durable.AVAILABLE:
        _check("durable decisions", [ruleset.evaluate(o, engine="durable") for o in few], native[:len(few)])
    parsed = [parse_observation(o) for o in observations]
    days = [p.observed_at.date() for p in parsed]  # the synthetic year spans as-of periods (2024-05-01)
    facts = [ruleset.facts_of(p, day) for p, day in zip(parsed, days, strict=True)]  # as evaluate takes them
    per_record_runs = [ruleset.native_matcher(day).run(f) for day, f in zip(days, facts, strict=True)]
    _check("batch_run", batch_run(ruleset, observations), per_record_runs)
    _check("decisions of validated observations", [ruleset.evaluate(p) for p in parsed], native)

    out: dict[str, Any] = {"observations": count, "durable_observations": len(few)}

    def stream(engine: str, rows: list[dict[str, Any]]) -> None:  # a service: decide, use, drop
        for o in rows:
            ruleset.evaluate(o, engine=engine)

    per_native = _median(lambda: stream("native", observations), repeats) / count
    out["native_ms"] = per_native * 1e3
    out["native_per_s"] = 1 / per_native
    out["native_kept_ms"] = _median(lambda: [ruleset.evaluate(o) for o in observations], repeats) / count * 1e3
    if durable.AVAILABLE:
        per_durable = _median(lambda: stream("durable", few), repeats) / len(few)
        out["durable_ms"] = per_durable * 1e3
        out["durable_per_s"] = 1 / per_durable
        # the ratio compares the same observations: native timed again on durable's (fewer) ones
        per_native_few = _median(lambda: stream("native", few), repeats) / len(few)
        out["native_few_ms"] = per_native_few * 1e3
        out["ratio"] = per_durable / per_native_few
        # the goal's own terms: a validated observation → Decision (validated once, at intake)
        valid_few = parsed[:len(few)]
        out["validated_durable_ms"] = _median(lambda: stream("durable", valid_few), repeats) / len(few) * 1e3
        out["validated_native_ms"] = _median(lambda: stream("native", valid_few), repeats) / len(few) * 1e3
        out["validated_ratio"] = out["validated_durable_ms"] / out["validated_native_ms"]
    from patrolrules.facts import FACTS

    reruns = []  # what the what-if analysis of unknowns costs
    for day, run in zip(days, per_record_runs, strict=True):
        period = ruleset._period(day, "native")
        reruns.append(sum(len(period.representatives(FACTS[n])) for n in period.candidates(run.values)))
    out["reruns_per_decision"] = statistics.mean(reruns)
    out["tables"] = len(period.tables)
    out["closure_tables"] = len(period.closure)
    # Each step of a decision timed where it runs, inside the pipeline (caches as a service sees them),
    # on the observations both engines decide; the pipeline is checked to give evaluate's decisions.
    kept: list[Any] = []
    _phased(ruleset, "native", few, kept)
    _check("phased pipeline", kept, native[:len(few)])
    out["phases_ms"] = _phases(ruleset, "native", few, repeats)
    if durable.AVAILABLE:
        kept.clear()
        _phased(ruleset, "durable", few, kept)
        _check("phased pipeline, durable", kept, native[:len(few)])
        out["durable_phases_ms"] = _phases(ruleset, "durable", few, repeats)

    def each(function: Callable[..., Any], rows: Sequence[Any]) -> Callable[[], None]:
        def timed() -> None:  # like the headline figure: each result dropped after use
            for row in rows:
                function(row)
        return timed

    def runs_only(observation: Any) -> Any:
        parsed = parse_observation(observation)
        day = parsed.observed_at.date()
        return ruleset.native_matcher(day).run(ruleset.facts_of(parsed, day))

    out["runs_per_record_ms"] = _median(each(runs_only, observations), repeats) / count * 1e3
    out["batch_run_ms"] = _median(lambda: batch_run(ruleset, observations), repeats) / count * 1e3
    # The least the output alone can cost with pydantic models: each Decision rebuilt in one validation
    # from plain data already computed, citations and legal bases shared as the builder shares them.
    ready = [_plain(d) for d in native]
    _check("Decision from ready data", [_decision_from(r) for r in ready], native)
    out["decision_floor_ms"] = _median(each(_decision_from, ready), repeats) / count * 1e3
    return out


PHASES = ("validate", "facts", "run", "what-ifs", "decision")
SHARED_PHASES = ("validate", "facts", "decision")  # the same code on both engines; "run" and "what-ifs" match


def _phased(ruleset: Any, engine: str, observations: Sequence[Any], kept: list[Any] | None = None) -> list[float]:
    """``Ruleset.evaluate``'s steps (patrolrules/ruleset.py) one after the other, each timed where it runs:
    seconds spent in each of ``PHASES`` over all observations. Decisions are dropped unless ``kept``."""
    from patrolrules.ruleset import parse_observation

    clock = time.perf_counter
    spent = [0.0] * len(PHASES)
    for observation in observations:
        t0 = clock()
        parsed = parse_observation(observation)
        day = parsed.observed_at.date()
        period = ruleset._period(day, engine)
        t1 = clock()
        facts = ruleset.facts_of(parsed, day)
        t2 = clock()
        result = ruleset._run(parsed, day, period, engine, facts)
        t3 = clock()
        missing = ruleset._missing(parsed, day, period, engine, facts, result)
        t4 = clock()
        result = ruleset._settled(parsed, day, period, engine, facts, result, missing)  # a run again, or none
        t5 = clock()
        decision = ruleset._decision(parsed, day, period, result, missing)
        t6 = clock()
        spent[2] += t5 - t4
        for index, (start, end) in enumerate(((t0, t1), (t1, t2), (t2, t3), (t3, t4), (t5, t6))):
            spent[index] += end - start
        if kept is not None:
            kept.append(decision)
    return spent


def _phases(ruleset: Any, engine: str, observations: Sequence[Any], repeats: int) -> dict[str, float]:
    """ms per decision in each phase: the median over ``repeats`` pipeline runs."""
    runs = []
    for _ in range(repeats):
        gc.collect()
        runs.append(_phased(ruleset, engine, observations))
    return {name: statistics.median(r[i] for r in runs) / len(observations) * 1e3 for i, name in enumerate(PHASES)}


def _plain(value: Any) -> Any:
    """A decision as nested dicts and lists, keeping its (shared, frozen) citations and bases as they are."""
    from pydantic import BaseModel

    from patrolrules.decision import BasisOut, CitationOut

    if isinstance(value, (CitationOut, BasisOut)):
        return value
    if isinstance(value, BaseModel):
        return {name: _plain(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _decision_from(data: Any) -> Any:
    from patrolrules.decision import Decision

    return Decision.__pydantic_validator__.validate_python(data)


# ---- memory and cold start (fresh processes) --------------------------------

_MEMORY = """
import gc, json, resource, sys
import patrolrules
from patrolrules.batch import batch_run
from patrolrules import synth
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * {page} / 2**20
mode, count, engine = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rs = patrolrules.load_ruleset()
obs = synth.observations(min(count, 2000), seed=1)
if mode == "batch":
    obs = synth.observations(count, seed=1)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    runs = batch_run(rs, obs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({{"before_mib": before, "peak_mib": peak}}))
else:
    for o in obs:
        rs.evaluate(o, engine=engine)
    gc.collect(); start = rss(); growth = []
    step = max(1, count // 10)
    for i in range(count):
        rs.evaluate(obs[i % len(obs)], engine=engine)
        if (i + 1) % step == 0:  # growth after each tenth: a leak shows as a rising line
            gc.collect(); growth.append(round(rss() - start, 2))
            print(engine, i + 1, growth[-1], file=sys.stderr, flush=True)
    gc.collect(); print(json.dumps({{"start_mib": start, "end_mib": rss(), "growth_mib": growth}}))
"""


def _child(code: str, *args: str, env: dict[str, str] | None = None) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, env=env,
                          cwd=ROOT, check=True)  # the child's progress lines go to our stderr
    return time.perf_counter() - start, done.stdout


def memory(batch: int, sequential: int, durable_sequential: int) -> dict[str, Any]:
    from patrolrules.engine import durable

    code = _MEMORY.format(page=os.sysconf("SC_PAGE_SIZE"))
    out: dict[str, Any] = {"batch": batch}
    out["batch_rss"] = json.loads(_child(code, "batch", str(batch), "native")[1])
    out["native"] = {"decisions": sequential, **json.loads(_child(code, "seq", str(sequential), "native")[1])}
    if durable.AVAILABLE:
        out["durable"] = {"decisions": durable_sequential,
                          **json.loads(_child(code, "seq", str(durable_sequential), "durable")[1])}
    return out


_MILLION = """
import json, resource, sys, time
from benchmarks import anchor
from patrolrules.engine import codegen, vectorized
count = int(sys.argv[1])
tables = anchor.load_table()
matcher = codegen.GeneratedMatcher(tables)
rows = anchor.records(count)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.perf_counter(); batch = vectorized.match_table(matcher, 0, rows); batch_s = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.perf_counter(); hand = [anchor.handwritten(r) for r in rows]; hand_s = time.perf_counter() - t
assert [list(m) for m in batch] == hand, "batch differs from hand-written"
print(json.dumps({"records": count, "batch_s": batch_s, "hand_s": hand_s, "before_mib": before, "peak_mib": peak}))
"""


def million(count: int) -> dict[str, Any]:
    """The anchor table over ``count`` records in one batch, in a fresh process: time and peak RSS."""
    return dict(json.loads(_child(_MILLION, str(count))[1]))


_MANY = """
import gc, json, resource, sys, time
import pandas as pd
import patrolrules
from patrolrules.whatif import decision_row
from patrolrules import synth
count, floor = int(sys.argv[1]), int(sys.argv[2])
rs = patrolrules.load_ruleset()
sample = synth.observations(floor, seed=0)
hand = lambda rows: pd.DataFrame([decision_row(rs.evaluate(o)) for o in rows], dtype=object)  # per-record loop
ours = rs.evaluate_many(sample)
if not ours.drop(columns="error").reset_index(drop=True).equals(hand(sample)):
    raise SystemExit("evaluate_many differs from the per-record loop")
gc.collect(); t = time.perf_counter(); hand(sample); hand_s = time.perf_counter() - t
gc.collect(); t = time.perf_counter(); rs.evaluate_many(sample); many_s = time.perf_counter() - t
del sample, ours
generating = 0.0
def rows():  # seeded synthetic observations, made 2000 at a time; making them is not timed
    global generating
    for start in range(0, count, 2000):
        t = time.perf_counter()
        chunk = synth.observations(min(2000, count - start), seed=start + 1)
        generating += time.perf_counter() - t
        yield from chunk
collecting = [0.0, 0.0]  # time in the garbage collector, and when the running collection started
def timed_gc(phase, info):
    if phase == "start":
        collecting[1] = time.perf_counter()
    else:
        collecting[0] += time.perf_counter() - collecting[1]
gc.collect(); before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
gc.callbacks.append(timed_gc)
t = time.perf_counter(); frame = rs.evaluate_many(rows()); total = time.perf_counter() - t - generating
gc.callbacks.remove(timed_gc)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
assert len(frame) == count and frame["error"].isna().all()
del frame
generating = 0.0  # the same million through the hand-written loop, at the same scale
gc.collect(); t = time.perf_counter(); hand(rows()); hand_all = time.perf_counter() - t - generating
print(json.dumps({"records": count, "floor_records": floor, "hand_us": hand_s / floor * 1e6,
                  "many_sample_us": many_s / floor * 1e6, "many_us": total / count * 1e6,
                  "gc_us": collecting[0] / count * 1e6, "hand_all_us": hand_all / count * 1e6,
                  "before_mib": before, "peak_mib": peak}))
"""


def many(count: int, floor: int) -> dict[str, Any]:
    """``evaluate_many`` over ``count`` synthetic observations read lazily, in a fresh process: time,
    peak RSS, and the per-record loop it must not be slower than (on the first ``floor``)."""
    return dict(json.loads(_child(_MANY, str(count), str(floor))[1]))


_FIRST = """
import time; t = time.perf_counter()
import patrolrules
rs = patrolrules.load_ruleset()
rs.evaluate({"observed_at": "2024-06-01T10:00:00+08:00", "site": {"zones": ["city_planning_area"]}})
print(time.perf_counter() - t)
"""


def cold_start(repeats: int) -> dict[str, Any]:
    inside, whole, uncached = [], [], []
    for _ in range(repeats):  # alternating: with pint's parsed definitions read from its cache, and without
        wall, printed = _child(_FIRST)
        whole.append(wall)
        inside.append(float(printed))
        uncached.append(float(_child(_FIRST, env={"PATROLRULES_UNIT_CACHE": "off"})[1]))
    out: dict[str, Any] = {"first_decision_s": statistics.median(inside),
                           "first_decision_process_s": statistics.median(whole),
                           "first_decision_no_unit_cache_s": statistics.median(uncached)}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "one.json"
        path.write_text(json.dumps({"observed_at": "2024-06-01T10:00:00+08:00",
                                    "site": {"zones": ["city_planning_area"]}}), encoding="utf-8")
        cli = f"import sys; from patrolrules.cli import main; sys.argv = ['patrolrules', 'evaluate', {str(path)!r}]; " \
              "sys.exit(main())"
        out["cli_evaluate_s"] = statistics.median(_child(cli)[0] for _ in range(repeats))
    # Cold `check` of the bundled ruleset, and `diff` of two versions (the bundled ruleset against a
    # copy with one threshold moved), each in a fresh process.
    bundled = ROOT / "rulesets" / "wanzhou"
    with tempfile.TemporaryDirectory() as tmp:
        moved = Path(tmp) / "moved"
        shutil.copytree(bundled, moved)
        params = moved / "parameters" / "art08_zones.yaml"
        params.write_text(params.read_text(encoding="utf-8").replace("value: 20}", "value: 21}", 1), encoding="utf-8")
        for command, args in (("check", [str(bundled)]), ("diff", [str(bundled), str(moved)])):
            cli = (f"import sys; from patrolrules.cli import main; sys.argv = ['patrolrules', {command!r}, "
                   f"*{args!r}]; main()")
            out[f"cli_{command}_s"] = statistics.median(_child(cli)[0] for _ in range(repeats))
    return out


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "absent"


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(), "numpy": _version("numpy"),
            "durable_rules": _version("durable-rules"), "zen_engine": _version("zen-engine")}


SECTIONS: dict[str, tuple[Callable[..., dict[str, Any]], dict[str, Any], dict[str, Any]]] = {
    # name: (function, quick sizes, full sizes)
    "anchor": (anchor, {"records": 3000, "slow_records": 300, "repeats": 1},
               {"records": 200_000, "slow_records": 20_000, "repeats": 5}),
    "decisions": (decisions, {"count": 40, "durable_count": 10, "repeats": 1},
                  {"count": 2000, "durable_count": 300, "repeats": 3}),
    "memory": (memory, {"batch": 50, "sequential": 50, "durable_sequential": 20},
               {"batch": 20_000, "sequential": 1_000_000, "durable_sequential": 1_000_000}),
    "million": (million, {"count": 5000}, {"count": 1_000_000}),
    "many": (many, {"count": 300, "floor": 60}, {"count": 1_000_000, "floor": 5000}),
    "cold_start": (cold_start, {"repeats": 1}, {"repeats": 3}),
}


def benchmark(quick: bool = False, only: Sequence[str] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"machine": machine(), "quick": quick}
    for name, (function, small, full) in SECTIONS.items():
        if only is None or name in only:
            result[name] = function(**(small if quick else full))
    return result


def bound(d: dict[str, Any], validated: bool = False) -> dict[str, float]:
    """What the measured phases allow for "durable ÷ native", whatever the native engine does.

    A decision is an engine-dependent part M (running the tables and the what-if re-runs) plus a
    part S of code both engines share (validation, facts, building the decision), each phase timed
    inside the pipeline on the same observations (``phases_ms``, ``durable_phases_ms``). The shared
    code runs ``k`` = Sd / Sn times slower between durable's matching than between native's (durable's
    engine leaves the caches cold). Then durable ÷ native = (Sd + Md) / (Sn + Mn) (``implied_ratio``,
    to compare with the end-to-end ratio): even with Mn = 0 it is at most (Sd + Md) / Sn
    (``ceiling``), and it reaches ``goal`` only if Sn ≤ (Md − goal·Mn) / (goal − k)
    (``shared_budget_ms``, with today's Mn, Md and k). ``validated``: the same for decisions of observations
    already validated (the goal's terms), whose shared part leaves out the validation.
    """
    native, slow = d["phases_ms"], d["durable_phases_ms"]
    mn = native["run"] + native["what-ifs"]
    md = slow["run"] + slow["what-ifs"]
    shared = [p for p in SHARED_PHASES if not (validated and p == "validate")]
    sn = sum(native[p] for p in shared)
    sd = sum(slow[p] for p in shared)
    k = sd / sn
    goal = 10.0
    return {"native_matching_ms": mn, "durable_matching_ms": md, "shared_ms": sn, "durable_shared_ms": sd,
            "shared_slowdown": k, "matching_ratio": md / mn, "implied_ratio": (sd + md) / (sn + mn),
            "ceiling": (sd + md) / sn, "goal": goal, "shared_budget_ms": (md - goal * mn) / (goal - k)}


def markdown(result: dict[str, Any]) -> str:
    """The results as Markdown tables; sections that were not run are left out."""
    lines: list[str] = []
    if "anchor" in result:
        a = result["anchor"]
        lines += ["| engine (anchor: 20 rules, 7 fields, collect) | records | µs/record | × hand-written |",
                  "|---|---:|---:|---:|"]
        lines += [f"| {r['engine']} | {r['records']:,} | {r['us_per_record']:.2f} | {r['ratio']:.2f} |"
                  for r in a["rows"]]
        lines += ["", f"{a['note']}; {a['matched_per_record']:.2f} rules match per record on average.", ""]
    if "decisions" in result:
        d = result["decisions"]
        lines += ["| full decision (synthetic observations) | value |", "|---|---:|",
                  f"| native ms/decision ({d['observations']} obs, each dropped after use) | {d['native_ms']:.3f} |",
                  f"| native decisions/s | {d['native_per_s']:,.0f} |",
                  f"| native ms/decision, all kept in a list (garbage collector scans them) | "
                  f"{d['native_kept_ms']:.3f} |"]
        if "durable_ms" in d:
            lines += [f"| durable ms/decision ({d['durable_observations']} obs, each dropped) | "
                      f"{d['durable_ms']:.3f} |",
                      f"| durable decisions/s | {d['durable_per_s']:,.0f} |",
                      f"| native ms/decision on the same {d['durable_observations']} obs | {d['native_few_ms']:.3f} |",
                      f"| durable ÷ native (same observations) | {d['ratio']:.1f}× |"]
        if "validated_ratio" in d:
            lines += [f"| validated observations (the goal's terms: validated observation → Decision), native / "
                      f"durable ms | {d['validated_native_ms']:.3f} / {d['validated_durable_ms']:.3f} |",
                      f"| durable ÷ native, validated observations | {d['validated_ratio']:.1f}× |"]
        lines += [f"| what-if reruns per decision (each over the {d['closure_tables']} tables that decide the "
                  f"summary, of {d['tables']}) | {d['reruns_per_decision']:.1f} |"]
        slow = d.get("durable_phases_ms", {})
        lines += [f"| phase in the pipeline ({d['durable_observations']} obs): {k}, native / durable, ms | "
                  f"{v:.3f} / {slow[k]:.3f} |" if k in slow else
                  f"| phase in the pipeline ({d['durable_observations']} obs): {k}, native, ms | {v:.3f} |"
                  for k, v in d["phases_ms"].items()]
        if slow and "durable_ms" in d:
            b = bound(d)
            lines += [f"| engine-dependent part (run + what-ifs), native vs durable, ms | "
                      f"{b['native_matching_ms']:.3f} vs {b['durable_matching_ms']:.3f} "
                      f"({b['matching_ratio']:.1f}×) |",
                      f"| code both engines share (validate + facts + decision), native / durable, ms | "
                      f"{b['shared_ms']:.3f} / {b['durable_shared_ms']:.3f} ({b['shared_slowdown']:.2f}×) |",
                      f"| durable ÷ native from the phases, (Sd + Md) / (Sn + Mn) | {b['implied_ratio']:.1f}× |",
                      f"| durable ÷ native if native matching took no time at all (ceiling) | "
                      f"{b['ceiling']:.1f}× |",
                      f"| shared part that {b['goal']:.0f}× would need, with today's matching, ms | "
                      f"≤ {b['shared_budget_ms']:.3f} |"]
            v = bound(d, validated=True)
            lines += [f"| validated observations: from the phases / ceiling / shared part (facts + decision) "
                      f"{v['goal']:.0f}× would need, ms | {v['implied_ratio']:.1f}× / {v['ceiling']:.1f}× / "
                      f"≤ {v['shared_budget_ms']:.3f} (today {v['shared_ms']:.3f}) |"]
        if "decision_floor_ms" in d:
            lines.append(f"| floor: the Decision built from ready plain data in one pydantic validation, ms | "
                         f"{d['decision_floor_ms']:.3f} |")
        lines += [f"| runs only, per record (validate + facts + run), ms | {d['runs_per_record_ms']:.3f} |",
                  f"| runs only, batch_run (validate + facts + numpy tables), ms | {d['batch_run_ms']:.3f} |", ""]
    rows: list[str] = []
    if "memory" in result:
        m = result["memory"]
        rows.append(f"| batch_run of {m['batch']:,} observations: peak RSS MiB (before the batch) | "
                    f"{m['batch_rss']['peak_mib']:.0f} ({m['batch_rss']['before_mib']:.0f}) |")
        for engine in ("native", "durable"):
            if engine in m:
                e = m[engine]
                tenths = " ".join(f"{g:+.1f}" for g in e.get("growth_mib", []))
                rows.append(f"| RSS growth over {e['decisions']:,} sequential decisions, {engine}, MiB "
                            f"(after each tenth) | {e['end_mib'] - e['start_mib']:+.2f} ({tenths}) |")
    if "million" in result:
        one = result["million"]
        rows += [f"| anchor batch over {one['records']:,} records, one process: µs/record batch vs hand-written | "
                 f"{one['batch_s'] / one['records'] * 1e6:.2f} vs {one['hand_s'] / one['records'] * 1e6:.2f} |",
                 f"| same: peak RSS MiB (before the batch, records built) | {one['peak_mib']:.0f} "
                 f"({one['before_mib']:.0f}) |"]
    if "many" in result:
        e = result["many"]
        rows += [f"| `evaluate_many` of {e['records']:,} synthetic observations read lazily: µs/record "
                 f"(of which garbage collector) | {e['many_us']:.0f} ({e.get('gc_us', float('nan')):.0f}) |",
                 f"| same: peak RSS MiB (before) | {e['peak_mib']:.0f} ({e['before_mib']:.0f}) |",
                 f"| same {e['records']:,} through the per-record loop (`evaluate` + `decision_row` + DataFrame), "
                 f"µs/record | {e.get('hand_all_us', float('nan')):.0f} |",
                 f"| first {e['floor_records']:,}: `evaluate_many` vs per-record loop (`evaluate` + "
                 f"`decision_row` + DataFrame), µs/record | {e['many_sample_us']:.0f} vs {e['hand_us']:.0f} |"]
    if "cold_start" in result:
        c = result["cold_start"]
        rows += [f"| import + load + first decision, in process, s | {c['first_decision_s']:.2f} |",
                 f"| same, whole fresh process, s | {c['first_decision_process_s']:.2f} |",
                 f"| same in process, pint's definitions parsed anew (`PATROLRULES_UNIT_CACHE=off`), s | "
                 f"{c.get('first_decision_no_unit_cache_s', float('nan')):.2f} |",
                 f"| `patrolrules evaluate` of one observation, fresh process, s | {c['cli_evaluate_s']:.2f} |",
                 f"| `patrolrules check` of the bundled ruleset, fresh process, s | {c['cli_check_s']:.2f} |",
                 f"| `patrolrules diff` of two versions (one threshold moved), fresh process, s | "
                 f"{c['cli_diff_s']:.2f} |"]
    if rows:
        lines += ["| memory and cold start | value |", "|---|---:|", *rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: proves the benchmark works (CI)")
    parser.add_argument("--only", help=f"comma-separated sections to run, of: {', '.join(SECTIONS)}")
    parser.add_argument("--json", help="also write the raw results to this file")
    parser.add_argument("--render", nargs="+", metavar="JSON",
                        help="run nothing: print the Markdown of these result files, merged in order")
    args = parser.parse_args(argv)
    if args.render:
        result: dict[str, Any] = {}
        for path in args.render:
            result.update(json.loads(Path(path).read_text(encoding="utf-8")))
    else:
        only = None if args.only is None else [n.strip() for n in args.only.split(",")]
        unknown = sorted(set(only or ()) - set(SECTIONS))
        if unknown:
            parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
        result = benchmark(quick=args.quick, only=only)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(result["machine"]))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
