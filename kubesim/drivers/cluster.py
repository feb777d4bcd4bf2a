"""The cluster driver: the same requests, against a real Kubernetes API server.

It uses the official `kubernetes` client with an explicit kubeconfig context (it never
guesses which cluster to write to). Each scenario runs in a fresh namespace the driver
creates (``kubesim-xxxxxxxx``, labelled ``app.kubernetes.io/managed-by=kubesim``) and
deletes afterwards, also after failures, timeouts and Ctrl-C; every write is confined to
that namespace. Observations come from watch streams on every kind, so monitors see each
intermediate state the API server publishes. Objects are read as raw API JSON, and
refusals are turned into the model's `ApiError`, so scenarios compare like with like.

kubectl's client-side parts are done the way kubectl does them: `apply` is a three-way
merge with the last-applied-configuration annotation, `rollout undo` copies the chosen
ReplicaSet's template and annotations with a JSON patch (`model.kubectl.undo_plan`),
`rollout restart` stamps `kubectl.kubernetes.io/restartedAt`.

Nodes: on the local cluster (`cluster/`), a namespace labelled ``kubesim.dev/node: real``
sends its pods to the real node (a kubelet with containerd; an admission policy adds the
node selector, the toleration of the node's taint and the image conventions' readiness
probe); other namespaces use the KWOK nodes. The driver picks the real node when the
cluster has one (``node="real"``/``"kwok"`` forces a choice). On a node that runs
containers the driver has the ``kubelet`` capability (exec), and with the local cluster's
image conventions also ``faults``: a crash is a signal to the container's init, forced
readiness a file its readiness probe reads (`model.images`).

Node ports are cluster-wide, so scenarios that run side by side in their namespaces would
refuse each other's (the article's 31000 and 31001): each driver maps the node ports a
scenario asks for to ports it holds alone (a lock file per port in the temp dir) and maps
them back in everything it reads, error messages included.

Abstracts: watches of different kinds are merged in arrival order, so one observation
may show, say, a pod a moment before its Endpoints catch up (the API offers no
cross-kind snapshot).
"""

from __future__ import annotations

import atexit
import dataclasses
import fcntl
import os
import re
import tempfile
import datetime as _dt
import json
import threading
import time
import uuid
from typing import Callable

from kubesim.model import images as conventions
from kubesim.model import kinds
from kubesim.model import kubectl as mk
from kubesim.model.errors import ApiError, Cause, ControllerError
from kubesim.model.manifest import load_documents

from ..driver import KINDS, CapabilityMissing, DriverLoadError, NotSettledError, Observation

_WATCHED = ("Pod", "Service", "Endpoints", "ConfigMap", "ReplicaSet", "Deployment")
MANAGED_BY = {"app.kubernetes.io/managed-by": "kubesim"}
#: Groups the namespaces of one run (`KUBESIM_RUN_ID`), so a run checks only its own leftovers.
RUN_LABEL = "kubesim.dev/run"
#: Seconds by which a watch event may trail the write it reports (controllers compute a
#: status, the API server stores it, the watch delivers it).
WATCH_SLACK_SECONDS = 2.0
#: The label that sends a namespace's pods to the local cluster's real node (cluster/images.py).
NODE_LABEL = "kubesim.dev/node"
#: The admission policy that carries the image conventions to the real node.
POLICY = "kubesim-real-node"


def _api_error(code: int, body: bytes | str | None) -> ApiError:
    """Turn an API server `Status` answer into the model's `ApiError` (same fields, same messages)."""
    try:
        status = json.loads(body or "{}")
    except (TypeError, ValueError):
        status = {}
    details = status.get("details") or {}
    causes = []
    for c in details.get("causes") or ():
        msg = c.get("message", "")
        ctype, _, rest = msg.partition(": ")
        causes.append(Cause(c.get("field", ""), ctype, rest))
    group = details.get("group", "")
    kind = details.get("kind", "")
    resource = f"{kind}.{group}" if group and kind and kind.islower() else kind
    err = ApiError(
        status.get("reason") or "InternalError",
        status.get("message") or f"the server answered HTTP {code}",
        kind={"deployments": "Deployment", "replicasets": "ReplicaSet"}.get(kind, kind),
        resource=resource,
        name=details.get("name", ""),
        causes=tuple(causes),
    )
    err.code = code
    return err


def _missing_config(pod: dict, configmaps: list[dict]) -> bool:
    """Whether a ConfigMap or key that the pod's containers need (not optional) is missing."""
    data = {c["metadata"]["name"]: c.get("data") or {} for c in configmaps}
    spec = pod.get("spec") or {}
    for c in [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]:
        for ref in (e.get("configMapRef") for e in c.get("envFrom") or ()):
            if ref and not ref.get("optional") and ref.get("name") not in data:
                return True
        for ref in ((e.get("valueFrom") or {}).get("configMapKeyRef") for e in c.get("env") or ()):
            if ref and not ref.get("optional") and ref.get("key") not in data.get(ref.get("name"), {}):
                return True
    return False


def _missing_volume(pod: dict, configmaps: list[dict]) -> bool:
    """Whether a ConfigMap the pod mounts as a volume (not optional) is missing: the kubelet
    cannot set the volume up, so the pod waits in ContainerCreating until it appears."""
    names = {c["metadata"]["name"] for c in configmaps}
    for v in (pod.get("spec") or {}).get("volumes") or ():
        ref = v.get("configMap")
        if ref and not ref.get("optional") and ref.get("name") not in names:
            return True
    return False


class ClusterDriver:
    """`Driver` over a real cluster reached through a kubeconfig context."""

    name = "cluster"

    def __init__(
        self,
        kube_context: str | None = None,
        kubeconfig: str | None = None,
        context: str | None = None,
        namespace: str | None = None,
        quiet_seconds: float = 2.0,
        request_timeout: float = 30.0,
        node: str | None = None,
    ) -> None:
        kube_context = kube_context or context
        kubeconfig = kubeconfig or os.environ.get("KUBECONFIG") or None
        if not kube_context:
            raise ValueError("The cluster driver needs an explicit context (--kube-context NAME); it never picks one for you.")
        from kubernetes import client, config

        self._client_mod = client
        self.api = config.new_client_from_config(config_file=kubeconfig, context=kube_context)
        self.context = kube_context
        self.namespace = namespace or f"kubesim-{uuid.uuid4().hex[:8]}"
        self.run_id = os.environ.get("KUBESIM_RUN_ID") or "adhoc"
        self.quiet_seconds = quiet_seconds
        self.request_timeout = request_timeout
        self._lock = threading.RLock()
        #: Held from taking an observation to handing it to every subscriber (`_changed`).
        self._delivering = threading.Lock()
        self._cache: dict[str, dict[str, dict]] = {k: {} for k in _WATCHED}
        self._subscribers: list[Callable[[Observation], None]] = []
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._last_event = time.monotonic()
        self._t0 = time.monotonic()
        self._epoch = time.time()
        self._started = False
        self._capabilities: frozenset | None = None
        node = node or os.environ.get("KUBESIM_NODE") or None
        if node not in (None, "real", "kwok"):
            raise ValueError(f"node must be 'real' or 'kwok', not {node!r}")
        self.node = node
        self._port_locks: dict[int, int] = {}  # actual node port -> lock file descriptor
        self._port_map: dict[int, int] = {}  # node port asked for -> actual
        self._port_back: dict[int, int] = {}  # actual -> asked for

    # ----- raw REST ----------------------------------------------------------------------
    def _request(self, method: str, path: str, body=None, query=None, content_type: str = "application/json", stream: bool = False):
        """One API call; returns parsed JSON (or the raw streaming response); raises `ApiError`."""
        method, url, headers, body, _ = self.api.param_serialize(
            method=method,
            resource_path=path,
            query_params=query or [],
            header_params={"Accept": "application/json", "Content-Type": content_type},
            body=body,
            auth_settings=["BearerToken"],
        )
        resp = self.api.call_api(method, url, header_params=headers, body=body, _request_timeout=None if stream else self.request_timeout)
        if resp.status >= 400:
            raise _api_error(resp.status, resp.read())
        if stream:
            return resp.response
        data = resp.read()
        return json.loads(data) if data else {}

    def _path(self, kind: str, name: str | None = None, sub: str | None = None) -> str:
        path = kinds.KINDS[kind].path(self.namespace, name or "")
        if sub:
            path += f"/{sub}"
        return path

    # ----- lifecycle ---------------------------------------------------------------------
    @property
    def capabilities(self) -> frozenset:
        """Known before `start` (tests are skipped on them): asks the cluster on first use."""
        if self._capabilities is None:
            self._choose_node()
        return self._capabilities

    def _choose_node(self) -> None:
        """Pick the real node or the KWOK nodes, and the capabilities that go with them."""
        try:
            nodes = self._request("GET", "/api/v1/nodes").get("items", [])
        except ApiError:
            raise
        except Exception as err:  # noqa: BLE001 - connection refused, TLS, DNS: one clear line
            raise DriverLoadError(f"The cluster of kubeconfig context {self.context!r} cannot be reached ({type(err).__name__}): is it up? (cluster/up.sh starts the local one)") from None
        real = [n for n in nodes if (n["metadata"].get("labels") or {}).get(NODE_LABEL) == "real"]
        fake = [n for n in nodes if (n["metadata"].get("annotations") or {}).get("kwok.x-k8s.io/node") == "fake"]
        if self.node is None:
            self.node = "real" if real else "kwok"
        if self.node == "real" and not real:
            raise ValueError("node='real': the cluster has no node labelled kubesim.dev/node=real (cluster/up.sh starts one)")
        try:
            self._request("GET", f"/apis/admissionregistration.k8s.io/v1/mutatingadmissionpolicies/{POLICY}")
            conventions_here = True
        except ApiError:
            conventions_here = False
        if self.node == "real":
            self._capabilities = frozenset({"kubelet", "faults"} if conventions_here else {"kubelet"})
        elif nodes and len(fake) == len(nodes):
            self._capabilities = frozenset()
        elif fake:  # KWOK nodes asked for, next to nodes that run containers: no way to choose
            self._capabilities = frozenset()
        else:
            self._capabilities = frozenset({"kubelet"})

    def start(self) -> None:
        """Create the scenario's namespace and start watching it."""
        if self._capabilities is None:
            self._choose_node()
        labels = {**MANAGED_BY, RUN_LABEL: self.run_id}
        if self.node == "real":
            labels[NODE_LABEL] = "real"
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self.namespace, "labels": labels}}
        self._request("POST", "/api/v1/namespaces", body)
        self._started = True
        atexit.register(self.stop)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # pods are refused until the default ServiceAccount exists
            try:
                self._request("GET", f"/api/v1/namespaces/{self.namespace}/serviceaccounts/default")
                break
            except ApiError:
                time.sleep(0.2)
        self._t0 = time.monotonic()
        self._epoch = time.time()
        for kind in _WATCHED:
            t = threading.Thread(target=self._watch, args=(kind,), name=f"watch-{kind}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, wait: bool = False) -> None:
        """Stop watching and delete the namespace; never raises.

        The namespace controller then removes everything in it; with `wait` this waits
        (at most 60 s) until the namespace is gone. `leftover_namespaces` lists any that remain.
        """
        if not self._started:
            return
        self._started = False
        self._stopping.set()
        try:  # Services first: their node ports are cluster-wide and the next scenario may want them
            for svc in self.list("Service"):
                self._request("DELETE", self._path("Service", svc["metadata"]["name"]))
        except Exception:  # noqa: BLE001
            pass
        try:
            self._request("DELETE", f"/api/v1/namespaces/{self.namespace}", {"propagationPolicy": "Background"})
        except Exception:  # noqa: BLE001 - teardown must not mask the scenario's own error
            pass
        deadline = time.monotonic() + (60 if wait else 0)
        while time.monotonic() < deadline:
            try:
                self._request("GET", f"/api/v1/namespaces/{self.namespace}")
            except ApiError as err:
                if err.reason == "NotFound":
                    break
            except Exception:  # noqa: BLE001
                break
            time.sleep(0.5)
        self._subscribers.clear()
        self._release_ports()
        try:
            atexit.unregister(self.stop)
        except Exception:  # noqa: BLE001
            pass

    def leftover_namespaces(self, run_id: str | None = None) -> list[str]:
        """Namespaces this kit created (of one run, if given) that still exist."""
        selector = "app.kubernetes.io/managed-by=kubesim" + (f",{RUN_LABEL}={run_id}" if run_id else "")
        listing = self._request("GET", "/api/v1/namespaces", query=[("labelSelector", selector)])
        return sorted(n["metadata"]["name"] for n in listing.get("items", []))

    # ----- watches -----------------------------------------------------------------------
    def _watch(self, kind: str) -> None:
        while not self._stopping.is_set():
            try:
                listing = self._request("GET", self._path(kind))
                with self._lock:
                    self._cache[kind] = {o["metadata"]["name"]: self._ports_back({**o, "kind": kind, "apiVersion": listing.get("apiVersion", "v1")}) for o in listing.get("items", [])}
                self._changed()
                rv = listing["metadata"].get("resourceVersion")
                resp = self._request("GET", self._path(kind), query=[("watch", "1"), ("resourceVersion", rv), ("allowWatchBookmarks", "false"), ("timeoutSeconds", "300")], stream=True)
                for line in resp:
                    if self._stopping.is_set():
                        break
                    if not line.strip():
                        continue
                    event = json.loads(line)
                    obj = event.get("object") or {}
                    if event.get("type") == "ERROR":
                        break
                    name = obj.get("metadata", {}).get("name")
                    with self._lock:
                        if event["type"] == "DELETED":
                            self._cache[kind].pop(name, None)
                        else:
                            self._cache[kind][name] = self._ports_back(obj) if kind == "Service" else obj
                    self._changed()
                resp.release_conn()
            except Exception:  # noqa: BLE001 - a broken watch is re-listed
                if self._stopping.wait(0.5):
                    return

    def _changed(self) -> None:
        """Hand subscribers an observation after a watch event. One watch thread per kind calls this: without
        `_delivering`, a thread could take its observation, be overtaken by another thread's later one, and
        deliver the older after it (a ReplicaSet just created would vanish for one observation and come back)."""
        self._last_event = time.monotonic()
        if self._subscribers:
            with self._delivering:  # observations reach subscribers in the order they were taken
                obs = self.observe()
                for cb in list(self._subscribers):
                    cb(obs)

    def observe(self) -> Observation:
        with self._lock:
            objects = {k: sorted(self._cache.get(k, {}).values(), key=lambda o: o["metadata"]["name"]) for k in _WATCHED}
        objects.setdefault("Namespace", [])
        objects.setdefault("Event", [])
        out = {k: objects.get(k, []) for k in KINDS}
        # Wall-clock time of t=0, so invariants can compare with the API's timestamps, and
        # how late a watch may deliver a write.
        out["_meta"] = [{"epoch": self._epoch, "slack": WATCH_SLACK_SECONDS}]
        return Observation(time=round(time.monotonic() - self._t0, 3), objects=out)

    def subscribe(self, callback: Callable[[Observation], None]) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    # ----- requests ----------------------------------------------------------------------
    def apply(self, text: str, source: str = "-") -> list[str]:
        """`kubectl apply -f`: client-side three-way merge, then create or replace."""
        lines = []
        for doc in load_documents(text, source):
            obj = doc.obj
            kind = obj.get("kind")
            if kind not in kinds.KINDS or kind in kinds.CLUSTER_SCOPED:
                raise ControllerError(f"the cluster driver only writes namespaced objects in {self.namespace}; refusing {kind}")
            md = obj.setdefault("metadata", {})
            if md.get("namespace") not in (None, "", self.namespace):
                raise ControllerError(f'the namespace from the provided object "{md["namespace"]}" does not match the namespace "{self.namespace}". You must pass \'--namespace={md["namespace"]}\' to perform this operation.')
            md["namespace"] = self.namespace
            try:
                lines.append(self._apply_one(obj))
            except ApiError as err:
                err.source, err.document_index = source, doc.index
                raise
        return lines

    # ----- node ports ----------------------------------------------------------------------
    # Node ports are cluster-wide, and many scenarios ask for the article's 31000/31001: run
    # side by side in their namespaces, they would refuse each other. So each driver maps the
    # node ports a scenario asks for (30000-32767) to ports it holds alone (a lock file per
    # port, and no Service in the cluster using it), and maps them back in everything it reads
    # (objects, watch events, error messages). Ports outside the range go to the API unchanged.
    _NODE_PORTS = range(30000, 32768)
    _POOL = range(32000, 32768)

    def _actual_port(self, port: int) -> int:
        if port in self._port_map:
            return self._port_map[port]
        used = {p.get("nodePort") for svc in self._request("GET", "/api/v1/services").get("items", []) for p in (svc.get("spec") or {}).get("ports") or ()}
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", self.context)
        start = (os.getpid() * 7 + len(self._port_map) * 131) % len(self._POOL)
        for k in range(len(self._POOL)):
            candidate = self._POOL[(start + k) % len(self._POOL)]
            if candidate in used or candidate in self._port_locks:
                continue
            fd = os.open(os.path.join(tempfile.gettempdir(), f"kubesim-nodeport-{safe}-{candidate}.lock"), os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held until stop(), or until this process dies
            except OSError:
                os.close(fd)
                continue
            self._port_locks[candidate] = fd
            self._port_map[port] = candidate
            self._port_back[candidate] = port
            return candidate
        raise ControllerError("no free node port left for this scenario")

    def _ports_to_actual(self, obj: dict) -> None:
        if obj.get("kind") != "Service":
            return
        for p in (obj.get("spec") or {}).get("ports") or ():
            if isinstance(p, dict) and isinstance(p.get("nodePort"), int) and not isinstance(p.get("nodePort"), bool) and p["nodePort"] in self._NODE_PORTS:
                p["nodePort"] = self._actual_port(p["nodePort"])

    def _ports_back(self, obj: dict) -> dict:
        """The object as the scenario wrote it: mapped node ports back to the ones it asked for."""
        ports = (obj.get("spec") or {}).get("ports") if isinstance(obj, dict) else None
        if ports and self._port_back and any(isinstance(p, dict) and p.get("nodePort") in self._port_back for p in ports):
            obj = {**obj, "spec": {**obj["spec"], "ports": [{**p, "nodePort": self._port_back[p["nodePort"]]} if isinstance(p, dict) and p.get("nodePort") in self._port_back else p for p in ports]}}
        return obj

    def _error_back(self, err: ApiError) -> ApiError:
        for actual, asked in self._port_back.items():
            err.message = err.message.replace(str(actual), str(asked))
            err.causes = tuple(dataclasses.replace(c, detail=c.detail.replace(str(actual), str(asked)), value=asked if c.value == actual else c.value) for c in err.causes)
        err.args = (err.message, *err.args[1:])
        return err

    def _release_ports(self) -> None:
        for fd in self._port_locks.values():
            try:
                os.close(fd)
            except OSError:
                pass
        self._port_locks.clear()

    def _apply_one(self, manifest: dict) -> str:
        try:
            return self._apply_mapped(manifest)
        except ApiError as err:
            raise self._error_back(err) from None

    def _apply_mapped(self, manifest: dict) -> str:
        kind, name = manifest["kind"], manifest["metadata"]["name"]
        desired = json.loads(json.dumps(manifest))
        desired["metadata"].setdefault("annotations", {})[mk.du.LAST_APPLIED] = mk._last_applied(manifest, self.namespace)
        try:
            live = self._request("GET", self._path(kind, name))
        except ApiError as err:
            if err.reason != "NotFound":
                raise
            self._ports_to_actual(desired)
            self._request("POST", self._path(kind), desired)
            return f"{mk.ref(kind, name)} created"
        live = self._ports_back({**live, "kind": kind})
        previous = json.loads((live["metadata"].get("annotations") or {}).get(mk.du.LAST_APPLIED, "{}") or "{}")
        merged = mk._three_way(mk._strip_server_fields(live), previous, desired)
        if merged == mk._strip_server_fields(live):
            return f"{mk.ref(kind, name)} unchanged"
        merged["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
        merged["kind"] = kind
        self._ports_to_actual(merged)
        self._request("PUT", self._path(kind, name), merged)
        return f"{mk.ref(kind, name)} configured"

    def delete(self, kind: str, name: str, cascade: str = "background") -> str:
        policy = {"background": "Background", "orphan": "Orphan", "foreground": "Foreground"}[cascade]
        self._request("DELETE", self._path(kind, name), {"propagationPolicy": policy})
        return mk.deleted_line(kind, name, self.namespace)

    def get(self, kind: str, name: str) -> dict | None:
        try:
            obj = self._request("GET", self._path(kind, name))
        except ApiError as err:
            if err.reason == "NotFound":
                return None
            raise
        return self._ports_back(obj) if kind == "Service" else obj

    def list(self, kind: str) -> list[dict]:
        listing = self._request("GET", self._path(kind))
        api_version = listing.get("apiVersion", "v1")
        items = ({**o, "kind": kind, "apiVersion": api_version} for o in listing.get("items", []))
        return sorted((self._ports_back(o) if kind == "Service" else o for o in items), key=lambda o: o["metadata"]["name"])

    def scale(self, kind: str, name: str, replicas: int) -> str:
        self._request("PATCH", self._path(kind, name, "scale"), {"spec": {"replicas": replicas}}, content_type="application/merge-patch+json")
        return f"{mk.ref(kind, name)} scaled"

    def set_image(self, name: str, container: str, image: str) -> str:
        d = self._request("GET", self._path("Deployment", name))
        names = [c["name"] for c in d["spec"]["template"]["spec"]["containers"]]
        if container != "*" and container not in names:
            raise ControllerError(f'unable to find container named "{container}"')
        targets = [c["name"] for c in d["spec"]["template"]["spec"]["containers"] if container in ("*", c["name"]) and c.get("image") != image]
        if not targets:  # kubectl's set image sends no patch and prints nothing when nothing changes
            return mk.ref("Deployment", name)
        patch = {"spec": {"template": {"spec": {"containers": [{"name": n, "image": image} for n in targets]}}}}
        self._request("PATCH", self._path("Deployment", name), patch, content_type="application/strategic-merge-patch+json")
        return f"{mk.ref('Deployment', name)} image updated"

    def rollout_undo(self, name: str, to_revision: int = 0) -> str:
        d = self._request("GET", self._path("Deployment", name))
        uid = d["metadata"]["uid"]
        rss = [rs for rs in self.list("ReplicaSet") if any(r.get("uid") == uid and r.get("controller") for r in rs["metadata"].get("ownerReferences") or ())]
        new, line = mk.undo_plan(d, rss, to_revision)
        if new is not None:
            patch = [
                {"op": "replace", "path": "/spec/template", "value": new["spec"]["template"]},
                {"op": "replace", "path": "/metadata/annotations", "value": new["metadata"].get("annotations") or {}},
            ]
            self._request("PATCH", self._path("Deployment", name), patch, content_type="application/json-patch+json")
        return line

    def rollout_restart(self, name: str) -> str:
        d = self._request("GET", self._path("Deployment", name))
        if d["spec"].get("paused"):
            raise ControllerError("can't restart paused deployment (run rollout resume first)")
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        patch = {"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": stamp}}}}}
        self._request("PATCH", self._path("Deployment", name), patch, content_type="application/strategic-merge-patch+json")
        return f"{mk.ref('Deployment', name)} restarted"

    def rollout_pause(self, name: str) -> str:
        d = self._request("GET", self._path("Deployment", name))
        if d["spec"].get("paused"):
            raise ControllerError(f'deployments.apps "{name}" is already paused')
        self._request("PATCH", self._path("Deployment", name), {"spec": {"paused": True}}, content_type="application/merge-patch+json")
        return f"{mk.ref('Deployment', name)} paused"

    def rollout_resume(self, name: str) -> str:
        d = self._request("GET", self._path("Deployment", name))
        if not d["spec"].get("paused"):
            raise ControllerError(f'deployments.apps "{name}" is not paused')
        self._request("PATCH", self._path("Deployment", name), {"spec": {"paused": None}}, content_type="application/merge-patch+json")
        return f"{mk.ref('Deployment', name)} resumed"

    def exec_env(self, pod: str, container: str | None = None) -> dict[str, str]:
        if "kubelet" not in self.capabilities:
            raise CapabilityMissing("The cluster's nodes are simulated (KWOK) and run no containers, so a container's environment cannot be read.")
        out = self._exec(pod, ["printenv"], container)
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    _NO_FILE = "__kubesim: no such file__"

    def read_file(self, pod: str, path: str, container: str | None = None) -> str | None:
        if "kubelet" not in self.capabilities:
            raise CapabilityMissing("The cluster's nodes are simulated (KWOK) and run no containers, so a container's files cannot be read.")
        out = self._exec(pod, ["sh", "-c", f'if [ -f "$1" ]; then cat "$1"; else echo "{self._NO_FILE}"; fi', "sh", path], container, stderr=False)
        return None if out.strip() == self._NO_FILE else out

    # ----- time --------------------------------------------------------------------------
    def unsettled(self) -> list[str]:
        """What is still moving, as far as the API shows: the cluster has no timer list.

        Moving: a Deployment or ReplicaSet whose generation is not observed yet, a
        ReplicaSet with fewer or more pods than it wants, or with ready pods not yet
        available (minReadySeconds running), a pod that is starting, and a pod that is
        terminating, and a ReplicaSet or pod whose owner is gone (garbage collection pending).
        A pod waiting for a ConfigMap volume that does not exist is not moving, nor is a
        rollout stuck on pods that never become ready (its
        progress deadline, if any, is a later event the caller has to wait for).
        """
        obs = self.observe()
        out = []
        for kind in ("Deployment", "ReplicaSet"):
            for o in obs.of(kind):
                if (o.get("status") or {}).get("observedGeneration", 0) < o["metadata"].get("generation", 1):
                    out.append(f"{kind}/{o['metadata']['name']}: generation {o['metadata'].get('generation')} not observed yet")
        for rs in obs.of("ReplicaSet"):
            st = rs.get("status") or {}
            name = rs["metadata"]["name"]
            if st.get("replicas", 0) != rs["spec"].get("replicas", 1):
                out.append(f"ReplicaSet/{name}: {st.get('replicas', 0)} pods of {rs['spec'].get('replicas', 1)}")
            elif st.get("readyReplicas", 0) != st.get("availableReplicas", 0):
                out.append(f"ReplicaSet/{name}: {st.get('readyReplicas', 0)} ready, {st.get('availableReplicas', 0)} available (minReadySeconds)")
        owners = {o["metadata"].get("uid") for kind in ("Deployment", "ReplicaSet") for o in obs.of(kind)}
        for kind in ("ReplicaSet", "Pod"):
            for o in obs.of(kind):
                gone = [r for r in o["metadata"].get("ownerReferences") or () if r.get("kind") in ("Deployment", "ReplicaSet") and r.get("uid") not in owners]
                if gone:  # the garbage collector deletes it (or, on --cascade=orphan, removes the reference)
                    out.append(f"{kind}/{o['metadata']['name']}: its owner {gone[0]['kind']}/{gone[0]['name']} is gone; garbage collection pending")
        for p in obs.of("Pod"):
            name = p["metadata"]["name"]
            if p["metadata"].get("deletionTimestamp"):
                out.append(f"Pod/{name}: terminating")
                continue
            status = p.get("status") or {}
            waiting = [c.get("state", {}).get("waiting", {}).get("reason") for c in [*(status.get("initContainerStatuses") or ()), *(status.get("containerStatuses") or ())]]
            stuck = any(r and r not in ("ContainerCreating", "PodInitializing") for r in waiting) or _missing_volume(p, obs.of("ConfigMap"))
            if status.get("phase") == "Pending" and not stuck:
                out.append(f"Pod/{name}: starting")
            elif self.node == "real" and status.get("phase") == "Running" and self._awaiting_readiness(p):
                out.append(f"Pod/{name}: running, its readiness probe has not passed yet")
            elif "CreateContainerConfigError" in waiting and not _missing_config(p, obs.of("ConfigMap")):
                # a real kubelet retries on its next pod sync (up to ~10 s later), not on the ConfigMap's arrival
                out.append(f"Pod/{name}: its ConfigMaps exist now; waiting for the kubelet's retry")
        return out

    @staticmethod
    def _awaiting_readiness(pod: dict, grace: float = 30.0) -> bool:
        """A running pod that the image conventions say will become ready, and has not yet: its
        readiness probe is due (within its ready-after delay plus `grace` seconds of the start: on the loaded
        shared node the 1 s exec probe timed out for more than 10 s after a start)."""
        status = pod.get("status") or {}
        if any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or ()):
            return False
        ann = pod["metadata"].get("annotations") or {}
        if ann.get(conventions.NEVER_READY_ANNOTATION) == "true" or any(conventions.named_behaviour(c.get("image", "")).never_ready for c in pod["spec"].get("containers") or ()):
            return False
        try:
            after = max(float(ann.get(conventions.READY_AFTER_ANNOTATION, "0")), 0.0)
        except ValueError:
            after = 0.0
        starts = [(c.get("state") or {}).get("running", {}).get("startedAt") for c in status.get("containerStatuses") or ()]
        starts = [_dt.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() for t in starts if t]
        return bool(starts) and time.time() - max(starts) < after + grace

    def settle(self, timeout: float = 600.0) -> None:
        """Wait until no watch event arrived for `quiet_seconds` and nothing is still rolling."""
        deadline = time.monotonic() + timeout
        time.sleep(0.2)
        while True:
            quiet = time.monotonic() - self._last_event >= self.quiet_seconds
            pending = self.unsettled()
            if quiet and not pending:
                return
            if time.monotonic() > deadline:
                raise NotSettledError(f"The cluster did not settle within {timeout:g}s: " + ("; ".join(pending) or "watch events kept arriving"))
            time.sleep(0.2)

    def advance(self, seconds: float) -> None:
        """Real time passes: the cluster has no logical clock."""
        time.sleep(seconds)

    # ----- faults, by real means (the image conventions' init, model.images) ----------------
    def _exec(self, pod: str, command: list[str], container: str | None = None, stderr: bool = True) -> str:
        """`kubectl exec POD -- COMMAND`: its output; the API server's refusal as kubectl words it."""
        from kubernetes.client.exceptions import ApiException
        from kubernetes.stream import stream

        core = self._client_mod.CoreV1Api(self.api)
        kwargs = {"container": container} if container else {}
        try:
            return stream(core.connect_get_namespaced_pod_exec, pod, self.namespace, command=command, stderr=stderr, stdin=False, stdout=True, tty=False, **kwargs)
        except ApiException as err:
            text = f"{err.reason or ''} {err.body or ''}"
            try:
                message = json.loads(err.body or "{}").get("message") or ""
            except (TypeError, ValueError):
                message = ""
            if not message:
                found = re.search(r'"message":\s*"((?:[^"\\]|\\.)*)"', text)
                message = json.loads(f'"{found.group(1)}"') if found else text.strip()
            raise ControllerError(message if message.startswith("unable to upgrade connection") else f"unable to upgrade connection: {message}") from None

    def _container_status(self, pod: str, container: str | None) -> dict:
        p = self.get("Pod", pod) or {}
        statuses = (p.get("status") or {}).get("containerStatuses") or []
        for c in statuses:
            if container is None or c.get("name") == container:
                return c
        return {}

    def crash(self, pod: str, container: str | None = None) -> None:
        """The container's init exits with code 1 (a crash); waits until the kubelet restarted it."""
        if "faults" not in self.capabilities:
            raise CapabilityMissing("Crashing a container needs the local cluster's real node and its image conventions (cluster/up.sh).")
        before = self._container_status(pod, container).get("restartCount", 0)
        self._exec(pod, ["kill", f"-{conventions.CRASH_SIGNAL}", "1"], container)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            st = self._container_status(pod, container)
            if st.get("restartCount", 0) > before and "running" in (st.get("state") or {}):
                return
            time.sleep(0.2)
        raise NotSettledError(f"Pod {pod}: the crashed container was not restarted within 60 s.")

    def set_readiness(self, pod: str, ready: bool | None) -> None:
        """Write (or remove) the file the container's readiness probe reads; waits until the pod shows it."""
        if "faults" not in self.capabilities:
            raise CapabilityMissing("Forcing readiness needs the local cluster's real node and its image conventions (cluster/up.sh).")
        path = conventions.READINESS_FILE
        script = f"rm -f {path}" if ready is None else f"echo {1 if ready else 0} > {path}"
        self._exec(pod, ["sh", "-c", script])
        if ready is None:
            return
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            p = self.get("Pod", pod) or {}
            conds = {c["type"]: c["status"] for c in (p.get("status") or {}).get("conditions") or ()}
            if conds.get("Ready") == ("True" if ready else "False"):
                return
            time.sleep(0.2)
        raise NotSettledError(f"Pod {pod}: Ready did not become {ready} within 30 s.")
