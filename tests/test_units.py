from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patrolrules import units


@pytest.mark.parametrize(
    ("text", "dimension", "canonical"),
    [
        ("3.5亩", "area", Fraction(7000, 3)),
        ("2000 平方米", "area", Fraction(2000)),
        ("0.2 公顷", "area", Fraction(2000)),
        ("30 m", "length", Fraction(30)),
        ("1.5 公里", "length", Fraction(1500)),
        ("5万元", "money", Fraction(50000)),
        ("80000 元", "money", Fraction(80000)),
        ("24 小时", "duration", Fraction(24)),
        ("3 日", "duration", Fraction(72)),
        ("1200 立方米", "volume", Fraction(1200)),
        ({"value": 3.5, "unit": "亩"}, "area", Fraction(7000, 3)),
        (["10", "mu"], "area", Fraction(20000, 3)),
    ],
)
def test_parsing(text, dimension, canonical):
    assert units.canonical_magnitude(units.parse_quantity(text, dimension), dimension) == canonical


def test_five_mu_is_exactly_ten_thousand_thirds_square_metres():
    assert units.canonical_magnitude(units.parse_quantity("5亩", "area"), "area") == Fraction(10000, 3)
    assert units.parse_quantity("1 公顷", "area").to("mu").magnitude == 15


def test_working_days_do_not_convert_to_hours():
    with pytest.raises(units.QuantityError, match="duration"):
        units.parse_quantity("3 工作日", "duration")
    assert units.parse_quantity("3 工作日", "working_time").magnitude == 3


@pytest.mark.parametrize(
    ("text", "dimension", "named"),
    [("30 m", "area", "an area"), ("3.5亩", "length", "a length"), ("5万元", "area", "an area"),
     ("3 亩", "money", "an amount of money")],
)
def test_wrong_dimension_names_the_expected_one(text, dimension, named):
    with pytest.raises(units.QuantityError) as info:
        units.parse_quantity(text, dimension)
    assert info.value.expected.startswith(named)
    assert "wrong dimension" in info.value.reason


@pytest.mark.parametrize("bad", ["3.5", "亩", "abc 亩", "3 blorps", 3.5, "nan 亩", float("nan"), True])
def test_unreadable_quantities_are_rejected(bad):
    with pytest.raises(units.QuantityError):
        units.parse_quantity(bad, "area")


@pytest.mark.parametrize("text", ["1 m ** 99 ** 99 ** 99", "12 m ** 2 ** 100", "3 (m)", "2 m ** 999"])
def test_a_unit_with_arithmetic_is_refused_before_pint_evaluates_it(text):
    # pint computes any power it is given: "m ** 99 ** 99 ** 99" would run for ever on untrusted input
    with pytest.raises(units.QuantityError, match="unknown unit"):
        units.parse_quantity(text, "length")


def test_format_is_exact_and_readable():
    assert units.format_quantity(units.parse_quantity("3.5亩", "area")) == "3.5 mu"
    assert units.format_quantity(units.parse_quantity("5亩", "area").to("meter**2")) == "10000/3 m²"


@given(st.fractions(min_value=Fraction(1, 64), max_value=64), st.one_of(st.integers(-2, 2), st.integers(-1100, 40)),
       st.booleans(),
       st.fractions(min_value=Fraction(1, 10**6), max_value=10**12))
def test_range_checks_on_bit_lengths_equal_the_exact_comparison(ratio, shift, negative, factor):
    # values around the 1e300 bound (ratio near 1, shift near 0) and far below it
    value = units.MAX_MAGNITUDE * ratio * Fraction(2) ** shift * (-1 if negative else 1)
    assert units.in_range(value) == (abs(value) <= units.MAX_MAGNITUDE)
    scaled = value / factor  # so that value * factor sits around the bound too
    assert units._in_range_scaled(scaled, factor) == (abs(scaled * factor) <= units.MAX_MAGNITUDE)


def _base_forms(registry):
    """Every spelling patrolrules reads, in base units: (exact factor, its type, base units)."""
    forms = {}
    for alias, expression in units.UNIT_ALIASES.items():
        factor, base = registry.get_base_units(expression)
        forms[alias] = (factor, type(factor), sorted(base._units.items()))
    return forms


def test_a_cached_unit_registry_converts_exactly_as_one_built_from_pints_files(tmp_path):
    built = _base_forms(units.make_registry(None))
    written = units.make_registry(tmp_path)  # parses pint's files and keeps them
    assert written.cache_folder == tmp_path and list(tmp_path.glob("*.pickle"))
    read = units.make_registry(tmp_path)  # reads what was kept
    assert _base_forms(written) == built and _base_forms(read) == built
    assert built["亩"][:2] == (Fraction(10000, 15), Fraction)


def test_a_broken_unit_cache_is_built_anew_from_pints_files(tmp_path):
    units.make_registry(tmp_path)
    for kept in tmp_path.glob("*.pickle"):  # as a process still writing it would leave it
        kept.write_bytes(kept.read_bytes()[:100])
    (tmp_path / "a file").write_text("not a folder", encoding="utf-8")
    built = _base_forms(units.make_registry(None))
    for folder in (tmp_path, tmp_path / "a file" / "cache"):
        registry = units.make_registry(folder)
        assert registry.cache_folder is None and _base_forms(registry) == built


def test_a_broken_cache_in_our_own_folder_is_written_anew(tmp_path, monkeypatch):
    own = tmp_path / "units"
    monkeypatch.setattr(units, "UNIT_CACHE", own)
    built = _base_forms(units.make_registry(None))
    units.make_registry(own)
    kept = list(own.glob("*.pickle"))
    for broken in kept:  # as a process killed while writing would leave it, for good
        broken.write_bytes(broken.read_bytes()[:100])
    healed = units.make_registry(own)
    assert healed.cache_folder == own and _base_forms(healed) == built
    assert all(len(p.read_bytes()) > 100 for p in kept)  # written anew, whole
    assert units.make_registry(own).cache_folder == own  # and read again


@pytest.mark.parametrize(("setting", "expected"), [("off", "None"), ("{folder}", "{folder}"), (None, "{own}")])
def test_the_unit_cache_folder_is_set_by_an_environment_variable(tmp_path, setting, expected):
    import os
    import subprocess
    import sys

    folder = str(tmp_path / "units")
    env = {k: v for k, v in os.environ.items() if k != units.UNIT_CACHE_VARIABLE}
    if setting is not None:
        env[units.UNIT_CACHE_VARIABLE] = setting.format(folder=folder)
    shown = subprocess.run([sys.executable, "-c", "from patrolrules import units; print(units.ureg.cache_folder)"],
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert shown == expected.format(folder=folder, own=units.UNIT_CACHE)
