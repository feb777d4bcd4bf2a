"""The local cluster's real node: secure by default, real containers, the image conventions.

These need the local cluster (`cluster/up.sh`): `make conformance` runs them (it sets
KUBESIM_CLUSTER_CONTEXT); without it they are skipped with that reason. The timings the
model's kubelet assumes (start-up, ConfigMap volume refresh, the retry after a missing
ConfigMap appears) are measured here and printed (`-s`), with bounds wide enough for a
loaded machine and tight enough to catch a kubelet that does not do it at all.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest
from cluster_support import report, wait_for

ROOT = Path(__file__).resolve().parent.parent.parent
KUBECONFIG = ROOT / "cluster" / "_run" / "kubeconfig"
PKI = ROOT / "cluster" / "_run" / "pki"
NODE = os.environ.get("KUBESIM_REAL_NODE_NAME", "kubesim-node")


@pytest.fixture
def drv(context):
    from kubesim.drivers.cluster import ClusterDriver

    d = ClusterDriver(kube_context=context, kubeconfig=str(KUBECONFIG), node="real")
    d.start()
    yield d
    d.stop()


def _node(drv) -> dict:
    return drv._request("GET", f"/api/v1/nodes/{NODE}")


def _node_ip(drv) -> str:
    return next(a["address"] for a in _node(drv)["status"]["addresses"] if a["type"] == "InternalIP")


def _pod(drv, name: str, image: str = "rainbow/mc-user:1.0.RELEASE", annotations: dict | None = None, **spec) -> None:
    container = {"name": "c", "image": image, **spec.pop("container", {})}
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "annotations": annotations or {}}, "spec": {"containers": [container], **spec}}
    drv.apply(json.dumps(manifest))


def _ready(drv, name: str) -> bool:
    p = drv.get("Pod", name) or {}
    return any(c["type"] == "Ready" and c["status"] == "True" for c in (p.get("status") or {}).get("conditions") or ())


def _status(drv, name: str) -> dict:
    return ((drv.get("Pod", name) or {}).get("status") or {}).get("containerStatuses", [{}])[0]


# ----- secure by default ------------------------------------------------------------------
def test_kubelet_listens_on_the_node_address_only(drv):
    ip = _node_ip(drv)
    assert not ip.startswith("127."), ip
    listeners = subprocess.run(["ss", "-Htln", "sport = :10250"], capture_output=True, text=True, check=True).stdout.split("\n")
    local = sorted({line.split()[3] for line in listeners if line.strip()})
    assert local == [f"{ip}:10250"], f"the kubelet's port 10250 is bound to {local}"


def test_kubelet_refuses_anonymous_requests(drv):
    ctx = ssl.create_default_context(cafile=str(PKI / "ca.crt"))
    ctx.check_hostname = False
    with socket.create_connection((_node_ip(drv), 10250), timeout=5) as raw, ctx.wrap_socket(raw) as tls:
        tls.sendall(b"GET /pods HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n")
        answer = tls.recv(4096).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 401"), answer[:200]


def test_kubelet_refuses_a_client_without_exec_rights(drv, tmp_path):
    """A certificate of the cluster CA is not enough: the API server authorizes each request (Webhook)."""
    key, csr, crt = tmp_path / "k.key", tmp_path / "k.csr", tmp_path / "k.crt"
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=nobody"], check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", PKI / "ca.crt", "-CAkey", PKI / "ca.key", "-out", crt, "-days", "1"], check=True, capture_output=True)
    ctx = ssl.create_default_context(cafile=str(PKI / "ca.crt"))
    ctx.check_hostname = False
    ctx.load_cert_chain(str(crt), str(key))
    with socket.create_connection((_node_ip(drv), 10250), timeout=5) as raw, ctx.wrap_socket(raw) as tls:
        tls.sendall(b"GET /pods HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n")
        answer = tls.recv(4096).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 403"), answer[:200]


# ----- real containers ----------------------------------------------------------------------
def test_exec_printenv_shows_the_configmap_keys_in_a_real_container(drv):
    drv.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {GREETING: hello, TARGET: world}\n")
    _pod(drv, "envfrom", container={"envFrom": [{"configMapRef": {"name": "cfg"}}]})
    wait_for("pod envfrom Ready", lambda: _ready(drv, "envfrom"))
    pod = drv.get("Pod", "envfrom")
    assert pod["spec"]["nodeName"] == NODE
    assert _status(drv, "envfrom")["containerID"].startswith("containerd://")
    out = subprocess.run(
        [str(ROOT / "cluster" / "kubectl"), "-n", drv.namespace, "exec", "envfrom", "--", "printenv"],
        capture_output=True, text=True, check=True,
    ).stdout
    print(f"\nkubectl exec envfrom -- printenv:\n{out}")
    assert "GREETING=hello" in out.splitlines() and "TARGET=world" in out.splitlines()
    assert drv.read_file("envfrom", "/VERSION").strip() == "1.0.RELEASE"


# ----- the image conventions, by real means ---------------------------------------------------
def test_image_conventions_on_the_real_node(drv):
    t0 = time.monotonic()
    _pod(drv, "plain")
    _pod(drv, "never", image="rainbow/mc-user:1.1.RELEASE-never-ready")
    _pod(drv, "never-ann", annotations={"kubesim.dev/never-ready": "true"})
    _pod(drv, "after3", annotations={"kubesim.dev/ready-after-seconds": "3"})
    _pod(drv, "crashy", image="rainbow/mc-user:1.1.RELEASE-crash-after-3s")
    t_plain = wait_for("plain Ready", lambda: _ready(drv, "plain") and time.monotonic() - t0)
    t_after = wait_for("after3 Ready", lambda: _ready(drv, "after3") and time.monotonic() - t0)
    started = _status(drv, "after3").get("state", {}).get("running", {}).get("startedAt")
    report(f"real node: plain pod Ready {t_plain:.2f}s after create; ready-after-seconds=3 pod Ready {t_after:.2f}s after create (started {started})")
    assert t_after >= 3.0 and t_after < t_plain + 6.0
    wait_for("crash-after-3s restarted", lambda: _status(drv, "crashy").get("restartCount", 0) >= 1, timeout=30)
    last = _status(drv, "crashy").get("lastState", {}).get("terminated", {})
    assert last.get("exitCode") == 1, last
    time.sleep(max(0.0, 8 - (time.monotonic() - t0)))
    for name in ("never", "never-ann"):
        st = _status(drv, name)
        assert "running" in st.get("state", {}) and not st.get("ready"), f"{name}: {st}"


def test_faults_by_real_means(drv):
    _pod(drv, "victim")
    wait_for("victim Ready", lambda: _ready(drv, "victim"))
    drv.set_readiness("victim", False)
    assert not _ready(drv, "victim")
    drv.set_readiness("victim", None)
    wait_for("victim Ready again", lambda: _ready(drv, "victim"), timeout=10)
    drv.crash("victim")
    st = _status(drv, "victim")
    assert st["restartCount"] == 1 and st["lastState"]["terminated"]["exitCode"] == 1, st


def test_terminate_after_seconds_is_a_prestop_hook(drv):
    _pod(drv, "slowstop", annotations={"kubesim.dev/terminate-after-seconds": "2"})
    _pod(drv, "faststop")
    wait_for("both Ready", lambda: _ready(drv, "slowstop") and _ready(drv, "faststop"))
    t0 = time.monotonic()
    drv.delete("Pod", "slowstop")
    drv.delete("Pod", "faststop")
    fast = wait_for("faststop gone", lambda: drv.get("Pod", "faststop") is None and time.monotonic() - t0, timeout=30)
    slow = wait_for("slowstop gone", lambda: drv.get("Pod", "slowstop") is None and time.monotonic() - t0, timeout=30)
    report(f"real node: default pod gone {fast:.2f}s after delete, terminate-after-seconds=2 pod {slow:.2f}s")
    assert 2.0 <= slow < 10.0 and fast < slow


# ----- the kubelet timings the model assumes ----------------------------------------------------
def test_kubelet_timings(drv):
    """Start-up, ConfigMap volume refresh and the start after a missing ConfigMap appears."""
    t0 = time.monotonic()
    _pod(drv, "start")
    t_ready = wait_for("start Ready", lambda: _ready(drv, "start") and time.monotonic() - t0)
    # a missing ConfigMap: CreateContainerConfigError, then Running soon after it is created
    _pod(drv, "waits", container={"envFrom": [{"configMapRef": {"name": "later"}}]})
    wait_for("CreateContainerConfigError", lambda: _status(drv, "waits").get("state", {}).get("waiting", {}).get("reason") == "CreateContainerConfigError")
    t1 = time.monotonic()
    drv.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: later}\ndata: {K: v1}\n")
    t_retry = wait_for("waits running", lambda: "running" in _status(drv, "waits").get("state", {}) and time.monotonic() - t1, timeout=120)
    # a ConfigMap volume follows the ConfigMap
    _pod(drv, "vol", container={"volumeMounts": [{"name": "v", "mountPath": "/cfg"}]}, volumes=[{"name": "v", "configMap": {"name": "later"}}])
    wait_for("vol Ready", lambda: _ready(drv, "vol"))
    assert drv.read_file("vol", "/cfg/K") == "v1"
    t2 = time.monotonic()
    drv.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: later}\ndata: {K: v2}\n")
    t_vol = wait_for("volume refreshed", lambda: drv.read_file("vol", "/cfg/K") == "v2" and time.monotonic() - t2, timeout=180)
    env = drv.exec_env("waits")
    report(f"real node timings: create -> Ready {t_ready:.2f}s; ConfigMap created -> container running {t_retry:.2f}s; ConfigMap updated -> volume file changed {t_vol:.2f}s (env keeps K={env.get('K')})")
    assert t_ready < 10 and t_retry < 60 and t_vol < 120 and env.get("K") == "v1"
