"""Batch evaluation, comparison and rich display (pandas and matplotlib: the analysis extra)."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import matplotlib
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import patrolrules
from patrolrules import synth, units
from patrolrules.whatif import columns, decision_row

from .strategies import observations

matplotlib.use("Agg")

RULESET = patrolrules.load_ruleset()
YEAR = synth.observations(600, seed=7)
AT = "2024-05-01T09:00:00+08:00"

BROKEN: list[Any] = [
    42,
    "not an observation",
    {},
    {"observed_at": "yesterday"},
    {"observed_at": "2024-05-01T09:00:00"},  # no timezone
    {"observed_at": AT, "site": {"zones": ["the_moon"]}},
    {"observed_at": AT, "site": {"distance_to_national_road": "3 亩"}},
    {"observed_at": AT, "quantities": {"area": {"grassland": "-2亩"}}},
    {"observed_at": "2001-01-01T09:00:00+08:00"},  # before the ruleset took effect
    {"observed_at": AT, "colour": "red"},
]


# ---- evaluate_many ----------------------------------------------------------------


@settings(max_examples=25)
@given(st.lists(st.one_of(observations(RULESET), st.sampled_from(BROKEN)), min_size=1, max_size=8))
def test_evaluate_many_keeps_every_row_and_good_rows_equal_evaluate(rows):
    frame = RULESET.evaluate_many(rows)
    assert len(frame) == len(rows) and list(frame.index) == list(range(len(rows)))
    for position, row in enumerate(rows):
        got = frame.iloc[position]
        try:
            expected = decision_row(RULESET.evaluate(row))
        except patrolrules.PatrolRulesError as exc:
            assert got["error"] == str(exc)
            assert all(got[c] is None for c, _ in columns())
        else:
            assert got["error"] is None
            assert {c: got[c] for c, _ in columns()} == expected


def test_every_broken_row_is_reported_with_its_index_and_reason():
    frame = RULESET.evaluate_many([{"observed_at": AT}, *BROKEN, {"observed_at": AT}])
    assert len(frame) == len(BROKEN) + 2
    errors = frame["error"]
    assert errors.iloc[0] is None and errors.iloc[-1] is None
    assert errors.iloc[1:-1].notna().all()
    assert "site.zones.0" in errors.iloc[6] and "the_moon" in errors.iloc[6]
    assert "wrong dimension" in errors.iloc[7]
    assert "before the ruleset took effect" in errors.iloc[9]


def test_a_dataframe_with_dotted_columns_and_its_own_index():
    data = pd.DataFrame({
        "id": ["a", "b", "c"],
        "observed_at": pd.to_datetime(["2024-05-01T09:00:00+08:00"] * 3),
        "site.zones": [["city_planning_area"], [], None],
        "site.distance_to_national_road": [None, "10 m", "300 m"],
        "land.land_class": ["construction_land", "construction_land", "permanent_basic_farmland"],
        "party.mining_penalties_within_two_years": pd.array([1, None, 0], dtype="Int64"),
    }, index=["x", "y", "z"])
    frame = RULESET.evaluate_many(data)
    assert list(frame.index) == ["x", "y", "z"]
    assert list(frame["id"]) == ["a", "b", "c"]
    assert list(frame["tier"]) == ["key", "key", "key"]
    assert frame.loc["y", "deciding_zones"] == ["national_provincial_road_corridor"]
    assert frame.loc["z", "deciding_zones"] == ["permanent_basic_farmland_area"]
    assert frame["error"].isna().all()


def test_a_dataframe_row_with_a_bad_cell_is_reported_not_dropped():
    data = pd.DataFrame({"observed_at": [AT, AT], "land.land_class": ["construction_land", "lava"]})
    frame = RULESET.evaluate_many(data)
    assert len(frame) == 2 and frame.loc[0, "error"] is None
    assert "land.land_class" in frame.loc[1, "error"] and "lava" in frame.loc[1, "error"]


@pytest.mark.parametrize("order", [["site", "site.zones"], ["site.zones", "site"]])
def test_a_column_and_a_dotted_column_under_it_are_refused_whatever_their_order(order):
    # either cell would replace the other: the value of "site" was dropped silently in one order
    data = pd.DataFrame({"observed_at": [AT], "site": ["x"], "site.zones": [["city_planning_area"]]})[
        ["observed_at", *order]]
    with pytest.raises(patrolrules.InputError) as error:
        RULESET.evaluate_many(data)
    [problem] = error.value.problems
    assert problem.path == "data.columns" and "'site'" in problem.given and "'site.zones'" in problem.given


def test_rows_are_read_chunk_by_chunk_and_keep_their_order_and_labels(monkeypatch):
    from patrolrules import whatif

    monkeypatch.setattr(whatif, "CHUNK", 3)  # 8 rows: chunks of 3, 3 and 2
    rows = YEAR[:8]
    read: list[int] = []

    def lazily():
        for position, row in enumerate(rows):
            read.append(position)
            yield row

    expected = [decision_row(RULESET.evaluate(r)) for r in rows]
    decide = whatif._decide
    seen_when_deciding: list[int] = []
    monkeypatch.setattr(whatif, "_decide", lambda *a: seen_when_deciding.append(len(read)) or decide(*a))
    frame = RULESET.evaluate_many(lazily())
    assert seen_when_deciding == [3, 3, 3, 6, 6, 6, 8, 8]  # never more than one chunk read ahead
    assert read == list(range(8)) and list(frame.index) == list(range(8))
    assert [{c: frame.iloc[i][c] for c, _ in columns()} for i in range(8)] == expected
    labelled = pd.DataFrame({"observed_at": [r["observed_at"] for r in rows], "id": [f"o{i}" for i in range(8)]},
                            index=[f"row{i}" for i in range(8)])
    frame = RULESET.evaluate_many(labelled)
    assert list(frame.index) == [f"row{i}" for i in range(8)] and list(frame["id"]) == [f"o{i}" for i in range(8)]


def test_evaluate_many_rejects_a_single_mapping_or_observation():
    for single in ({"observed_at": AT}, patrolrules.ruleset.parse_observation({"observed_at": AT})):
        with pytest.raises(patrolrules.InputError) as caught:
            RULESET.evaluate_many(single)
        assert caught.value.problems[0].path == "data"


def test_an_unknown_engine_is_one_input_error_not_a_frame_of_errors():
    for run in (lambda: RULESET.evaluate_many(YEAR[:3], engine="bogus"),
                lambda: patrolrules.compare(RULESET, RULESET, YEAR[:3], engine="bogus")):
        with pytest.raises(patrolrules.InputError) as caught:
            run()
        assert [(p.path, p.given) for p in caught.value.problems] == [("engine", "bogus")]


def test_the_index_keeps_its_names_and_levels():
    rows = YEAR[:4]
    named = pd.DataFrame({"observed_at": [r["observed_at"] for r in rows]}, index=pd.Index(list("abcd"), name="obs"))
    assert RULESET.evaluate_many(named).index.name == "obs"
    levels = pd.MultiIndex.from_tuples([("t1", 1), ("t1", 2), ("t2", 1), ("t2", 2)], names=["team", "n"])
    frame = RULESET.evaluate_many(named.set_axis(levels))
    assert frame.index.names == ["team", "n"] and list(frame.index) == list(levels)
    assert RULESET.evaluate_many(named.iloc[:0].set_axis(levels[:0])).index.names == ["team", "n"]
    comparison = patrolrules.compare(RULESET, RULESET.with_parameters({"national_road_buffer": "50 m"}),
                                     named.set_axis(levels))
    assert comparison.before.index.names == comparison.rows.index.names == ["team", "n"]


def test_the_columns_are_flat_and_named():
    frame = RULESET.evaluate_many(YEAR[:5])
    assert list(frame.columns)[:3] == ["id", "as_of", "tier"]
    assert list(frame.columns)[-1] == "error"
    assert {"deciding_zones", "missing_facts", "frequency_per_week"} <= set(frame.columns)


# ---- compare -------------------------------------------------------------------------


def test_compare_with_itself_reports_no_change():
    comparison = patrolrules.compare(RULESET, RULESET, YEAR)
    assert comparison.changed == 0 and comparison.rows.empty
    assert (comparison.summary["changed"] == 0).all()
    assert len(comparison.before) == len(YEAR)


def metres(text: str | None) -> Fraction | None:
    return None if text is None else units.canonical_magnitude(units.parse_quantity(text, "length"), "length")


def already_in_corridor(record: dict[str, Any]) -> bool:
    """Listed in 国省道两侧 whatever the national-road buffer (zones or the other road buffers)."""
    site = record["site"]
    provincial, expressway = metres(site.get("distance_to_provincial_road")), metres(site.get("distance_to_expressway"))
    return ("national_provincial_road_corridor" in (site.get("zones") or ())
            or (provincial is not None and provincial <= 15) or (expressway is not None and expressway <= 30))


def test_a_moved_threshold_changes_exactly_the_rows_that_cross_it():
    wider = RULESET.with_parameters({"national_road_buffer": "50 m"})
    comparison = patrolrules.compare(RULESET, wider, YEAR)
    crossing = {index for index, record in enumerate(YEAR)
                if (d := metres(record["site"].get("distance_to_national_road"))) is not None
                and 20 < d <= 50 and not already_in_corridor(record)}
    assert crossing, "the synthetic year must have sites between 20 m and 50 m"
    assert set(comparison.rows.index) == crossing
    # a crossing row gains the corridor; its tier rises only if it was not already key
    for index in crossing:
        assert "national_provincial_road_corridor" in comparison.after.loc[index, "deciding_zones"]
        assert comparison.after.loc[index, "tier"] == "key"
    rises = {i for i in crossing if comparison.before.loc[i, "tier"] != "key"}
    assert comparison.summary.loc["tier", "changed"] == len(rises)
    assert all("key.national_road_distance" in text for text in comparison.rows["explanation"])


def test_a_dated_threshold_changes_only_rows_after_its_date():
    dated = RULESET.with_parameters({"national_road_buffer": {"from": "2024-07-01", "value": "50 m"}})
    comparison = patrolrules.compare(RULESET, dated, YEAR)
    assert comparison.changed > 0
    assert all(str(d) >= "2024-07-01" for d in comparison.rows.index.map(lambda i: YEAR[i]["observed_at"][:10]))


def test_compare_rows_carry_before_after_and_an_explanation():
    wider = RULESET.with_parameters({"national_road_buffer": "50 m"})
    comparison = patrolrules.compare(RULESET, wider, YEAR)
    assert {"tier_before", "tier_after", "explanation", "id"} <= set(comparison.rows.columns)
    first = comparison.rows.index[0]
    text = comparison.explain(first)
    assert "=== before ===" in text and "=== after ===" in text
    assert comparison.transitions("tier").to_numpy().sum() == len(YEAR)
    with pytest.raises(patrolrules.InputError):
        comparison.explain("no such row")
    for column in ("nope", 5, None):  # an output that does not exist is named, with the ones that do
        with pytest.raises(patrolrules.InputError) as error:
            comparison.transitions(column)
        assert error.value.problems[0].path == "column" and "tier" in error.value.problems[0].expected
    with pytest.raises(patrolrules.InputError):
        comparison.plot("nope")


def test_explain_finds_nan_labels_and_refuses_a_label_naming_two_changed_rows():
    wider = RULESET.with_parameters({"national_road_buffer": "50 m"})
    changed = list(patrolrules.compare(RULESET, wider, YEAR).rows.index[:2])
    assert len(changed) == 2
    data = pd.DataFrame([YEAR[i] for i in changed]).pipe(lambda f: f.drop(columns=["site"]).join(
        pd.json_normalize([YEAR[i]["site"] for i in changed]).add_prefix("site.")))
    twice = patrolrules.compare(RULESET, wider, data.set_axis(["same", "same"]))
    assert twice.changed == 2
    with pytest.raises(patrolrules.InputError) as caught:
        twice.explain("same")
    assert "2 changed rows" in caught.value.problems[0].message
    nan = patrolrules.compare(RULESET, wider, data.set_axis([float("nan"), "other"]))
    assert "=== before ===" in nan.explain(float("nan"))


def test_compare_plot_and_html():
    wider = RULESET.with_parameters({"national_road_buffer": "50 m"})
    comparison = patrolrules.compare(RULESET, wider, YEAR)
    figure = comparison.plot()
    assert len(figure.axes) == 2
    assert figure.axes[0].get_title() == "changed rows per output"
    bars = {p.get_y(): p.get_width() for p in figure.axes[0].patches}
    assert max(bars.values()) == comparison.summary["changed"].max()
    page = comparison._repr_html_()
    assert f"<b>{comparison.changed}</b> of {len(YEAR)}" in page and "<table" in page


def test_a_decision_displays_in_jupyter():
    decision = RULESET.evaluate({"observed_at": AT, "site": {"zones": ["city_planning_area"]}})
    page = decision._repr_html_()
    assert "重点巡查区域" in page and "<pre>" in page and "city_planning_area" in page


# ---- synthetic data ----------------------------------------------------------------------


def test_synth_is_deterministic_per_seed_and_json():
    assert synth.observations(50, seed=3) == synth.observations(50, seed=3)
    assert synth.observations(50, seed=3) != synth.observations(50, seed=4)
    assert json.loads(json.dumps(YEAR, ensure_ascii=False)) == YEAR


def test_synth_observations_are_valid_and_realistic():
    frame = RULESET.evaluate_many(YEAR)
    assert frame["error"].isna().all()
    assert {r["observed_at"][:4] for r in YEAR} == {"2024"}
    areas = " ".join(a for r in YEAR for a in r["quantities"]["area"].values())
    assert all(unit in areas for unit in ("亩", "平方米", "公顷"))
    assert set(frame["tier"]) == {"key", "general", "unlisted"}
    assert {r["lead_source"] for r in YEAR} >= {"patrol", "satellite_enforcement", "complaint_phone"}
    assert any("ore_value" in r["quantities"] for r in YEAR)
    assert any("site" in r and "zones" not in r["site"] for r in YEAR)  # unknown zones happen


def test_columns_of_sections_appear_once_the_decision_has_them():
    from pydantic import BaseModel

    from patrolrules.whatif import _model_has

    class Violations(BaseModel):
        items: list[str]
        primary_item: str | None = None

    class Notice(BaseModel):
        type: str

    class Disposal(BaseModel):
        notice: Notice | None

    class Later(BaseModel):
        violations: Violations | None = None
        disposal: Disposal

    assert _model_has(Later, "violations.items") and _model_has(Later, "violations.primary_item")
    assert _model_has(Later, "disposal.notice.type") and not _model_has(Later, "disposal.notice.kind")
    assert not _model_has(Later, "violations.status") and not _model_has(Later, "escalation.filing")
    assert _model_has(patrolrules.Decision, "zone.tier") and not _model_has(patrolrules.Decision, "zone.nothing")
