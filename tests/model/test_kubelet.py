"""Tests for model/kubelet.py: ConfigMaps as a container sees them, and pod termination.

Expectations come from upstream kubelet `makeEnvironmentVariables` (`pkg/kubelet/kubelet_pods.go`,
and its test cases in `kubelet_pods_test.go`: envFrom in order, `env` overriding, `$(VAR)`
expansion by `third_party/forked/golang/expansion`), kuberuntime `startContainer` (the environment
is resolved at every container creation), the configMap volume plugin (eventual update after the
sync period; subPath bind mounts never update), and graceful deletion (`deletionGracePeriodSeconds`).
and the pod worker's requeue delays (`podWorkers.completeWork`: `wait.Jitter(backOffPeriod 10 s, 0.5)` after a
failed sync, `wait.Jitter(syncFrequency, 0.5)` after a good one). Model timings: container start 1 s after binding.
"""

from __future__ import annotations

from kubesim import model as m
from kubesim.model.podworker import PLEG_RELIST_MS
from simkit import NS, configmap, run


def _pod(name="p", *, env=None, env_from=None, volumes=None, mounts=None, grace=None, image="nginx:1"):
    c = {"name": "app", "image": image}
    if env is not None:
        c["env"] = env
    if env_from is not None:
        c["envFrom"] = env_from
    if mounts is not None:
        c["volumeMounts"] = mounts
    spec = {"containers": [c]}
    if volumes is not None:
        spec["volumes"] = volumes
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": NS, "labels": {"app": name}}, "spec": spec}


def _env(st, pod="p"):
    env = m.container_env(st, NS, pod)
    return None if env is None else dict(env)


def _container_status(st, pod="p"):
    return st.get("Pod", NS, pod)["status"]["containerStatuses"][0]


# ----- environment -------------------------------------------------------------------------------


def test_env_is_a_snapshot_taken_at_start():
    """On a ConfigMap change, a running container keeps the old value; a pod started after the change sees the new one."""
    st = run(m.Apply(configmap("cfg", {"A": "1"})), m.Apply(_pod("p1", env_from=[{"configMapRef": {"name": "cfg"}}])))
    assert _env(st, "p1")["A"] == "1"
    st = run(m.Apply(configmap("cfg", {"A": "2"})), st=st)
    assert _env(st, "p1")["A"] == "1"
    st = run(m.Apply(_pod("p2", env_from=[{"configMapRef": {"name": "cfg"}}])), st=st)
    assert (_env(st, "p1")["A"], _env(st, "p2")["A"]) == ("1", "2")


def test_env_from_in_order_then_env_wins():
    """On two envFrom sources and an `env` entry, later sources overwrite earlier ones and `env` overrides both; the prefix applies."""
    st = run(
        m.Apply(configmap("one", {"X": "one", "Y": "one", "DUPE_TEST": "CONFIG_MAP"})),
        m.Apply(configmap("two", {"Y": "two"})),
        m.Apply(
            _pod(
                env_from=[{"configMapRef": {"name": "one"}}, {"configMapRef": {"name": "two"}}, {"prefix": "P_", "configMapRef": {"name": "two"}}],
                env=[{"name": "DUPE_TEST", "value": "ENV_VAR"}],
            )
        ),
    )
    env = _env(st)
    assert (env["X"], env["Y"], env["P_Y"], env["DUPE_TEST"]) == ("one", "two", "two", "ENV_VAR")


def test_dollar_expansion():
    """On `$(VAR)` in env values: expanded against earlier variables (envFrom included); `$$` escapes; unknown refs stay."""
    st = run(
        m.Apply(configmap("cfg", {"REPLACE_ME": "FROM_CONFIG_MAP"})),
        m.Apply(
            _pod(
                env_from=[{"configMapRef": {"name": "cfg"}}],
                env=[
                    {"name": "EXPANSION_TEST", "value": "$(REPLACE_ME)"},
                    {"name": "ESCAPED", "value": "$$(REPLACE_ME)"},
                    {"name": "UNKNOWN", "value": "$(NOPE)-x"},
                    {"name": "CHAINED", "value": "<$(EXPANSION_TEST)>"},
                ],
            )
        ),
    )
    env = _env(st)
    assert (env["EXPANSION_TEST"], env["ESCAPED"], env["UNKNOWN"], env["CHAINED"]) == ("FROM_CONFIG_MAP", "$(REPLACE_ME)", "$(NOPE)-x", "<FROM_CONFIG_MAP>")


def test_every_configmap_key_is_injected_since_v1_34():
    """On envFrom keys such as `1badkey` and `p_1234.name`, all are injected (relaxed env var names, GA in v1.34); no event."""
    st = run(m.Apply(configmap("cfg", {"1badkey": "a", "p_1234.name": "b"})), m.Apply(_pod(env_from=[{"configMapRef": {"name": "cfg"}}])))
    env = _env(st)
    assert (env["1badkey"], env["p_1234.name"]) == ("a", "b")
    assert not [e for e in st.list("Event", NS) if e["reason"] == "InvalidEnvironmentVariableNames"]


def test_missing_configmap_then_recovery_in_the_same_pod():
    """On envFrom a missing ConfigMap, the container waits in CreateContainerConfigError (phase Pending); creating the ConfigMap starts it, same pod."""
    st = run(m.Apply(_pod(env_from=[{"configMapRef": {"name": "cfg"}}])))
    pod = st.get("Pod", NS, "p")
    assert pod["status"]["phase"] == "Pending"
    waiting = _container_status(st)["state"]["waiting"]
    assert waiting == {"reason": "CreateContainerConfigError", "message": 'configmap "cfg" not found'}
    failed = [e for e in st.list("Event", NS) if e["reason"] == "Failed"]
    assert [(e["type"], e["message"]) for e in failed] == [("Warning", 'Error: configmap "cfg" not found')]
    assert _env(st) is None
    uid = pod["metadata"]["uid"]
    st = run(m.Apply(configmap("cfg", {"A": "1"})), st=st)
    pod = st.get("Pod", NS, "p")
    assert pod["metadata"]["uid"] == uid
    assert pod["status"]["phase"] == "Running" and "running" in _container_status(st)["state"]
    assert _container_status(st)["restartCount"] == 0
    assert _env(st)["A"] == "1"


def test_blocked_container_is_retried_after_the_pod_worker_back_off():
    """On envFrom a missing ConfigMap created 60 s after the first attempt: the pod worker retried every
    10-15 s (`wait.Jitter(backOffPeriod, 0.5)`), each attempt repeating the `Failed` event (4 to 6 retries
    in 60 s, so count 5 to 7, the last at most 15 s before the ConfigMap); the container starts at the
    next attempt, 10-15 s after the last failed one, not the instant the ConfigMap appears."""
    st = run(m.Apply(_pod(env_from=[{"configMapRef": {"name": "cfg"}}])))
    first = st.now - PLEG_RELIST_MS  # the settled state has the PLEG's attempt too (see below)
    st = m.advance(st, 59_000)
    st = m.run_queue(m.step(st, m.Apply(configmap("cfg", {"A": "1"}))))  # the kubelet looks at once
    created = st.now
    (failed,) = [e for e in st.list("Event", NS) if e["reason"] == "Failed"]
    last = m.clock.parse_ms(st.config.epoch, failed["lastTimestamp"])
    assert 5 <= failed["count"] <= 7 and m.clock.parse_ms(st.config.epoch, failed["firstTimestamp"]) == first
    assert created - 15_000 <= last < created
    assert "waiting" in _container_status(st)["state"]
    st = m.settle(st)
    started = m.clock.parse_ms(st.config.epoch, _container_status(st)["state"]["running"]["startedAt"])
    assert 10_000 <= started - last <= 15_000 and started > created
    assert _env(st)["A"] == "1"


def test_new_pod_is_attempted_again_when_the_pleg_sees_its_sandbox():
    """On a new pod whose ConfigMap is missing: the first failed sync started the sandbox, and the generic PLEG's
    next relist (`genericPlegRelistPeriod`, 1 s; kubelet.go) has the pod synced again, so the second attempt
    comes 1 s after the first; the third only after the back-off (`completeWork`), 10-15 s later (the real node
    showed attempts at 0, 0.7 and 12.8 s)."""
    st = run(m.Apply(_pod(env_from=[{"configMapRef": {"name": "cfg"}}])))
    first = st.now - PLEG_RELIST_MS
    st = m.advance(st, 4_000)
    st = m.run_queue(m.step(st, m.Apply(configmap("cfg", {"A": "1"}))))
    (failed,) = [e for e in st.list("Event", NS) if e["reason"] == "Failed"]
    assert failed["count"] == 2 and m.clock.parse_ms(st.config.epoch, failed["lastTimestamp"]) == first + 1_000
    st = m.settle(st)
    started = m.clock.parse_ms(st.config.epoch, _container_status(st)["state"]["running"]["startedAt"])
    assert 11_000 <= started - first <= 16_000


def test_settled_state_includes_the_pleg_attempt():
    """A new pod whose ConfigMap is missing settles only after its second attempt, 1 s after the first, when the
    generic PLEG's relist (`relist`, `genericPlegRelistPeriod`; kubelet.go) has seen the sandbox the first one
    started: Pulled and Failed twice each (`EnsureImageExists`, then `startContainer`'s config error), the last
    1 s after the first; the pod worker's back-off retries (`completeWork`, 10-15 s) hold no timer, so nothing
    more happens by itself. The real node shows the same two attempts within about a second."""
    st = run(m.Apply(_pod(env_from=[{"configMapRef": {"name": "cfg"}}])))
    events = {e["reason"]: e for e in st.list("Event", NS) if e["involvedObject"]["name"] == "p"}
    failed, pulled = events["Failed"], events["Pulled"]
    first = m.clock.parse_ms(st.config.epoch, failed["firstTimestamp"])
    assert (failed["count"], pulled["count"]) == (2, 2)
    assert m.clock.parse_ms(st.config.epoch, failed["lastTimestamp"]) == first + 1_000 == st.now
    assert "Started" not in events and st.next_timer() is None


def test_missing_key():
    """On a configMapKeyRef to a missing key: CreateContainerConfigError "couldn't find key LOGLEVEL in ConfigMap default/app-config"."""
    ref = {"name": "LOG", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "LOGLEVEL"}}}
    st = run(m.Apply(configmap("app-config", {"OTHER": "x"})), m.Apply(_pod(env=[ref])))
    waiting = _container_status(st)["state"]["waiting"]
    assert waiting == {"reason": "CreateContainerConfigError", "message": "couldn't find key LOGLEVEL in ConfigMap default/app-config"}


def test_optional_references_are_skipped():
    """On `optional: true` envFrom / keyRef to a missing ConfigMap or key, the container starts and the variables are unset."""
    env = [
        {"name": "K1", "valueFrom": {"configMapKeyRef": {"name": "absent", "key": "k", "optional": True}}},
        {"name": "K2", "valueFrom": {"configMapKeyRef": {"name": "present", "key": "missing", "optional": True}}},
    ]
    st = run(m.Apply(configmap("present", {"k": "v"})), m.Apply(_pod(env=env, env_from=[{"configMapRef": {"name": "gone", "optional": True}}])))
    e = _env(st)
    assert e is not None and "K1" not in e and "K2" not in e


def test_crash_restart_rereads_the_configmap():
    """On a container crash after a ConfigMap change, the restarted container sees the new value (new container, new env)."""
    st = run(m.Apply(configmap("cfg", {"A": "1"})), m.Apply(_pod(env_from=[{"configMapRef": {"name": "cfg"}}])))
    st = run(m.Apply(configmap("cfg", {"A": "2"})), st=st)
    assert _env(st)["A"] == "1"
    st = m.step(st, m.CrashContainer("p"))
    st = m.settle(st, max_ms=60_000)
    assert _env(st)["A"] == "2"
    cs = _container_status(st)
    assert cs["restartCount"] == 1 and cs["lastState"]["terminated"]["exitCode"] == 1


def test_restart_count_in_a_back_off_is_the_exited_instance_s():
    """In CrashLoopBackOff the container status is the exited instance's (`convertContainerStatus`), whose restart
    count is its index: after the 2nd exit (back-off 10 s) restartCount is 1, and 2 once the 3rd instance runs."""
    st = run(m.Apply(configmap("cfg", {"A": "1"})), m.Apply(_pod(env_from=[{"configMapRef": {"name": "cfg"}}])))
    st = m.settle(m.step(st, m.CrashContainer("p")), max_ms=60_000)
    st = m.step(st, m.CrashContainer("p"))
    cs = _container_status(st)
    assert cs["state"]["waiting"]["reason"] == "CrashLoopBackOff" and cs["restartCount"] == 1
    st = m.advance(st, 10_000)
    cs = _container_status(st)
    assert "running" in cs["state"] and cs["restartCount"] == 2


# ----- volumes -----------------------------------------------------------------------------------

VOL = [{"name": "cfg", "configMap": {"name": "cfg"}}]


def _volume_update_delay(config: m.Config) -> tuple[int, int]:
    """Change a mounted ConfigMap right after the pod's container became ready; return (ms from the change
    until the file shows the new content, ms from the container start until then), checking each second."""
    st = run(m.Apply(configmap("cfg", {"a.conf": "1"})), m.Apply(_pod(volumes=VOL, mounts=[{"name": "cfg", "mountPath": "/etc/cfg"}])), config=config)
    assert m.container_files(st, NS, "p") == {"/etc/cfg/a.conf": "1"}
    started = m.clock.parse_ms(st.config.epoch, _container_status(st)["state"]["running"]["startedAt"])
    st = m.step(st, m.Apply(configmap("cfg", {"a.conf": "2"})))
    changed_at = st.now
    while m.container_files(st, NS, "p") == {"/etc/cfg/a.conf": "1"}:
        assert st.now - changed_at < 200_000
        st = m.advance(st, 1000)
    assert m.container_files(st, NS, "p") == {"/etc/cfg/a.conf": "2"}
    assert _env(st) is not None  # the container kept running
    return st.now - changed_at, st.now - started


def test_volume_files_update_at_the_next_periodic_sync():
    """On a ConfigMap change, mounted files show the new content at the pod's next periodic sync: the pod worker
    requeues a synced pod after `wait.Jitter(syncFrequency, 0.5)` (`podWorkers.completeWork`), so with the
    default 1m the change lands 60-90 s after the container start's sync and at most 90 s after the change;
    the jitter differs from seed to seed."""
    delays = set()
    for seed in range(4):
        after_change, after_start = _volume_update_delay(m.Config(seed=seed))
        assert 0 < after_change <= 90_000 and 60_000 <= after_start <= 91_000
        delays.add(after_change)
    assert len(delays) > 1


def test_sync_frequency_is_a_cluster_setting():
    """With `syncFrequency: 5s` (as the real node runs), a volume change lands within 7.5 s (5 s + half)."""
    after_change, after_start = _volume_update_delay(m.Config(sync_frequency_ms=5_000))
    assert 0 < after_change <= 7_500 and 5_000 <= after_start <= 8_000


def test_subpath_mount_never_updates():
    """On a subPath mount of a ConfigMap key, the file keeps its start-time content, even long after a change."""
    mounts = [{"name": "cfg", "mountPath": "/etc/app.conf", "subPath": "a.conf"}]
    st = run(m.Apply(configmap("cfg", {"a.conf": "1"})), m.Apply(_pod(volumes=VOL, mounts=mounts)))
    assert m.container_files(st, NS, "p") == {"/etc/app.conf": "1"}
    st = m.step(st, m.Apply(configmap("cfg", {"a.conf": "2"})))
    st = m.advance(st, 300_000)
    assert m.container_files(st, NS, "p") == {"/etc/app.conf": "1"}


def test_missing_configmap_volume_blocks_in_container_creating():
    """On a volume of a missing ConfigMap, the container stays ContainerCreating with a FailedMount event."""
    st = run(m.Apply(_pod(volumes=VOL, mounts=[{"name": "cfg", "mountPath": "/etc/cfg"}])))
    assert _container_status(st)["state"]["waiting"]["reason"] == "ContainerCreating"
    assert any(e["reason"] == "FailedMount" and 'configmap "cfg" not found' in e["message"] for e in st.list("Event", NS))


def test_pod_blocked_on_a_missing_volume_has_no_ip_until_it_mounts():
    """Upstream `Kubelet.SyncPod` (pkg/kubelet/kubelet.go) returns at `WaitForAttachAndMount` before the runtime
    creates the sandbox, and the pod IP comes from the sandbox: a pod whose ConfigMap volume is missing has no podIP,
    PodReadyToStartContainers False, and no Endpoints address (`ShouldPodBeInEndpoints` skips pods without an IP).
    Found by the differential runner against a real kubelet. Once the ConfigMap exists, the pod gets its IP."""
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "p", "namespace": NS}, "spec": {"selector": {"app": "p"}, "ports": [{"port": 80}]}}
    st = run(m.Apply(svc), m.Apply(_pod(volumes=VOL, mounts=[{"name": "cfg", "mountPath": "/etc/cfg"}])))
    status = st.get("Pod", NS, "p")["status"]
    assert "podIP" not in status and "podIPs" not in status
    assert {c["type"]: c["status"] for c in status["conditions"]}["PodReadyToStartContainers"] == "False"
    assert not st.get("Endpoints", NS, "p").get("subsets")
    st = run(m.Apply(configmap("cfg", {"a.conf": "1"})), st=st)
    status = st.get("Pod", NS, "p")["status"]
    assert status["podIP"] and {c["type"]: c["status"] for c in status["conditions"]}["PodReadyToStartContainers"] == "True"


# ----- termination ---------------------------------------------------------------------------------


def test_deleted_pod_goes_after_its_shutdown():
    """On deleting a running pod (grace 30 s, shutdown 1 s), it is Terminating for 1 s and then gone."""
    st = run(m.Apply(_pod()))
    st = m.step(st, m.Delete("Pod", "p"))
    t0 = st.now
    p = st.get("Pod", NS, "p")
    assert p["metadata"]["deletionGracePeriodSeconds"] == 30 and p["metadata"]["deletionTimestamp"]
    st = m.advance(st, 999)
    assert st.get("Pod", NS, "p") is not None
    st = m.advance(st, 1)
    assert st.now == t0 + 1000 and st.get("Pod", NS, "p") is None


def test_grace_period_caps_a_slow_shutdown():
    """On a container that needs 5 s to stop and terminationGracePeriodSeconds 2, the pod is gone after 2 s (killed)."""
    st = run(m.Apply(_pod(grace=2)), config=m.Config(shutdown_ms=5_000))
    st = m.step(st, m.Delete("Pod", "p"))
    t0 = st.now
    assert st.get("Pod", NS, "p")["metadata"]["deletionGracePeriodSeconds"] == 2
    st = m.advance(st, 1_999)
    assert st.get("Pod", NS, "p") is not None
    st = m.advance(st, 1)
    assert st.now == t0 + 2_000 and st.get("Pod", NS, "p") is None


def test_unscheduled_pod_is_removed_at_once():
    """On deleting a pod not yet bound to a node, it is removed immediately (no kubelet to wait for)."""
    st = m.step(m.new_cluster(), m.Apply(_pod()))
    assert not st.get("Pod", NS, "p")["spec"].get("nodeName")
    st = m.step(st, m.Delete("Pod", "p"))
    assert st.get("Pod", NS, "p") is None


def test_each_container_sees_its_own_pod_name_as_hostname_while_pods_started_alike_share_their_records():
    """On three pods of one Deployment started at one instant: `printenv HOSTNAME` in each shows that pod's name
    (the image's HOSTNAME, upstream `makeEnvironmentVariables` / the runtime's hostname), while the kubelet's
    records of their containers are one shared value (memory per pod stays small)."""
    from simkit import deployment

    st = run(m.Apply(deployment(replicas=3)))
    pods = [p["metadata"]["name"] for p in st.list("Pod", NS)]
    assert len(pods) == 3
    for name in pods:
        env = m.container_env(st, NS, name)
        assert dict(env)["HOSTNAME"] == name and env[1] == ("HOSTNAME", name) and env[0][0] == "PATH"
    records = {id(st.runtime[(NS, name)].containers[0]) for name in pods}
    assert len(records) == 1
