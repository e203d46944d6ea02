"""Reading the YAML/JSON files users write, with errors that name the file, line and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import DataFileError

M = TypeVar("M", bound=BaseModel)


def load_model(path: Path, model: type[M]) -> M:
    """Parse ``path`` (YAML or JSON, UTF-8) and validate it as ``model``.

    Raises ``DataFileError`` whose message names the file, the line and the field.
    """
    text = read_text(path)
    node: yaml.Node | None = None
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"line {exc.lineno}, column {exc.colno}: {exc.msg}", where=str(path)
        ) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise DataFileError(f"{at}{exc.problem or exc}", where=str(path)) from exc
    except yaml.YAMLError as exc:
        raise DataFileError(str(exc), where=str(path)) from exc
    if not isinstance(data, dict):
        raise DataFileError("the file must hold a mapping (key: value) at the top", where=str(path))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DataFileError(describe_validation(exc, node, text), where=str(path)) from exc


def read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise DataFileError("file does not exist", where=str(path)) from exc
    except IsADirectoryError as exc:
        raise DataFileError("is a directory, not a file", where=str(path)) from exc
    except OSError as exc:
        raise DataFileError(f"cannot be read: {exc.strerror}", where=str(path)) from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFileError(
            f"line {line}: not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8",
            where=str(path),
        ) from exc


def describe_validation(exc: ValidationError, node: yaml.Node | None, text: str) -> str:
    """One line per validation error: ``line N, field a.b[2].c: message``."""
    lines = []
    for error in exc.errors():
        loc = [part for part in error["loc"] if not _is_union_tag(part)]
        field = _format_loc(loc) or "(top level)"
        line = _line_of(node, loc)
        prefix = f"line {line}, " if line else ""
        lines.append(f"{prefix}field {field}: {_clean(error['msg'])}")
    return "; ".join(lines)


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and part in {"pass_fail", "graded", "deduct", "bonus", "scale"}


def _clean(msg: str) -> str:
    return msg.removeprefix("Value error, ")


def _format_loc(loc: list[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(node: yaml.Node | None, loc: list[Any]) -> int | None:
    """Follow ``loc`` through the composed YAML tree; the deepest node found gives the line."""
    if node is None:
        return None
    current = node
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(current, yaml.MappingNode) and isinstance(part, str):
            for key, value in current.value:
                if getattr(key, "value", None) == part:
                    child = value
                    break
        elif (
            isinstance(current, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(current.value)
        ):
            child = current.value[part]
        if child is None:
            break
        current = child
    return current.start_mark.line + 1
