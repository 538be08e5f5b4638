"""Many observations at once: the same table results as evaluating each one, column-wise.

``batch_run`` is the entry point for analysts' batches (``whatif``): it validates
every observation first (one ``InputError`` listing every problem, with the row
index in each path — never a partial result), groups rows by as-of period, and
runs each group through ``engine.vectorized.run_many``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .engine import vectorized
from .engine.compiled import Run
from .errors import InputError, Problem
from .facts import EXTRACTOR
from .observation import Observation

if TYPE_CHECKING:
    from .ruleset import Ruleset


def batch_run(ruleset: Ruleset, observations: Iterable[Observation | Mapping[str, Any]]) -> list[Run]:
    """Per-row ``Run``s (values and every table's result), equal to ``Ruleset.evaluate``'s own runs."""
    from .ruleset import parse_observation

    parsed: list[Observation] = []
    problems: list[Problem] = []
    for row, observation in enumerate(observations):
        try:
            parsed.append(parse_observation(observation))
        except InputError as error:
            problems.extend(Problem(f"[{row}].{p.path}" if p.path else f"[{row}]", p.message, p.given, p.expected)
                            for p in error.problems)
    if problems:
        raise InputError(problems)
    groups: dict[Any, list[int]] = {}
    for row, observation in enumerate(parsed):  # rows sharing a matcher share a batch
        matcher = ruleset.native_matcher(observation.observed_at.date())
        groups.setdefault(id(matcher), []).append(row)
    runs: list[Run | None] = [None] * len(parsed)
    for rows in groups.values():
        matcher = ruleset.native_matcher(parsed[rows[0]].observed_at.date())
        for row, run in zip(rows, vectorized.run_many(matcher, (EXTRACTOR(parsed[r]) for r in rows)), strict=True):
            runs[row] = run
    return [run for run in runs if run is not None]
