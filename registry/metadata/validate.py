"""Reading metadata documents from what users send, with messages that name every offending field, and writing
them in the one canonical form whose bytes are content-addressed.
"""
from __future__ import annotations

import difflib
import json
import types
import typing
from collections.abc import Mapping
from typing import Any

import pydantic
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from registry.errors import MetadataError
from registry.jsondepth import MAX_DEPTH, too_deep
from registry.metadata.schema import MetadataDocument

_INVALID = "Metadata document is invalid"
# Full-width punctuation that Chinese input methods type in place of JSON's ASCII punctuation.
_FULL_WIDTH = {"“": '"', "”": '"', "‘": "'", "’": "'", "：": ":", "，": ",", "｛": "{", "｝": "}", "［": "[", "］": "]"}


def parse_metadata(raw: bytes | str | Mapping[str, Any]) -> MetadataDocument:
    """Parse and validate a metadata document given as JSON bytes (UTF-8), JSON text or an already-decoded dict.

    Raises MetadataError whose message lists every problem as 'dotted.path': what is wrong and how to fix it;
    its `errors` holds the same as [{"field": "dotted.path", "message": ...}] ("field" is "" for the whole
    document).
    """
    data = dict(raw) if isinstance(raw, Mapping) else _load_json(raw)
    try:
        return MetadataDocument.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = [
            {"field": ".".join(str(part) for part in loc), "message": message}
            for error in exc.errors()
            for loc, message in _explain(error)
        ]
        raise MetadataError(_summary(errors), errors=errors) from None


def canonical_bytes(doc: MetadataDocument | bytes | str | Mapping[str, Any]) -> bytes:
    """The bytes that get content-addressed: the validated document as JSON with sorted keys, UTF-8 (Chinese
    kept as is, not \\u-escaped), no insignificant whitespace, defaults filled in and absent optional fields
    left out. Documents that differ only in key order, whitespace, omitted defaults, letter case of hex values or
    the order of a holder's right kinds give the same bytes, hence the same CID.
    """
    document = doc if isinstance(doc, MetadataDocument) else parse_metadata(doc)
    plain = document.model_dump(mode="json", exclude_none=True)
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


# ── JSON ─────────────────────────────────────────────────────────────────────────────────────────────────


class _DuplicateKey(Exception):
    pass


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def _whole_document_error(message: str) -> MetadataError:
    return MetadataError(message, errors=[{"field": "", "message": message}])


def _load_json(raw: bytes | str) -> Any:
    if not isinstance(raw, (bytes, bytearray, str)):
        raise TypeError(f"parse_metadata takes JSON bytes, JSON text or a dict, not {type(raw).__name__}.")
    if isinstance(raw, (bytes, bytearray)):
        try:
            text = bytes(raw).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _whole_document_error(
                f"Metadata document is not UTF-8 text: byte 0x{raw[exc.start]:02X} at offset {exc.start} cannot be "
                "decoded. Save the file as UTF-8 (GBK and GB 2312 are not accepted)."
            ) from None
    else:
        text = raw.removeprefix("\ufeff")
    if not text.strip():
        raise _whole_document_error("Metadata document is empty; it must be a JSON object ({...}).")
    if too_deep(text):
        raise _whole_document_error(f"Metadata document nests arrays or objects more than {MAX_DEPTH} levels "
                                    "deep; the schema's deepest field nests 4.")
    try:
        data = json.loads(text, object_pairs_hook=_refuse_duplicates, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        hint = _json_hint(text, exc.pos)
        raise _whole_document_error(
            f"Metadata document is not valid JSON: {exc.msg.lower()} at line {exc.lineno}, column {exc.colno}.{hint}"
        ) from None
    except _DuplicateKey as exc:
        raise _whole_document_error(
            f"Metadata document is not valid JSON for the registry: the key '{exc.args[0]}' appears twice in one "
            "object; keep only one (readers disagree about which one wins)."
        ) from None
    except ValueError as exc:
        raise _whole_document_error(
            f"Metadata document is not valid JSON: {exc.args[0]} is not a JSON number; write a number or a string."
        ) from None
    if not isinstance(data, dict):
        raise _whole_document_error(
            f"Metadata document must be a JSON object ({{...}}), not {_json_kind(data)}."
        )
    return data


def _json_hint(text: str, position: int) -> str:
    """The likely cause of a JSON syntax error, for the two mistakes people make most."""
    found = text[position] if position < len(text) else ""
    if found in _FULL_WIDTH:
        return (
            f" Found the full-width '{found}'; JSON needs the ASCII '{_FULL_WIDTH[found]}' here (switch the input "
            "method to half-width punctuation)."
        )
    before = text[:position].rstrip()
    if found in "}]" and found and before.endswith(","):
        return f" Remove the comma before '{found}': JSON allows no comma after the last item."
    return ""


# ── Messages ─────────────────────────────────────────────────────────────────────────────────────────────


def _summary(errors: list[dict[str, str]]) -> str:
    lines = [f"'{error['field']}': {error['message']}" if error["field"] else error["message"] for error in errors]
    if len(lines) == 1:
        return f"{_INVALID}: {lines[0]}"
    return f"{_INVALID} ({len(lines)} problems):\n" + "\n".join(f"- {line}" for line in lines)


def _explain(error: Any) -> list[tuple[tuple[Any, ...], str]]:
    """One pydantic error as (location, message) pairs in the registry's words."""
    loc: tuple[Any, ...] = tuple(error["loc"])
    kind: str = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    value = error.get("input")
    if kind == "datareg_rule":
        return [(loc + (tuple(path.split(".")) if path else ()), message) for path, message in ctx["problems"]]
    if kind == "datareg_value":
        return [(loc, ctx["reason"])]
    return [(loc, _builtin_message(kind, loc, ctx, value, error["msg"]))]


def _builtin_message(kind: str, loc: tuple[Any, ...], ctx: dict[str, Any], value: Any, fallback: str) -> str:
    info = _field_info(loc)
    if kind == "missing":
        if loc == ("schema_version",):
            return 'required field is missing; add "schema_version": "datareg/metadata/v1".'
        label = f" ({info.title})" if info is not None and info.title else ""
        return f"required field is missing; add it{label}."
    if kind == "extra_forbidden":
        return _unknown_field_message(loc)
    if kind == "string_too_long":
        return f"has {len(value)} characters; at most {ctx['max_length']} are allowed. Shorten it."
    if kind == "string_too_short":
        return "must not be empty; fill it in or leave the field out if it is optional."
    if kind == "too_short":
        return f"must list at least {ctx['min_length']} item{'s' if ctx['min_length'] != 1 else ''}; it lists none."
    if kind == "too_long":
        return f"lists {ctx['actual_length']} items; at most {ctx['max_length']} are allowed."
    if kind in ("enum", "literal_error"):
        return f"{_show(value)} is not allowed; use {ctx['expected']}."
    if kind == "string_type":
        hint = f' in quotes, e.g. "{value}"' if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
        return f"expected text, got {_json_kind(value)} {_show(value)}; write it as a JSON string{hint}."
    if kind == "bool_type":
        return f"expected true or false (without quotes), got {_show(value)}."
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number (without quotes), got {_show(value)}."
    if kind == "greater_than_equal":
        return f"must be {ctx['ge']} or more, got {_show(value)}."
    if kind == "list_type":
        return f"expected a list ([...]), got {_json_kind(value)} {_show(value)}."
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected an object ({{...}}), got {_json_kind(value)} {_show(value)}."
    if kind == "string_pattern_mismatch":
        expected = info.description if info is not None and info.description else f"pattern {ctx['pattern']}"
        return f"{_show(value)} is not in the expected form: {expected.rstrip('.')}."
    return f"{fallback.rstrip('.')}, got {_show(value)}."


def _unknown_field_message(loc: tuple[Any, ...]) -> str:
    name = str(loc[-1])
    parent = _model_at(loc[:-1])
    known = list(parent.model_fields) if parent is not None else []
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    where = "at the top level" if len(loc) == 1 else "here"
    advice = f"did you mean '{close[0]}'?" if close else f"the fields allowed {where} are {', '.join(known)}."
    return f"unknown field: the schema has no field '{name}' {where}; {advice}"


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that validates the object at `loc` (list positions skipped), or None."""
    model: type[BaseModel] | None = MetadataDocument
    for part in loc:
        if isinstance(part, int):
            continue
        if model is None or part not in model.model_fields:
            return None
        model = _inner_model(model.model_fields[part].annotation)
    return model


def _field_info(loc: tuple[Any, ...]) -> FieldInfo | None:
    names = [part for part in loc if isinstance(part, str)]
    if not names or not isinstance(loc[-1], str):
        return None
    parent = _model_at(loc[:-1])
    return parent.model_fields.get(loc[-1]) if parent is not None else None


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside Optional[...], list[...] and Annotated[...], if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, typing.Annotated):
        for argument in typing.get_args(annotation):
            found = _inner_model(argument)
            if found is not None:
                return found
    return None


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _show(value: Any) -> str:
    """The offending value as the user wrote it (text in single quotes, like the rest of the messages), shortened."""
    if isinstance(value, str):
        shown = f"'{value}'"
    else:
        try:
            shown = json.dumps(value, ensure_ascii=False, default=str)
        except ValueError:
            shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "…"
