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


def schema_of(model: type[BaseModel], prefix: str = "") -> tuple[dict[str, FactDef], list[tuple[str, Extractor]]]:
    """The fact catalogue of ``model`` and one extractor per fact."""
    facts: dict[str, FactDef] = {}
    extractors: list[tuple[str, Extractor]] = []
    for field_name, info in model.model_fields.items():
        name = f"{prefix}{field_name}"
        annotation = _strip_optional(info.annotation)
        getter = _getter(field_name)
        description = info.description or ""
        marker = _marker(annotation, info.metadata)
        base = typing.get_args(annotation)[0] if typing.get_origin(annotation) is typing.Annotated else annotation
        origin = typing.get_origin(base)
        if marker is not None:
            facts[name] = FactDef(name, TypeDef(Kind.QUANTITY, dimension=marker.dimension), description)
            extractors.append((name, _quantity(getter, marker.dimension)))
        elif isinstance(base, type) and issubclass(base, BaseModel):
            sub_facts, sub_extractors = schema_of(base, f"{name}.")
            facts.update(sub_facts)
            extractors.extend((n, _chain(getter, e)) for n, e in sub_extractors)
        elif isinstance(base, type) and issubclass(base, Enum):
            facts[name] = FactDef(name, TypeDef(Kind.ENUM, _enum_values(base)), description)
            extractors.append((name, _enum(getter)))
        elif base is bool:
            facts[name] = FactDef(name, TypeDef(Kind.BOOLEAN), description)
            extractors.append((name, getter))
        elif base in (int, float):
            facts[name] = FactDef(name, TypeDef(Kind.NUMBER), description)
            extractors.append((name, _number(getter)))
        elif origin in (set, frozenset) and _is_enum(typing.get_args(base)[0]):
            member = typing.get_args(base)[0]
            facts[name] = FactDef(name, TypeDef(Kind.SET, _enum_values(member)), description)
            extractors.append((name, _set(getter)))
        elif origin is dict and _is_enum(typing.get_args(base)[0]):
            key_type, value_type = typing.get_args(base)
            value_marker = _marker(value_type, [])
            if value_marker is None:
                continue
            for key in key_type:
                key_name = f"{name}.{key.value}"
                facts[key_name] = FactDef(key_name, TypeDef(Kind.QUANTITY, dimension=value_marker.dimension),
                                          f"{description} ({key.value})")
                extractors.append((key_name, _quantity(_keyed(getter, key), value_marker.dimension)))
    return facts, extractors


def _is_enum(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Enum)


def _getter(field_name: str) -> Extractor:
    return lambda obj: None if obj is None else getattr(obj, field_name)


def _chain(outer: Extractor, inner: Extractor) -> Extractor:
    return lambda obj: inner(outer(obj))


def _keyed(getter: Extractor, key: Enum) -> Extractor:
    def get(obj: Any) -> Any:
        mapping = getter(obj)
        return None if mapping is None else mapping.get(key)

    return get


def _enum(getter: Extractor) -> Extractor:
    def get(obj: Any) -> Any:
        value = getter(obj)
        return None if value is None else str(value.value)

    return get


def _set(getter: Extractor) -> Extractor:
    def get(obj: Any) -> Any:
        value = getter(obj)
        return None if value is None else frozenset(str(v.value) for v in value)

    return get


def _number(getter: Extractor) -> Extractor:
    def get(obj: Any) -> Any:
        value = getter(obj)
        return None if value is None else float(value)

    return get


def _quantity(getter: Extractor, dimension: str) -> Extractor:
    def get(obj: Any) -> Any:
        value = getter(obj)
        return None if value is None else float(units.canonical_magnitude(value, dimension))

    return get


class FactExtractor:
    """Turns one validated model instance into the flat fact mapping tables read."""

    def __init__(self, model: type[BaseModel],
                 derived: Mapping[str, tuple[TypeDef, Extractor, str]] | None = None) -> None:
        facts, extractors = schema_of(model)
        for name, (type_def, function, description) in (derived or {}).items():
            facts[name] = FactDef(name, type_def, description)
            extractors.append((name, function))
        self.facts = facts
        self._extractors = extractors

    def __call__(self, instance: Any) -> dict[str, Any]:
        return {name: extract(instance) for name, extract in self._extractors}
