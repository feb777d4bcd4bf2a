"""The normalised observation: what two systems must agree on once a step has settled.

`observe(driver, kubelet=...)` reads one driver and returns plain JSON-like data:

- ``deployments``: by name, the spec (pod template normalised as below), every status
  count and ``observedGeneration``, conditions as ``type status reason``, and annotations;
- ``replicasets``: keyed by owner and pod template, not by hash name (``Deployment/web
  web:2 #1a2b3c``, the digest over the normalised template): replicas, status, revision
  annotations, and its pods counted by phase and readiness;
- ``endpoints``: ready and not-ready address counts and ports; ``services``: type, ports,
  selector; ``events``: the summed ``count`` per (involved object kind, reason);
- with ``kubelet``, each running pod's environment and the files it mounts from a
  ConfigMap, under its ReplicaSet (sorted, as pods of one ReplicaSet are interchangeable).

Names, uids, IPs, hashes and times are normalised away, nothing else: generated names
(pod suffixes, pod-template-hash values) become ``<hash>``/``<id>``, the namespace
``<ns>``, IP addresses ``<ip>``, allocated node ports ``<allocated>``, timestamps
``<time>``; ``kubectl rollout restart`` stamps are numbered in time order
(``<restart 1>``), since a restart's only content is its instant. The variables a
container image sets (``PATH``, ``HOME``, and what the image conventions put in an image's
config, `model.images.image_env`) and ``HOSTNAME`` (the pod's name) are left out of
environments: they are the image's and the name's, not Kubernetes'.

`diff(a, b)` lists the paths (``replicasets["Deployment/web web:2 #1a2b3c"].pods["Running ready"]``)
where two normalised observations differ.
"""

from __future__ import annotations

import hashlib
import json
import re

from kubesim.driver import CapabilityMissing
from kubesim.invariants import HASH_LABEL, controller_of, pod_ready, revision_of
from kubesim.model.images import image_env
from kubesim.replay import REFUSED

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
#: Environment variables that come from the container image or the pod's name.
IMAGE_ENV = frozenset({"PATH", "HOME", "HOSTNAME"})

_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")
_IP = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_UID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
_POD_SUFFIX = re.compile(r"<hash>-[a-z0-9]{5}\b")


class Scrubber:
    """Replaces one system's names, uids, IPs, hashes and times in text; learns hashes as it sees them."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.hashes: set[str] = set()

    def learn(self, objects) -> None:
        for o in objects:
            h = ((o.get("metadata") or {}).get("labels") or {}).get(HASH_LABEL)
            if h:
                self.hashes.add(h)

    def text(self, s: str) -> str:
        s = _UID.sub("<uid>", s)
        s = _TIME.sub("<time>", s)
        s = _IP.sub("<ip>", s)
        for h in sorted(self.hashes, key=len, reverse=True):
            s = s.replace(h, "<hash>")
        s = _POD_SUFFIX.sub("<hash>-<id>", s)
        if self.namespace:
            s = re.sub(rf"\b{re.escape(self.namespace)}\b", "<ns>", s)
        return s

    def value(self, v):
        if isinstance(v, str):
            return self.text(v)
        if isinstance(v, dict):
            return {k: self.value(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self.value(x) for x in v]
        return v


def _restart_ordinals(objects) -> dict[str, str]:
    stamps = set()
    for o in objects:
        ann = ((o.get("spec") or {}).get("template", {}).get("metadata") or {}).get("annotations") or {}
        if RESTARTED_AT in ann:
            stamps.add(ann[RESTARTED_AT])
    return {s: f"<restart {i}>" for i, s in enumerate(sorted(stamps), 1)}


def _template(template: dict, restarts: dict[str, str], scrub: Scrubber) -> dict:
    """The pod template without the pod-template-hash label; restart stamps numbered."""
    md = dict(template.get("metadata") or {})
    labels = {k: v for k, v in (md.get("labels") or {}).items() if k != HASH_LABEL}
    md.pop("labels", None)
    if labels:
        md["labels"] = labels
    ann = dict(md.get("annotations") or {})
    if RESTARTED_AT in ann:
        ann[RESTARTED_AT] = restarts.get(ann[RESTARTED_AT], ann[RESTARTED_AT])
        md["annotations"] = ann
    return scrub.value({**template, "metadata": md})


def template_label(template: dict) -> str:
    """``web:2 #1a2b3c``: the images and a digest of the (normalised) template."""
    images = ",".join(c.get("image", "") for c in (template.get("spec") or {}).get("containers") or ())
    digest = hashlib.sha1(json.dumps(template, sort_keys=True).encode()).hexdigest()[:6]
    return f"{images} #{digest}"


def _conditions(status: dict) -> list[str]:
    return sorted(f"{c.get('type')} {c.get('status')} {c.get('reason', '')}".rstrip() for c in status.get("conditions") or ())


def _status(obj: dict, scrub: Scrubber) -> dict:
    status = {k: v for k, v in (obj.get("status") or {}).items() if k != "conditions"}
    if (obj.get("status") or {}).get("conditions"):
        status["conditions"] = _conditions(obj["status"])
    return scrub.value(status)


def _owner(obj: dict) -> str:
    ref = controller_of(obj)
    return f"{ref.get('kind')}/{ref.get('name')}" if ref else "orphan"


def pod_bucket(pod: dict) -> str:
    """``Running ready``, ``Pending not-ready``, with `` terminating`` when it is being deleted."""
    phase = (pod.get("status") or {}).get("phase") or "Unknown"
    out = f"{phase} {'ready' if pod_ready(pod) else 'not-ready'}"
    return out + (" terminating" if pod["metadata"].get("deletionTimestamp") else "")


def pod_order(pods: list[dict], rss: list[dict], views: dict[str, str] | None = None) -> list[dict]:
    """Pods in an order both systems share: by their ReplicaSet's revision and template, phase and
    readiness, and (with `views`, pod name -> `pod_views` text) what their running container shows.

    Pods equal in all of these are interchangeable in the normalised observation, so
    `kubesim delete-pod N` (the N-th in this order) means the same on any driver. Without the
    views, two running pods of one ReplicaSet, one started before a Service and one after (so
    with the Service's variables), were told apart by their names alone, which differ between
    systems: the CI run of cf718b2 deleted the one on the model and the other on the cluster.
    """
    by_uid = {rs["metadata"].get("uid"): rs for rs in rss}
    views = views or {}

    def key(pod):
        ref = controller_of(pod)
        rs = by_uid.get(ref.get("uid")) if ref else None
        rev = revision_of(rs) if rs else -1
        tmpl = json.dumps(((rs or {}).get("spec") or {}).get("template") or {}, sort_keys=True)
        tmpl = re.sub(r'"pod-template-hash": "[^"]*"', "", tmpl)
        name = pod["metadata"]["name"]
        return (rev, tmpl, pod_bucket(pod), views.get(name, ""), name)

    return sorted(pods, key=key)


def _mounted_files(pod: dict) -> list[str]:
    """Paths of single-file (subPath) ConfigMap mounts in the pod's containers."""
    cm_volumes = {v["name"] for v in (pod.get("spec") or {}).get("volumes") or () if v.get("configMap")}
    out = []
    for c in pod["spec"].get("containers") or ():
        for m in c.get("volumeMounts") or ():
            if m.get("name") in cm_volumes and m.get("subPath"):
                out.append(m["mountPath"])
    return out


def _starts(pod: dict) -> tuple:
    """The pod and its containers' starts: what a container's environment and subPath files were fixed at."""
    statuses = (pod.get("status") or {}).get("containerStatuses") or ()
    return (pod["metadata"].get("uid"), tuple((c.get("name"), c.get("restartCount", 0), json.dumps(c.get("state") or {}, sort_keys=True)) for c in statuses))


def _read_container(driver, pod: dict) -> dict:
    """The running container's environment and mounted ConfigMap files, as `kubectl exec` shows them (unscrubbed)."""
    name = pod["metadata"]["name"]
    try:
        containers = (pod.get("spec") or {}).get("containers") or [{}]
        own = IMAGE_ENV | set(image_env(containers[0].get("image", "")))  # exec reads the first container
        view: dict = {"env": {k: v for k, v in sorted(driver.exec_env(name).items()) if k not in own}}
    except (*REFUSED, CapabilityMissing) as err:
        view = {"env": f"<exec refused: {err}>"}
    files = {}
    for path in _mounted_files(pod):
        try:
            files[path] = driver.read_file(name, path) or None
        except (*REFUSED, CapabilityMissing) as err:
            files[path] = f"<exec refused: {err}>"
    if files:
        view["files"] = files
    return view


def _container_view(driver, pod: dict, scrub: Scrubber, seen: dict | None, configs: str) -> dict:
    """`_read_container`, scrubbed; with `seen`, read again only after a container start or a ConfigMap change.

    A container's environment is resolved when it starts (the kubelet's
    `makeEnvironmentVariables`) and a subPath file is never refreshed, so the view of a
    container cannot change while it runs, unless the system under test is wrong about
    that: so a ConfigMap change (`configs`, their contents) reads every container again.
    On a real cluster this saves two `kubectl exec` round trips per running pod and step.
    """
    if seen is None:
        return scrub.value(_read_container(driver, pod))
    key = (_starts(pod), configs)
    if key not in seen:
        seen[key] = _read_container(driver, pod)
    return scrub.value(seen[key])


def _configs(obs) -> str:
    """The ConfigMaps' contents: a change of them reads every container again (`_container_view`)."""
    return json.dumps([(c["metadata"]["name"], c.get("data"), c.get("binaryData")) for c in obs.of("ConfigMap")], sort_keys=True)


def _running(pod: dict) -> bool:
    return pod_bucket(pod).startswith("Running ") and not pod["metadata"].get("deletionTimestamp")


def pod_views(driver, obs, scrub: Scrubber, seen: dict | None) -> dict[str, str]:
    """Each running pod's container view as `observe` shows it (JSON text), by pod name: `pod_order`'s tie-break."""
    configs = _configs(obs)
    return {p["metadata"]["name"]: json.dumps(_container_view(driver, p, scrub, seen, configs), sort_keys=True) for p in obs.of("Pod") if _running(p)}


def observe(driver, *, kubelet: bool, scrub: Scrubber, seen: dict | None = None) -> dict:
    """The normalised observation of `driver`'s namespace (see the module docstring).

    `seen` (a dict kept across the steps of one run on one driver) keeps each container's
    view from its start on (`_container_view`).
    """
    obs = driver.observe()
    deployments, rss, pods = obs.of("Deployment"), obs.of("ReplicaSet"), obs.of("Pod")
    scrub.learn(rss)
    scrub.learn(pods)
    restarts = _restart_ordinals(deployments + rss)
    configs = _configs(obs)
    out: dict = {"deployments": {}, "replicasets": {}, "services": {}, "endpoints": {}, "events": {}}
    for d in deployments:
        spec = dict(d.get("spec") or {})
        spec["template"] = _template(spec.get("template") or {}, restarts, scrub)
        md = d["metadata"]
        out["deployments"][md["name"]] = {
            "spec": scrub.value(spec),
            "generation": md.get("generation"),
            "annotations": scrub.value(md.get("annotations") or {}),
            "status": _status(d, scrub),
        }
    rs_key: dict[str, str] = {}
    for rs in rss:
        template = _template((rs.get("spec") or {}).get("template") or {}, restarts, scrub)
        key = f"{_owner(rs)} {template_label(template)}"
        rs_key[rs["metadata"].get("uid")] = key
        entry = {
            "replicas": (rs.get("spec") or {}).get("replicas"),
            "annotations": scrub.value(rs["metadata"].get("annotations") or {}),
            "status": _status(rs, scrub),
            "pods": {},
        }
        out["replicasets"].setdefault(key, []).append(entry)
    pods_of: dict[str, list] = {}
    for pod in pods:
        ref = controller_of(pod)
        key = rs_key.get(ref.get("uid")) if ref else None
        key = key or f"{_owner(pod)} pods"
        pods_of.setdefault(key, []).append(pod)
    for key, members in sorted(pods_of.items()):
        counts: dict[str, int] = {}
        for pod in members:
            counts[pod_bucket(pod)] = counts.get(pod_bucket(pod), 0) + 1
        entries = out["replicasets"].setdefault(key, [{"replicas": None, "pods": {}}])
        entries[0]["pods"] = dict(sorted(counts.items()))
        if kubelet:
            running = [p for p in members if _running(p)]
            views = [_container_view(driver, p, scrub, seen, configs) for p in running]
            entries[0]["containers"] = sorted(views, key=lambda v: json.dumps(v, sort_keys=True))
    for key, entries in out["replicasets"].items():  # one ReplicaSet per key, except orphans of one template
        entries.sort(key=lambda e: json.dumps(e, sort_keys=True))
        out["replicasets"][key] = entries[0] if len(entries) == 1 else entries
    for svc in obs.of("Service"):
        spec = {k: v for k, v in (svc.get("spec") or {}).items() if k not in ("clusterIP", "clusterIPs")}
        ports = [{**p, **({"nodePort": "<allocated>"} if "nodePort" in p else {})} for p in spec.get("ports") or ()]
        out["services"][svc["metadata"]["name"]] = scrub.value({**spec, "ports": ports})
    for ep in obs.of("Endpoints"):
        ready = not_ready = 0
        ports = []
        for subset in ep.get("subsets") or ():
            ready += len(subset.get("addresses") or ())
            not_ready += len(subset.get("notReadyAddresses") or ())
            ports += subset.get("ports") or []
        ports.sort(key=lambda p: json.dumps(p, sort_keys=True))
        out["endpoints"][ep["metadata"]["name"]] = {"ready": ready, "notReady": not_ready, "ports": ports}
    events: dict[str, int] = {}
    for e in driver.list("Event"):
        key = f"{(e.get('involvedObject') or {}).get('kind')} {e.get('reason')}"
        count = e.get("count") or (e.get("series") or {}).get("count") or 1
        events[key] = events.get(key, 0) + count
    out["events"] = dict(sorted(events.items()))
    return out


# ----- differences -------------------------------------------------------------------------

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if _PLAIN_KEY.match(key) else f"{path}[{json.dumps(key)}]"


def flatten(value, path: str = "") -> dict[str, object]:
    """Leaves of nested maps by path; lists are leaves (compared whole)."""
    if isinstance(value, dict) and value:
        out: dict[str, object] = {}
        for k, v in value.items():
            out.update(flatten(v, _join(path, str(k)) if path else (k if _PLAIN_KEY.match(str(k)) else _join("", str(k)))))
        return out
    return {path: value}


MISSING = "<absent>"


def _has_children(flat: dict, path: str) -> bool:
    return any(p.startswith((path + ".", path + "[")) for p in flat)


def diff(a: dict, b: dict) -> list[tuple[str, object, object]]:
    """(path, value in a, value in b) wherever the two differ, sorted by path.

    A map empty on one side and holding entries on the other differs by those entries alone: the
    empty map's own leaf (``events: {} | <absent>``) is not a difference of its own, so accepting
    every entry (a catalogued event) accepts the whole difference. A map empty on one side and
    missing on the other still differs.
    """
    fa, fb = flatten(a), flatten(b)
    out = []
    for path in sorted(set(fa) | set(fb)):
        va, vb = fa.get(path, MISSING), fb.get(path, MISSING)
        if va == vb:
            continue
        if (va == {} and vb == MISSING and _has_children(fb, path)) or (vb == {} and va == MISSING and _has_children(fa, path)):
            continue
        out.append((path, va, vb))
    return out


def generalise(path: str) -> str:
    """A path with every quoted map key wildcarded (``replicasets[*].pods[*]``): the shape of a difference."""
    return re.sub(r'\["[^"]*"\]', "[*]", path)
