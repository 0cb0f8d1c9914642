"""Turning parsed YAML into validated models, one item at a time, collecting every problem.

Items are validated one by one so that a broken host or link is reported and left out while the
rest of the file is still checked: one run shows every problem in the design.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError

from govnet.diagnostics import Loc, Problem, ProblemLog
from govnet.yamlio import YamlDocument

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Entry(Generic[M]):
    """A validated item and where it came from."""

    file: str
    loc: Loc
    item: M


def _is_internal(part: str | int) -> bool:
    # pydantic adds union-member tags such as "list[constrained-str]" to error locations
    return isinstance(part, str) and any(c in part for c in "[]( ")


def _model_at(model: Any, loc: Loc) -> type[BaseModel] | None:
    """The pydantic model class that holds the field at ``loc`` (for 'expected one of')."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not isinstance(part, str) or part not in current.model_fields:
                return None
            current = current.model_fields[part].annotation
        elif get_origin(current) in (dict, Mapping):
            current = get_args(current)[1]
        elif get_origin(current) in (list, tuple):
            current = get_args(current)[0]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``; a union of a model with other things -> the model."""
    if get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        for member in members:
            if isinstance(member, type) and issubclass(member, BaseModel):
                return member
        return members[0] if len(members) == 1 else annotation
    return annotation


def _describe(error: Any, model: type[BaseModel], clean_loc: Loc) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_invalid":
        return f"unknown {clean_loc[-1]} {error['ctx']['tag']!r} (expected one of: {error['ctx']['expected_tags']})"
    if kind == "union_tag_not_found":
        return "required field is missing"
    if kind == "extra_forbidden":
        parent = _model_at(model, clean_loc[:-1])
        if parent is not None:
            allowed = [f for f in parent.model_fields if f != "name" or clean_loc[:-1]]
            field = str(clean_loc[-1])
            close = difflib.get_close_matches(field, allowed, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            return f"unknown field (expected one of: {', '.join(allowed)}){hint}"
        return "unknown field"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if message.startswith("Input "):
        message = message[len("Input ") :]
        message = message.removeprefix("is ").removeprefix("should be ")
        message = ("expected " + message) if not message.startswith("not ") else message
    value = error.get("input")
    if isinstance(value, str | int | float | bool) and kind not in (
        "value_error",
        "assertion_error",
    ):
        message += f" (got {value!r})"
    return message


def validation_problems(
    error: ValidationError, file: str, base: Loc, model: type[BaseModel]
) -> list[Problem]:
    merged: dict[Loc, list[str]] = {}
    for item in error.errors():
        clean = tuple(p for p in item["loc"] if not _is_internal(p))
        if item["type"] in ("union_tag_invalid", "union_tag_not_found"):
            # a discriminated union: the problem is the discriminator field itself
            clean = (*clean, str(item["ctx"]["discriminator"]).strip("'"))
        text = _describe(item, model, clean)
        texts = merged.setdefault(clean, [])
        if text not in texts:
            texts.append(text)
    _drop_missing_explained_by_typos(merged)
    return [Problem(file, base + loc, " or ".join(texts)) for loc, texts in merged.items()]


_DID_YOU_MEAN = re.compile(r"did you mean '([^']+)'\?$")


def _drop_missing_explained_by_typos(merged: dict[Loc, list[str]]) -> None:
    """A misspelt required field is one mistake: keep 'unknown field …; did you mean X?' and
    drop the 'required field is missing' of X that only follows from it."""
    for loc, texts in list(merged.items()):
        for text in texts:
            match = _DID_YOU_MEAN.search(text)
            intended = (*loc[:-1], match.group(1)) if match else None
            if intended in merged and merged[intended] == ["required field is missing"]:
                del merged[intended]


def validate_item(model: type[M], data: Any, file: str, loc: Loc, log: ProblemLog) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        log.extend(validation_problems(error, file, loc, model))
        return None


def check_top_level(doc: YamlDocument, allowed: tuple[str, ...], log: ProblemLog) -> dict[str, Any]:
    """A topology file is a mapping with known top-level keys; an empty file is an empty mapping."""
    data = doc.data
    if data is None:
        return {}
    if not isinstance(data, dict):
        log.error(doc.name, (), f"expected a mapping with the keys {', '.join(allowed)}")
        return {}
    for key in data:
        if key not in allowed:
            log.error(doc.name, (key,), f"unknown section (expected one of: {', '.join(allowed)})")
    return data


def read_list(
    doc: YamlDocument, data: Mapping[str, Any], key: str, model: type[M], log: ProblemLog
) -> list[Entry[M]]:
    """The items of the list under ``key``; broken items are reported and left out."""
    items = data.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        log.error(doc.name, (key,), f"expected a list, got {type(items).__name__}")
        return []
    entries: list[Entry[M]] = []
    for index, raw in enumerate(items):
        loc: Loc = (key, index)
        item = validate_item(model, raw, doc.name, loc, log)
        if item is not None:
            entries.append(Entry(doc.name, loc, item))
    return entries


def read_named_mapping(doc: YamlDocument, model: type[M], log: ProblemLog) -> list[Entry[M]]:
    """Nornir style: ``name: {fields}`` at the top of the file; the key becomes ``name``."""
    data = doc.data
    if data is None:
        return []
    if not isinstance(data, dict):
        log.error(doc.name, (), "expected a mapping of names to entries")
        return []
    entries: list[Entry[M]] = []
    for name, body in data.items():
        loc: Loc = (str(name),)
        if body is None:
            body = {}
        if not isinstance(body, dict):
            log.error(doc.name, loc, f"expected a mapping, got {type(body).__name__}")
            continue
        if "name" in body:
            log.error(doc.name, (*loc, "name"), "the entry's name is its key; remove this field")
            continue
        item = validate_item(model, {"name": name, **body}, doc.name, loc, log)
        if item is not None:
            entries.append(Entry(doc.name, loc, item))
    return entries


def raw_names(data: Any, key: str | None = None, field: str = "name") -> set[str]:
    """Every name declared in a file, valid or not, so that a broken item does not also
    produce 'unknown name' errors wherever it is referenced."""
    if key is None:
        return {str(k) for k in data} if isinstance(data, dict) else set()
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return set()
    return {str(i[field]) for i in items if isinstance(i, dict) and field in i}
