"""`kubectl apply`'s strategic three-way merge (model/strategicpatch.py).

Expectations are derived by hand from `k8s.io/apimachinery/pkg/util/strategicpatch`
(`CreateThreeWayMergePatch`: deletions from original -> modified, changes from current ->
modified; `mergeMap`, `mergeSlice`, `normalizeElementOrder` / `mergeSortedSlice`,
`applyRetainKeysDirective`) and the `k8s.io/api` struct tags (`Container.Env`
patchMergeKey name, `Container.Ports` containerPort, `Container.EnvFrom` no strategy
(atomic), `PodSpec.Volumes` merge + retainKeys, `DeploymentSpec.Strategy` retainKeys).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kubesim import model as m
from kubesim.model.strategicpatch import SCHEMAS, three_way
from simkit import NS, deployment, run

MANIFESTS = Path(__file__).resolve().parents[2] / "features" / "manifests"
CONTAINER = SCHEMAS["Pod"]["fields"]["spec"]["fields"]["containers"]["item"]


def _env(*pairs):
    return [{"name": n, "value": v} for n, v in pairs]


def test_env_merges_by_name_and_a_new_item_goes_before_live_only_ones():
    """live A,B (B set by another writer), last A, manifest A,C: nothing is deleted (B was never
    applied); C is not in the live list, so `mergeSortedSlice` puts it before B: A, C, B."""
    live = {"name": "app", "env": _env(("A", "1"), ("B", "2"))}
    out = three_way(live, {"name": "app", "env": _env(("A", "1"))}, {"name": "app", "env": _env(("A", "1"), ("C", "3"))}, CONTAINER)
    assert out["env"] == _env(("A", "1"), ("C", "3"), ("B", "2"))


def test_env_item_dropped_from_the_manifest_is_deleted_and_live_only_item_kept():
    """last A,B, manifest A, live A,B,X: B gets `$patch: delete`; X stays where it was."""
    live = {"name": "app", "env": _env(("A", "1"), ("B", "2"), ("X", "9"))}
    out = three_way(live, {"name": "app", "env": _env(("A", "1"), ("B", "2"))}, {"name": "app", "env": _env(("A", "1"))}, CONTAINER)
    assert out["env"] == _env(("A", "1"), ("X", "9"))


def test_live_only_item_keeps_its_place_before_a_later_manifest_item():
    """live X,A; manifest A with a new value: X (live index 0) < A (live index 1), so X stays first."""
    live = {"name": "app", "env": _env(("X", "9"), ("A", "1"))}
    out = three_way(live, {"name": "app", "env": _env(("A", "1"))}, {"name": "app", "env": _env(("A", "2"))}, CONTAINER)
    assert out["env"] == _env(("X", "9"), ("A", "2"))


def test_ports_merge_by_container_port_keeping_server_defaults():
    """The live port carries the defaulted protocol; the manifest renames it: the protocol stays."""
    live = {"name": "app", "ports": [{"containerPort": 80, "protocol": "TCP"}]}
    out = three_way(live, {"name": "app", "ports": [{"containerPort": 80}]}, {"name": "app", "ports": [{"containerPort": 80, "name": "http"}]}, CONTAINER)
    assert out["ports"] == [{"containerPort": 80, "protocol": "TCP", "name": "http"}]


def test_env_from_is_atomic():
    """`envFrom` has no patch strategy: a changed list replaces the live one whole."""
    live = {"name": "app", "envFrom": [{"configMapRef": {"name": "a"}}, {"configMapRef": {"name": "b"}}]}
    out = three_way(live, {"name": "app", "envFrom": [{"configMapRef": {"name": "a"}}]}, {"name": "app", "envFrom": [{"configMapRef": {"name": "c"}}]}, CONTAINER)
    assert out["envFrom"] == [{"configMapRef": {"name": "c"}}]


def test_volume_source_is_replaced_by_retain_keys():
    """A volume's source is `retainKeys`: configMap -> secret drops the live configMap even
    though the last-applied configuration never named this volume."""
    spec = SCHEMAS["Pod"]["fields"]["spec"]
    live = {"volumes": [{"name": "v", "configMap": {"name": "a", "defaultMode": 420}}]}
    out = three_way(live, {}, {"volumes": [{"name": "v", "secret": {"secretName": "s"}}]}, spec)
    assert out["volumes"] == [{"name": "v", "secret": {"secretName": "s"}}]


def test_switching_to_recreate_drops_the_defaulted_rolling_update():
    """`DeploymentSpec.Strategy` is `retainKeys`: applying ``type: Recreate`` over the defaulted
    RollingUpdate strategy keeps only ``type`` (otherwise validation would refuse rollingUpdate)."""
    st = run(m.Apply(deployment(replicas=1)))
    d = deployment(replicas=1, strategy="Recreate")
    st = m.step(st, m.Apply(d))
    assert st.get("Deployment", NS, "web")["spec"]["strategy"] == {"type": "Recreate"}


def test_issue_example_reapplying_v11_after_undo_keeps_env_from():
    """cm.yaml + deploy-envfrom.yaml (1.0 with envFrom), apply deploy-v11.yaml (envFrom was in
    last-applied: deleted), `rollout undo` (1.0 with envFrom again; last-applied untouched), apply
    deploy-v11.yaml again: envFrom is in neither last-applied nor the manifest, so it stays, the
    image becomes 1.1, and that template (1.1 + envFrom) is a third ReplicaSet."""
    st = m.new_cluster()
    for name in ("cm.yaml", "deploy-envfrom.yaml"):
        st, _ = m.apply_manifests(st, (MANIFESTS / name).read_text(), name)
    st = m.settle(st)
    st, _ = m.apply_manifests(st, (MANIFESTS / "deploy-v11.yaml").read_text(), "deploy-v11.yaml")
    st = m.settle(st)
    st = run(m.RolloutUndo("mc-user", 0, "default"), st=st)
    st, lines = m.apply_manifests(st, (MANIFESTS / "deploy-v11.yaml").read_text(), "deploy-v11.yaml")
    assert lines == ["deployment.apps/mc-user configured"]
    st = m.settle(st)
    (container,) = st.get("Deployment", "default", "mc-user")["spec"]["template"]["spec"]["containers"]
    assert (container["image"], container["envFrom"]) == ("rainbow/mc-user:1.1.RELEASE", [{"configMapRef": {"name": "mc-user-config"}}])
    templates = sorted((c["image"], "envFrom" in c) for rs in st.list("ReplicaSet", "default") for c in rs["spec"]["template"]["spec"]["containers"])
    assert templates == [("rainbow/mc-user:1.0.RELEASE", True), ("rainbow/mc-user:1.1.RELEASE", False), ("rainbow/mc-user:1.1.RELEASE", True)]


def test_a_list_where_a_merge_key_belongs_is_refused_by_validation():
    """A container named by a list: the merge goes on (the key is compared as a value) and the API
    server's decoding refuses the result, naming the field, instead of the merge failing."""
    st = run(m.Apply(deployment(replicas=1)))
    d = deployment(replicas=1)
    d["spec"]["template"]["spec"]["containers"][0]["name"] = ["app"]
    with pytest.raises(m.ApiError, match="Container.spec.template.spec.containers.name of type string"):
        m.step(st, m.Apply(d))


def test_reapplying_an_unchanged_service_is_unchanged():
    """Re-applying the same Service manifest: the live object has server-set fields (clusterIP,
    nodePort, defaulted protocol, status) that neither the manifest nor last-applied names, so
    `CreateThreeWayMergePatch` is empty and kubectl prints "unchanged" (it sends nothing)."""
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": NS},
           "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80}]}}
    st = run(m.Apply(svc))
    before = st.get("Service", NS, "web")
    st, line = m.perform(st, m.Apply(svc))
    assert line == "service/web unchanged"
    assert st.get("Service", NS, "web") is before
