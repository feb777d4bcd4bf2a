"""What a trace and the model are compared on: a projection of the namespace's objects.

Names, uids, resourceVersions and pod-template-hashes differ between a real cluster and the
model (generated names, random uids, a different hash function), so objects are matched by
what they mean. A ReplicaSet is known by its pod template (containers, labels without
`pod-template-hash`, annotations) and the Deployment that owns it; pods are counted per
template and per state. The projection is a flat dict of components:

- ``("deployment", d)``: spec.replicas, the template's key, spec.paused;
- ``("deployment-revision", d)``: the `deployment.kubernetes.io/revision` annotation;
- ``("rs-replicas" | "rs-available" | "rs-revision", d, template)``: a ReplicaSet's
  spec.replicas, status.availableReplicas and revision annotation;
- ``("pods", template, state)``: how many pods of that template are in `state`:
  ``starting`` (not Ready and without an IP yet, scheduled or not), ``running``
  (not Ready, with an IP: what an Endpoints object lists as not ready), ``ready``, ``terminating``
  (deletionTimestamp set), ``finished`` (Succeeded/Failed), and ``ready-unscheduled``
  (Ready without a node, which no kubelet produces). Scheduled and unscheduled pods are
  counted together: the ReplicaSet controller creates a slow-start batch pod by pod
  (`slowStartBatch`) and a real scheduler binds the first before the next is created,
  whereas the model makes the batch in one step, so the two counts interleave in an
  order no model run shows, while their sum only grows;
- ``("endpoints", svc)`` / ``("endpoints-not-ready", svc)``: addresses of an Endpoints object;
- ``("configmap", name)``: a digest of its data.

Counts default to 0 when absent, other components to None.
"""

from __future__ import annotations

import hashlib
import json

NUMERIC = frozenset({"rs-replicas", "rs-available", "pods", "endpoints", "endpoints-not-ready"})
HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"


def default(component: tuple):
    return 0 if component[0] in NUMERIC else None


def template_key(template: dict | None) -> str:
    """The pod template's identity: its images, and a digest of what else tells templates apart."""
    hit = _KEYS.get(id(template))
    if hit is not None and hit[0] is template:
        return hit[1]
    key = _template_key(template or {})
    if len(_KEYS) >= 4096:
        _KEYS.clear()
    _KEYS[id(template)] = (template, key)  # keeps `template` alive, so its id is not reused meanwhile
    return key


#: id(template) -> (template, key): the model shares one template dict among its pods and states.
_KEYS: dict[int, tuple] = {}


def _template_key(template: dict) -> str:
    md = template.get("metadata") or {}
    spec = template.get("spec") or {}
    containers = [
        [c.get("name"), c.get("image"), c.get("env"), c.get("envFrom"), c.get("volumeMounts")]
        for c in spec.get("containers") or () if isinstance(c, dict)
    ]
    labels = {k: v for k, v in (md.get("labels") or {}).items() if k != HASH_LABEL}
    ident = json.dumps([containers, labels, md.get("annotations") or {}, spec.get("volumes")], sort_keys=True, default=str)
    digest = hashlib.blake2b(ident.encode(), digest_size=3).hexdigest()
    return f"{','.join(str(c[1]) for c in containers)}#{digest}"


def is_ready(pod: dict) -> bool:
    for c in (pod.get("status") or {}).get("conditions") or ():
        if c.get("type") == "Ready":
            return c.get("status") == "True"
    return False


def ready_since(pod: dict) -> str | None:
    """The Ready condition's lastTransitionTime when the pod is Ready."""
    for c in (pod.get("status") or {}).get("conditions") or ():
        if c.get("type") == "Ready" and c.get("status") == "True":
            return c.get("lastTransitionTime")
    return None


def pod_state(pod: dict) -> str:
    md, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    if md.get("deletionTimestamp"):
        return "terminating"
    if status.get("phase") in ("Succeeded", "Failed"):
        return "finished"
    if is_ready(pod):
        return "ready" if spec.get("nodeName") else "ready-unscheduled"
    return "running" if status.get("podIP") else "starting"


def controller_uid(obj: dict) -> str | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or ():
        if ref.get("controller"):
            return ref.get("uid")
    return None


class View:
    """The objects of one moment, by kind, with the lookups the projection needs."""

    def __init__(self, objects: dict[str, list[dict]], owners: dict[str, str] | None = None) -> None:
        self.objects = objects
        self.owners = owners or {}
        self.by_uid = {(o.get("metadata") or {}).get("uid"): o for k in ("Deployment", "ReplicaSet") for o in objects.get(k, ())}

    def of(self, kind: str) -> list[dict]:
        return self.objects.get(kind, [])

    def owner_name(self, obj: dict) -> str:
        owner = self.by_uid.get(controller_uid(obj))
        return owner["metadata"]["name"] if owner else "(none)"

    def pod_template(self, pod: dict) -> str:
        """The key of the template a pod was made from: its ReplicaSet's (also one deleted
        since, from `owners`: ReplicaSet uid -> template key), else its own. An admission
        webhook or policy may have changed the pod's own spec, never its owner's template."""
        uid = controller_uid(pod)
        rs = self.by_uid.get(uid)
        if rs is not None:
            return template_key((rs.get("spec") or {}).get("template"))
        if uid in self.owners:
            return self.owners[uid]
        md = pod.get("metadata") or {}
        return template_key({"metadata": {"labels": md.get("labels"), "annotations": md.get("annotations")}, "spec": pod.get("spec")})


def project(objects: dict[str, list[dict]], owners: dict[str, str] | None = None) -> dict:
    """The projection of one moment's objects (kind -> list of API JSON dicts); `owners` as for `View`."""
    view = View(objects, owners)
    out: dict = {}
    for d in view.of("Deployment"):
        name, spec = d["metadata"]["name"], d.get("spec") or {}
        out[("deployment", name)] = (spec.get("replicas", 1), template_key(spec.get("template")), bool(spec.get("paused")))
        out[("deployment-revision", name)] = (d["metadata"].get("annotations") or {}).get(REVISION)
    for rs in view.of("ReplicaSet"):
        owner, key = view.owner_name(rs), template_key((rs.get("spec") or {}).get("template"))
        out[("rs-replicas", owner, key)] = out.get(("rs-replicas", owner, key), 0) + (rs.get("spec") or {}).get("replicas", 1)
        out[("rs-available", owner, key)] = out.get(("rs-available", owner, key), 0) + ((rs.get("status") or {}).get("availableReplicas") or 0)
        out[("rs-revision", owner, key)] = (rs["metadata"].get("annotations") or {}).get(REVISION)
    for pod in view.of("Pod"):
        c = ("pods", view.pod_template(pod), pod_state(pod))
        out[c] = out.get(c, 0) + 1
    for ep in view.of("Endpoints"):
        name = ep["metadata"]["name"]
        if name == "kubernetes":
            continue
        subsets = ep.get("subsets") or ()
        out[("endpoints", name)] = sum(len(s.get("addresses") or ()) for s in subsets)
        out[("endpoints-not-ready", name)] = sum(len(s.get("notReadyAddresses") or ()) for s in subsets)
    for cm in view.of("ConfigMap"):
        if cm["metadata"]["name"] == "kube-root-ca.crt":
            continue
        data = json.dumps([cm.get("data"), cm.get("binaryData")], sort_keys=True)
        out[("configmap", cm["metadata"]["name"])] = hashlib.blake2b(data.encode(), digest_size=4).hexdigest()
    return {c: v for c, v in out.items() if v != default(c)}


def describe(component: tuple) -> str:
    """A component in words: ``pods of rainbow/mc-user:1.1 (#a1b2c3) that are ready``."""
    cat = component[0]
    if cat == "deployment":
        return f"Deployment {component[1]} (replicas, template, paused)"
    if cat == "deployment-revision":
        return f"Deployment {component[1]}'s revision"
    if cat in ("rs-replicas", "rs-available", "rs-revision"):
        what = {"rs-replicas": "spec.replicas", "rs-available": "status.availableReplicas", "rs-revision": "revision"}[cat]
        return f"{what} of the ReplicaSet of {component[1]} with template {component[2]}"
    if cat == "pods":
        return f"pods of template {component[1]} that are {component[2]}"
    if cat == "endpoints":
        return f"ready addresses of Endpoints {component[1]}"
    if cat == "endpoints-not-ready":
        return f"not-ready addresses of Endpoints {component[1]}"
    return f"ConfigMap {component[1]}'s data"


def show(value) -> str:
    if isinstance(value, tuple) and len(value) == 3:
        return f"replicas={value[0]} template={value[1]} paused={str(value[2]).lower()}"
    return "absent" if value is None else str(value)
