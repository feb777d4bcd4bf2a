"""`create deployment`, `expose` and `diff -f`: kubectl's generators and its diff, over the model.

`create deployment NAME --image=IMAGE` builds what kubectl `pkg/cmd/create/create_deployment.go` builds (labels
and selector ``app: NAME``, one container per image named after the image's base name, `--replicas`, `--port`);
`expose deployment NAME` builds what `pkg/cmd/expose/expose.go` and `generate/versioned/service.go` build (the
Deployment's selector and labels, `--port`, `--target-port`, `--type`, `--name`, the port taken from the
container when `--port` is missing). Both create, never update: an existing name is `AlreadyExists`.
`diff -f` prints what `apply -f` would change as a unified diff of the live and the merged object (kubectl
`pkg/cmd/diff/diff.go`: exit 0 without differences, 1 with).
"""

from __future__ import annotations

import difflib
import posixpath
import re

from kubesim import model as m
from kubesim.model.manifest import load_each
from kubesim.model.kinds import CLUSTER_SCOPED, KINDS, prefix
from kubesim.model.store import begin_create, create
from kubesim.model.validation import admit

from . import printers as pr
from .common import Ctx, UserError, error_text, read_files, resolve_kind


def _create(ctx: Ctx, obj: dict, verb: str) -> None:
    ns = ctx.ns
    obj["metadata"]["namespace"] = ns
    try:
        stored = admit(obj, begin_create=lambda decoded: begin_create(ctx.st, decoded, ns))
        ctx.st, _ = create(ctx.st, stored)
    except m.ApiError as e:
        if e.reason == "AlreadyExists":
            raise UserError(f"error: failed to create {obj['kind'].lower()}: {e.message}") if verb == "created" else \
                UserError(e.kubectl_message())
        raise
    ctx.out(f"{prefix(obj['kind'])}/{obj['metadata']['name']} {verb}")


def cmd_create(ctx: Ctx) -> None:
    a = ctx.args
    if len(a.names) != 1:
        raise UserError(f"error: exactly one NAME is required, got {len(a.names)}\nSee 'kubesim create deployment -h' for help and examples")
    name = a.names[0]
    if not a.image:
        raise UserError("error: required flag(s) \"image\" not set")
    containers = []
    for image in a.image:
        cname = re.sub(r"[^a-z0-9-]", "-", posixpath.basename(image).split(":")[0].split("@")[0].lower()).strip("-") or "container"
        c = {"name": cname, "image": image}
        if a.port is not None:
            c["ports"] = [{"containerPort": a.port}]
        containers.append(c)
    labels = {"app": name}
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": labels},
           "spec": {"replicas": a.replicas, "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels}, "spec": {"containers": containers}}}}
    _create(ctx, obj, "created")


def cmd_expose(ctx: Ctx) -> None:
    a = ctx.args
    word, sep, name = a.resource.partition("/")
    if not sep:
        name = a.name_ or ""
    kind = resolve_kind(word)
    if not name:
        raise UserError("error: You must provide the name of the resource to expose")
    if kind not in ("Deployment", "ReplicaSet", "Service", "Pod"):
        raise UserError(f"error: cannot expose a {kind}")
    src = ctx.st.get(kind, ctx.ns, name)
    if src is None:
        raise UserError(m.ApiError.not_found(KINDS[kind].resource, name).kubectl_message())
    if kind in ("Deployment", "ReplicaSet"):
        selector = (src["spec"].get("selector") or {}).get("matchLabels") or {}
        pod_spec = src["spec"]["template"]["spec"]
    elif kind == "Service":
        selector, pod_spec = src["spec"].get("selector") or {}, {}
    else:
        selector, pod_spec = src["metadata"].get("labels") or {}, src["spec"]
    if not selector:
        raise UserError(f"error: couldn't retrieve selectors via --selector flag or introspection: the {kind} {name} has none")
    port = a.port
    if port is None:
        found = [p.get("containerPort") for c in pod_spec.get("containers") or () for p in c.get("ports") or ()]
        if not found:
            raise UserError("error: couldn't find port via --port flag or introspection\nSee 'kubesim expose -h' for help and examples")
        port = found[0]
    target = a.target_port if a.target_port is not None else port
    svc = {"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": a.service_name or name, **({"labels": src["metadata"]["labels"]} if src["metadata"].get("labels") else {})},
           "spec": {"selector": dict(selector), "ports": [{"port": port, "protocol": "TCP",
                                                          "targetPort": int(target) if str(target).isdigit() else target}],
                    **({"type": a.type} if a.type else {})}}
    _create(ctx, svc, "exposed")


def _yaml_of(obj: dict | None) -> list[str]:
    if obj is None:
        return []
    clean = {k: v for k, v in obj.items()}
    clean["metadata"] = {k: v for k, v in obj["metadata"].items() if k != "managedFields"}
    return pr.to_yaml(clean).splitlines(keepends=True)


def cmd_diff(ctx: Ctx) -> None:
    """Apply each object to a copy of the state and print the differences of the stored objects."""
    st = ctx.st
    changed = False
    for source, data in read_files(ctx.args.filename):
        for item in load_each(data, source):
            if isinstance(item, m.ManifestError):
                raise UserError(error_text(item))
            obj = item.obj
            md = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
            kind = obj.get("kind")
            ns = "" if kind in CLUSTER_SCOPED else (md.get("namespace") or ctx.ns)
            if kind not in CLUSTER_SCOPED:
                obj = {**obj, "metadata": {**md, "namespace": ns}}
            name = md.get("name", "")
            live = st.get(kind, ns, name) if kind in KINDS else None
            try:
                after, _ = m.perform(st, m.Apply(obj))
            except (m.ApiError, m.ManifestError) as e:
                raise UserError(error_text(e, source, creating=live is None))
            merged = after.get(kind, ns, name)
            if merged is not None and live is not None:  # a dry run stores nothing: the resourceVersion stays
                merged = {**merged, "metadata": {**merged["metadata"], "resourceVersion": live["metadata"].get("resourceVersion")}}
            group_version = KINDS[kind].api_version.replace("/", ".")
            path = f"{group_version}.{kind}.{ns + '.' if ns else ''}{name}"
            lines = list(difflib.unified_diff(_yaml_of(live), _yaml_of(merged), f"/tmp/LIVE/{path}", f"/tmp/MERGED/{path}"))
            if lines:
                changed = True
                ctx.out(f"diff -u -N /tmp/LIVE/{path} /tmp/MERGED/{path}")
                ctx.out("".join(lines).rstrip("\n"))
    if changed:
        ctx.failed = True  # diff.go: exit 1 when there are differences
