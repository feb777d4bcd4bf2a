"""What `kubectl` does on the client side, as pure functions of the state.

Each function takes the state and a request, and returns the new state and the line
kubectl prints (``deployment.apps/mc-user configured``). Errors are `ApiError` (from
the server) or `ControllerError` (kubectl's own ``error: ...``).

Mirrors `k8s.io/kubectl`: `apply` (create, or the strategic three-way merge with the
last-applied-configuration annotation, `strategicpatch`), `scale`, `set image`, and the rollout verbs in
`polymorphichelpers` (`DeploymentRollbacker`, `defaultObjectRestarter`,
`defaultObjectPauser` / `Resumer`). `rollout undo` is client-side: it copies the chosen
ReplicaSet's template (without pod-template-hash) and annotations into the Deployment.
"""

from __future__ import annotations

import json

from .clock import rfc3339
from .deployment import util as du
from .errors import ApiError, ControllerError
from .kinds import CLUSTER_SCOPED, KINDS, prefix
from .state import ClusterState
from .store import begin_create, create, delete, update
from .strategicpatch import three_way
from .validation import admit

_SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink")


def ref(kind: str, name: str) -> str:
    return f"{prefix(kind)}/{name}"


def _last_applied(obj: dict, namespace: str) -> str:
    """The last-applied-configuration value: the manifest as kubectl sends it.

    kubectl fills in the namespace and an (empty) annotations map before recording it.
    """
    md = obj.get("metadata")
    if isinstance(md, dict):  # copies of the two maps it changes: `obj` stays as it is
        ann = md.get("annotations")
        if not isinstance(ann, dict):
            ann = {} if ann is None else ann
        elif du.LAST_APPLIED in ann:
            ann = {k: v for k, v in ann.items() if k != du.LAST_APPLIED}
        md = {**md, "annotations": ann}
        if namespace:
            md["namespace"] = namespace
        obj = {**obj, "metadata": md}
    return json.dumps(obj, sort_keys=True, separators=(",", ":")) + "\n"


def _three_way(live, last, desired):
    """Merge `desired` into `live` as `kubectl apply` does (see `strategicpatch.three_way`).

    Kept under this name for the cluster driver, which sends the result with a PUT.
    """
    return three_way(live, last, desired)


def _strip_server_fields(obj: dict) -> dict:
    out = {k: v for k, v in obj.items() if k != "status"}
    out["metadata"] = {k: v for k, v in obj["metadata"].items() if k not in _SERVER_FIELDS}
    return out


def apply(st: ClusterState, manifest: dict) -> tuple[ClusterState, str]:
    """`kubectl apply` of one object: create it, or patch it; say created/configured/unchanged."""
    kind = manifest.get("kind")
    md = manifest.get("metadata") or {}
    ns = "" if kind in CLUSTER_SCOPED else (md.get("namespace") or "default")
    name = md.get("name", "")
    live = st.get(kind, ns, name) if kind in KINDS and isinstance(name, str) else None
    last_applied = _last_applied(manifest, ns)
    # `admit` and the three-way merge copy what they keep: only the maps changed here are copied
    desired = dict(manifest)
    md = desired.setdefault("metadata", {})
    if not isinstance(md, dict):
        admit(desired)  # raises the decoding error
    md = desired["metadata"] = dict(md)
    ann = md.setdefault("annotations", {})
    if isinstance(ann, dict):
        md["annotations"] = {**ann, du.LAST_APPLIED: last_applied}
    if live is None:
        obj = admit(desired, begin_create=lambda decoded: begin_create(st, decoded, ns))
        obj["metadata"]["namespace"] = ns if kind not in CLUSTER_SCOPED else obj["metadata"].get("namespace")
        if kind in CLUSTER_SCOPED:
            obj["metadata"].pop("namespace", None)
        st, _ = create(st, obj)
        return st, f"{ref(kind, name)} created"
    previous = json.loads((live["metadata"].get("annotations") or {}).get(du.LAST_APPLIED, "{}") or "{}")
    current = _strip_server_fields(live)
    merged = _three_way(current, previous, desired)
    if merged == current:  # kubectl sends no patch (the status is never part of one)
        return st, f"{ref(kind, name)} unchanged"
    obj = admit(merged, old=live)
    if kind not in CLUSTER_SCOPED:
        obj["metadata"]["namespace"] = ns
    if _strip_server_fields(obj) != current:  # the API server skips a patch that changes nothing
        st, _ = update(st, {**obj, "metadata": {**obj["metadata"], "uid": live["metadata"]["uid"]}})
    return st, f"{ref(kind, name)} configured"


def _get(st: ClusterState, kind: str, ns: str, name: str) -> dict:
    obj = st.get(kind, "" if kind in CLUSTER_SCOPED else ns, name)
    if obj is None:
        raise ApiError.not_found(KINDS[kind].resource, name, ns)
    return obj


def delete_object(st: ClusterState, kind: str, ns: str, name: str, *, cascade: str = "background") -> tuple[ClusterState, str]:
    """`kubectl delete KIND NAME [--cascade=background|orphan|foreground]` (the propagation policy)."""
    _get(st, kind, ns, name)
    propagation = {"background": "Background", "orphan": "Orphan", "foreground": "Foreground"}[cascade]
    st = delete(st, kind, ns, name, propagation=propagation)
    return st, deleted_line(kind, name, ns)


def deleted_line(kind: str, name: str, ns: str) -> str:
    """What `kubectl delete` prints (v1.36 names the namespace of a namespaced object)."""
    what = f'{prefix(kind)} "{name}" deleted'
    return what if kind in CLUSTER_SCOPED else f"{what} from {ns} namespace"


def scale(st: ClusterState, kind: str, ns: str, name: str, replicas: int) -> tuple[ClusterState, str]:
    """`kubectl scale KIND/NAME --replicas=N` (the scale subresource)."""
    if replicas < 0:
        raise ControllerError("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
    obj = _get(st, kind, ns, name)
    if kind not in ("Deployment", "ReplicaSet"):
        raise ControllerError(f'no scaler has been implemented for {{"" "{kind}"}}')
    st, _ = update(st, {**obj, "spec": {**obj["spec"], "replicas": replicas}})
    return st, f"{ref(kind, name)} scaled"


def set_image(st: ClusterState, kind: str, ns: str, name: str, images: dict[str, str]) -> tuple[ClusterState, str]:
    """`kubectl set image KIND/NAME CONTAINER=IMAGE ...` (``*`` means every container)."""
    obj = _get(st, kind, ns, name)
    tmpl = obj["spec"]["template"]
    containers = [dict(c) for c in tmpl["spec"]["containers"]]
    for cname, image in images.items():
        hit = False
        for c in containers:
            if cname in ("*", c["name"]):
                c["image"] = image
                hit = True
        if not hit:
            raise ControllerError(f'unable to find container named "{cname}"')
    new = {**obj, "spec": {**obj["spec"], "template": {**tmpl, "spec": {**tmpl["spec"], "containers": containers}}}}
    if new == obj:
        return st, ref(kind, name)  # kubectl prints nothing new; "image updated" only on change
    new = admit(_strip_server_fields(new), old=obj)
    st, _ = update(st, {**new, "metadata": {**new["metadata"], "uid": obj["metadata"]["uid"]}})
    return st, f"{ref(kind, name)} image updated"


def _deployment_rss(st: ClusterState, d: dict) -> list[dict]:
    """`deploymentutil.GetAllReplicaSets`: the RSs the Deployment controls."""
    return st.dependents_of(d["metadata"]["uid"], "ReplicaSet")


def rollout_undo(st: ClusterState, ns: str, name: str, to_revision: int = 0) -> tuple[ClusterState, str]:
    """`kubectl rollout undo deployment/NAME [--to-revision=N]` (`DeploymentRollbacker.Rollback`)."""
    d = _get(st, "Deployment", ns, name)
    new, line = undo_plan(d, _deployment_rss(st, d), to_revision)
    if new is not None:
        st, _ = update(st, new)
    return st, line


_UNDO_KEEP = (du.LAST_APPLIED, du.REVISION, du.REVISION_HISTORY, du.DESIRED_REPLICAS, du.MAX_REPLICAS, du.ROLLBACK_TO)


def undo_plan(d: dict, rss: list[dict], to_revision: int = 0) -> tuple[dict | None, str]:
    """What `rollout undo` writes: the Deployment with the chosen RS's template, or None.

    The RS is `deploymentRevision`'s (see `undo_target`). The template loses its
    pod-template-hash label; the annotations become the RS's, except the skip-listed ones
    the Deployment keeps (`getDeploymentPatch`). A template that already matches is skipped
    with a line naming the ``--to-revision`` value as kubectl prints it (``revision 0``
    when none was given: `DeploymentRollbacker.Rollback` formats `toRevision`). Shared by
    the model and the cluster driver, which sends the result as kubectl's JSON patch would.
    """
    name = d["metadata"]["name"]
    if to_revision < 0:
        raise ControllerError(f"unable to find specified revision {to_revision} in history")
    target = undo_target(d, rss, to_revision)
    if target is None and to_revision:
        raise ControllerError(f"unable to find specified revision {to_revision} in history")
    if target is None:
        raise ControllerError(f'no rollout history found for deployment "{name}"')
    if d["spec"].get("paused"):
        raise ControllerError(f"you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/{name}' and try again")
    if du.equal_ignore_hash(d["spec"]["template"], target["spec"]["template"]):
        return None, f"{ref('Deployment', name)} skipped rollback (current template already matches revision {to_revision})"
    keep = {k: v for k, v in (d["metadata"].get("annotations") or {}).items() if k in _UNDO_KEEP}
    rs_ann = {k: v for k, v in (target["metadata"].get("annotations") or {}).items() if k not in _UNDO_KEEP}
    annotations = {**rs_ann, **keep}
    md = {**d["metadata"], "annotations": annotations}
    if not annotations:
        md.pop("annotations")
    new = {**d, "metadata": md, "spec": {**d["spec"], "template": du.template_without_hash(target["spec"]["template"])}}
    return new, f"{ref('Deployment', name)} rolled back"


def _kubectl_revision(rs: dict) -> int | None:
    """kubectl's `deploymentutil.Revision`: 0 without the annotation, None (skipped) when it is not a number."""
    raw = (rs["metadata"].get("annotations") or {}).get(du.REVISION)
    if raw is None:
        return 0
    try:
        return int(raw)
    except ValueError:
        return None


def undo_target(d: dict, rss: list[dict], to_revision: int) -> dict | None:
    """`deploymentRevision`: the ReplicaSet `rollout undo` restores, or None.

    kubectl walks `GetAllReplicaSets`' order (the old RSs by creation, then the new one)
    and keeps the first RS with the highest revision ("latest") and the first other RS
    with the highest remaining revision ("previous"), so two ReplicaSets sharing one
    revision still give a previous one. With `to_revision`, the first RS carrying it.
    """
    new_rs = du.find_new_rs(d, rss)
    ordered = [rs for rs in du.by_creation(rss) if rs is not new_rs] + ([new_rs] if new_rs is not None else [])
    revised = [(rs, v) for rs in ordered if (v := _kubectl_revision(rs)) is not None]
    target_rev = undo_target_revision([v for _, v in revised], to_revision)
    if target_rev is None:
        return None
    if not to_revision:
        latest = max(v for _, v in revised)
        revised.remove(next(item for item in revised if item[1] == latest))
    return next((rs for rs, v in revised if v == target_rev), None)


def undo_target_revision(revisions: list[int], to_revision: int) -> int | None:
    """The revision `rollout undo` goes to: `to_revision`, or (0) the highest once the
    highest has been taken out (the second-highest, or the highest again when two
    ReplicaSets carry it); None without a second ReplicaSet."""
    if to_revision:
        return to_revision
    return sorted(revisions)[-2] if len(revisions) >= 2 else None


def rollout_restart(st: ClusterState, ns: str, name: str) -> tuple[ClusterState, str]:
    """`kubectl rollout restart`: stamp `kubectl.kubernetes.io/restartedAt` on the template."""
    d = _get(st, "Deployment", ns, name)
    if d["spec"].get("paused"):
        raise ControllerError("can't restart paused deployment (run rollout resume first)")
    tmpl = d["spec"]["template"]
    tmd = tmpl.get("metadata") or {}
    ann = {**(tmd.get("annotations") or {}), "kubectl.kubernetes.io/restartedAt": rfc3339(st.config.epoch, st.now)}
    new = {**d, "spec": {**d["spec"], "template": {**tmpl, "metadata": {**tmd, "annotations": ann}}}}
    if new == d:
        return st, f"{ref('Deployment', name)} restarted"
    st, _ = update(st, new)
    return st, f"{ref('Deployment', name)} restarted"


def rollout_pause(st: ClusterState, ns: str, name: str) -> tuple[ClusterState, str]:
    """`kubectl rollout pause`."""
    d = _get(st, "Deployment", ns, name)
    if d["spec"].get("paused"):
        raise ControllerError(f'deployments.apps "{name}" is already paused')
    st, _ = update(st, {**d, "spec": {**d["spec"], "paused": True}})
    return st, f"{ref('Deployment', name)} paused"


def rollout_resume(st: ClusterState, ns: str, name: str) -> tuple[ClusterState, str]:
    """`kubectl rollout resume`."""
    d = _get(st, "Deployment", ns, name)
    if not d["spec"].get("paused"):
        raise ControllerError(f'deployments.apps "{name}" is not paused')
    spec = {k: v for k, v in d["spec"].items() if k != "paused"}
    st, _ = update(st, {**d, "spec": spec})
    return st, f"{ref('Deployment', name)} resumed"
