"""Many observations at once: the same table results as evaluating each one, column-wise.

``batch_run`` runs the tables for many observations at once — the runs only: no
missing facts are tried and no ``Decision`` is built (``Ruleset.evaluate_many``
gives whole decisions, one ``evaluate`` per row). It validates every observation
first (one ``InputError`` listing every problem, with the row index in each path
— never a partial result), groups rows by as-of period, and runs each group
through ``engine.vectorized.run_many``. Memory: the result holds one ``Run``
(every fact and table output of the row) per observation, a few KiB each;
callers with millions of rows should call it chunk by chunk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .engine import vectorized
from .engine.codegen import GeneratedMatcher
from .engine.compiled import Run
from .errors import InputError, Problem
from .observation import Observation

if TYPE_CHECKING:
    from .ruleset import Ruleset


def batch_run(ruleset: Ruleset, observations: Iterable[Observation | Mapping[str, Any]]) -> list[Run]:
    """Per-row ``Run``s (values and every table's result), equal to ``Ruleset.evaluate``'s first runs: the
    missing facts are not tried, so ``violations.undetermined`` (and what reads it) stays unknown."""
    from .ruleset import parse_observation

    facts: list[dict[str, Any]] = []
    days: list[dt.date] = []
    ended: dict[int, Observation] = {}  # rows about an act that ended: its date's criminal lines may apply
    problems: list[Problem] = []
    for row, observation in enumerate(observations):
        try:
            parsed = parse_observation(observation)
        except InputError as error:
            problems.extend(Problem(f"[{row}].{p.path}" if p.path else f"[{row}]", p.message, p.given, p.expected)
                            for p in error.problems)
            continue
        day = parsed.observed_at.date()
        days.append(day)  # only the facts are kept, not the parsed model (but for ended acts)
        facts.append(ruleset.facts_of(parsed, day))
        if parsed.act_ended_on is not None:
            ended[len(days) - 1] = parsed
    if problems:
        raise InputError(problems)
    groups: dict[int, tuple[GeneratedMatcher, list[int]]] = {}
    for row, day in enumerate(days):  # rows sharing a matcher (as-of period) share a batch
        matcher = ruleset.native_matcher(day)
        groups.setdefault(id(matcher), (matcher, []))[1].append(row)
    runs: list[Run | None] = [None] * len(facts)
    for matcher, rows in groups.values():
        batch = vectorized.run_many(matcher, [facts[r] for r in rows], copy=False)
        for row, run in zip(rows, batch, strict=True):
            runs[row] = run
    for row, parsed in ended.items():
        found = runs[row]
        assert found is not None
        runs[row] = ruleset._at_act_time(parsed, days[row], ruleset._period(days[row], "native"), "native",
                                         facts[row], found)
    return [run for run in runs if run is not None]
