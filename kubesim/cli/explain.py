"""`kubesim explain TYPE[.FIELD...]`: the fields the model decodes, in kubectl explain's layout.

The layout is kubectl's plaintext template (`pkg/explain/v2/templates/plaintext.tmpl`: GROUP, KIND, VERSION,
FIELD with its type, FIELDS with one ``name <type>`` line each). The fields are those of the model's strict
decoder (`kubesim.model.validation.SCHEMAS`), so it shows exactly what kubesim accepts; kubesim has no field
descriptions, and says so once, pointing to a real cluster's `kubectl explain` for them.
"""

from __future__ import annotations

from kubesim.model.validation import SCHEMAS

from .common import Ctx, UserError, resolve_kind


def _type_name(typ: tuple) -> str:
    tag = typ[0]
    if tag == "struct":
        return typ[1]
    if tag == "slice":
        inner = typ[2]
        return "[]" + (_type_name(inner) if inner[0] == "struct" else _type_name(inner))
    if tag == "map":
        return f"map[string]{_type_name(typ[2])}"
    return {"string": "string", "bytes": "string", "int32": "integer", "int64": "integer", "bool": "boolean",
            "intstr": "IntOrString", "any": "Object"}[tag]


def _fields(typ: tuple) -> dict | None:
    while typ[0] in ("slice", "map"):
        typ = typ[2]
    return typ[2] if typ[0] == "struct" else None


def cmd_explain(ctx: Ctx) -> None:
    path = ctx.args.path.split(".")
    kind = resolve_kind(path[0])
    schema = next(((gv, s) for (gv, k), s in SCHEMAS.items() if k == kind), None)
    if schema is None:
        raise UserError(f"error: kubesim does not decode {kind} objects of its own (it serves them read-only); it explains "
                        + ", ".join(sorted(k for _, k in SCHEMAS)))
    gv, typ = schema
    group, _, version = gv.rpartition("/")
    lines = [f"GROUP:      {group}"] if group else []
    lines += [f"KIND:       {kind}", f"VERSION:    {version}", ""]
    name = None
    for field in path[1:]:
        members = _fields(typ)
        if not members or field not in members:
            raise UserError(f'error: field "{field}" does not exist')
        name, typ = field, members[field]
    if name:
        lines += [f"FIELD: {name} <{_type_name(typ)}>", ""]
    members = _fields(typ)
    if typ[0] == "any":
        lines.append("kubesim keeps this field as it is given and does not model its fields.")
    elif members:
        lines.append("FIELDS:")
        lines += [f"  {key}\t<{_type_name(sub)}>" for key, sub in sorted(members.items())]
    lines += ([""] if lines[-1] else []) + ["(kubesim's fields and types; a real cluster's `kubectl explain` has each field's description)"]
    ctx.out("\n".join(lines))
