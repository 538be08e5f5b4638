"""Facts: the flat, typed values tables read, derived from a pydantic input model.

A nested model becomes dotted names (``site.zones``, ``land.land_class``); an enum
field is an enum fact, a set of enums a set fact, a bool a boolean fact, a
quantity field a quantity fact in its dimension's canonical unit, and a mapping
from an enum to quantities one quantity fact per member. Other fields (text,
dates, lists of records) are not table inputs; the domain may derive facts from
them. ``None`` always means *unknown*.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Union

from pydantic import BaseModel

from .. import units
from .tables import FactDef, Kind, TypeDef


@dataclass(frozen=True)
class QuantityMarker:
    """Annotated metadata marking a field as a quantity of ``dimension``."""

    dimension: str


Extractor = Callable[[Any], Any]
Fill = Callable[[Any, dict[str, Any]], None]  # reads one (sub)model's facts into the mapping


def _strip_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _marker(annotation: Any, metadata: list[Any]) -> QuantityMarker | None:
    for meta in list(metadata) + list(getattr(annotation, "__metadata__", ())):
        if isinstance(meta, QuantityMarker):
            return meta
    return None


def _enum_values(enum_type: type[Enum]) -> tuple[str, ...]:
    return tuple(str(member.value) for member in enum_type)


def schema_of(model: type[BaseModel], prefix: str = "") -> tuple[dict[str, FactDef], Fill]:
    """The fact catalogue of ``model`` and the function that reads them from an instance.

    Nested models are visited once each; an absent one (``None``) makes all its facts unknown.
    """
    facts: dict[str, FactDef] = {}
    leaves: list[tuple[str, str, Extractor | None]] = []  # (field, fact, convert; None: as is)
    nested: list[tuple[str, Fill | tuple[tuple[str, Any, str], ...]]] = []  # models, enum-keyed quantities
    order: list[tuple[bool, int]] = []  # (is nested, position): the catalogue's order
    for field_name, info in model.model_fields.items():
        name = f"{prefix}{field_name}"
        annotation = _strip_optional(info.annotation)
        description = info.description or ""
        marker = _marker(annotation, info.metadata)
        base = typing.get_args(annotation)[0] if typing.get_origin(annotation) is typing.Annotated else annotation
        origin = typing.get_origin(base)
        leaf: tuple[TypeDef, Extractor | None] | None = None
        if marker is not None:
            leaf = TypeDef(Kind.QUANTITY, dimension=marker.dimension), _quantity(marker.dimension)
        elif isinstance(base, type) and issubclass(base, BaseModel):
            sub_facts, sub_fill = schema_of(base, f"{name}.")
            facts.update(sub_facts)
            order.append((True, len(nested)))
            nested.append((field_name, sub_fill))
        elif isinstance(base, type) and issubclass(base, Enum):
            leaf = TypeDef(Kind.ENUM, _enum_values(base)), _enum
        elif base is bool:
            leaf = TypeDef(Kind.BOOLEAN), None
        elif base in (int, float):
            leaf = TypeDef(Kind.NUMBER, integer=base is int), _number
        elif origin in (set, frozenset) and _is_enum(typing.get_args(base)[0]):
            leaf = TypeDef(Kind.SET, _enum_values(typing.get_args(base)[0])), _set
        elif origin is dict and _is_enum(typing.get_args(base)[0]):
            key_type, value_type = typing.get_args(base)
            value_marker = _marker(value_type, [])
            if value_marker is None:
                continue
            keyed = []
            for key in key_type:
                key_name = f"{name}.{key.value}"
                facts[key_name] = FactDef(key_name, TypeDef(Kind.QUANTITY, dimension=value_marker.dimension),
                                          f"{description} ({key.value})")
                keyed.append((key_name, key, value_marker.dimension))
            order.append((True, len(nested)))
            nested.append((field_name, tuple(keyed)))
        if leaf is not None:
            facts[name] = FactDef(name, leaf[0], description)
            order.append((False, len(leaves)))
            leaves.append((field_name, name, leaf[1]))
    unknown = dict.fromkeys(facts)
    steps = [leaves[i] if not is_nested else nested[i] for is_nested, i in order]

    def fill(obj: Any, out: dict[str, Any]) -> None:
        if obj is None:
            out.update(unknown)
            return
        for step in steps:
            if len(step) == 3:  # a leaf: (field, fact, convert)
                field_name, name, convert = step
                value = getattr(obj, field_name)
                out[name] = value if convert is None or value is None else convert(value)
                continue
            field_name, inner = step
            value = getattr(obj, field_name)
            if callable(inner):
                inner(value, out)
            else:  # enum-keyed quantities
                for key_name, key, dimension in inner:
                    found = None if value is None else value.get(key)
                    out[key_name] = None if found is None else float(units.canonical_magnitude(found, dimension))

    return facts, fill


def _is_enum(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Enum)


def _enum(value: Any) -> str:
    return str(value.value)


def _set(value: Any) -> frozenset[str]:
    return frozenset(str(v.value) for v in value)


def _number(value: Any) -> float:
    return float(value)


def _quantity(dimension: str) -> Extractor:
    return lambda value: float(units.canonical_magnitude(value, dimension))


class FactExtractor:
    """Turns one validated model instance into the flat fact mapping tables read."""

    def __init__(self, model: type[BaseModel],
                 derived: Mapping[str, tuple[TypeDef, Extractor, str]] | None = None) -> None:
        facts, self._fill = schema_of(model)
        self._derived = []
        for name, (type_def, function, description) in (derived or {}).items():
            facts[name] = FactDef(name, type_def, description)
            self._derived.append((name, function))
        self.facts = facts

    def __call__(self, instance: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self._fill(instance, out)
        for name, extract in self._derived:
            out[name] = extract(instance)
        return out
