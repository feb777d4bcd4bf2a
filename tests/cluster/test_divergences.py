"""The model's former divergences from upstream (issue 16, items 1-4 and 7), on the model and on the real cluster.

Each test does one thing on both systems and compares them, with the expectation named from upstream
source: on the local cluster through the real kubectl v1.36 (`cluster/kubectl`) or the cluster driver,
in a namespace the driver creates and deletes; on the model through the kubesim CLI (its own state
file) or the model driver. Scale work stays on the KWOK node, container work goes to the real node.

These need the local cluster: `make conformance` runs them (it sets KUBESIM_CLUSTER_CONTEXT); without
it they are skipped with that reason. The figures (event counts, delays) are printed (`-s`) and kept
for the conformance table (KUBESIM_MEASURE_FILE).
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import os
import re
import subprocess
import time
from pathlib import Path

from cluster_support import report, wait_for

from kubesim import model as m
from kubesim.cli import main as kubesim_main
from kubesim.drivers.model import ModelDriver
from kubesim.model.clock import parse_duration

ROOT = Path(__file__).resolve().parent.parent.parent
MANIFESTS = ROOT / "features" / "manifests"
KUBECONFIG = Path(os.environ.get("KUBECONFIG") or ROOT / "cluster" / "_run" / "kubeconfig")
NODE = os.environ.get("KUBESIM_REAL_NODE_NAME", "kubesim-node")
COMBINED = "(combined from similar events): "
#: How late the real kubelet's events may reach the API server: it writes them one at a time, and on the
#: loaded shared node (other engineers' pods; MissingClusterDNS warnings before cluster/node.sh set clusterDNS)
#: they were minutes behind.
EVENT_LAG_S = 600
#: The API server's warning on every v1 Endpoints request since v1.33, as kubectl prints it.
ENDPOINTS_WARNING = "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"


def _wait(what: str, fn, timeout: float = 120.0, every: float = 0.5):
    """`wait_for` with these tests' defaults: their waits are long and the shared API server is busy."""
    return wait_for(what, fn, timeout, every)


class Real:
    """A namespace on the real cluster (the cluster driver's), and the real kubectl in it."""

    def __init__(self, context: str, node: str) -> None:
        from kubesim.drivers.cluster import ClusterDriver

        self.context = context
        self.d = ClusterDriver(kube_context=context, kubeconfig=str(KUBECONFIG), node=node)

    def kubectl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = {**os.environ, "KUBESIM_RUN_DIR": str(KUBECONFIG.parent)}
        cmd = [str(ROOT / "cluster" / "kubectl"), "--context", self.context, "-n", self.d.namespace, *args]
        res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        if check:
            assert res.returncode == 0, f"{' '.join(args)}: {res.stderr}"
        return res

    def events(self) -> list[dict]:
        return self.d.list("Event")


@contextlib.contextmanager
def real(context: str, node: str):
    r = Real(context, node)
    r.d.start()
    try:
        yield r
    finally:
        r.d.stop()


class Model:
    """The kubesim CLI over its own state file (in-process, as `kubesim --state FILE ...`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.state = str(folder / "state.json")

    def kubesim(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), contextlib.chdir(self.folder):
            code = kubesim_main(["--state", self.state, *args])
        if check:
            assert code == 0, f"kubesim {' '.join(args)}: {err.getvalue()}"
        return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())

    def events(self) -> list[dict]:
        return json.loads(self.kubesim("get", "events", "-o", "json").stdout)["items"]


def _normalise(text: str, pod_prefix: str) -> str:
    """A table row with names, ages and spacing that differ between two clusters taken out."""
    text = re.sub(rf"{pod_prefix}-[a-z0-9]+-[a-z0-9]{{5}}", f"{pod_prefix}-<pod>", text)
    text = re.sub(rf"replicaset/{pod_prefix}-[a-z0-9]+", f"replicaset/{pod_prefix}-<hash>", text)
    text = re.sub(r"\b\d+(m\d+)?[smh]\b", "<age>", text)
    return " ".join(text.split())


def _events_section(describe: str) -> list[str]:
    lines = describe.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Events:"))
    return [ln for ln in lines[start + 3 :] if ln.strip()]


# ----- item 1: events through client-go's correlator ----------------------------------------------
def _successful_create(events: list[dict]) -> tuple[int, int, int]:
    """(single SuccessfulCreate Events, the sum of their counts, the combined Event's count)."""
    mine = [e for e in events if e["reason"] == "SuccessfulCreate" and e["involvedObject"]["kind"] == "ReplicaSet"]
    single = [e for e in mine if not e["message"].startswith(COMBINED)]
    combined = [e for e in mine if e["message"].startswith(COMBINED)]
    assert len(combined) <= 1, combined
    return len(single), sum(e.get("count") or 1 for e in single), combined[0]["count"] if combined else 0


def test_thirty_replicas_create_events_combine_as_on_the_cluster(context, tmp_path):
    """A 30-replica Deployment: client-go's `EventAggregate` (10 distinct similar messages within 10 minutes,
    then "(combined from similar events): ...") and the spam filter (burst 25 per source, object and type)
    leave 9 single SuccessfulCreate Events and one combined Event of count 16 on the ReplicaSet; the
    remaining 5 creates are dropped. `kubectl get events` and `describe rs` read the same on both."""
    (tmp_path / "d30.yaml").write_text((MANIFESTS / "deploy.yaml").read_text().replace("replicas: 3", "replicas: 30"))
    model = Model(tmp_path)
    model.kubesim("apply", "-f", "d30.yaml")
    with real(context, "kwok") as r:
        r.kubectl("apply", "-f", str(tmp_path / "d30.yaml"))
        _wait("30 pods created", lambda: any((rs.get("status") or {}).get("replicas") == 30 for rs in r.d.list("ReplicaSet")))
        _wait("25 SuccessfulCreate occurrences written", lambda: sum(_successful_create(r.events())[1:]) >= 25, timeout=30)
        time.sleep(2)  # any later write would show here
        real_counts = _successful_create(r.events())
        real_get = sorted(_normalise(ln, "mc-user") for ln in r.kubectl("get", "events").stdout.splitlines() if "SuccessfulCreate" in ln)
        real_describe = [_normalise(ln, "mc-user") for ln in _events_section(r.kubectl("describe", "rs").stdout)]
    model_counts = _successful_create(model.events())
    model_get = sorted(_normalise(ln, "mc-user") for ln in model.kubesim("get", "events").stdout.splitlines() if "SuccessfulCreate" in ln)
    model_describe = [_normalise(ln, "mc-user") for ln in _events_section(model.kubesim("describe", "rs").stdout)]
    report(f"item 1, 30 replicas: SuccessfulCreate (single events, their counts, combined count): real {real_counts}, model {model_counts}")
    assert real_counts == model_counts == (9, 9, 16)
    assert model_get == real_get
    assert model_describe == real_describe


def _pod_manifest(name: str, image: str, **container) -> str:
    # dnsPolicy Default: the local real node has no cluster DNS, and with ClusterFirst its kubelet records a
    # MissingClusterDNS Warning on every sync, which would spend the pod's Warning tokens (not modelled).
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"dnsPolicy": "Default", "containers": [{"name": "c", "image": image, **container}]},
    }
    return json.dumps(pod)


#: The kubelet's events these checks count (each one Event per pod: one message, counted again).
COUNTED = ("Pulled", "Created", "Started", "BackOff", "Failed")


def _pod_events(events: list[dict], pod: str) -> dict[str, dict]:
    """The kubelet's counted Events about one pod by reason (one Event each, asserted)."""
    out: dict[str, dict] = {}
    for e in events:
        if e["involvedObject"].get("name") == pod and (e.get("source") or {}).get("component") == "kubelet" and e["reason"] in COUNTED:
            assert e["reason"] not in out, f"two {e['reason']} Events about {pod}: {e['message']!r}, {out[e['reason']]['message']!r}"
            out[e["reason"]] = e
    return out


def _container(pod: dict | None) -> dict:
    return ((pod or {}).get("status") or {}).get("containerStatuses", [{}])[0]


def _stamp(text: str) -> float:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _crash_loop_view(pod: dict | None, events: list[dict], second_start: str | None) -> dict:
    """What a crash loop leaves: the status's restartCount, the kubelet's counted Events, and whether the
    BackOff Event began only after the second instance started (no report at the first exit)."""
    evs = _pod_events(events, "crashy")
    count = lambda reason: (evs.get(reason) or {}).get("count") or (1 if reason in evs else 0)  # noqa: E731
    backoff = evs.get("BackOff") or {}
    return {
        "restarts": _container(pod).get("restartCount", 0),
        **{reason: count(reason) for reason in ("Pulled", "Created", "Started", "BackOff")},
        "backoff_message": backoff.get("message", ""),
        "backoff_after_second_start": bool(second_start and backoff and _stamp(backoff["firstTimestamp"]) >= _stamp(second_start)),
    }


def _backoff_left(status: dict) -> float:
    """Seconds until the kubelet may start a container that is waiting in a back-off again; 0 if it is not waiting
    in one. `doBackOff` keeps it waiting while ``now - lastState.terminated.finishedAt`` is under the back-off its
    waiting message names (``back-off 20s restarting failed container=...``, a Go duration). Stopping a watch well
    inside that window means no start is under way whose events the status read does not count yet (in CI on
    3 December 2026 the real node began a fourth start, Pulled and Created, between the last read and the delete)."""
    waiting = (status.get("state") or {}).get("waiting") or {}
    finished = ((status.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
    m = re.match(r"back-off (?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)? restarting failed container", waiting.get("message") or "")
    if not m or not finished or not any(m.groups()):
        return 0.0
    hours, minutes, seconds = (float(g or 0) for g in m.groups())
    return _stamp(finished) + 3600 * hours + 60 * minutes + seconds - time.time()


def _check_crash_loop(view: dict, who: str, namespace: str) -> None:
    """What kubelet v1.36 gives a container that exits 3 s after each start, seen in a back-off."""
    # startContainer: Pulled, Created and Started on every start; in a back-off the status is the exited
    # instance's (convertContainerStatus), so the starts are restartCount + 1
    assert view["Pulled"] == view["Created"] == view["Started"] == view["restarts"] + 1 >= 3, f"{who}: {view}"
    # doBackOff: the first exit finds no back-off entry, so its restart is at once and reports nothing; later
    # exits report "Back-off restarting failed container" (one Event, counted again)
    assert view["backoff_after_second_start"] and view["BackOff"] >= 2, f"{who}: {view}"
    expected = rf"Back-off restarting failed container c in pod crashy_{namespace}\([0-9a-f-]+\)"
    assert re.fullmatch(expected, view["backoff_message"]), f"{who}: {view}"


def test_crash_loop_events_as_on_the_real_node(context):
    """A container exiting 3 s after each start (the image convention), watched for about 50 s until it is in a
    back-off: one BackOff Event, begun after the immediate first restart, its count rising; Pulled, Created and
    Started counting every start. The real kubelet's events may reach the API server late on a loaded node
    (it writes them one at a time), so the pod is deleted at that point and its events awaited."""
    manifest = _pod_manifest("crashy", "rainbow/mc-user:1.1.RELEASE-crash-after-3s")
    model = ModelDriver()
    model.start()
    model.apply(manifest)
    second_model = None
    while model.observe().time < 50 or "waiting" not in _container(model.get("Pod", "crashy")).get("state", {}):
        model.advance(0.5)
        status = _container(model.get("Pod", "crashy"))
        if status.get("restartCount") == 1 and "running" in status.get("state", {}):
            second_model = second_model or status["state"]["running"]["startedAt"]
    model_view = _crash_loop_view(model.get("Pod", "crashy"), model.list("Event"), second_model)
    with real(context, "real") as r:
        r.d.apply(manifest)
        t0, second = time.monotonic(), None
        while True:
            pod = r.d.get("Pod", "crashy")
            status = _container(pod)
            if status.get("restartCount") == 1 and "running" in status.get("state", {}):
                second = second or status["state"]["running"]["startedAt"]
            if time.monotonic() - t0 >= 50 and _backoff_left(status) >= 5:
                break
            assert time.monotonic() - t0 < 180, status
            time.sleep(0.5)
        r.d.delete("Pod", "crashy")

        def caught_up() -> bool:
            v = _crash_loop_view(pod, r.events(), second)
            return v["Started"] >= v["restarts"] + 1 and v["Pulled"] >= v["Started"] and v["BackOff"] >= v["restarts"]

        _wait("the kubelet's events up to the back-off", caught_up, timeout=EVENT_LAG_S, every=2)
        view = _crash_loop_view(pod, r.events(), second)
        namespace = r.d.namespace
    fmt = lambda v: f"restartCount {v['restarts']}, BackOff x{v['BackOff']}, Pulled/Created/Started x{v['Pulled']}/{v['Created']}/{v['Started']}"  # noqa: E731
    report(f"item 1, crash loop (~50 s, then in a back-off): real node {fmt(view)}; model {fmt(model_view)}")
    _check_crash_loop(model_view, "model", "default")
    _check_crash_loop(view, "real node", namespace)
    # the model reports once per back-off window (exits - 1, which is restartCount in a back-off); upstream's
    # doBackOff reports on every sync inside a window, and a real node may sync more than once in one
    assert model_view["BackOff"] == model_view["restarts"]
    assert view["BackOff"] >= view["restarts"]


# ----- item 2: kubectl apply's strategic three-way merge -----------------------------------------
def _replicasets(items: list[dict]) -> list[tuple]:
    out = []
    for rs in items:
        c = rs["spec"]["template"]["spec"]["containers"][0]
        revision = int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"])
        out.append((revision, c["image"], bool(c.get("envFrom")), rs["spec"]["replicas"]))
    return sorted(out)


def test_apply_undo_apply_keeps_envfrom_as_on_the_cluster(context, tmp_path):
    """The issue's example: apply cm.yaml + a Deployment with envFrom, apply v1.1 without envFrom, `rollout undo`,
    apply v1.1 again. envFrom was never in last-applied-configuration when the undo brought it back, so
    `CreateThreeWayMergePatch` leaves it: the last apply makes a new ReplicaSet (revision 4: 1.1 with envFrom)."""
    steps = [
        ("apply", "-f", "cm.yaml", "-f", "deploy-envfrom.yaml"),
        ("apply", "-f", "deploy-v11.yaml"),
        ("rollout", "undo", "deployment/mc-user"),
        ("apply", "-f", "deploy-v11.yaml"),
    ]
    for name in ("cm.yaml", "deploy-envfrom.yaml", "deploy-v11.yaml"):
        (tmp_path / name).write_text((MANIFESTS / name).read_text())
    model = Model(tmp_path)
    model_seen, real_seen = [], []
    for step in steps:
        res = model.kubesim(*step)
        model_seen.append((res.stdout, res.stderr, _replicasets(json.loads(model.kubesim("get", "rs", "-o", "json").stdout)["items"])))
    with real(context, "kwok") as r:
        for step in steps:
            res = r.kubectl(*[str(tmp_path / a) if a.endswith(".yaml") else a for a in step])
            r.d.settle(timeout=180)
            real_seen.append((res.stdout, res.stderr, _replicasets(r.d.list("ReplicaSet"))))
    report(f"item 2, apply/undo/apply: ReplicaSets (revision, image, envFrom, replicas) at the end: real {real_seen[-1][2]}, model {model_seen[-1][2]}")
    assert model_seen == real_seen
    assert model_seen[-1][2] == [
        (2, "rainbow/mc-user:1.1.RELEASE", False, 0),
        (3, "rainbow/mc-user:1.0.RELEASE", True, 0),
        (4, "rainbow/mc-user:1.1.RELEASE", True, 3),
    ]


# ----- items 3 and 4: the kubelet's retry and its periodic sync ------------------------------------
def _node_sync_ms(r: Real) -> int:
    """The real node's `syncFrequency`, from its kubelet's configz (through the API server's node proxy)."""
    return parse_duration(r.d._request("GET", f"/api/v1/nodes/{NODE}/proxy/configz")["kubeletconfig"]["syncFrequency"])


def _running(pod: dict | None) -> bool:
    return "running" in (_container(pod).get("state") or {})


def _ready(pod: dict | None) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in ((pod or {}).get("status") or {}).get("conditions") or ())


def test_missing_configmap_retry_and_volume_sync_as_on_the_real_node(context):
    """Item 3: a container whose ConfigMap is missing fails each attempt with one `Failed` Event counting up, and
    starts at the pod worker's next attempt after the ConfigMap appears: attempts are `wait.Jitter(backOffPeriod
    10 s, 0.5)` apart (pod_workers.go `completeWork`), so 0-15 s later. Item 4: a ConfigMap volume's file changes
    at the pod's next periodic sync, `wait.Jitter(syncFrequency, 0.5)` after the last: within 1.5 syncFrequency
    of the change. The model runs with the real node's syncFrequency (its kubelet's configz)."""
    blocked = _pod_manifest("waits", "rainbow/mc-user:1.0.RELEASE", envFrom=[{"configMapRef": {"name": "later"}}])
    volume = json.loads(_pod_manifest("vol", "rainbow/mc-user:1.0.RELEASE", volumeMounts=[{"name": "v", "mountPath": "/cfg"}]))
    volume["spec"]["volumes"] = [{"name": "v", "configMap": {"name": "later"}}]
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: later}\ndata: {K: %s}\n"
    wait_s = 25.0  # blocked this long, from the first attempt seen
    with real(context, "real") as r:
        sync_ms = _node_sync_ms(r)
        # item 3 on the real node
        r.d.apply(blocked)
        waiting = lambda: _container(r.d.get("Pod", "waits")).get("state", {}).get("waiting", {}).get("reason")  # noqa: E731
        _wait("CreateContainerConfigError", lambda: waiting() == "CreateContainerConfigError", timeout=60, every=0.2)
        time.sleep(wait_s)
        r.d.apply(cm % "v1")
        t1, created_at = time.monotonic(), time.time()
        retry_real = _wait("the container running", lambda: _running(r.d.get("Pod", "waits")) and time.monotonic() - t1, timeout=60, every=0.1)
        # the kubelet writes its events one at a time, late on a loaded node; their stamps are its own clock's
        _wait("the kubelet's events up to the start", lambda: "Started" in _pod_events(r.events(), "waits"), timeout=EVENT_LAG_S, every=2)
        evs = _pod_events(r.events(), "waits")
        failed = evs["Failed"]
        failed_real = failed["count"]
        span_real = _stamp(failed["lastTimestamp"]) - _stamp(failed["firstTimestamp"])
        blocked_real = created_at - _stamp(failed["firstTimestamp"])
        real_counts = (evs["Failed"]["count"], evs["Pulled"]["count"], evs["Started"].get("count") or 1)
        # item 4 on the real node
        r.d.apply(json.dumps(volume))
        _wait("vol Ready", lambda: _ready(r.d.get("Pod", "vol")), timeout=60)
        t2 = time.monotonic()
        r.d.apply(cm % "v2")
        vol_real = _wait("the volume file changed", lambda: r.d.read_file("vol", "/cfg/K") == "v2" and time.monotonic() - t2, timeout=3 * sync_ms / 1000 + 30)
    model = ModelDriver(config=m.Config(sync_frequency_ms=sync_ms))
    model.start()
    model.apply(blocked)
    model.advance(1)  # the container's first attempt (container_start_ms)
    first = model.get("Pod", "waits")
    assert _container(first)["state"]["waiting"]["reason"] == "CreateContainerConfigError"
    model.advance(blocked_real)  # blocked as long as on the real node
    model.apply(cm % "v1")
    model.advance(0)  # the kubelet looks at the pod at once, and plays the attempts up to now
    failed = _pod_events(model.list("Event"), "waits")["Failed"]
    failed_model, span_model = failed["count"], _stamp(failed["lastTimestamp"]) - _stamp(failed["firstTimestamp"])
    waited = 0
    while not _running(model.get("Pod", "waits")):
        model.advance(0.1)
        waited += 0.1
        assert waited < 60
    evs = _pod_events(model.list("Event"), "waits")
    model_counts = (evs["Failed"]["count"], evs["Pulled"]["count"], evs["Started"].get("count") or 1)
    model.apply(json.dumps(volume))
    model.settle()
    model.apply(cm % "v2")
    vol_model = 0.0
    while model.read_file("vol", "/cfg/K") != "v2":
        model.advance(0.1)
        vol_model += 0.1
        assert vol_model < 2 * sync_ms / 1000
    report(
        f"items 3-4, real node (syncFrequency {sync_ms / 1000:g}s) and model: blocked {blocked_real:.1f}s: Failed count real {failed_real} over {span_real:g}s, model {failed_model} over {span_model:g}s; "
        f"ConfigMap created -> running real {retry_real:.2f}s, model {waited:.1f}s; (Failed, Pulled, Started) real {real_counts}, model {model_counts}; "
        f"ConfigMap updated -> volume file changed real {vol_real:.2f}s, model {vol_model:.1f}s"
    )
    # attempt 2 when the PLEG's relist (1 s) sees the new sandbox, then completeWork's back-off of 10-15 s each:
    # n attempts span 1 + (n - 2) back-offs (event stamps are whole seconds)
    for who, n, span in (("real", failed_real, span_real), ("model", failed_model, span_model)):
        assert 2 + int((blocked_real - 1) // 15) <= n <= 2 + int((blocked_real - 1) // 10) + 1, f"{who}: {n} failed attempts in {blocked_real:.1f}s"
        assert 10 * (n - 2) - 1 <= span <= 1 + 15 * (n - 2) + 2, f"{who}: {n} failed attempts over {span:g}s"
    assert 0 < waited <= 15.0 and retry_real <= 15.0 + 3.0
    # every attempt pulls first (EnsureImageExists); the last one starts the container
    for counts in (real_counts, model_counts):
        assert counts[1] == counts[0] + 1 and counts[2] == 1, counts
    assert 0 < vol_model <= 1.5 * sync_ms / 1000 and vol_real <= 1.5 * sync_ms / 1000 + 5.0


# ----- item 7: Endpoints over capacity, and kubectl's deprecation warning ----------------------------
BIG = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: big
spec:
  replicas: 1001
  selector:
    matchLabels: {app: big}
  template:
    metadata:
      labels: {app: big}
    spec:
      nodeName: kubesim-worker
      containers:
        - name: web
          image: example/web:1
---
apiVersion: v1
kind: Service
metadata:
  name: big
spec:
  selector: {app: big}
  ports:
    - port: 80
"""


def _endpoints_view(ep: dict | None, pods: list[dict]) -> dict:
    ep = ep or {"metadata": {}}
    subsets = ep.get("subsets") or []
    ready_ips = [p["status"]["podIP"] for p in pods if _ready(p) and p["status"].get("podIP")]
    return {
        "annotation": (ep["metadata"].get("annotations") or {}).get("endpoints.kubernetes.io/over-capacity"),
        "addresses": [a["ip"] for s in subsets for a in s.get("addresses") or ()],
        "not_ready": sum(len(s.get("notReadyAddresses") or ()) for s in subsets),
        "ready_ips": ready_ips,
    }


def _check_truncated(view: dict, who: str) -> None:
    """`truncateEndpoints` on the `RepackSubsets` order: the first 1000 ready IPs as strings, annotated."""
    assert len(view["ready_ips"]) == 1001, who
    assert view["annotation"] == "truncated", who
    assert view["addresses"] == sorted(view["ready_ips"])[:1000] and view["not_ready"] == 0, who


def _get_ep_row(res: subprocess.CompletedProcess, view: dict) -> tuple[str, str]:
    (row,) = [ln for ln in res.stdout.splitlines() if ln.startswith("big ")]
    first3 = ",".join(f"{ip}:80" for ip in view["addresses"][:3])
    assert row.split()[1:4] == [first3, "+", "997"] and row.split()[4] == "more...", row
    return " ".join(row.split()[:5]).replace(first3, "<first three>"), res.stderr


def test_endpoints_over_capacity_as_on_the_cluster(context, tmp_path):
    """1001 ready pods behind a Service (bound to the KWOK node directly: its 110-pod allocatable is the
    scheduler's limit, not KWOK's): the Endpoints keep 1000 addresses and carry
    `endpoints.kubernetes.io/over-capacity: truncated` (endpoints_controller.go `truncateEndpoints`); at 1000
    pods the annotation goes (`capacityAnnotationSetCorrectly`). `kubectl get ep` prints the API server's
    deprecation warning (v1.33+) on stderr and the same row on both."""
    (tmp_path / "big.yaml").write_text(BIG)
    model = Model(tmp_path)
    model.kubesim("apply", "-f", "big.yaml")
    model_now = lambda: _endpoints_view(  # noqa: E731
        json.loads(model.kubesim("get", "ep", "big", "-o", "json").stdout), json.loads(model.kubesim("get", "pods", "-o", "json").stdout)["items"]
    )
    model_view = model_now()
    model_row = _get_ep_row(model.kubesim("get", "ep"), model_view)
    model.kubesim("scale", "deployment/big", "--replicas=1000")
    model_after = model_now()
    with real(context, "kwok") as r:
        try:
            t0 = time.monotonic()
            r.kubectl("apply", "-f", str(tmp_path / "big.yaml"))

            def settled() -> dict | None:
                v = _endpoints_view(r.d.get("Endpoints", "big"), r.d.list("Pod"))
                return v if len(v["ready_ips"]) == 1001 and len(v["addresses"]) == 1000 and v["annotation"] else None

            _wait("1001 ready pods and their Endpoints", settled, timeout=420, every=2)
            time.sleep(2)  # the endpoints controller's last write
            real_view = _endpoints_view(r.d.get("Endpoints", "big"), r.d.list("Pod"))
            took = time.monotonic() - t0
            real_row = _get_ep_row(r.kubectl("get", "ep"), real_view)
            r.kubectl("scale", "deployment/big", "--replicas=1000")
            _wait("the annotation gone", lambda: _endpoints_view(r.d.get("Endpoints", "big"), []) ["annotation"] is None, timeout=60)
            real_after = _endpoints_view(r.d.get("Endpoints", "big"), r.d.list("Pod"))
        finally:
            r.kubectl("delete", "deployment/big", "--wait=false", check=False)
    report(
        f"item 7, 1001 pods: Endpoints addresses real {len(real_view['addresses'])} ({real_view['annotation']}), model {len(model_view['addresses'])} ({model_view['annotation']}); "
        f"after scaling to 1000: real {len(real_after['addresses'])} ({real_after['annotation']}), model {len(model_after['addresses'])} ({model_after['annotation']}); real pods ready in {took:.0f}s"
    )
    _check_truncated(model_view, "model")
    _check_truncated(real_view, "real")
    for view in (model_after, real_after):
        assert view["annotation"] is None and len(view["addresses"]) == 1000
    assert model_row == real_row
    assert real_row[1].splitlines() == model_row[1].splitlines() == [ENDPOINTS_WARNING]
