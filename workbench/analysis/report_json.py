"""The report JSON (DESIGN.md), written and read in this one module.

The typed report (``workbench.analysis.model``) is a tree of frozen dataclasses whose fields
are the JSON keys, in the JSON's order. Each field says how it is written through its
metadata, a small table rather than code per class:

- ``time_field()``: nanoseconds since the epoch inside, ISO-8601 UTC text in the JSON
  (``formatting.iso`` / ``formatting.to_ns``, the one ISO helper);
- ``nested(cls)`` / ``nested(cls, many=True)``: one typed entry, or a list of them;
- ``choice(Enum)``: a kind from a fixed vocabulary (``StrEnum`` inside, its text outside);
- ``listed()``: a list of plain values (vector names, ports), a tuple inside;
- anything else: a JSON value (number, text, or a free-form mapping such as the analysis
  config), copied in and out so no caller shares it.

A field whose value is ``ABSENT`` is left out of the JSON (a key only some reports have, as a
phase's ``mitigation``); keys no field names are kept in ``extra`` and written last, so a report
from a newer workbench still reads. ``to_json_text(from_json_text(t)) == t`` for every report.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from workbench import formatting as fmt
from workbench.errors import WorkbenchError


class ReportFormatError(WorkbenchError, ValueError):
    """A saved report that is not the report JSON this workbench writes."""


class _Absent:
    """The value of a field whose key this report does not have."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False

    def __deepcopy__(self, memo):
        return self


ABSENT: Any = _Absent()


def time_field(*, optional: bool = False) -> Any:
    """A time: nanoseconds inside, ISO text in the JSON (None stays None)."""
    kw = {"default": ABSENT} if optional else {}
    return dataclasses.field(metadata={"codec": "time"}, **kw)


def nested(cls: type, *, many: bool = False, optional: bool = False) -> Any:
    """A typed entry (``many``: a list of them, a tuple inside)."""
    kw = {"default": ABSENT} if optional else {}
    return dataclasses.field(metadata={"codec": "many" if many else "one", "cls": cls}, **kw)


def listed(*, optional: bool = False) -> Any:
    """A list of plain values (a tuple inside)."""
    kw = {"default": ABSENT} if optional else {}
    return dataclasses.field(metadata={"codec": "list"}, **kw)


def choice(cls: type, *, optional: bool = False) -> Any:
    """One of an enumeration's values (a ``StrEnum`` inside, its text in the JSON)."""
    kw = {"default": ABSENT} if optional else {}
    return dataclasses.field(metadata={"codec": "choice", "cls": cls}, **kw)


def optional() -> Any:
    """A JSON value only some reports have."""
    return dataclasses.field(default=ABSENT)


def frame() -> Any:
    """Not in the JSON: a frame the analysis keeps beside the findings (series, packets)."""
    return dataclasses.field(default=None, repr=False, compare=False, metadata={"codec": "skip"})


def json_fields(cls: type) -> dict[str, dataclasses.Field]:
    """The fields of ``cls`` that are JSON keys, in order, by key."""
    cached = _FIELDS.get(cls)
    if cached is None:
        cached = _FIELDS[cls] = {
            f.name: f
            for f in dataclasses.fields(cls)
            if f.name != "extra" and f.metadata.get("codec") != "skip"
        }
    return cached


_FIELDS: dict[type, dict[str, dataclasses.Field]] = {}


_SCALARS = (str, int, float, bool, type(None))


def _copied(value: Any) -> Any:
    """A fresh copy of JSON-like data (dicts, lists, scalars), as ``copy.deepcopy`` gives, at a
    fraction of its cost (a report of 10,000 phases copies each phase's lists); anything else
    is left to ``deepcopy``."""
    if isinstance(value, _SCALARS):
        return value
    if type(value) is dict:
        return {k: _copied(v) for k, v in value.items()}
    if type(value) is list:
        return [_copied(v) for v in value]
    return copy.deepcopy(value)


def encode(value: Any, f: dataclasses.Field) -> Any:
    """One field's JSON value."""
    codec = f.metadata.get("codec")
    if value is None:
        return None
    if codec == "time":
        return fmt.iso(value)
    if codec == "one":
        return to_data(value)
    if codec == "many":
        return [to_data(item) for item in value]
    if codec == "list":
        return list(value)
    if codec == "choice":
        return str(value.value)
    return _copied(value)


def decode(value: Any, f: dataclasses.Field) -> Any:
    """One field's value from its JSON value."""
    codec = f.metadata.get("codec")
    if value is None:
        return None
    if codec == "time":
        return fmt.to_ns(value)
    if codec == "one":
        return from_data(f.metadata["cls"], value)
    if codec == "many":
        return tuple(from_data(f.metadata["cls"], item) for item in value)
    if codec == "list":
        return tuple(value)
    if codec == "choice":
        try:
            return f.metadata["cls"](value)
        except ValueError:
            allowed = ", ".join(str(c.value) for c in f.metadata["cls"])
            raise ReportFormatError(f"{f.name} is {value!r}, not one of {allowed}") from None
    return _copied(value)


def to_data(entry: Any) -> dict:
    """A typed entry as its JSON mapping (fresh dicts and lists, keys in the report's order)."""
    out = {}
    for name, f in json_fields(type(entry)).items():
        value = getattr(entry, name)
        if value is not ABSENT:
            out[name] = encode(value, f)
    out.update(_copied(getattr(entry, "extra", None) or {}))
    return out


def from_data(cls: type, data: dict) -> Any:
    """A typed entry from its JSON mapping; unknown keys go to ``extra``."""
    if not isinstance(data, dict):
        raise ReportFormatError(
            f"a {cls.__name__} entry of the report must be an object, not {data!r:.60}"
        )
    known, required, keeps_extra = _decoding(cls)
    missing = [name for name in required if name not in data]
    if missing:
        raise ReportFormatError(f"a {cls.__name__} entry of the report lacks {', '.join(missing)}")
    kwargs = {name: decode(data[name], f) for name, f in known.items() if name in data}
    if keeps_extra and len(kwargs) < len(data):
        extra = {k: _copied(v) for k, v in data.items() if k not in known}
        if extra:
            kwargs["extra"] = extra
    return cls(**kwargs)


def _decoding(cls: type) -> tuple[dict[str, dataclasses.Field], tuple[str, ...], bool]:
    """What ``from_data`` reads of ``cls``, worked out once per class (a report of 10,000 phases
    decodes 10,000 entries): its JSON fields, those without a default, whether it has ``extra``."""
    cached = _DECODING.get(cls)
    if cached is None:
        known = json_fields(cls)
        required = tuple(
            name
            for name, f in known.items()
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        )
        keeps_extra = "extra" in {f.name for f in dataclasses.fields(cls)}
        cached = _DECODING[cls] = (known, required, keeps_extra)
    return cached


_DECODING: dict[type, tuple[dict[str, dataclasses.Field], tuple[str, ...], bool]] = {}


def to_json_text(data: dict) -> str:
    """The report JSON's text: two-space indents, keys in the report's order."""
    return json.dumps(data, indent=2, default=str)


def read_json(source: str | os.PathLike) -> dict:
    """A saved report as a dict: ``source`` is its JSON text or the path of its file."""
    if isinstance(source, str) and source.lstrip().startswith("{"):
        text = source
    else:
        text = Path(source).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReportFormatError(
            f"{_name(source)} is not JSON ({error.msg} at line {error.lineno}): pass the report"
            " JSON's text or the path of the file rep.to_json wrote"
        ) from None
    if not isinstance(data, dict) or "phases" not in data or "vectors" not in data:
        raise ReportFormatError(
            f"{_name(source)} is not a workbench report: its JSON has no phases and vectors"
        )
    return data


def _name(source: str | os.PathLike) -> str:
    return (
        "the text" if isinstance(source, str) and source.lstrip().startswith("{") else str(source)
    )


class JsonView(Mapping):
    """The entry as a read-only mapping of its JSON (``phase["start"]`` is ISO text)."""

    def __getitem__(self, key: str) -> Any:
        f = json_fields(type(self)).get(key)
        if f is None:
            extra = getattr(self, "extra", {})
            if key in extra:
                return decode(extra[key], _PLAIN)
            raise KeyError(key)
        value = getattr(self, key)
        if value is ABSENT:
            raise KeyError(key)
        return encode(value, f)

    def __iter__(self) -> Iterator[str]:
        yield from (k for k in json_fields(type(self)) if getattr(self, k) is not ABSENT)
        yield from getattr(self, "extra", {})

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def to_dict(self) -> dict:
        """The entry's JSON as a fresh dict."""
        return to_data(self)


_PLAIN = dataclasses.field()  # a field with no codec: a JSON value, copied


# JSON Schema of the report, derived from the model's fields (report.schema.json ships it)
SCHEMA_ID = "urn:ddos-workbench:report"
ISO_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$"
_PLAIN_TYPES = {"int": "integer", "float": "number", "str": "string", "bool": "boolean",
                "dict": "object", "list": "array"}  # fmt: skip


def schema(report_cls: type) -> dict:
    """The JSON Schema (draft 2020-12) of the report JSON whose top entry is ``report_cls``."""
    defs: dict[str, dict] = {}
    top = _schema_of(report_cls, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "DDoS forensics workbench report",
        **top,
        "$defs": dict(sorted(defs.items())),
    }


def _schema_of(cls: type, defs: dict) -> dict:
    import typing

    hints = typing.get_type_hints(cls)
    properties, required = {}, []
    for name, f in json_fields(cls).items():
        properties[name] = _field_schema(f, hints[name], defs)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(name)
    return {
        "type": "object",
        "description": " ".join((cls.__doc__ or "").split("\n\n")[0].split()),
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _ref(cls: type, defs: dict) -> dict:
    if cls.__name__ not in defs:
        defs[cls.__name__] = {}  # placeholder: a class may refer to itself
        defs[cls.__name__] = _schema_of(cls, defs)
    return {"$ref": f"#/$defs/{cls.__name__}"}


def _field_schema(f: dataclasses.Field, hint: Any, defs: dict) -> dict:
    import types
    import typing

    codec = f.metadata.get("codec")
    args = typing.get_args(hint)
    nullable = isinstance(hint, types.UnionType) and type(None) in args
    if codec == "time":
        out = {"type": "string", "pattern": ISO_TIME}
    elif codec == "one":
        out = _ref(f.metadata["cls"], defs)
    elif codec == "many":
        out = {"type": "array", "items": _ref(f.metadata["cls"], defs)}
    elif codec == "choice":
        out = {"type": "string", "enum": [str(c.value) for c in f.metadata["cls"]]}
    else:
        base = [a for a in args if a is not type(None)] if nullable else [hint]
        names = [typing.get_origin(b) or b for b in base]
        kinds = [_PLAIN_TYPES.get(getattr(n, "__name__", ""), "") for n in names]
        if codec == "list" or names == [tuple]:
            items = [a for a in typing.get_args(base[0]) if a is not Ellipsis]
            item = _field_schema(_PLAIN, items[0], defs) if items else {}
            out = {"type": "array", "items": item}
        else:
            out = {"type": kinds[0] if len(kinds) == 1 else kinds}
    if nullable:
        return {"anyOf": [out, {"type": "null"}]}
    return out
