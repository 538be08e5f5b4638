"""The native and durable engines agree; the durable adapter survives heavy use."""

from __future__ import annotations

import datetime as dt
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patrolrules.engine import compiled, durable
from patrolrules.facts import EXTRACTOR
from patrolrules.ruleset import parse_observation

from . import strategies

# Only what runs the durable engine is skipped where durable_rules cannot install: the native side of the
# thread test and the JSON writer (our code) run everywhere.
needs_durable = pytest.mark.skipif(not durable.AVAILABLE, reason="durable_rules installs on Python < 3.13 only")

DAY = strategies.DAY


@pytest.fixture(scope="module")
def engines(ruleset):
    tables = compiled.resolve(ruleset.graph, DAY)
    return tables, compiled.NativeMatcher(tables), durable.DurableMatcher(tables)


@needs_durable
def test_engines_agree_on_every_table(ruleset, engines):
    tables, native, reference = engines

    @settings(max_examples=2000)
    @given(strategies.observations(ruleset))
    def check(observation):
        facts = EXTRACTOR(parse_observation(observation))
        values = compiled.run(tables, native, facts).values
        for index in range(len(tables)):  # every table, on the same upstream values
            assert native.match(index, values) == reference.match(index, values), tables[index].table.id

    check()


@needs_durable
def test_decisions_agree(ruleset):
    @settings(max_examples=200)
    @given(strategies.observations(ruleset))
    def check(observation):
        native = ruleset.evaluate(observation).model_dump(mode="json")
        reference = ruleset.evaluate(observation, engine="durable").model_dump(mode="json")
        assert native == reference

    check()


@needs_durable
def test_decisions_of_earlier_acts_agree(ruleset):
    """An act that ended before the law changed: both engines run the act's day too (行政处罚法 第三十七条),
    what-ifs included."""
    changes = [c for c in ruleset.graph.change_dates() if c > ruleset.effective]

    @settings(max_examples=60)
    @given(strategies.observations(ruleset), st.sampled_from(changes), st.integers(1, 400))
    def check(observation, change, days):
        ended, decided = change - dt.timedelta(days=days), change + dt.timedelta(days=days)
        observation = {**observation, "observed_at": f"{decided.isoformat()}T09:00:00+08:00",
                       "act_ended_on": ended.isoformat(), "land": {**observation.get("land", {}), "restored": True}}
        native = ruleset.evaluate(observation)
        at = max(ended, ruleset.effective)  # the earliest day the ruleset knows
        assert native.violations.basis_as_of == at or not ruleset.law_differs("violations", at, decided, upstream=True)
        assert native.model_dump(mode="json") == ruleset.evaluate(observation, engine="durable").model_dump(mode="json")

    check()


def _random_observations(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    zones = ["permanent_basic_farmland_area", "ordinary_cultivated_land", "city_planning_area",
             "village_road_corridor", "approved_land_use_area"]
    out = []
    for index in range(count):
        out.append({
            "id": f"o{index}",
            "observed_at": (dt.datetime(2024, 1, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=8)))
                            + dt.timedelta(minutes=index)).isoformat(),
            "site": {"zones": rng.sample(zones, rng.randint(0, 2)),
                     "distance_to_national_road": f"{rng.uniform(0, 60):.3f} m",
                     "distance_to_village_road": f"{rng.uniform(0, 10):.3f} m"},
        })
    return out


@needs_durable
def test_durable_evaluates_five_thousand_distinct_observations(ruleset):
    observations = _random_observations(5000, seed=7)
    decisions = [ruleset.evaluate(o, engine="durable") for o in observations]
    assert len(decisions) == 5000
    sample = random.Random(3).sample(range(5000), 200)
    for index in sample:
        assert decisions[index] == ruleset.evaluate(observations[index])


@pytest.mark.parametrize("engine", ["native", pytest.param("durable", marks=needs_durable)])
def test_eight_threads_match_sequential(ruleset, engine):
    observations = _random_observations(800, seed=11)
    sequential = [ruleset.evaluate(o, engine=engine) for o in observations]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda o: ruleset.evaluate(o, engine=engine), observations))
    assert threaded == sequential


_SCALARS = st.one_of(st.text(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False))


@given(st.dictionaries(st.text(), _SCALARS))
def test_fast_fact_json_is_the_text_durable_reads(fact):
    # A flat fact takes json.dumps' C encoder; it must write what the general writer does,
    # in particular never a float in exponent form (durable's parser rejects 1e-05).
    assert durable.to_json(fact) == durable._written(fact)


def test_fact_json_never_writes_an_exponent():
    assert durable.to_json({"x": 1e-7, "y": 2e20, "z": "1e5"}) == '{"x":0.0000001,"y":200000000000000000000,"z":"1e5"}'
