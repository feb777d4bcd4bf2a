#!/usr/bin/env python3
"""The kubelet's ConfigMap checks, for pods on the local cluster's fake nodes.

KWOK (cluster/kwok/stages.yaml) starts every pod 1 s after it is bound, except pods
that use a ConfigMap without `optional: true` (a `configMap` volume, an `envFrom`
`configMapRef`, or an `env` `configMapKeyRef`, in any container or init container).
This process starts those pods instead, after the same 1 s, and keeps them from
starting while a ConfigMap or key they need is missing. It does what a kubelet does:

- A missing ConfigMap for a volume: the volume cannot be mounted, so there is no
  sandbox. The pod stays Pending with no podIP, `PodReadyToStartContainers=False`, and
  its containers waiting with reason `ContainerCreating` (`PodInitializing` while it
  has init containers). It gets the event Warning FailedMount
  `MountVolume.SetUp failed for volume "V" : configmap "C" not found`.
- A missing ConfigMap or key for a container's environment: the sandbox exists (podIP
  set), and that container waits with reason `CreateContainerConfigError` and the message
  `configmap "C" not found` or `couldn't find key K in ConfigMap NS/C`, with the event
  Warning Failed `Error: <message>`. The other containers run. The phase is Pending.
  While an init container is blocked like that, the app containers wait with
  `PodInitializing`.
- Nothing missing: the pod gets the status KWOK's `kubesim-pod-running` stage gives it
  (Running, containers started but not ready). KWOK's later stages then apply as for
  any pod (ready after `kubesim.dev/ready-after-seconds`, never ready, deletion).

A blocked pod is checked again whenever a ConfigMap in its namespace changes. It
starts at once when nothing is missing any more. A real kubelet notices on its next
pod sync instead, which can be seconds later. Pod IPs come from 10.244.128.0/17;
KWOK uses 10.244.0.0/17.

Usage: cm_gate.py --kubeconfig FILE
"""

from __future__ import annotations

import argparse
import datetime
import heapq
import ipaddress
import json
import logging
import queue
import threading
import time

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

START_DELAY_S = 1.0
POD_CIDR = ipaddress.ip_network("10.244.128.0/17")

log = logging.getLogger("cm-gate")


# ----- what a pod needs ----------------------------------------------------------------


def _required(ref: dict | None) -> bool:
    return ref is not None and not ref.get("optional", False)


def needs_configmaps(pod: dict) -> bool:
    """Whether `pod` uses a ConfigMap that is not optional (the KWOK stage 1 exclusion)."""
    spec = pod.get("spec") or {}
    for v in spec.get("volumes") or ():
        if _required(v.get("configMap")):
            return True
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        for src in c.get("envFrom") or ():
            if _required(src.get("configMapRef")):
                return True
        for e in c.get("env") or ():
            if _required((e.get("valueFrom") or {}).get("configMapKeyRef")):
                return True
    return False


def missing_volume(pod: dict, cms: dict) -> tuple[str, str] | None:
    """The first (volume, configmap) whose required ConfigMap does not exist."""
    ns = pod["metadata"]["namespace"]
    for v in pod["spec"].get("volumes") or ():
        ref = v.get("configMap")
        if _required(ref) and (ns, ref.get("name", "")) not in cms:
            return v["name"], ref.get("name", "")
    return None


def env_error(pod: dict, container: dict, cms: dict) -> str | None:
    """The kubelet's error for `container`'s environment, or None (makeEnvironmentVariables)."""
    ns = pod["metadata"]["namespace"]
    for src in container.get("envFrom") or ():
        ref = src.get("configMapRef")
        if ref is not None and (ns, ref.get("name", "")) not in cms and not ref.get("optional", False):
            return f'configmap "{ref.get("name", "")}" not found'
    for e in container.get("env") or ():
        ref = (e.get("valueFrom") or {}).get("configMapKeyRef")
        if ref is None:
            continue
        keys = cms.get((ns, ref.get("name", "")))
        if keys is None:
            if not ref.get("optional", False):
                return f'configmap "{ref.get("name", "")}" not found'
        elif ref.get("key") not in keys and not ref.get("optional", False):
            return f"couldn't find key {ref.get('key')} in ConfigMap {ns}/{ref.get('name', '')}"
    return None


# ----- status ----------------------------------------------------------------------------


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _condition(old: dict, ctype: str, status: str, now: str, reason: str = "", message: str = "") -> dict:
    prev = next((c for c in old.get("conditions") or () if c.get("type") == ctype), None)
    keep = prev is not None and prev.get("status") == status
    c = {"type": ctype, "status": status, "lastProbeTime": None, "lastTransitionTime": prev["lastTransitionTime"] if keep else now}
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


def _waiting(c: dict, reason: str, message: str = "") -> dict:
    w = {"reason": reason}
    if message:
        w["message"] = message
    return {"name": c["name"], "image": c.get("image", ""), "imageID": "", "ready": False, "restartCount": 0, "started": False, "state": {"waiting": w}}


def _running(c: dict, now: str, old: dict) -> dict:
    prev = next((s for s in old if s.get("name") == c["name"] and "running" in (s.get("state") or {})), None)
    started = prev["state"]["running"]["startedAt"] if prev else now
    return {
        "name": c["name"],
        "image": c.get("image", ""),
        "imageID": f"kubesim://{c.get('image', '')}",
        "containerID": f"kubesim://{c['name']}",
        "ready": False,
        "restartCount": 0,
        "started": True,
        "state": {"running": {"startedAt": started}},
    }


def _completed(c: dict, now: str) -> dict:
    return {
        "name": c["name"],
        "image": c.get("image", ""),
        "imageID": f"kubesim://{c.get('image', '')}",
        "containerID": f"kubesim://{c['name']}",
        "ready": True,
        "restartCount": 0,
        "started": False,
        "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now}},
    }


def desired_status(pod: dict, cms: dict, host_ip: str, pod_ip: str) -> tuple[dict, list[tuple[str, str, str]]]:
    """The pod status a kubelet would report now, and the warning events (reason, message, fieldPath) it would emit."""
    spec, old = pod["spec"], pod.get("status") or {}
    now = _now()
    inits, apps = spec.get("initContainers") or [], spec.get("containers") or []
    events: list[tuple[str, str, str]] = []
    status = {k: v for k, v in old.items() if k in ("qosClass", "nominatedNodeName")}
    status.update(hostIP=host_ip, hostIPs=[{"ip": host_ip}], startTime=old.get("startTime") or now)
    sched = [c for c in old.get("conditions") or () if c.get("type") == "PodScheduled"]
    names = " ".join(c["name"] for c in apps)
    unready = f"containers with unready status: [{names}]"

    vol = missing_volume(pod, cms)
    if vol is not None:
        events.append(("FailedMount", f'MountVolume.SetUp failed for volume "{vol[0]}" : configmap "{vol[1]}" not found', ""))
        app_reason = "PodInitializing" if inits else "ContainerCreating"
        status.update(
            phase="Pending",
            conditions=[
                _condition(old, "PodReadyToStartContainers", "False", now),
                _condition(old, "Initialized", "False" if inits else "True", now, *(("ContainersNotInitialized", f"containers with incomplete status: [{' '.join(c['name'] for c in inits)}]") if inits else ())),
                _condition(old, "Ready", "False", now, "ContainersNotReady", unready),
                _condition(old, "ContainersReady", "False", now, "ContainersNotReady", unready),
            ]
            + sched,
            containerStatuses=[_waiting(c, app_reason) for c in apps],
        )
        if inits:
            status["initContainerStatuses"] = [_waiting(c, "PodInitializing") for c in inits]
        return status, events

    status.update(podIP=pod_ip, podIPs=[{"ip": pod_ip}])
    old_app = old.get("containerStatuses") or []
    old_init = old.get("initContainerStatuses") or []
    init_statuses, blocked_init = [], None
    for c in inits:
        if blocked_init is not None:
            init_statuses.append(_waiting(c, "PodInitializing"))
            continue
        err = env_error(pod, c, cms)
        if err is not None:
            blocked_init = c["name"]
            events.append(("Failed", f"Error: {err}", f"spec.initContainers{{{c['name']}}}"))
            init_statuses.append(_waiting(c, "CreateContainerConfigError", err))
        elif c.get("restartPolicy") == "Always":
            init_statuses.append({**_running(c, now, old_init), "ready": True})
        else:
            init_statuses.append(_completed(c, now))
    app_statuses, blocked = [], False
    for c in apps:
        if blocked_init is not None:
            app_statuses.append(_waiting(c, "PodInitializing"))
            continue
        err = env_error(pod, c, cms)
        if err is not None:
            blocked = True
            events.append(("Failed", f"Error: {err}", f"spec.containers{{{c['name']}}}"))
            app_statuses.append(_waiting(c, "CreateContainerConfigError", err))
        else:
            app_statuses.append(_running(c, now, old_app))
    initialized = blocked_init is None
    status.update(
        phase="Pending" if (blocked or not initialized) else "Running",
        conditions=[
            _condition(old, "PodReadyToStartContainers", "True", now),
            _condition(old, "Initialized", "True" if initialized else "False", now, *(() if initialized else ("ContainersNotInitialized", f"containers with incomplete status: [{blocked_init}]"))),
            _condition(old, "Ready", "False", now, "ContainersNotReady", unready),
            _condition(old, "ContainersReady", "False", now, "ContainersNotReady", unready),
        ]
        + sched,
        containerStatuses=app_statuses,
    )
    if inits:
        status["initContainerStatuses"] = init_statuses
    return status, events


# ----- the controller ------------------------------------------------------------------------


class Gate:
    def __init__(self, api: client.CoreV1Api):
        self.api = api
        self.cms: dict[tuple[str, str], frozenset] = {}  # (ns, name) -> keys (data + binaryData)
        self.due: list[tuple[float, str, str, str]] = []  # heap of (time, ns, name, uid)
        self.bound: dict[tuple[str, str], str] = {}  # pods waiting for their start or blocked: key -> uid
        self.ips: dict[str, str] = {}  # pod uid -> IP
        self.next_ip = 0
        self.warned: dict[tuple[str, str], set] = {}
        self.node_ips: dict[str, str] = {}
        self.events: queue.Queue = queue.Queue()

    # informers feed self.events; everything else runs on the main thread
    def informer(self, kind: str, list_fn) -> None:
        while True:
            try:
                lst = list_fn(_preload_content=False)
                body = json.loads(lst.data)
                self.events.put((kind, "SYNC", body["items"]))
                rv = body["metadata"]["resourceVersion"]
                for ev in watch.Watch().stream(list_fn, resource_version=rv, timeout_seconds=300):
                    if ev["type"] in ("ADDED", "MODIFIED", "DELETED"):
                        self.events.put((kind, ev["type"], ev["raw_object"]))
            except ApiException as e:
                if e.status != 410:
                    log.warning("%s watch: %s", kind, e)
                    time.sleep(1)
            except Exception as e:  # connection drops, apiserver restarts
                log.warning("%s watch: %s", kind, e)
                time.sleep(1)

    def allocate_ip(self, uid: str) -> str:
        if uid not in self.ips:
            self.ips[uid] = str(POD_CIDR[self.next_ip % (POD_CIDR.num_addresses - 2) + 1])
            self.next_ip += 1
        return self.ips[uid]

    def host_ip(self, node: str) -> str:
        if node not in self.node_ips:
            try:
                n = self.api.read_node(node)
                addrs = [a.address for a in n.status.addresses or () if a.type == "InternalIP"]
                if addrs:
                    self.node_ips[node] = addrs[0]
            except ApiException:
                return ""
        return self.node_ips.get(node, "")

    def on_configmap(self, typ: str, cm: dict) -> None:
        md = cm["metadata"]
        key = (md["namespace"], md["name"])
        if typ == "DELETED":
            self.cms.pop(key, None)
        else:
            self.cms[key] = frozenset((cm.get("data") or {}).keys()) | frozenset((cm.get("binaryData") or {}).keys())
        for (ns, name), uid in list(self.bound.items()):
            if ns == md["namespace"]:
                heapq.heappush(self.due, (0.0, ns, name, uid))

    def on_pod(self, typ: str, pod: dict) -> None:
        md, spec = pod["metadata"], pod.get("spec") or {}
        key = (md["namespace"], md["name"])
        if typ == "DELETED" or md.get("deletionTimestamp") or not spec.get("nodeName"):
            if typ == "DELETED" or md.get("deletionTimestamp"):
                self.bound.pop(key, None)
                self.warned.pop(key, None)
                self.ips.pop(md.get("uid"), None)
            return
        if (pod.get("status") or {}).get("phase") != "Pending" or not needs_configmaps(pod):
            self.bound.pop(key, None)
            return
        if self.bound.get(key) != md["uid"]:
            self.bound[key] = md["uid"]
            heapq.heappush(self.due, (time.monotonic() + START_DELAY_S, key[0], key[1], md["uid"]))

    def sync(self, ns: str, name: str, uid: str) -> None:
        if self.bound.get((ns, name)) != uid:
            return
        try:
            raw = self.api.read_namespaced_pod(name, ns, _preload_content=False)
        except ApiException as e:
            if e.status == 404:
                self.bound.pop((ns, name), None)
            return
        pod = json.loads(raw.data)
        if pod["metadata"]["uid"] != uid or pod["metadata"].get("deletionTimestamp"):
            return
        node = pod["spec"]["nodeName"]
        host_ip = self.host_ip(node)
        pod_ip = host_ip if pod["spec"].get("hostNetwork") else self.allocate_ip(uid)
        status, events = desired_status(pod, self.cms, host_ip, pod_ip)
        if status != pod.get("status"):
            try:
                self.api.replace_namespaced_pod_status(name, ns, {**pod, "status": status})
            except ApiException as e:
                if e.status == 409:  # changed under us: try again shortly
                    heapq.heappush(self.due, (time.monotonic() + 0.1, ns, name, uid))
                elif e.status != 404:
                    log.warning("update %s/%s: %s", ns, name, e)
                return
        seen = self.warned.setdefault((ns, name), set())
        for reason, message, field in events:
            if (reason, message) not in seen:
                seen.add((reason, message))
                self.event(pod, node, reason, message, field)
        if status["phase"] == "Running":
            self.bound.pop((ns, name), None)
            self.warned.pop((ns, name), None)

    def event(self, pod: dict, node: str, reason: str, message: str, field: str) -> None:
        md = pod["metadata"]
        now = datetime.datetime.now(datetime.timezone.utc)
        ev = client.CoreV1Event(
            metadata=client.V1ObjectMeta(generate_name=md["name"] + ".", namespace=md["namespace"]),
            involved_object=client.V1ObjectReference(kind="Pod", api_version="v1", namespace=md["namespace"], name=md["name"], uid=md["uid"], field_path=field or None),
            reason=reason,
            message=message,
            type="Warning",
            source=client.V1EventSource(component="kubelet", host=node),
            reporting_component="kubelet",
            reporting_instance=node,
            first_timestamp=now,
            last_timestamp=now,
            count=1,
        )
        try:
            self.api.create_namespaced_event(md["namespace"], ev)
        except ApiException as e:
            log.warning("event for %s/%s: %s", md["namespace"], md["name"], e)

    def run(self) -> None:
        threading.Thread(target=self.informer, args=("ConfigMap", self.api.list_config_map_for_all_namespaces), daemon=True).start()
        threading.Thread(target=self.informer, args=("Pod", self.api.list_pod_for_all_namespaces), daemon=True).start()
        while True:
            timeout = max(0.0, self.due[0][0] - time.monotonic()) if self.due else 1.0
            try:
                kind, typ, obj = self.events.get(timeout=min(timeout, 1.0))
                if kind == "ConfigMap":
                    if typ == "SYNC":
                        self.cms = {}
                        for cm in obj:
                            self.on_configmap("ADDED", cm)
                    else:
                        self.on_configmap(typ, obj)
                elif typ == "SYNC":
                    for pod in obj:
                        self.on_pod("ADDED", pod)
                else:
                    self.on_pod(typ, obj)
            except queue.Empty:
                pass
            while self.due and self.due[0][0] <= time.monotonic():
                _, ns, name, uid = heapq.heappop(self.due)
                self.sync(ns, name, uid)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kubeconfig", required=True)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    config.load_kube_config(config_file=args.kubeconfig)
    log.info("watching pods and configmaps")
    Gate(client.CoreV1Api()).run()


if __name__ == "__main__":
    main()
