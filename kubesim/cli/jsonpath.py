"""kubectl's JSONPath templates (`-o jsonpath=`, `-o custom-columns=`, `--sort-by`).

The dialect of client-go `util/jsonpath` (`parser.go`, `jsonpath.go`): text with ``{...}`` actions; in an
action a path from the current object (``.a.b``, ``@.a``, ``$.a``), ``['key']``, ``[n]``, ``[-1]``, ``[a:b]``,
``[*]``, unions ``[a,b]``, recursive descent ``..name``, filters ``[?(@.x == "y")]`` (``==``, ``!=``,
``<``, ``>``, ``<=``, ``>=``, or a path alone for existence), string literals (``{"\\n"}``) and
``{range ...}...{end}``. A missing key prints nothing (kubectl's `get` sets `AllowMissingKeys(true)`); several
results of one action are separated by a space; strings print as they are, other values as compact JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

_MISSING = object()


class JSONPathError(ValueError):
    """A template that does not parse."""


#: kubectl's `jsonRegexp` (`get/customcolumn.go`): one expression, with or without its braces and leading dot.
_RELAXED = re.compile(r"^\{\.?([^{}]+)\}$|^\.?([^{}]+)$")


def relaxed(expr: str) -> str:
    """`RelaxedJSONPathExpression`: ``.a.b``, ``a.b`` and ``{.a.b}`` all mean ``{.a.b}``; anything else (two
    actions, a lone brace) is refused with kubectl's message."""
    e = expr.strip()
    if not _RELAXED.match(e):
        raise JSONPathError("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'")
    if e.startswith("{") and e.endswith("}"):
        e = e[1:-1]
    if not e.startswith((".", "@", "$", "[")):
        e = "." + e
    return "{" + e + "}"


def _split(template: str) -> list[tuple[str, str]]:
    """The template as ("text", ...) and ("action", ...) parts."""
    parts: list[tuple[str, str]] = []
    i = 0
    while i < len(template):
        start = template.find("{", i)
        if start < 0:
            parts.append(("text", template[i:]))
            break
        if start > i:
            parts.append(("text", template[i:start]))
        j = _closing(template, start, "{}")
        if j < 0:
            raise JSONPathError(f"unclosed action in {template!r}")
        parts.append(("action", template[start + 1:j].strip()))
        i = j + 1
    return parts


def _literal(text: str) -> str:
    if text[0] == '"':
        return json.loads(text)  # Go's strconv.Unquote of a double-quoted string, for the escapes kubectl users write
    return text[1:-1]


def _path_steps(expr: str) -> list[tuple[str, Any]]:
    """Parse a path (after its optional @ or $) into steps."""
    steps: list[tuple[str, Any]] = []
    i = 0
    if expr[:1] in ("@", "$"):
        i = 1
    while i < len(expr):
        if expr.startswith("..", i):
            name, i = _name(expr, i + 2)
            steps.append(("recurse", name))
        elif expr[i] == ".":
            name, i = _name(expr, i + 1)
            if name:
                steps.append(("field", name))
        elif expr[i] == "[":
            j = _closing(expr, i, "[]")
            if j < 0:
                raise JSONPathError("unterminated array")
            steps.append(_bracket(expr[i + 1:j]))
            i = j + 1
        else:
            raise JSONPathError(f"unrecognized character in action: {expr[i:]!r}")
    return steps


def _name(expr: str, i: int) -> tuple[str, int]:
    out = []
    while i < len(expr) and expr[i] not in ".[":
        if expr[i] == "\\" and i + 1 < len(expr):
            i += 1
        out.append(expr[i])
        i += 1
    return "".join(out), i


def _closing(text: str, i: int, pair: str) -> int:
    """The index of the bracket that closes the one at `i` (`pair` is the opening and closing bracket), nested
    ones and quoted text (with backslash escapes) skipped; -1 if none does."""
    depth, quote, j = 0, None, i
    while j < len(text):
        c = text[j]
        if quote:
            if c == "\\":
                j += 1
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == pair[0]:
            depth += 1
        elif c == pair[1]:
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return -1


_FILTER = re.compile(r"^\s*(@[^<>=!]*?)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$")


def _bracket(inner: str) -> tuple[str, Any]:
    inner = inner.strip()
    if inner.startswith("?(") and inner.endswith(")"):
        cond = inner[2:-1]
        m = _FILTER.match(cond)
        if m:
            return ("filter", (_path_steps(m.group(1)), m.group(2), m.group(3)))
        return ("filter", (_path_steps(cond.strip()), None, None))
    if inner == "*":
        return ("all", None)
    if ":" in inner:
        bounds = [int(x) if x.strip() else None for x in inner.split(":")]
        return ("slice", slice(*bounds))
    keys = []
    for part in inner.split(","):
        part = part.strip()
        if part[:1] in "\"'":
            keys.append(part[1:-1])
        else:
            try:
                keys.append(int(part))
            except ValueError:
                raise JSONPathError(f"invalid array index {part!r}") from None
    return ("keys", keys)


def _recurse(value, name: str) -> list:
    out = []
    if isinstance(value, dict):
        if name in value:
            out.append(value[name])
        for k in sorted(value):
            out += _recurse(value[k], name)
    elif isinstance(value, list):
        for item in value:
            out += _recurse(item, name)
    return out


def _compare(left, op: str, right) -> bool:
    try:
        return {"==": left == right, "!=": left != right}[op] if op in ("==", "!=") else \
            {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]
    except TypeError:
        return False


def _right(text: str, item):
    if text[:1] in "\"'":
        return _literal(text)
    if text.startswith("@"):
        found = evaluate(_path_steps(text), item)
        return found[0] if found else _MISSING
    try:
        return json.loads(text)
    except ValueError:
        return text


def evaluate(steps: list[tuple[str, Any]], root) -> list:
    values = [root]
    for kind, arg in steps:
        nxt: list = []
        for v in values:
            if kind == "field":
                if isinstance(v, dict) and arg in v:
                    nxt.append(v[arg])
            elif kind == "recurse":
                nxt += _recurse(v, arg)
            elif kind == "all":
                nxt += list(v) if isinstance(v, list) else ([v[k] for k in sorted(v)] if isinstance(v, dict) else [])
            elif kind == "slice":
                if isinstance(v, list):
                    nxt += v[arg]
            elif kind == "keys":
                for key in arg:
                    if isinstance(key, int) and isinstance(v, list) and -len(v) <= key < len(v):
                        nxt.append(v[key])
                    elif isinstance(key, str) and isinstance(v, dict) and key in v:
                        nxt.append(v[key])
            elif kind == "filter":
                path, op, right = arg
                for item in (v if isinstance(v, list) else []):
                    found = evaluate(path, item)
                    if op is None:
                        if found:
                            nxt.append(item)
                    elif found and _compare(found[0], op, _right(right, item)):
                        nxt.append(item)
        values = nxt
    return values


def text(value) -> str:
    """How one result prints: a string as it is, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"  # pragma: no cover - the model stores no nulls
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _action_values(action: str, current) -> list:
    if action[:1] in "\"'":
        return [_literal(action)]
    return evaluate(_path_steps(action), current)


def render(template: str, root) -> str:
    """The template's output for `root` (an object, or a v1 List of them)."""
    parts = _split(template)
    out: list[str] = []
    _render(parts, 0, len(parts), root, out)
    return "".join(out)


def _render(parts, i: int, end: int, current, out: list[str]) -> int:
    while i < end:
        kind, body = parts[i]
        if kind == "text":
            out.append(body)
            i += 1
            continue
        if body.startswith("range "):
            close = _matching_end(parts, i)
            for item in _action_values(body[len("range "):].strip(), current):
                _render(parts, i + 1, close, item, out)
            i = close + 1
            continue
        if body == "end":
            raise JSONPathError("not in range, nothing to end")
        out.append(" ".join(text(v) for v in _action_values(body, current)))
        i += 1
    return i


def _matching_end(parts, i: int) -> int:
    depth = 0
    for j in range(i, len(parts)):
        kind, body = parts[j]
        if kind != "action":
            continue
        if body.startswith("range "):
            depth += 1
        elif body == "end":
            depth -= 1
            if depth == 0:
                return j
    raise JSONPathError("unclosed range")


def values(expr: str, root) -> list:
    """The results of one relaxed expression (``{.a.b}``, see `relaxed`) on `root`."""
    return evaluate(_path_steps(expr[1:-1].strip()), root)


def check(template: str) -> None:
    """Raise `JSONPathError` if the template does not parse."""
    for kind, body in _split(template):
        if kind == "action" and body != "end" and body[:1] not in "\"'":
            _path_steps(body[len("range "):].strip() if body.startswith("range ") else body)
