"""`kubesim apply -f`: every valid object applied, every refused one reported as kubectl reports it.

kubesim adds one line of its own after each refusal, naming the document, the object and the field; for a
value of the wrong JSON type the field is the exact one (``data[DATASOURCE_PASSWORD]``,
``spec.template.spec.containers[0].ports[1].containerPort``) where the API server's message names only the Go
struct field (``ConfigMap.data``). Paths are written as the API server's `field.Path` writes them (`path.go`:
``.name`` for a struct field, ``[i]`` for a list index, ``[key]`` for a map key).
"""

from __future__ import annotations

import re

from kubesim import model as m
from kubesim.model.manifest import load_each
from kubesim.model.kinds import KINDS
from kubesim.model.validation import json_kind as value_kind, number_text

from .common import Ctx, UserError, error_text, read_files


def precise_field(obj: dict, go_fields: list[str], json_kind: str, shown: str = "") -> str | None:
    """The path of the first value the decoder refused: `go_fields` is the Go struct field path of the message
    (json names, no indices), `json_kind` and `shown` what it says of the value (``number``, ``number 1.5``).

    The decoder visits map keys in sorted order and list items in order, and keeps only its first error
    (`decodeState.saveError`), so the first match in that order is the value it named. Map keys print as
    ``[key]`` and list items as ``[i]``, as `field.Path.Key` and `field.Path.Index` print them.
    """

    def fits(value) -> bool:
        return value_kind(value) == json_kind and (not shown or (json_kind == "number" and number_text(value) == shown))

    def walk(value, fields: list[str], path: str) -> str | None:
        if isinstance(value, list) and (fields or not fits(value)):
            for i, item in enumerate(value):
                found = walk(item, fields, f"{path}[{i}]")
                if found:
                    return found
            return None
        if not fields:
            if fits(value):
                return path
            if isinstance(value, dict):  # a map field: the refused value is one of its values
                for key in sorted(value, key=lambda k: str(k).encode("utf-8", "surrogatepass")):
                    if fits(value[key]):
                        return f"{path}[{key}]"
            return None
        if isinstance(value, dict) and fields[0] in value:
            return walk(value[fields[0]], fields[1:], f"{path}.{fields[0]}" if path else fields[0])
        return None

    return walk(obj, go_fields, "")


def _with_namespace(obj: dict, ns: str, explicit: bool) -> dict:
    """Default the object's namespace to `-n`; refuse a conflicting one, as kubectl does."""
    md = obj.get("metadata")
    if obj.get("kind") == "Namespace" or not isinstance(md, dict):
        return obj
    have = md.get("namespace")
    if have and explicit and have != ns:
        raise UserError(f"error: the namespace from the provided object \"{have}\" does not match the namespace \"{ns}\". You must pass '--namespace={have}' to perform this operation.")
    if have:
        return obj
    return {**obj, "metadata": {**md, "namespace": ns}}


def _apply_context(source: str, index: int | None, kind: str, name: str, err: Exception | None, obj: dict | None = None) -> str:
    """kubesim's own line after a refused object: kubectl names the file or the object, not the document."""
    where = f"document {index + 1} of {source}" if index is not None else f"{source}, before any document was read"
    what = f"{kind}/{name}" if kind and name else (f"{kind} without a name" if kind else "")
    field = getattr(err, "field", None)
    if not field and isinstance(err, m.ApiError):
        found = re.search(r'Go struct field \w+\.(\S+) of type|unknown field "([^"]+)"', err.message)
        field = (found.group(1) or found.group(2)) if found else None
        typed = re.search(r"cannot unmarshal (\w+)( \S+)? into Go struct field \w+\.(\S+) of type", err.message)
        if typed and obj is not None:
            field = precise_field(obj, typed.group(3).split("."), typed.group(1), (typed.group(2) or "").strip()) or field
    parts = [p for p in (what, f"field {field}" if field else "") if p]
    return f"({where}: {', '.join(parts)})" if parts else f"({where})"


def _no_name_error(obj: dict, ns: str, source: str) -> str:
    """kubectl apply's GET of an object without a name (`apply.go`, `resource name may not be empty`)."""
    kind = obj.get("kind", "")
    declared = KINDS.get(kind)
    group_version = declared.api_version if declared else str(obj.get("apiVersion", ""))
    gv = group_version if "/" in group_version else f"/{group_version}"
    resource = declared.plural if declared else kind.lower() + "s"
    return (f'error when retrieving current configuration of:\nResource: "{gv}, Resource={resource}", GroupVersionKind: "{gv}, Kind={kind}"\n'
            f'Name: "", Namespace: "{"" if declared and not declared.namespaced else ns}"\nfrom server for: "{source}": resource name may not be empty')


#: What kubectl adds to each line with --dry-run (`PrintFlagsWithDryRunStrategy`); the state is not written.
DRY_RUN_SUFFIX = {"client": " (dry run)", "server": " (server dry run)"}


def cmd_apply(ctx: Ctx) -> None:
    """Apply every valid object of every file; report the refused ones after, as kubectl's aggregate does.

    The errors are shaped as kubectl's are (`apply.go` `RunApply`, `cmdutil.checkErr`): the reading errors form
    one aggregate (`EagerVisitorList`), inside which the refused items of one ``kind: List`` form another
    (`FlattenListVisitor`); the server's errors follow. One error prints as kubectl prints it alone (``error:
    ...``, ``The Deployment "web" is invalid: ...``); an aggregate prints as `cmdutil.MultipleErrors` does (no
    ``error:`` prefix, API errors as ``Error from server (<Reason>): error when creating "<file>": ...``, a nested
    aggregate on one line as ``[<e1>, <e2>]``). Each line is followed by kubesim's context line(s) naming the
    document (1-based), the object and the field.
    """
    explicit = ctx.args.namespace is not None
    st = ctx.st
    reading = _Aggregate()  # leaves (alone, among several, context) and, per kind: List, an aggregate of its items
    errors: list[tuple[str, str, str]] = []  # the server's (and apply's own) errors
    list_key = None
    seen = 0
    for source, data in read_files(ctx.args.filename):
        for item in load_each(data, source):
            seen += 1
            if isinstance(item, m.ManifestError):
                where = _apply_context(source, item.document_index, item.kind, item.name, item)
                leaf = (error_text(item), item.message, where)
                if not item.list_item:
                    reading.append(leaf)
                elif list_key == (source, item.document_index) and isinstance(reading[-1], _Aggregate):
                    reading[-1].append(leaf)
                else:
                    reading.append(_Aggregate([leaf]))
                list_key = (source, item.document_index) if item.list_item else None
                continue
            try:
                obj = _with_namespace(item.obj, ctx.ns, explicit)
            except UserError as e:
                reading.append((e.text, e.text.removeprefix("error: "), _apply_context(source, item.index, str(item.obj.get("kind")), "", None)))
                continue
            md = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
            kind = obj.get("kind")
            name = md.get("name")
            if not name:
                text = _no_name_error(obj, md.get("namespace") or ctx.ns, source)
                errors.append((f"error: {text}", text, _apply_context(source, item.index, kind, "", None) [:-1] + ", field metadata.name)"))
                continue
            existed = st.get(kind, md.get("namespace", "") if kind != "Namespace" else "", name) is not None if isinstance(name, str) else False
            try:
                st, line = m.perform(st, m.Apply(obj))
            except (m.ApiError, m.ManifestError) as err:
                err.source, err.document_index = source, item.index
                verb = "creating" if not existed else "patching"
                several = (f'Error from server ({err.reason}): error when {verb} "{source}": {err.message}'
                           if isinstance(err, m.ApiError) else err.message)
                errors.append((error_text(err, source, creating=not existed), several,
                               _apply_context(source, item.index, kind, name if isinstance(name, str) else "", err, obj)))
                continue
            ctx.out(line + DRY_RUN_SUFFIX.get(ctx.args.dry_run, ""))
    ctx.st = st
    if not seen:
        raise UserError("error: no objects passed to apply")
    top = _Aggregate(([reading] if reading else []) + errors)  # apply returns errs[0], or an aggregate of errs
    err = top[0] if len(top) == 1 else top
    if isinstance(err, _Aggregate) and len(err) == 1:  # checkErr unwraps an aggregate of one
        err = err[0]
    if isinstance(err, tuple):
        ctx.err(err[0])
        ctx.err(err[2])
        ctx.failed = True
        return
    for e in err:
        ctx.err(_error_line(e))
        for leaf in _leaves(e):
            ctx.err(leaf[2])
        ctx.failed = True


class _Aggregate(list):
    """An aggregate error (`utilerrors.Aggregate`) of leaves ``(alone, among several, context)`` and aggregates."""


def _leaves(e) -> list[tuple[str, str, str]]:
    return [e] if isinstance(e, tuple) else [leaf for x in e for leaf in _leaves(x)]


def _error_line(e) -> str:
    """`messageForError`: a leaf's message; an aggregate's `Error()` (one: its element's; more: the distinct
    messages of its flattened leaves, in brackets unless only one is left)."""
    if isinstance(e, tuple):
        return e[1]
    if len(e) == 1:
        return _error_line(e[0])
    messages = list(dict.fromkeys(leaf[1] for leaf in _leaves(e)))
    return messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"


