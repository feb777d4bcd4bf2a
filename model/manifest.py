"""Turn manifest text into API objects the way `kubectl apply -f` reads it, or refuse it with kubectl's words.

Mirrors kubectl's read path: `k8s.io/apimachinery/pkg/util/yaml` (`YAMLReader` splits the stream on
``---`` lines, `ToJSON` converts each chunk with go-yaml v2 semantics), `k8s.io/cli-runtime/pkg/resource`
(`StreamVisitor` skips empty documents, `FlattenListVisitor` expands ``kind: List``, `infoForData` maps the
kind) and `k8s.io/kubectl/pkg/validation` (`getObjectKind`: "apiVersion not set", "kind not set").

Scalars resolve as go-yaml v2 resolves them, not as PyYAML does: ``y``/``n``/``on``/``off`` are booleans,
``1:30`` is a string (no base-60), ``017`` is octal, timestamps stay strings, and a map key becomes a string.
The loader builds objects from parser events with an explicit stack, so deep nesting cannot overflow the
Python stack; aliases are counted like go-yaml's `allowedAliasRatio` so an alias bomb fails fast.

Abstracts: a ManifestError's `message` is what kubectl prints after its ``error: `` prefix. kubesim adds
three limits kubectl does not have (input size, nesting depth, expanded node count); they say so in their
messages.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import yaml

from kubesim.model.errors import ManifestError
from kubesim.model.kinds import SERVED_KINDS
from kubesim.model.validation.decode import DecodeState, decode_value, json_kind
from kubesim.model.validation.schema import OBJECT_META

__all__ = ["Document", "SERVED_KINDS", "load_documents", "load_each"]

MAX_INPUT_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 200
MAX_ALIAS_EXPANDED_NODES = 400_000

_VALIDATE_SUFFIX = "if you choose to ignore these errors, turn validation off with --validate=false"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Document:
    """One object read from a manifest stream.

    `index` is the 0-based position of its YAML document in the stream (items of a ``kind: List`` share
    the index of the list), `source` the file name as given ("-" for stdin), `obj` the object as JSON data.
    """

    index: int
    source: str
    obj: dict


def load_documents(text: str | bytes, source: str = "-") -> list[Document]:
    """Read every object in `text`; raise the first `ManifestError` kubectl would report.

    Empty documents are skipped but still counted in `index`. Only `ManifestError` escapes.
    """
    results = load_each(text, source)
    for item in results:
        if isinstance(item, ManifestError):
            raise item
    return [item for item in results if isinstance(item, Document)]


def load_each(text: str | bytes, source: str = "-") -> list[Document | ManifestError]:
    """Read `text` document by document, keeping going past kind errors as ``kubectl apply`` does.

    A YAML syntax error, or a document that fails kubectl's own check (not an object, apiVersion or kind not
    set), stops the stream (kubectl's `StreamVisitor` returns on it), so it is the last item; the documents
    read before it stay.
    """
    try:
        return _load_each(text, source)
    except ManifestError as err:
        return [err]
    except RecursionError:
        return [_parse_error(source, None, f"error converting YAML to JSON: yaml: exceeded max depth of {MAX_DEPTH}")]
    except (MemoryError, ValueError, TypeError, OverflowError) as err:  # defensive: never leak another type
        return [_parse_error(source, None, f"error converting YAML to JSON: {err}")]


#: (text, source) -> ((index, obj as JSON text, or a private copy of obj), ...) of a stream that read without an
#: error. A pure function of the text and the name, so it cannot go stale; generated runs apply the same few
#: manifests again and again, and reading one is costly. Each read gets objects of its own: `json.loads` of the
#: JSON text (JSON data, read back exactly), or a copy (`_copy_tree`) of an object that shares a container
#: between two places (a YAML alias), which a JSON text would not show.
_READ: dict[tuple, tuple] = {}
_READ_LIMIT = 512
_READ_MAX_CHARS = 64 * 1024


def _load_each(text: str | bytes, source: str) -> list[Document | ManifestError]:
    """`_read_each`, remembered for streams that read without an error (see `_READ`)."""
    key = (text, source)
    hit = _READ.get(key)
    if hit is not None:
        memo: dict = {}
        return [Document(index=index, source=source, obj=_loads(kept) if type(kept) is str else _copy_tree(kept, memo)) for index, kept in hit]
    out = _read_each(text, source)
    if len(text) <= _READ_MAX_CHARS and all(type(item) is Document for item in out):
        if len(_READ) >= _READ_LIMIT:
            _READ.clear()
        memo = {}
        _READ[key] = tuple((doc.index, _kept(doc.obj, memo)) for doc in out)
    return out


def _kept(obj: dict, memo: dict):
    """What `_READ` keeps of `obj`: its JSON text when that shows it exactly, else a private copy."""
    if _is_tree(obj, set()):
        try:
            return _dumps(obj)
        except (TypeError, ValueError):  # defensive: the loader builds JSON data only
            pass
    return _copy_tree(obj, memo)


_loads = json.JSONDecoder().decode
_dumps = json.JSONEncoder(ensure_ascii=False, check_circular=False, allow_nan=False, separators=(",", ":")).encode


def _is_tree(value, seen: set) -> bool:
    """Whether no dict or list is reached twice in `value` (JSON text then shows it exactly)."""
    kind = type(value)
    if kind is not dict and kind is not list:
        return True
    if id(value) in seen:
        return False
    seen.add(id(value))
    return all(map(_is_tree, value.values() if kind is dict else value, [seen] * len(value)))


def _copy_tree(value, memo: dict):
    """A copy of JSON data: new dicts and lists, the same scalars; a container reached twice (a YAML alias) is
    copied once, so the copy shares what the original shares."""
    kind = type(value)
    if kind is not dict and kind is not list:
        return value
    copied = memo.get(id(value))
    if copied is not None:
        return copied
    if kind is dict:
        out = memo[id(value)] = {}
        for k, v in value.items():
            out[k] = v if type(v) is not dict and type(v) is not list else _copy_tree(v, memo)
    else:
        out = memo[id(value)] = []
        for v in value:
            out.append(v if type(v) is not dict and type(v) is not list else _copy_tree(v, memo))
    return out


def _read_each(text: str | bytes, source: str) -> list[Document | ManifestError]:
    text = _decode(text, source)
    out: list[Document | ManifestError] = []
    for index, chunk in enumerate(_split_documents(text, source)):
        try:
            obj = _chunk_to_object(chunk, source, index)
        except ManifestError as err:  # the stream stops here; what was read before stays
            out.append(err)
            return out
        if obj is None:
            continue
        for item in _expand_list(obj, source, index):
            out.append(item)
        if out and isinstance(out[-1], ManifestError) and out[-1].message.startswith("error validating "):
            return out  # kubectl's schema check (apiVersion/kind not set) stops the stream, as a syntax error does
    return out


# --------------------------------------------------------------------------------------------- reading


def _decode(text: str | bytes, source: str) -> str:
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_INPUT_BYTES:
        raise _parse_error(source, None, f"input is {size} bytes; kubesim reads at most {MAX_INPUT_BYTES} bytes")
    if isinstance(text, str):
        return text
    if text.startswith(b"\xef\xbb\xbf"):
        text = text[3:]
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as err:
        problem = {
            "invalid start byte": "invalid leading UTF-8 octet",
            "invalid continuation byte": "invalid trailing UTF-8 octet",
            "unexpected end of data": "incomplete UTF-8 octet sequence",
        }.get(err.reason, "invalid Unicode character")
        raise _parse_error(source, None, f"error converting YAML to JSON: yaml: {problem}") from None


def _split_documents(text: str, source: str) -> list[str]:
    """Split like `YAMLReader.Read`: a line starting ``---`` ends a document; only a comment may follow it."""
    chunks: list[str] = []
    buffer: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.startswith("---"):
            rest = line[3:].strip()
            if rest and not rest.startswith("#"):
                raise _parse_error(source, len(chunks), f"invalid Yaml document separator: {rest}")
            if buffer:
                chunks.append("".join(buffer))
                buffer = []
            continue
        buffer.append(line)
    if buffer:
        chunks.append("".join(buffer))
    return chunks


def _chunk_to_object(chunk: str, source: str, index: int):
    """Parse one chunk to JSON data; None for an empty document."""
    try:
        value = _build(yaml.parse(chunk, Loader=_Loader))
    except yaml.MarkedYAMLError as err:
        _raise_if_too_deep(chunk, source, index)
        raise _parse_error(source, index, "error converting YAML to JSON: yaml: " + _go_yaml_problem(err)) from None
    except yaml.YAMLError as err:
        reason = getattr(err, "reason", None) or str(err)
        raise _parse_error(source, index, f"error converting YAML to JSON: yaml: {reason}") from None
    except _BuildError as err:
        raise _parse_error(source, index, f"error converting YAML to JSON: {err}") from None
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ManifestError(
            f'error validating "{source}": error validating data: invalid object to validate; {_VALIDATE_SUFFIX}',
            source=source,
            document_index=index,
        )
    return value


#: Flow brackets, and the quoted scalars and comments whose brackets do not count.
_FLOW_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|#[^\n]*|[\[\]{}]""")


def _raise_if_too_deep(chunk: str, source: str, index: int) -> None:
    """Raise kubesim's depth error if `chunk`'s flow collections nest deeper than `MAX_DEPTH`.

    libyaml scans a flow collection to its end before it emits an event, and newer libyaml
    builds stop very deep input with a nesting limit of their own, so `_build` never sees the
    depth. Only called on input that already failed to parse: a scan of the brackets finds
    where the depth first passes the bound, and the pure-Python parser, which emits events as
    it goes, confirms it on the text up to there (short, so its look-ahead stays cheap).
    """
    depth = 0
    for token in _FLOW_TOKEN.finditer(chunk):
        c = token.group()
        if c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                break
        elif c in "]}":
            depth = max(depth - 1, 0)
    else:
        return
    try:
        _build(yaml.parse(chunk[: token.end()], Loader=yaml.SafeLoader))
    except _BuildError as err:
        if str(err).startswith("yaml: exceeded max depth"):
            raise _parse_error(source, index, f"error converting YAML to JSON: {err}") from None
    except (yaml.YAMLError, RecursionError):
        pass


def _go_yaml_problem(err: yaml.MarkedYAMLError) -> str:
    """Render a parse error as go-yaml v2's `parser.fail` does.

    go-yaml prints ``line N: `` from the problem mark (plus one for scanner errors only, its quirk), else
    from the context mark, and nothing when both are on the first line. Lines count from the chunk start.
    """
    problem = err.problem or "unknown problem parsing YAML content"
    line = 0
    if err.problem_mark is not None and err.problem_mark.line != 0:
        line = err.problem_mark.line + (1 if isinstance(err, yaml.scanner.ScannerError) else 0)
    elif err.context_mark is not None and err.context_mark.line != 0:
        line = err.context_mark.line
    return f"line {line}: {problem}" if line else problem


def _parse_error(source: str, index: int | None, detail: str) -> ManifestError:
    return ManifestError(f"error parsing {source}: {detail}", source=source, document_index=index)


# --------------------------------------------------------------------------------------------- building


class _BuildError(Exception):
    """A chunk parsed as YAML but cannot become JSON (bad key, alias bomb, too deep)."""


@dataclass(slots=True)
class _Frame:
    container: list | dict
    anchor: str | None
    nodes: int = 1
    aliases: int = 0
    pending_key: object = None
    has_key: bool = False


def _build(events):
    """Build the first document's value from parser events without recursion.

    Counts nodes as go-yaml's decoder does (an alias re-decodes its target), and fails with go-yaml's
    "document contains excessive aliasing" when aliases dominate or expand past a fixed budget.
    """
    anchors: dict[str, tuple[object, int, int]] = {}
    open_anchors: set[str] = set()
    stack: list[_Frame] = []
    decode_count = 0
    alias_count = 0
    root = None
    started = False
    for event in events:
        if isinstance(event, yaml.DocumentStartEvent):
            if started:
                break
            started = True
            continue
        if isinstance(event, yaml.DocumentEndEvent):
            break
        if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent)):
            continue
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(stack) >= MAX_DEPTH:
                raise _BuildError(f"yaml: exceeded max depth of {MAX_DEPTH}")
            container = {} if isinstance(event, yaml.MappingStartEvent) else []
            if event.anchor:
                open_anchors.add(event.anchor)
            stack.append(_Frame(container, event.anchor))
            decode_count += 1
            continue
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            frame = stack.pop()
            if frame.anchor:
                open_anchors.discard(frame.anchor)
                anchors[frame.anchor] = (frame.container, frame.nodes, frame.aliases)
            value, nodes, aliases = frame.container, frame.nodes, frame.aliases
        elif isinstance(event, yaml.ScalarEvent):
            value, nodes, aliases = _resolve_scalar(event), 1, 0
            decode_count += 1
            if event.anchor:
                anchors[event.anchor] = (value, 1, 0)
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor in open_anchors:
                raise _BuildError(f"yaml: anchor '{event.anchor}' value contains itself")
            if event.anchor not in anchors:
                raise _BuildError(f"yaml: unknown anchor '{event.anchor}' referenced")
            value, nodes, aliases = anchors[event.anchor]
            aliases += 1
            decode_count += nodes
            alias_count += aliases
            if _excessive_aliasing(decode_count, alias_count):
                raise _BuildError("yaml: document contains excessive aliasing")
        else:
            continue
        if not stack:
            root = value
            continue
        _attach(stack[-1], value, nodes, aliases)
    return root


def _attach(parent: _Frame, value, nodes: int, aliases: int) -> None:
    parent.nodes += nodes
    parent.aliases += aliases
    if isinstance(parent.container, list):
        parent.container.append(value)
    elif not parent.has_key:
        parent.pending_key, parent.has_key = _map_key(value), True
    else:
        parent.container[parent.pending_key] = value
        parent.has_key = False


def _excessive_aliasing(decode_count: int, alias_count: int) -> bool:
    """Mirror go-yaml v2's alias check, plus kubesim's hard budget on expanded nodes."""
    if decode_count > MAX_ALIAS_EXPANDED_NODES:
        return True
    if alias_count <= 100 or decode_count <= 1000:
        return False
    if decode_count <= 400_000:
        allowed = 0.99
    elif decode_count >= 4_000_000:
        allowed = 0.10
    else:
        allowed = 0.99 - 0.89 * ((decode_count - 400_000) / 3_600_000)
    return alias_count / decode_count > allowed


def _map_key(key) -> str:
    """Stringify a map key as sigs.k8s.io/yaml does when it converts YAML to JSON."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        return _format_float(key)
    raise _BuildError(f"yaml: invalid map key: {key!r}")


def _format_float(value: float) -> str:
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


# --------------------------------------------------------------------------------------------- scalars

_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUES = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}
_FALSES = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}
_FLOAT_RE = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_INF = {".inf": math.inf, ".Inf": math.inf, ".INF": math.inf, "+.inf": math.inf, "+.Inf": math.inf,
        "+.INF": math.inf, "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf}
_NAN = {".nan", ".NaN", ".NAN"}
_TAG = "tag:yaml.org,2002:"


def _resolve_scalar(event: yaml.ScalarEvent):
    """Resolve a scalar as go-yaml v2's `resolve` does, then make it JSON-able as sigs.k8s.io/yaml does."""
    tag = event.tag
    plain = event.implicit[0] and tag in (None, "!")
    if tag == "!" or (not plain and tag is None):
        return event.value
    if tag is not None and tag != _TAG + "null" and not tag.startswith(_TAG):
        return _resolve_plain(event.value)
    if tag in (_TAG + "str", _TAG + "binary", _TAG + "timestamp"):
        return event.value
    value = _resolve_plain(event.value)
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        raise _BuildError(f"json: unsupported value: {_go_float_name(value)}")
    return value


def _go_float_name(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return "+Inf" if value > 0 else "-Inf"


def _resolve_plain(text: str):
    if text in _NULLS:
        return None
    if text in _TRUES:
        return True
    if text in _FALSES:
        return False
    if text in _INF:
        return _INF[text]
    if text in _NAN:
        return math.nan
    if text and text[0] in "-+0123456789.":
        number = _parse_go_int(text.replace("_", ""))
        if number is not None:
            return number
        if _FLOAT_RE.match(text.replace("_", "")):
            return float(text.replace("_", ""))
    return text


def _parse_go_int(text: str) -> int | None:
    """Parse like Go's `strconv.ParseInt(s, 0, 64)`: 0x, 0o, 0b prefixes and a leading 0 for octal."""
    sign = 1
    body = text
    if body[:1] in "+-":
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if not body:
        return None
    base = 10
    digits = body
    lowered = body.lower()
    if lowered.startswith(("0x", "0o", "0b")):
        base = {"x": 16, "o": 8, "b": 2}[lowered[1]]
        digits = body[2:]
    elif len(body) > 1 and body[0] == "0":
        base, digits = 8, body[1:]
    if not digits:
        return None
    try:
        value = sign * int(digits, base)
    except ValueError:
        return None
    if not (-(2**63) <= value <= 2**64 - 1):
        return None
    return value


# --------------------------------------------------------------------------------------------- kinds


def _expand_list(obj: dict, source: str, index: int, in_list: bool = False) -> list[Document | ManifestError]:
    kind_error = _kind_error(obj, source, index, in_list)
    if kind_error is not None:
        return [kind_error]
    if obj.get("kind") == "List" and obj.get("apiVersion") == "v1":
        items = obj.get("items") or []
        if not isinstance(items, list):
            return [ManifestError(f'error validating "{source}": error validating data: items isn\'t a list; '
                                  f"{_VALIDATE_SUFFIX}", source=source, document_index=index, kind="List")]
        out: list[Document | ManifestError] = []
        for item in items:
            if not isinstance(item, dict):
                out.append(ManifestError(
                    f'error validating "{source}": error validating data: invalid object to validate; {_VALIDATE_SUFFIX}',
                    source=source, document_index=index))
                continue
            out.extend(_expand_list(item, source, index, in_list=True))
        return out
    return [Document(index=index, source=source, obj=obj)]


def _kind_error(obj: dict, source: str, index: int, in_list: bool = False) -> ManifestError | None:
    """Check apiVersion/kind as kubectl's `getObjectKind` and REST mapping do.

    An unserved kind is cli-runtime's `infoForData` "resource mapping not found ..." for a document, and
    `infoForObject`'s ``unable to recognize <NoKindMatchError>`` (no file, no name) for an item of a List
    (pkg/resource/mapper.go, called by `FlattenListVisitor`).
    """
    problems = []
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if api_version is None:
        problems.append("apiVersion not set")
    elif not isinstance(api_version, str):
        problems.append("apiVersion isn't string type")
    if kind is None:
        problems.append("kind not set")
    elif not isinstance(kind, str):
        problems.append("kind isn't string type")
    name, namespace = _name_and_namespace(obj)
    if problems:
        joined = problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]"
        return ManifestError(
            f'error validating "{source}": error validating data: {joined}; {_VALIDATE_SUFFIX}',
            source=source, document_index=index, kind=kind if isinstance(kind, str) else "", name=name,
            field="apiVersion" if "apiVersion" in problems[0] else "kind",
        )
    metadata_error = _metadata_decode_error(obj, source, index, kind, name)
    if metadata_error is not None:
        return metadata_error
    if (api_version, kind) in SERVED_KINDS or (api_version, kind) == ("v1", "List"):
        return None
    if in_list:
        return ManifestError(f'unable to recognize no matches for kind "{kind}" in version "{api_version}"',
                             source=source, document_index=index, kind=kind, name=name, field="apiVersion",
                             list_item=True)
    return ManifestError(
        f'resource mapping not found for name: "{name}" namespace: "{namespace}" from "{source}": '
        f'no matches for kind "{kind}" in version "{api_version}"\nensure CRDs are installed first',
        source=source, document_index=index, kind=kind, name=name, field="apiVersion",
    )


def _metadata_decode_error(obj: dict, source: str, index: int, kind: str, name: str) -> ManifestError | None:
    """kubectl decodes `metadata` into a full `v1.ObjectMeta` before the REST mapping (cli-runtime `infoForData`):
    a wrongly typed metadata field fails there, client-side, as ``unable to decode "<file>": json: ...``."""
    meta = obj.get("metadata")
    if meta is None:
        return None
    if not isinstance(meta, dict):
        detail = (f"json: cannot unmarshal {json_kind(meta)} into Go struct field "
                  "metadataOnlyObject.metadata of type v1.ObjectMeta")
        field = "metadata"
    else:
        state = DecodeState()
        decode_value(meta, OBJECT_META, state, ["metadata"], "ObjectMeta", "metadata")
        if state.type_error is None:
            return None
        detail = state.type_error
        found = re.search(r"Go struct field \w+\.(\S+) of type", detail)
        field = found.group(1) if found else "metadata"
    return ManifestError(f'unable to decode "{source}": {detail}', source=source, document_index=index, kind=kind,
                         name=name, field=field)


def _name_and_namespace(obj: dict) -> tuple[str, str]:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return "", ""
    name, namespace = meta.get("name"), meta.get("namespace")
    return (name if isinstance(name, str) else "", namespace if isinstance(namespace, str) else "")
