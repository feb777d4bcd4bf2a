"""Tests that the model is deterministic: the same operations give byte-identical observations.

Same run twice in one interpreter, and once more in a fresh interpreter (a subprocess, so that
hash randomisation and import order differ), compared through `m.to_json(m.observe(st))`.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r'''
import hashlib, sys
sys.path.insert(0, {root!r})
from kubesim import model as m

def dep(image):
    return {{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {{"name": "web", "namespace": "default"}},
            "spec": {{"replicas": 4, "selector": {{"matchLabels": {{"app": "web"}}}}, "minReadySeconds": 2,
                     "template": {{"metadata": {{"labels": {{"app": "web"}}}},
                                  "spec": {{"containers": [{{"name": "app", "image": image,
                                           "envFrom": [{{"configMapRef": {{"name": "cfg"}}}}]}}]}}}}}}}}

st = m.new_cluster(m.Config(nodes=("n1", "n2")))
st = m.step(st, m.Apply({{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {{"name": "cfg", "namespace": "default"}}, "data": {{"A": "1"}}}}))
st = m.step(st, m.Apply(dep("nginx:1")))
st = m.step(st, m.Apply({{"apiVersion": "v1", "kind": "Service", "metadata": {{"name": "web", "namespace": "default"}},
                         "spec": {{"type": "NodePort", "selector": {{"app": "web"}}, "ports": [{{"port": 80}}]}}}}))
st = m.settle(st)
st = m.step(st, m.SetImage("web", "app", "nginx:2"))
st = m.settle(st)
pod = st.list("Pod", "default")[0]["metadata"]["name"]
st = m.step(st, m.Delete("Pod", pod))
st = m.step(st, m.RolloutUndo("web"))
st = m.settle(st)
print(hashlib.sha256(m.to_json(m.observe(st)).encode()).hexdigest())
'''


def _script() -> str:
    return SCRIPT.format(root=str(ROOT))


def _run_here() -> str:
    out: dict = {}
    exec(compile(_script().replace("print(", "_out['h'] = ("), "<determinism>", "exec"), {"_out": out})
    return out["h"]


def test_same_operations_same_bytes_in_one_interpreter():
    """On the same operations twice, `to_json(observe(st))` is byte-identical."""
    assert _run_here() == _run_here()


def test_same_bytes_in_a_fresh_interpreter():
    """On the same operations in a subprocess with another hash seed, the observation hashes the same."""
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    res = subprocess.run([sys.executable, "-c", _script()], capture_output=True, text=True, env=env, timeout=60, check=True)
    assert res.stdout.strip() == _run_here()


def test_to_json_sorts_keys():
    """On dicts with keys in different insertion orders, `to_json` gives the same text."""
    from kubesim import model as m

    assert m.to_json({"b": 1, "a": {"d": 2, "c": 3}}) == m.to_json({"a": {"c": 3, "d": 2}, "b": 1})
    assert hashlib.sha256(m.to_json({}).encode()).hexdigest()
