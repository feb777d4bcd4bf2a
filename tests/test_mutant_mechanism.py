"""How `kubesim.mutants` breaks the model: in place, so that no name a rule is imported under escapes it.

A mutant changes the model's function object itself (`kubesim.mutants._replace`); it rebinds
no name. So a module that imports a rule under a new name (``from kubesim.model.pods import
is_available as ok``) runs the broken rule too, and leaving the mutant restores every function.
"""

from __future__ import annotations

import sys
import types

import pytest

from kubesim.model.clock import DEFAULT_EPOCH, rfc3339
from kubesim.model.pods import is_available as aliased_is_available
from kubesim.mutants import MUTANTS, mutant


def test_a_from_import_alias_runs_the_broken_rule():
    """`podutil.IsPodAvailable`: a pod Ready since t=0 with minReadySeconds 10 is not available at t=5 s;
    the `min_ready_seconds_ignored` mutant says it is, through any name."""
    pod = {"metadata": {"name": "p"}, "status": {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": rfc3339(DEFAULT_EPOCH, 0)}]}}
    assert not aliased_is_available(pod, 10, 5_000, DEFAULT_EPOCH)
    with mutant("min_ready_seconds_ignored"):
        assert aliased_is_available(pod, 10, 5_000, DEFAULT_EPOCH)
    assert not aliased_is_available(pod, 10, 5_000, DEFAULT_EPOCH)


def _model_functions() -> dict:
    """(module, name) -> (function, its code) for every function bound in a loaded `kubesim.model` module."""
    out = {}
    for mod_name, mod in list(sys.modules.items()):
        if mod_name == "kubesim.model" or mod_name.startswith("kubesim.model."):
            for attr, value in list(vars(mod).items()):
                if isinstance(value, types.FunctionType):
                    out[(mod_name, attr)] = (value, value.__code__)
    return out


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_a_mutant_changes_functions_in_place_and_restores_them(name):
    before = _model_functions()
    with mutant(name):
        during = _model_functions()
        assert before.keys() <= during.keys()
        rebound = [k for k in before if during[k][0] is not before[k][0]]
        assert not rebound, f"{name} rebinds names, which an alias would escape: {rebound}"
        changed = [k for k in before if during[k][1] is not before[k][1]]
        assert changed, f"{name} changes no model function"
    after = _model_functions()
    assert after.keys() == before.keys()
    assert [k for k in before if after[k][1] is not before[k][1]] == []


def test_env_updated_live_falls_back_to_the_started_environment_with_its_hostname():
    """`env_updated_live` shows a running container the ConfigMap's current values; when the ConfigMap is gone
    (the lookup fails) it shows what the container started with, as the real rule does: HOSTNAME is the pod's
    name (the kubelet keeps it as a placeholder in shared records and fills it in on reading)."""
    from kubesim import model as m
    from kubesim.model.actions import Apply, Delete
    from kubesim.model.kubelet import container_env

    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "default"}, "data": {"MODE": "one"}}
    dep = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}, "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "web:v1", "envFrom": [{"configMapRef": {"name": "cfg"}}]}]}}},
    }
    st = m.settle(m.step(m.step(m.new_cluster(), Apply(cm)), Apply(dep)))
    (pod_name,) = [name for (_, name) in st.table("Pod").keys()]
    started = dict(container_env(st, "default", pod_name))
    assert started["HOSTNAME"] == pod_name and started["MODE"] == "one"
    st = m.step(st, Delete("ConfigMap", "cfg"))
    with mutant("env_updated_live"):
        assert dict(container_env(st, "default", pod_name)) == started
