"""One pint registry for every quantity patrolrules reads.

Magnitudes are exact ``Fraction`` values so that legal lines hold exactly:
5 亩 is 10000/3 m², and "以上" (at least) compares with ``>=`` (刑法 第99条).
"""

from __future__ import annotations

import functools
import math
import os
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pint
import platformdirs

UNIT_CACHE_VARIABLE = "PATROLRULES_UNIT_CACHE"
# Our own folder for pint's parsed definitions: a broken cache there is ours to delete and write anew.
UNIT_CACHE = platformdirs.user_cache_path("patrolrules", appauthor=False) / "units"


def make_registry(cache_folder: str | os.PathLike[str] | None = UNIT_CACHE) -> Any:
    """pint's registry with exact ``Fraction`` magnitudes and the units of Chinese rules.

    Parsing pint's definition files is most of a cold start (≈0.3–0.6 s of the import); pint keeps the
    parsed files in ``cache_folder`` if asked (its own option, keyed by the files' content and the number
    type), which takes that to ≈0.05 s. A folder that cannot be read or written, or a cache file another
    process is still writing, costs only time: the registry is then built from the files, as without a
    cache. A cache file that stays broken (a process killed while writing it) is deleted and written
    anew in ``UNIT_CACHE``, our own folder; in a folder of yours it is left as it is.
    """
    registry = _pint_registry(cache_folder)
    # 市制 units; 1 亩 = 10000/15 m² exactly (GLOSSARY, Units).
    registry.define("mu = 10000/15 * meter ** 2")
    registry.define("yuan = [currency]")
    registry.define("wan_yuan = 10000 * yuan")
    # A working day is not a fixed number of hours: it is its own dimension and
    # is counted against a holiday calendar (行政处罚法 第85条), never converted.
    registry.define("working_day = [working_time]")
    return registry


def _pint_registry(cache_folder: str | os.PathLike[str] | None) -> Any:
    if cache_folder is not None:
        folder = Path(cache_folder)
        for attempt in (1, 2):
            try:
                return pint.UnitRegistry(non_int_type=Fraction, cache_folder=folder)
            except Exception:  # OSError, a truncated pickle, a cache of another pint: all mean "build it"
                if folder != UNIT_CACHE or attempt == 2 or not _cleared(folder):
                    break
    return pint.UnitRegistry(non_int_type=Fraction)


def _cleared(folder: Path) -> bool:
    """Delete the cache files in ``folder`` (ours); False if that fails too."""
    try:
        for stale in (*folder.glob("*.pickle"), *folder.glob("*.json")):
            stale.unlink(missing_ok=True)
    except OSError:
        return False
    return True


# PATROLRULES_UNIT_CACHE: unset for our own cache folder (UNIT_CACHE), "off" for none, or a folder of yours.
_cache_setting = os.environ.get(UNIT_CACHE_VARIABLE, "")
ureg: Any = make_registry(None if _cache_setting.strip().lower() == "off" else _cache_setting.strip() or UNIT_CACHE)

Quantity = ureg.Quantity

# Chinese and common spellings → pint unit expressions.
UNIT_ALIASES: dict[str, str] = {
    "亩": "mu",
    "公顷": "hectare",
    "ha": "hectare",
    "平方米": "meter ** 2",
    "㎡": "meter ** 2",
    "m²": "meter ** 2",
    "m2": "meter ** 2",
    "平方公里": "kilometer ** 2",
    "km2": "kilometer ** 2",
    "km²": "kilometer ** 2",
    "米": "meter",
    "公里": "kilometer",
    "千米": "kilometer",
    "元": "yuan",
    "万元": "wan_yuan",
    "立方米": "meter ** 3",
    "m3": "meter ** 3",
    "m³": "meter ** 3",
    "日": "day",
    "天": "day",
    "小时": "hour",
    "工作日": "working_day",
}

# Dimension name → (pint dimensionality, canonical unit, readable name).
DIMENSIONS: dict[str, tuple[str, str, str]] = {
    "area": ("[length] ** 2", "meter ** 2", "an area such as '3.5亩', '2000 平方米' or '0.2 公顷'"),
    "length": ("[length]", "meter", "a length such as '30 m' or '1.5 公里'"),
    "money": ("[currency]", "yuan", "an amount of money such as '5万元' or '80000 元'"),
    "volume": ("[length] ** 3", "meter ** 3", "a volume such as '1200 立方米'"),
    "duration": ("[time]", "hour", "a duration such as '24 小时' or '3 日'"),
    "working_time": ("[working_time]", "working_day", "a number of working days such as '3 工作日'"),
}

CANONICAL_SYMBOL = {
    "meter ** 2": "m²", "meter": "m", "yuan": "元", "meter ** 3": "m³", "hour": "h", "working_day": "工作日",
}

# Magnitudes are compared as floats: beyond this (in any unit, and in the canonical unit) they would not be
# finite. Exponents are checked on the text first: Fraction("1e99999999") would compute a 100-million-digit int.
MAX_MAGNITUDE = Fraction(10) ** 300
_SAFE_BITS = MAX_MAGNITUDE.numerator.bit_length() - 2  # |x| below 2 ** this is surely within range
_MAX_EXPONENT_DIGITS = 3
_EXPONENT = re.compile(r"[eE]([+-]?\d+)$")
_NUMBER_UNIT = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*$")


class QuantityError(ValueError):
    """A quantity that cannot be read: ``reason`` and the ``expected`` form."""

    def __init__(self, reason: str, expected: str) -> None:
        super().__init__(f"{reason}; expected {expected}")
        self.reason = reason
        self.expected = expected


# What a unit may be spelled as, before pint sees it: names multiplied or divided, each with a small whole
# power ("meter ** 2", "m^2", "1/day"). Pint evaluates any arithmetic it is given ("m ** 99 ** 99 ** 99"
# runs for ever), and unit texts come from untrusted observations and rule files.
_UNIT_TERM = r"[^\W\d]\w*(?:\s*(?:\*\*|\^)\s*[+-]?\d{1,2})?"
_UNIT_EXPRESSION = re.compile(rf"(?:1\s*/\s*)?{_UNIT_TERM}(?:\s*[*/]\s*{_UNIT_TERM})*")


@functools.lru_cache(maxsize=1024)  # pint units are immutable; parsing one is slow
def parse_unit(text: str) -> Any:
    """A pint unit from a Chinese or pint spelling; raises ``ValueError``."""
    expression = UNIT_ALIASES.get(text.strip(), text.strip())
    if not _UNIT_EXPRESSION.fullmatch(expression):
        raise ValueError(f"unknown unit {text[:40]!r}")
    try:
        unit = ureg.parse_units(expression)
    except Exception as exc:  # pint raises several types for bad units
        raise ValueError(f"unknown unit {text!r}") from exc
    return _dimensional(unit, text)


def _dimensional(unit: Any, text: str | None = None) -> Any:
    """``unit``, if it has a dimensionality: a logarithmic unit in a product (``m*dB``) has none."""
    try:
        ureg.get_dimensionality(unit)
    except Exception as exc:  # pint fails on these with several types
        if text is None:  # spelled without pint's formatter, which fails on some exponents
            text = " * ".join(n if e == 1 else f"{n} ** {e}" for n, e in sorted(unit._units.items()))
        raise ValueError(f"unknown unit {text!r}") from exc
    return unit


def parse_quantity(value: Any, dimension: str) -> Any:
    """A pint Quantity with an exact Fraction magnitude, checked against ``dimension``.

    Accepts ``"3.5亩"``, ``"2000 平方米"``, ``{"value": 3.5, "unit": "亩"}``, a pint
    Quantity, or ``[value, unit]``. Raises ``QuantityError`` naming the expected dimension.
    """
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    dimensionality, _, readable = DIMENSIONS[dimension]
    try:
        if isinstance(value, ureg.Quantity):
            magnitude, unit = value.magnitude, _dimensional(value.units)
        elif isinstance(value, str):
            match = _NUMBER_UNIT.match(value)
            if not match or not match.group(2):
                raise QuantityError("not a number followed by its unit", readable)
            magnitude, unit = match.group(1), parse_unit(match.group(2))
        elif isinstance(value, dict) and set(value) == {"value", "unit"}:
            magnitude, unit = value["value"], parse_unit(str(value["unit"]))
        elif isinstance(value, (list, tuple)) and len(value) == 2:
            magnitude, unit = value[0], parse_unit(str(value[1]))
        else:
            raise QuantityError("a bare number has no unit", readable)
        exact = to_fraction(magnitude)
    except QuantityError:
        raise
    except ValueError as exc:
        raise QuantityError(str(exc), readable) from None
    quantity = ureg.Quantity(exact, unit)
    if not _has_dimension(unit, dimensionality):  # on the (cached) unit: reading quantity.units builds one
        raise QuantityError(f"wrong dimension ({dimension_of(quantity) or unit_text(quantity)})", readable)
    factor = _factor(quantity._units, dimension)  # exact canonical magnitude = exact * factor
    if not _in_range_scaled(exact, factor):
        raise QuantityError(f"out of range: more than 1e300 {CANONICAL_SYMBOL[DIMENSIONS[dimension][1]]}", readable)
    return quantity


def dimension_of(quantity: Any) -> str | None:
    """The name of the quantity's dimension in ``DIMENSIONS``, if it has one."""
    for name, (dimensionality, _, _) in DIMENSIONS.items():
        if quantity.check(dimensionality):
            return name
    return None


def unit_text(quantity: Any) -> str:
    """The unit as pint spells it (``meter ** 2``), without pint's float formatter."""
    parts = []
    for name, exponent in sorted(quantity.unit_items()):
        parts.append(name if exponent == 1 else f"{name} ** {exponent}")
    return " * ".join(parts)


def to_fraction(magnitude: Any) -> Fraction:
    """An exact Fraction from a number or numeric string; rejects NaN, infinity, bools and
    magnitudes beyond ``MAX_MAGNITUDE``."""
    if isinstance(magnitude, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(magnitude, float) and not math.isfinite(magnitude):
        raise ValueError("expected a finite number")
    if isinstance(magnitude, float):
        exact = Fraction(repr(magnitude))  # 0.1 → 1/10, as written, not its binary value
    elif isinstance(magnitude, (int, Fraction)):
        exact = Fraction(magnitude)
    elif isinstance(magnitude, str):
        text = magnitude.strip()
        exponent = _EXPONENT.search(text) if "e" in text or "E" in text else None
        if exponent and len(exponent.group(1).lstrip("+-0")) > _MAX_EXPONENT_DIGITS:
            raise ValueError(f"out of range: {magnitude[:40]!r}")
        try:
            exact = Fraction(text)
        except (ValueError, ZeroDivisionError) as exc:
            raise ValueError(f"not a number: {magnitude[:40]!r}") from exc
    else:
        raise ValueError(f"expected a number, got {type(magnitude).__name__}")
    if not in_range(exact):
        raise ValueError("out of range: more than 1e300")
    return exact


def in_range(exact: Fraction) -> bool:
    """``abs(exact) <= MAX_MAGNITUDE``, decided on bit lengths when it is far from the bound (the common case)."""
    if exact.numerator.bit_length() - exact.denominator.bit_length() < _SAFE_BITS:
        return True
    return abs(exact) <= MAX_MAGNITUDE


def _in_range_scaled(exact: Fraction, factor: Fraction) -> bool:
    """``in_range(exact * factor)``, without the product when bit lengths already decide it."""
    bits = (exact.numerator.bit_length() - exact.denominator.bit_length()
            + factor.numerator.bit_length() - factor.denominator.bit_length())
    return bits < _SAFE_BITS - 1 or in_range(exact * factor)


def canonical_magnitude(quantity: Any, dimension: str) -> Fraction:
    """The exact magnitude of ``quantity`` in the canonical unit of ``dimension``."""
    magnitude = quantity.magnitude
    if type(magnitude) in (Fraction, int):  # exact: every unit here is a rational multiple
        # keyed by the unit container: ``quantity.units`` would build a new Unit on every call
        factor = _factor(quantity._units, dimension)  # pint's immutable UnitsContainer
        exact = magnitude if type(magnitude) is Fraction else Fraction(magnitude)
        return exact if factor == 1 else exact * factor
    return Fraction(quantity.to(DIMENSIONS[dimension][1]).magnitude)


@functools.lru_cache(maxsize=1024)
def _factor(unit: Any, dimension: str) -> Fraction:
    """How many canonical units one ``unit`` is, exactly (pint's registry holds Fractions)."""
    return Fraction(ureg.Quantity(Fraction(1), unit).to(DIMENSIONS[dimension][1]).magnitude)


@functools.lru_cache(maxsize=1024)
def _has_dimension(unit: Any, dimensionality: str) -> bool:
    return bool(ureg.Quantity(Fraction(1), unit).check(dimensionality))


def format_quantity(quantity: Any) -> str:
    """A short, deterministic text such as ``'3.5 mu'`` or ``'10000/3 m²'``."""
    magnitude = Fraction(quantity.magnitude)
    number = str(magnitude.numerator) if magnitude.denominator == 1 else _decimal_or_fraction(magnitude)
    unit = unit_text(quantity)
    return f"{number} {CANONICAL_SYMBOL.get(unit, unit)}"


def _decimal_or_fraction(value: Fraction) -> str:
    denominator = value.denominator
    while denominator % 2 == 0:
        denominator //= 2
    while denominator % 5 == 0:
        denominator //= 5
    if denominator == 1:  # a terminating decimal: print it exactly
        digits = 0
        scaled = value
        while scaled.denominator != 1:
            scaled *= 10
            digits += 1
        sign = "-" if scaled < 0 else ""
        text = str(abs(scaled.numerator)).rjust(digits + 1, "0")
        return f"{sign}{text[:-digits]}.{text[-digits:]}"
    return f"{value.numerator}/{value.denominator}"
