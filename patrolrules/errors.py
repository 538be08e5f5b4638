"""The one documented exception family of patrolrules.

``PatrolRulesError`` is the only base class that escapes the public API:
``InputError`` for bad facts, ``RulesetError`` for bad rule files. Both carry
*every* problem found, never just the first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One problem in a piece of input: where, what was given, what was expected."""

    path: str
    message: str
    given: Any = None
    expected: str | None = None

    def __str__(self) -> str:
        text = f"{self.path or '<root>'}: {self.message}"
        if self.given is not None:
            text += f" (given {shown(self.given)})"
        if self.expected:
            text += f"; expected {self.expected}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "message": self.message,
            "given": self.given if _jsonable(self.given) else shown(self.given),
            "expected": self.expected,
        }


@dataclass(frozen=True)
class RuleProblem:
    """One problem in a rule file: file, line, rule id and how to fix it."""

    file: str
    line: int | None
    message: str
    rule_id: str | None = None
    fix: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.message}"
        if self.rule_id:
            text += f" [rule {self.rule_id}]"
        if self.fix:
            text += f" — fix: {self.fix}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "rule_id": self.rule_id,
            "fix": self.fix,
        }


_MAX_SHOWN = 200


def shown(value: Any) -> str:
    """A short repr of a given value; never raises (an int too long to print, a huge text)."""
    try:
        text = repr(value)
    except Exception:  # an int of more than 4300 digits (alone or in a container); a pint unit pint cannot print
        text = f"<an integer of {value.bit_length()} bits>" if isinstance(value, int) else f"<{type(value).__name__}>"
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN - 1] + "…"


def _jsonable(value: Any) -> bool:
    if value is None or isinstance(value, (str, float, bool)):
        return True
    if isinstance(value, int):
        return value.bit_length() < 14_000  # JSON text of at most 4300 digits
    if isinstance(value, (list, dict)):
        try:
            json.dumps(value)
        except (TypeError, ValueError, RecursionError):
            return False
        return True
    return False


class PatrolRulesError(Exception):
    """Base of every error patrolrules raises on purpose."""


@dataclass
class InputError(PatrolRulesError):
    """Bad facts: every problem with field path, value given and what was expected."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{len(self.problems)} problem(s) in the input"
        return head + "".join(f"\n  - {p}" for p in self.problems)


@dataclass
class RulesetError(PatrolRulesError):
    """Bad rule files: every problem with file, line, rule id and the fix."""

    problems: list[RuleProblem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{len(self.problems)} problem(s) in the ruleset"
        return head + "".join(f"\n  - {p}" for p in self.problems)


_EXPECTED_BY_TYPE = {
    "missing": "a value (this field is required)",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "text",
    "dict_type": "an object",
    "model_type": "an object",
    "list_type": "a list",
    "set_type": "a list",
    "frozen_set_type": "a list",
    "date_from_datetime_parsing": "a date YYYY-MM-DD",
    "date_parsing": "a date YYYY-MM-DD",
    "date_from_datetime_inexact": "a date YYYY-MM-DD",
    "datetime_parsing": "a date-time with timezone, e.g. 2024-05-01T09:30:00+08:00",
    "datetime_type": "a date-time with timezone",
    "timezone_aware": "a date-time with timezone, e.g. 2024-05-01T09:30:00+08:00",
    "extra_forbidden": "no such field",
    "greater_than_equal": "a larger value",
    "less_than_equal": "a smaller value",
    "finite_number": "a finite number",
    "tuple_type": "a list",
    "datetime_from_date_parsing": "a date-time with timezone, e.g. 2024-05-01T09:30:00+08:00",
    "invalid_key": "text keys",
    "string_unicode": "text",
}


def _fields_at(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> list[str] | None:
    """The field names of the model found along ``loc`` (list indices skipped), if any."""
    for part in loc:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        field_info = model.model_fields.get(str(part))
        model = _model_in(field_info.annotation) if field_info is not None else None
    return None if model is None else list(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model an annotation holds, directly or inside ``X | None`` or ``tuple[X, ...]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def validation_problems(errors: list[Any], prefix: str = "", model: type[BaseModel] | None = None) -> list[Problem]:
    """Problems from pydantic's ``ValidationError.errors()``, one per error, all kept.

    ``model`` (the one validated) lets an unknown field's problem name the fields allowed there.
    """
    problems = []
    # the lists with a failed item: pydantic also says such a list is too short, counting only valid items
    failed_items = {tuple(e["loc"][:i]) for e in errors
                    for i, part in enumerate(e.get("loc", ())) if isinstance(part, int)}
    for error in errors:
        loc = tuple(error.get("loc", ()))
        if error.get("type") == "too_short" and loc in failed_items:
            continue  # its failed items are listed
        path = ".".join(str(part) for part in loc)
        if prefix:
            path = f"{prefix}.{path}" if path else prefix
        ctx = error.get("ctx") or {}
        expected = ctx.get("expected")
        if expected is None and "ge" in ctx:
            expected = f"a value ≥ {ctx['ge']}"
        if expected is None and "le" in ctx:
            expected = f"a value ≤ {ctx['le']}"
        if expected is None and "min_length" in ctx:
            expected = f"at least {ctx['min_length']} item(s)"
        if error.get("type") == "extra_forbidden" and (fields := _fields_at(model, loc[:-1])):
            expected = f"no such field; allowed here: {', '.join(fields)}"
        if expected is None:
            expected = _EXPECTED_BY_TYPE.get(error.get("type", ""))
        message = str(error.get("msg", "invalid"))
        if error.get("type") in ("enum", "literal_error"):
            message = "not one of the allowed values"
        given = error.get("input") if error.get("type") != "missing" else None
        if isinstance(given, dict):
            given = "{…}"
        problems.append(Problem(path, message, given, expected))
    return problems


def parse_input(model: type[ModelT], data: ModelT | Mapping[str, Any], what: str) -> ModelT:
    """``data`` as a validated ``model``; raises ``InputError`` listing every problem."""
    if isinstance(data, model):
        return data
    if not isinstance(data, Mapping):
        raise InputError([Problem("", f"{what} must be an object", type(data).__name__,
                                  f"a JSON object ({model.__name__})")])
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise InputError(validation_problems(exc.errors(), model=model)) from None
