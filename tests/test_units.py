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
