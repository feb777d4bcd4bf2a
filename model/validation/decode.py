"""Strict JSON decoding as the API server runs it for ``fieldValidation=Strict``.

Mirrors `sigs.k8s.io/json` (`UnmarshalStrict`) over the types of `schema`: the first Go type error wins
(``json: cannot unmarshal number into Go struct field ConfigMap.data of type string``), else every unknown
field is listed (``strict decoding error: unknown field "spec.foo"``). Fields are visited in sorted order, as
Go decodes the JSON that kubectl produced from YAML.
"""

from __future__ import annotations

import base64
import binascii
import copy
import math
from typing import Any

from kubesim.model.errors import ApiError
from kubesim.model.kinds import KINDS

class DecodeState:
    def __init__(self) -> None:
        self.type_error: str | None = None
        self.unknown: list[str] = []


def decode(obj: dict, schema: tuple, kind: str, api_version: str) -> dict:
    """Decode `obj` against `schema` as strict JSON decoding would; raise BadRequest on failure."""
    state = DecodeState()
    result = decode_value(obj, schema, state, [], "", "")
    detail = None
    if state.type_error is not None:
        detail = state.type_error
    elif state.unknown:
        detail = "strict decoding error: " + ", ".join(f'unknown field "{path}"' for path in state.unknown)
    if detail is not None:
        version = api_version.split("/")[-1]
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        name = meta.get("name") if isinstance(meta.get("name"), str) else ""
        raise ApiError(
            "BadRequest", f'{kind} in version "{version}" cannot be handled as a {kind}: {detail}',
            kind=kind, resource=KINDS[kind].resource, name=name,
        )
    return result


def json_kind(value: Any) -> str:
    """The word Go's `UnmarshalTypeError` uses for a JSON value."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def number_text(value: int | float) -> str:
    """A JSON number as Go's encoding/json prints it in an `UnmarshalTypeError`."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _type_error(state: DecodeState, value: Any, go_type: str, struct: str, fields: list[str], shown: str | None = None):
    """Record Go's `UnmarshalTypeError` text, keeping only the first (`decodeState.saveError`)."""
    if state.type_error is not None:
        return
    what = shown or json_kind(value)
    if fields:
        state.type_error = f"json: cannot unmarshal {what} into Go struct field {struct}.{'.'.join(fields)} of type {go_type}"
    else:
        state.type_error = f"json: cannot unmarshal {what} into Go value of type {go_type}"


def decode_value(value, typ, state, fields, struct, path):
    tag = typ[0]
    if value is None:
        return None
    if tag == "any":
        return copy.deepcopy(value)
    if tag == "struct":
        return _decode_struct(value, typ, state, fields, struct, path)
    if tag == "map":
        return _decode_map(value, typ, state, fields, struct, path)
    if tag == "slice":
        if not isinstance(value, list):
            return _type_error(state, value, typ[1], struct, fields)
        out = [decode_value(item, typ[2], state, fields, struct, f"{path}[{i}]") for i, item in enumerate(value)]
        return [_zero(typ[2]) if item is None else item for item in out]
    if tag == "string":
        if not isinstance(value, str):
            return _type_error(state, value, typ[1], struct, fields)
        return value
    if tag == "bool":
        if not isinstance(value, bool):
            return _type_error(state, value, "bool", struct, fields)
        return value
    if tag in ("int32", "int64"):
        return _decode_int(value, tag, state, fields, struct)
    if tag == "intstr":
        if isinstance(value, str):
            return value
        return _decode_int(value, "int32", state, fields, struct)
    if tag == "bytes":
        return _decode_bytes(value, state, fields, struct)
    raise AssertionError(typ)


def _decode_int(value, go_type, state, fields, struct):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _type_error(state, value, go_type, struct, fields)
    bits = 32 if go_type == "int32" else 64
    if isinstance(value, float) and (not value.is_integer() or math.isinf(value)):
        return _type_error(state, value, go_type, struct, fields, f"number {number_text(value)}")
    number = int(value)
    if not -(2 ** (bits - 1)) <= number < 2 ** (bits - 1):
        return _type_error(state, value, go_type, struct, fields, f"number {number_text(value)}")
    return number


def _decode_bytes(value, state, fields, struct):
    if not isinstance(value, str):
        return _type_error(state, value, "[]uint8", struct, fields)
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        if state.type_error is None:
            state.type_error = "illegal base64 data at input byte 0"
    return value


def _decode_struct(value, typ, state, fields, struct, path):
    _, name, members = typ
    if not isinstance(value, dict):
        return _type_error(state, value, _go_struct_type(name), struct, fields)
    out = {}
    for key in sorted(value, key=lambda k: str(k).encode("utf-8", "surrogatepass")):
        child_path = f"{path}.{key}" if path else key
        if key not in members:
            state.unknown.append(child_path)
            continue
        decoded = decode_value(value[key], members[key], state, fields + [key], name, child_path)
        if decoded is not None:
            out[key] = decoded
    return {key: out[key] for key in value if key in out}


def _decode_map(value, typ, state, fields, struct, path):
    if not isinstance(value, dict):
        return _type_error(state, value, typ[1], struct, fields)
    out = {}
    for key in sorted(value, key=lambda k: str(k).encode("utf-8", "surrogatepass")):
        decoded = decode_value(value[key], typ[2], state, fields, struct, f"{path}[{key}]")
        out[key] = _zero(typ[2]) if decoded is None else decoded
    return {key: out[key] for key in value}


def _zero(typ):
    return {"string": "", "int32": 0, "int64": 0, "bool": False, "struct": {}, "bytes": ""}.get(typ[0])


_GO_PACKAGES = {"ObjectMeta": "v1", "LabelSelector": "v1", "LabelSelectorRequirement": "v1"}


def _go_struct_type(name: str) -> str:
    return f"{_GO_PACKAGES.get(name, 'v1')}.{name}"
