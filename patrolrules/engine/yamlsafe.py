"""Reading untrusted YAML: plain data only, with line numbers, in bounded time and memory.

Rule files arrive in pull requests, so they are hostile until proven otherwise.
Explicit tags (which could construct objects), anchors and aliases (alias bombs),
very large files and very deep nesting are refused before anything is built.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from ..errors import RuleProblem, RulesetError

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 40
MAX_NODES = 200_000

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SAFE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


class LDict(dict[str, Any]):
    """A mapping that remembers its own line and the line of each key."""

    line: int
    key_lines: dict[str, int]


class LList(list[Any]):
    """A sequence that remembers its own line and the line of each element."""

    line: int
    item_lines: list[int]


def read_yaml(path: Path, label: str) -> Any:
    """Plain data from ``path``; raises ``RulesetError`` naming ``label`` and the line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RulesetError([RuleProblem(label, None, f"cannot read file: {exc.strerror}")]) from None
    except ValueError:  # a NUL character in the path
        raise RulesetError([RuleProblem(label, None, "cannot read file: its name holds a NUL character")]) from None
    if len(raw) > MAX_BYTES:
        raise RulesetError([RuleProblem(label, None, f"file is {len(raw)} bytes; the limit is {MAX_BYTES}",
                                        fix="split the file")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RulesetError([RuleProblem(label, None, f"not UTF-8 at byte {exc.start}")]) from None
    return parse_yaml(text, label)


def parse_yaml(text: str, label: str) -> Any:
    """Plain data from YAML ``text`` (see module docstring for what is refused)."""
    try:
        _scan_events(text, label)
        node = yaml.compose(text, Loader=_Loader)
    except RulesetError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise RulesetError([RuleProblem(label, line, f"YAML syntax error: {exc.problem}",
                                        fix="correct the YAML syntax at this line")]) from None
    except yaml.YAMLError as exc:
        raise RulesetError([RuleProblem(label, None, f"YAML error: {exc}")]) from None
    if node is None:
        return None
    # One scalar constructor per document: PyYAML's remembers every node it built (with two Marks
    # each), so a shared one would keep every file ever loaded alive.
    return _convert(node, label, yaml.SafeLoader(""))


def _scan_events(text: str, label: str) -> None:
    depth = 0
    count = 0
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise RulesetError([RuleProblem(label, line, "YAML anchors and aliases are not allowed in rule files",
                                            fix="write the value out in full")])
        tag = getattr(event, "tag", None)
        if tag is not None and not (isinstance(event, yaml.ScalarEvent) and event.implicit[0]) \
                and tag not in _SAFE_TAGS and tag not in ("!", "!!str"):
            raise RulesetError([RuleProblem(label, line, f"YAML tag {tag!r} is not allowed in rule files",
                                            fix="remove the tag; rule files hold plain data only")])
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise RulesetError([RuleProblem(label, line, f"nesting deeper than {MAX_DEPTH} levels")])
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        count += 1
        if count > MAX_NODES:
            raise RulesetError([RuleProblem(label, line, f"more than {MAX_NODES} YAML nodes")])


def _convert(node: Any, label: str, scalars: yaml.SafeLoader) -> Any:
    if isinstance(node, yaml.MappingNode):
        mapping = LDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, label, scalars)
            if not isinstance(key, (str, int, bool)):
                raise RulesetError([RuleProblem(label, key_node.start_mark.line + 1, "mapping keys must be text")])
            key = str(key)
            if key in mapping:
                raise RulesetError([RuleProblem(label, key_node.start_mark.line + 1, f"duplicate key {key!r}")])
            mapping[key] = _convert(value_node, label, scalars)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        return mapping
    if isinstance(node, yaml.SequenceNode):
        sequence = LList()
        sequence.line = node.start_mark.line + 1
        sequence.item_lines = []
        for item in node.value:
            sequence.append(_convert(item, label, scalars))
            sequence.item_lines.append(item.start_mark.line + 1)
        return sequence
    try:
        value = scalars.construct_object(node)
    except (ValueError, OverflowError) as exc:  # a date such as 2024-13-01, an int of more than 4300 digits
        raise RulesetError([RuleProblem(label, node.start_mark.line + 1, f"cannot read {node.value[:40]!r}: {exc}",
                                        fix="write a date YYYY-MM-DD or a number of at most 300 digits")]) from None
    except yaml.YAMLError:  # the merge key << and the value key = are YAML 1.1 types we do not read
        raise RulesetError([RuleProblem(label, node.start_mark.line + 1, f"cannot read {node.value[:40]!r}",
                                        fix="write the mapping out in full (no << merge key) and quote '='")]) from None
    if isinstance(value, dt.datetime):
        raise RulesetError([RuleProblem(label, node.start_mark.line + 1, "use a date (YYYY-MM-DD), not a timestamp")])
    return value


def line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest located element along a pydantic error location."""
    line = getattr(data, "line", None)
    current = data
    for part in loc:
        if isinstance(current, LDict) and isinstance(part, str) and part in current:
            line = current.key_lines.get(part, line)
            current = current[part]
        elif isinstance(current, LList) and isinstance(part, int) and 0 <= part < len(current):
            line = current.item_lines[part]
            current = current[part]
        else:
            break
    return line


def plain(data: Any) -> Any:
    """The same data as JSON-compatible builtins (dates as ISO text), for hashing."""
    if isinstance(data, dict):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    if isinstance(data, dt.date):
        return data.isoformat()
    return data
