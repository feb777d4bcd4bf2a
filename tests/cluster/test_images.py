"""The real node's image conventions without a cluster: the init's behaviour, and the policy.

`kubesim-init` (cluster/images/init.c) is compiled and run here as a plain process: its
readiness endpoint, its exit on SIGTERM (0) and on the crash signal (1), and the image's
crash-after setting. The conventions' names (model/images.py) are checked against the model's
own reading of the same image names.
"""

from __future__ import annotations

import http.client
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kubesim import model as m
from kubesim.model import images as conventions

ROOT = Path(__file__).resolve().parent.parent.parent
INIT = ROOT / "cluster" / "images" / "init.c"


@pytest.fixture(scope="module")
def init_binary(tmp_path_factory) -> Path:
    if not shutil.which("gcc"):
        pytest.skip("needs gcc (cluster/build.sh installs it with the real node's packages)")
    out = tmp_path_factory.mktemp("init") / "kubesim-init"
    subprocess.run(["gcc", "-O2", "-o", str(out), str(INIT)], check=True)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(binary: Path, **env) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    proc = subprocess.Popen([str(binary)], env={"KUBESIM_PROBE_PORT": str(port), **env})
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.02)
    proc.kill()
    raise AssertionError("the init did not listen")


def _status(port: int, path: str) -> int:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    c.request("GET", path)
    return c.getresponse().status


def test_readiness_endpoint(init_binary):
    proc, port = _start(init_binary)
    try:
        assert _status(port, "/ready?after=0") == 200
        assert _status(port, "/ready?after=1.5") == 503
        assert _status(port, "/never-ready") == 503
        assert _status(port, "/ready?after=abc") == 200  # a value that does not parse counts as 0
        time.sleep(1.6)
        assert _status(port, "/ready?after=1.5") == 200
    finally:
        proc.send_signal(signal.SIGTERM)
    assert proc.wait(5) == 0  # SIGTERM: exits at once, code 0


def test_never_ready_image_and_crash_signal(init_binary):
    proc, port = _start(init_binary, **conventions.image_env("rainbow/mc-user:1.1.RELEASE-never-ready"))
    try:
        assert _status(port, "/ready?after=0") == 503
    finally:
        proc.send_signal(getattr(signal, f"SIG{conventions.CRASH_SIGNAL}"))
    assert proc.wait(5) == 1  # the crash fault: code 1


def test_crash_after_image_exits_with_1(init_binary):
    env = conventions.image_env("rainbow/mc-user:1.1.RELEASE-crash-after-3s")
    assert env == {"KUBESIM_CRASH_AFTER_SECONDS": "3"}
    proc, _ = _start(init_binary, KUBESIM_CRASH_AFTER_SECONDS="0.5")
    t0 = time.monotonic()
    assert proc.wait(5) == 1
    assert 0.3 < time.monotonic() - t0 < 3


def test_the_model_reads_the_same_names():
    st = m.new_cluster()
    pod = {"metadata": {"annotations": {}}}
    assert conventions.image_behaviour(st, pod, "x:1-never-ready").never_ready
    assert conventions.image_behaviour(st, pod, "x:1-crash-after-3s").crash_after_ms == 3000
    assert conventions.image_behaviour(st, {"metadata": {"annotations": {conventions.READY_AFTER_ANNOTATION: "2.5"}}}, "x:1").ready_after_ms == 2500
    normal = conventions.image_behaviour(st, pod, "rainbow/mc-user:1.0.RELEASE")
    assert not normal.never_ready and normal.crash_after_ms is None and conventions.image_env("rainbow/mc-user:1.0.RELEASE") == {}


def test_policy_names_the_conventions():
    import json

    out = subprocess.run([sys.executable, str(ROOT / "cluster" / "images.py"), "policy"], capture_output=True, text=True, check=True).stdout
    items = json.loads(out)["items"]
    text = json.dumps(items)
    assert [i["kind"] for i in items] == ["MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding"]
    for needle in (conventions.NEVER_READY_ANNOTATION, conventions.READY_AFTER_ANNOTATION, conventions.TERMINATE_AFTER_ANNOTATION, conventions.NEVER_READY_PATH, str(conventions.PROBE_PORT)):
        assert needle in text
    assert items[1]["spec"]["matchResources"]["namespaceSelector"] == {"matchLabels": {"kubesim.dev/node": "real"}}
