"""`label`, `annotate`, `version` and `api-resources`.

`label` follows kubectl `pkg/cmd/label/label.go` (`parseLabels`, `validateNoOverwrites`, `updateDataChangeMsg`:
``labeled``, ``unlabeled``, ``not labeled``; ``label "k" not found.`` for a removal of a missing key);
`annotate` follows `pkg/cmd/annotate/annotate.go` (`validateNoAnnotationOverwrites`: only a different value
needs --overwrite; the printer says ``annotated``). Both write through the model's admission and store, so an
invalid key is refused with the API server's message and a pod relabelled out of its ReplicaSet's selector is
replaced, as on a real cluster.
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version

from kubesim.model.kinds import CLUSTER_SCOPED, KIND_LIST, prefix
from kubesim.model.store import update
from kubesim.model.validation import admit

from .common import Ctx, UserError
from .targets import parse_targets, select
from .tabwriter import layout

#: The Kubernetes version whose behaviour the model follows.
KUBERNETES_VERSION = "v1.36.3"
#: Metadata the API server sets; a label or annotation write leaves it to the store.
_SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "deletionTimestamp",
                  "deletionGracePeriodSeconds", "selfLink")


def _pairs(words: list[str], what: str) -> tuple[list[str], dict[str, str], list[str]]:
    """`cmdutil.GetResourcesAndPairs` then `parseLabels`: resource words, then KEY=VALUE and KEY- words."""
    resources: list[str] = []
    pairs: list[str] = []
    for w in words:
        pair = ("=" in w and not w.startswith("=")) or (w.endswith("-") and w != "-")
        if pair:
            pairs.append(w)
        elif pairs:
            raise UserError(f"error: all resources must be specified before {what} changes: {w}")
        else:
            resources.append(w)
    new: dict[str, str] = {}
    remove: list[str] = []
    for spec in pairs:
        if "=" in spec:
            parts = spec.split("=")
            if len(parts) != 2:
                raise UserError(f"error: invalid {what} spec: {spec}")
            new[parts[0]] = parts[1]
        else:
            remove.append(spec[:-1])
    if any(k in new for k in remove):
        raise UserError(f"error: can not both modify and remove {'a label' if what == 'label' else 'an annotation'} in the same command")
    return resources, new, remove


def _json_size(values: dict) -> int:
    return len(json.dumps(values, separators=(",", ":"))) if values else 0


def _write(ctx: Ctx, obj: dict, field: str, values: dict[str, str]) -> None:
    md = {k: v for k, v in obj["metadata"].items() if k not in _SERVER_FIELDS}
    if values:
        md[field] = values
    else:
        md.pop(field, None)
    clean = {k: v for k, v in obj.items() if k != "status"}
    clean["metadata"] = md
    new = admit(clean, old=obj)
    if obj["kind"] in CLUSTER_SCOPED:
        new["metadata"].pop("namespace", None)
    ctx.st, _ = update(ctx.st, {**new, "metadata": {**new["metadata"], "uid": obj["metadata"]["uid"]}})


def _change(ctx: Ctx, what: str) -> None:
    a = ctx.args
    resources, new, remove = _pairs(a.resources + a.changes, what)
    if not resources:
        raise UserError("error: one or more resources must be specified as <resource> <name> or <resource>/<name>")
    if not new and not remove:
        raise UserError(f"error: at least one {what} update is required")
    if a.all and a.selector is not None:
        raise UserError("error: cannot set --all and --selector at the same time")
    targets = parse_targets(resources)
    if not any(names for _, names in targets) and not a.all and a.selector is None:
        raise UserError("error: resource(s) were provided, but no name was specified")
    found, errors = select(ctx, targets)
    field = "labels" if what == "label" else "annotations"
    for _, objs in found:
        for obj in objs:
            obj = ctx.st.get(obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
            have = dict(obj["metadata"].get(field) or {})
            if not a.overwrite:
                clash = [(k, have[k]) for k in new if k in have and (what == "label" or have[k] != new[k])]
                if clash and what == "label":
                    raise UserError("error: " + "; ".join(f"'{k}' already has a value ({v}), and --overwrite is false" for k, v in clash))
                if clash:
                    raise UserError("error: --overwrite is false but found the following declared annotation(s): "
                                    + "; ".join(f"'{k}' already has a value ({v})" for k, v in clash))
            if what == "label":
                for k in remove:
                    if k not in have:
                        ctx.out(f'label "{k}" not found.')
            values = {**have, **new}
            for k in remove:
                values.pop(k, None)
            ref = f"{prefix(obj['kind'])}/{obj['metadata']['name']}"
            if values != have:
                _write(ctx, obj, field, values)
            if what == "annotate":
                ctx.out(f"{ref} annotated")
            elif values == have:
                ctx.out(f"{ref} not labeled")
            else:  # updateDataChangeMsg: "unlabeled" when the object's JSON got shorter without --overwrite
                ctx.out(f"{ref} {'unlabeled' if _json_size(values) < _json_size(have) and not a.overwrite else 'labeled'}")
    for e in errors:
        ctx.err(e)
        ctx.failed = True


def cmd_label(ctx: Ctx) -> None:
    _change(ctx, "label")


def cmd_annotate(ctx: Ctx) -> None:
    _change(ctx, "annotate")


def cmd_version(ctx: Ctx) -> None:
    try:
        own = version("kubesim")
    except PackageNotFoundError:  # pragma: no cover - run from a checkout without installing
        own = "unknown"
    ctx.out(f"Client Version: kubesim {own} (kubectl's commands)\nServer Version: {KUBERNETES_VERSION} (simulated)")


def cmd_api_resources(ctx: Ctx) -> None:
    """`kubectl api-resources`: NAME, SHORTNAMES, APIVERSION, NAMESPACED, KIND; the core group first, then by group,
    each sorted by name (the discovery order of a v1.36 server)."""
    rows = [[k.plural, ",".join(k.short_names), k.api_version, "true" if k.namespaced else "false", k.kind]
            for k in sorted(KIND_LIST, key=lambda k: k.discovery_order)]
    ctx.out(layout([["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"], *rows], padding=3, minwidth=6))

