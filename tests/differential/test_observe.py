"""The normalised observation: names, uids, IPs, hashes and times go; everything else stays and is compared."""

from __future__ import annotations

import json
import re

from kubesim import generate as g
from kubesim import model as m
from kubesim.differential.observe import Scrubber, diff, observe
from kubesim.differential.scripts import ScriptRunner
from kubesim.drivers.model import ModelDriver

SCRIPT = [
    g.heredoc(g.configmap_manifest("red")),
    g.heredoc(g.deployment_manifest("web", 3, "RollingUpdate", 1, 0, 1, 2, "web:1", "envFrom", 0, mount=True)),
    g.heredoc(g.service_manifest("NodePort")),
    "kubectl set image deployment/web web=web:2",
    "kubectl rollout restart deployment/web",
    "kubesim delete-pod 1",
]


def run(namespace: str, seed: int, epoch: int, commands=SCRIPT) -> tuple[ModelDriver, dict]:
    driver = ModelDriver(namespace=namespace, config=m.Config(seed=seed, epoch=epoch))
    runner = ScriptRunner(driver, settle_timeout=120)
    scrub = Scrubber(namespace)
    for command in commands:
        runner.run(command)
        runner.run("kubesim settle")
    return driver, observe(driver, kubelet=True, scrub=scrub)


def test_two_systems_differing_only_in_names_uids_ips_and_times_observe_the_same():
    """On the same script, models with other namespaces, seeds (so uids, pod names, IPs) and clocks give one observation."""
    d1, o1 = run("alpha", seed=1, epoch=1_700_000_000)
    d2, o2 = run("beta-ns", seed=7, epoch=1_800_000_000)
    names1 = {p["metadata"]["name"] for p in d1.list("Pod")}
    names2 = {p["metadata"]["name"] for p in d2.list("Pod")}
    assert names1 and names1.isdisjoint(names2), "the two runs must really differ in their names"
    assert diff(o1, o2) == []
    text = json.dumps(o1)
    for p in d1.list("Pod"):
        assert p["metadata"]["name"] not in text and p["metadata"]["uid"] not in text and p["status"]["podIP"] not in text
    assert "alpha" not in text
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", text)


def test_what_is_not_a_name_uid_ip_hash_or_time_is_kept():
    """The observation shows the rollout's facts: revisions, replicas per template, ready endpoints, env, files, events."""
    _, obs = run("alpha", seed=1, epoch=1_700_000_000)
    web = obs["deployments"]["web"]
    assert web["annotations"]["deployment.kubernetes.io/revision"] == "3"  # create, set image, restart
    assert web["status"]["conditions"] == ["Available True MinimumReplicasAvailable", "Progressing True NewReplicaSetAvailable"]
    current = [k for k, v in obs["replicasets"].items() if v["replicas"] == 3]
    assert len(current) == 1 and current[0].startswith("Deployment/web web:2 #")
    assert obs["replicasets"][current[0]]["pods"] == {"Running ready": 3}
    containers = obs["replicasets"][current[0]]["containers"]
    assert all(c["env"]["color"] == "red" and c["files"] == {"/etc/web/color": "red"} for c in containers)
    assert obs["endpoints"]["web"] == {"ready": 3, "notReady": 0, "ports": [{"port": 8080, "protocol": "TCP"}]}
    assert obs["services"]["web"]["type"] == "NodePort" and obs["services"]["web"]["ports"][0]["nodePort"] == "<allocated>"
    assert obs["events"]["Deployment ScalingReplicaSet"] >= 6
    restarted = web["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
    assert restarted == "<restart 1>"


def test_a_difference_is_named_by_its_path():
    """On one side scaled to 2 and the other to 3, the differences are exactly the replica counts and what follows from them."""
    _, o2 = run("a", 1, 1_700_000_000, SCRIPT[:2] + ["kubectl scale deployment/web --replicas=2"])
    _, o3 = run("a", 1, 1_700_000_000, SCRIPT[:2] + ["kubectl scale deployment/web --replicas=3"])
    paths = {p for p, _, _ in diff(o2, o3)}
    assert "deployments.web.spec.replicas" in paths
    assert "deployments.web.status.availableReplicas" in paths
    assert all(p.startswith(("deployments.web", "replicasets[", "events[")) for p in paths), paths


def test_an_empty_map_differs_from_a_full_one_by_its_entries_alone():
    """The budgeted CI run of c551135: the cluster's repair loop flagged a new Service (one Event), the model had none.
    The difference is that one event; the empty map's own leaf is not a second, uncatalogued difference."""
    _, model_side = run("a", 1, 1_700_000_000, [g.heredoc(g.service_manifest("NodePort"))])
    assert model_side["events"] == {}
    cluster_side = json.loads(json.dumps(model_side))
    cluster_side["events"] = {"Service ClusterIPNotAllocated": 1}
    assert diff(model_side, cluster_side) == [('events["Service ClusterIPNotAllocated"]', "<absent>", 1)]
    assert diff(cluster_side, model_side) == [('events["Service ClusterIPNotAllocated"]', 1, "<absent>")]
    # an empty map against no map at all still differs
    del cluster_side["events"]
    assert diff(model_side, cluster_side) == [("events", {}, "<absent>")]


def test_delete_cascade_orphan_leaves_the_replicasets_without_an_owner():
    """`kubectl delete deployment --cascade=orphan`: the garbage collector removes the ownerReferences of the dependents
    (upstream pkg/controller/garbagecollector/garbagecollector.go, `orphanDependents`), so the ReplicaSet and its pods stay."""
    _, obs = run("a", 1, 1_700_000_000, SCRIPT[:2] + ["kubectl delete deployment web --cascade=orphan"])
    assert obs["deployments"] == {}
    [(key, rs)] = obs["replicasets"].items()
    assert key.startswith("orphan web:1 #") and rs["pods"] == {"Running ready": 3}


def test_new_manifest_options_are_written_as_yaml_safe_dump_writes_them():
    """The differential's options (own labels, a subPath ConfigMap file, a NodePort Service) are plain `yaml.safe_dump` text."""
    import yaml

    canary = g.deployment_manifest("web-canary", 2, "Recreate", None, None, 1, 0, "web:2", "keyRef", 1, app="web-canary", mount=True)
    texts = [g.service_manifest("NodePort"), canary]
    for text in texts:
        obj = yaml.safe_load(text)
        assert yaml.safe_dump(obj, sort_keys=False, default_flow_style=False) == text
    canary = yaml.safe_load(texts[1])
    assert canary["spec"]["selector"] == {"matchLabels": {"app": "web-canary"}}
    assert canary["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]["subPath"] == "color"
    assert g.service_manifest() == g.SERVICE and "type: NodePort" in texts[0]
