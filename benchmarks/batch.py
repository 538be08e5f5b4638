"""Batch throughput on a synthetic year: `python benchmarks/batch.py [n] [seed]` (not a timed test)."""

from __future__ import annotations

import sys
import time

import patrolrules
from patrolrules import synth


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    year = synth.observations(n, seed=seed)
    baseline = patrolrules.load_ruleset()
    start = time.perf_counter()
    frame = baseline.evaluate_many(year)
    batch = time.perf_counter() - start
    wider = baseline.with_parameters({"national_road_buffer": "50 m"})
    start = time.perf_counter()
    comparison = patrolrules.compare(baseline, wider, year)
    compared = time.perf_counter() - start
    print(f"evaluate_many: {n} rows in {batch:.2f} s ({n / batch:,.0f} rows/s); errors: {frame['error'].notna().sum()}")
    print(f"compare:       {comparison.changed} changed rows in {compared:.2f} s")


if __name__ == "__main__":
    main()
