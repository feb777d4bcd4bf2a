"""`get`, `describe` and `delete`: what kubectl prints for the objects the arguments name (`targets`).

`delete --all` takes every object of the types.
"""

from __future__ import annotations

import json

from kubesim import model as m
from kubesim.model import kubectl as mk
from kubesim.model.kinds import CLUSTER_SCOPED
from kubesim.model.manifest import load_each

from . import jsonpath as jp
from . import printers as pr
from .common import Ctx, UserError, error_text, read_files
from .describe import DESCRIBERS, describe
from .tabwriter import layout
from .targets import bulk_targets, parse_targets, select

#: `-o` formats kubectl has (`kubectl get --help`); kubesim prints those of `OUTPUTS`.
KUBECTL_OUTPUTS = ("custom-columns", "custom-columns-file", "go-template", "go-template-file", "json", "jsonpath", "jsonpath-as-json",
                   "jsonpath-file", "kyaml", "name", "template", "templatefile", "wide", "yaml")
OUTPUTS = ("json", "yaml", "wide", "name", "jsonpath", "custom-columns")


def _no_resources(ctx: Ctx) -> str:
    return "No resources found." if ctx.args.all_namespaces else f"No resources found in {ctx.ns} namespace."


def _output_format(output: str | None) -> tuple[str | None, str]:
    """`-o` as (format, argument): ``jsonpath={.a}`` -> ("jsonpath", "{.a}")."""
    if output is None:
        return None, ""
    fmt, _, arg = output.partition("=")
    if fmt not in OUTPUTS:
        if fmt in KUBECTL_OUTPUTS:
            raise UserError(f'error: kubesim does not implement the output format "{fmt}"; it implements {", ".join(OUTPUTS)}')
        raise UserError(f'error: unable to match a printer suitable for the output format "{output}", allowed formats are: {",".join(KUBECTL_OUTPUTS)}')
    if fmt in ("jsonpath", "custom-columns") and not arg:
        raise UserError(f"error: {fmt} template format specified but no {fmt} template given")
    return fmt, arg


def _custom_columns(spec: str) -> list[tuple[str, str]]:
    """`NAME:.metadata.name,IMAGE:.spec.containers[*].image` (`custom_column_printer.go`)."""
    columns = []
    for part in spec.split(","):
        header, sep, expr = part.partition(":")
        if not sep or not header:
            raise UserError(f'error: unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>')
        columns.append((header, jp.relaxed(expr)))
    return columns


def _sort_key(expr: str):
    """`--sort-by` (kubectl `sorter.go`): numbers by value, then strings; objects without the field first."""
    def key(obj: dict):
        found = jp.values(expr, obj)
        if not found:
            return (0, 0, "")
        v = found[0]
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return (1, v, "")
        return (2, 0, v if isinstance(v, str) else json.dumps(v, sort_keys=True))
    return key


def cmd_get(ctx: Ctx) -> None:
    a = ctx.args
    fmt, arg = _output_format(a.output)
    try:
        if fmt == "jsonpath":
            jp.check(arg)
        columns = _custom_columns(arg) if fmt == "custom-columns" else []
        for _, expr in columns:
            jp.check(expr)
        sort_by = jp.relaxed(a.sort_by) if a.sort_by else None
        if sort_by:
            jp.check(sort_by)
    except jp.JSONPathError as e:
        raise UserError(f"error: error parsing jsonpath {arg or a.sort_by}, {e}")
    targets = parse_targets(a.resources)
    if not targets:
        raise UserError("error: You must specify the type of resource to get. Use \"kubesim api-resources\" for a complete list of supported resources.")
    if a.watch and len(targets) > 1:  # get.go watch(): the builder's SingleResourceType (builder.go resourceMappings)
        raise UserError("error: you may only specify a single resource type")
    if a.watch and fmt not in (None, "wide"):
        raise UserError(f'error: kubesim implements get -w for tables (no -o, or -o wide), not -o {fmt}')
    if any(kind == "Endpoints" for kind, _ in targets):  # the API server's deprecation warning, printed by kubectl v1.33+
        ctx.err("Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice")
    found, errors = select(ctx, targets)
    if sort_by:
        found = [(kind, sorted(lst, key=_sort_key(sort_by))) for kind, lst in found]
    objs = [o for _, lst in found for o in lst]
    one = len(targets) == 1 and len(targets[0][1]) == 1
    doc = objs[0] if (one and len(objs) == 1) else pr.as_list(objs)
    if fmt in ("json", "yaml"):
        if objs or not errors:
            ctx.out((pr.to_json(doc) if fmt == "json" else pr.to_yaml(doc)).rstrip("\n"))
    elif fmt == "jsonpath":
        if objs or not errors:
            ctx.out(jp.render(arg, doc), end="")  # kubectl adds no newline after a template
    elif fmt == "name":
        for o in objs:
            ctx.out(pr.name_of(o))
    elif fmt == "custom-columns":
        rows = [] if a.no_headers else [[h for h, _ in columns]]
        for o in objs:
            rows.append([",".join(jp.text(v) for v in jp.values(e, o)) or "<none>" for _, e in columns])
        if objs:
            ctx.out(layout(rows, padding=3, minwidth=6))
    else:
        with_kind = len(targets) > 1 or (a.resources and "/" in a.resources[0] and len({k for k, _ in targets}) > 1)
        label_columns = tuple(key for group in a.label_columns for key in group)
        tables = [pr.table(kind, lst, ctx.st.now, ctx.st.config.epoch, wide=fmt == "wide", with_kind=with_kind,
                           with_namespace=a.all_namespaces, label_columns=label_columns, show_labels=a.show_labels, headers=not a.no_headers)
                  for kind, lst in found if lst]
        if tables:
            ctx.out("\n\n".join(tables))
        if a.watch:
            from .waits import watch

            return watch(ctx, found)
    if not objs and not errors and fmt not in ("json", "yaml", "jsonpath") and not (a.ignore_not_found and any(names for _, names in targets)):
        ctx.err(_no_resources(ctx))
    for e in errors:
        ctx.err(e)
        ctx.failed = True


def cmd_describe(ctx: Ctx) -> None:
    targets = parse_targets(ctx.args.resources)
    if not targets:
        raise UserError("error: You must specify the type of resource to describe. Use \"kubesim api-resources\" for a complete list of supported resources.")
    for kind, _ in targets:
        if kind not in DESCRIBERS:
            raise UserError(f"error: kubesim cannot describe {kind} objects")
    found, errors = select(ctx, targets)
    texts = [describe(ctx.st, o) for _, lst in found for o in lst]
    if texts:
        ctx.out("\n\n".join(t.rstrip("\n") for t in texts))
    elif not errors:
        ctx.err(_no_resources(ctx))
    for e in errors:
        ctx.err(e)
        ctx.failed = True


def _file_targets(ctx: Ctx) -> list[tuple[str, str, str]]:
    out = []
    for source, data in read_files(ctx.args.filename):
        for item in load_each(data, source):
            if isinstance(item, m.ManifestError):
                ctx.err(error_text(item))
                ctx.failed = True
                continue
            obj = item.obj
            md = obj.get("metadata") or {}
            kind = obj.get("kind")
            out.append((kind, md.get("name", ""), "" if kind in CLUSTER_SCOPED else (md.get("namespace") or ctx.ns)))
    return out


def cmd_delete(ctx: Ctx) -> None:
    """`kubectl delete` (`delete.go`): by file, by names, by `-l`, or `--all`.

    With `-l` or `--all`, `--ignore-not-found` defaults to true and an empty match prints ``No resources found``.
    """
    a = ctx.args
    if a.filename:
        if a.resources:
            raise UserError("error: resource(s) were provided, but no name was specified")
        targets = _file_targets(ctx)
    else:
        parsed, named = bulk_targets(a.resources, a.all, a.selector)
        if a.all and named:
            raise UserError("error: name cannot be provided when a selector is specified")
        if not named and not a.all and a.selector is None:
            raise UserError("error: resource(s) were provided, but no name was specified")
        if a.all or a.selector is not None:
            a.ignore_not_found = True
        found, errors = select(ctx, parsed)
        for e in errors:
            ctx.err(e)
            ctx.failed = True
        targets = [(o["kind"], o["metadata"]["name"], o["metadata"].get("namespace", "")) for _, lst in found for o in lst]
        if not targets and not errors and not named:
            ctx.out("No resources found")
            return
    st = ctx.st
    for kind, name, ns in targets:
        try:
            st, _ = m.perform(st, m.Delete(kind, name, ns, a.cascade))
        except m.ApiError as err:
            if err.reason == "NotFound" and a.ignore_not_found:
                continue
            ctx.err(err.kubectl_message())
            ctx.failed = True
            continue
        ctx.out(mk.deleted_line(kind, name, ns))
    ctx.st = st
