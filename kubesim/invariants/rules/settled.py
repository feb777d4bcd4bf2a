"""The settled layer: what holds once nothing more will happen."""

from __future__ import annotations

from kubesim.driver import Observation

from ..readers import (
    configmap_env_expected,
    deployment_complete,
    deployment_template_key,
    desired_replicas,
    is_rolling,
    is_terminating,
    meta_of,
    name_of,
    pod_active,
    pod_ready,
    revision_of,
    rs_template_key,
    spec_replicas,
    status_int,
    uid_of,
)
from ..registry import NEVER_READY_ANNOTATION, Violation, invariant
from ..view import View, scaling_event, view


def _healthy(v: View, d: dict) -> str | None:
    """Why a Deployment's pods cannot all become ready by themselves, or None if they can.

    Reasons visible to every driver: an image or annotation following the shared
    ``never-ready`` convention, a missing ConfigMap the containers need, or a pod whose
    readiness is held down while all its containers report ready (a forced readiness
    probe result).
    """
    tmpl = (d.get("spec") or {}).get("template") or {}
    if ((tmpl.get("metadata") or {}).get("annotations") or {}).get(NEVER_READY_ANNOTATION) == "true":
        return "never-ready annotation"
    cms = {name_of(c): c for c in v.obs.of("ConfigMap")}
    for c in (tmpl.get("spec") or {}).get("containers") or ():
        if "never-ready" in (c.get("image") or ""):
            return f"image {c.get('image')} never becomes ready"
        if configmap_env_expected(c, cms) is None:
            return "a ConfigMap it needs is missing"
    for rs in v.rss_of.get(uid_of(d), ()):
        for p in v.pods_of.get(uid_of(rs), ()):
            if not pod_active(p):
                continue
            statuses = (p.get("status") or {}).get("containerStatuses") or ()
            if statuses and all(cs.get("ready") for cs in statuses) and not pod_ready(p):
                return f"readiness of pod {name_of(p)} is held down"
            if any(("waiting" in (cs.get("state") or {})) and (cs["state"]["waiting"].get("reason") in ("CreateContainerConfigError", "ErrImagePull", "ImagePullBackOff")) for cs in statuses):
                return f"pod {name_of(p)} cannot start"
    return None


def _recreate_stuck_scaling(v: View, d: dict) -> bool:
    """Upstream's dead end: a Recreate Deployment scaled while several ReplicaSets are active.

    `isScalingEvent` routes every sync to `sync`/`scale`, whose proportional step runs for
    RollingUpdate only, so nothing rescales the active ReplicaSets or refreshes their
    desired-replicas annotation, and the rollout never resumes (e.g. a RollingUpdate
    Deployment switched to Recreate mid-rollout together with a new replicas count).
    """
    if is_rolling(d):
        return False
    active = [rs for rs in v.rss_of.get(uid_of(d), ()) if spec_replicas(rs) > 0]
    return len(active) > 1 and scaling_event(v, d)


def _stale_single_active_scaling(v: View, d: dict) -> bool:
    """Upstream's other dead end: the only active ReplicaSet is an old one already at replicas, with a stale desired-replicas annotation.

    `isScalingEvent` sees the annotation differ from replicas and routes every sync to
    `sync`; there `scale` finds that single active ReplicaSet (`FindActiveOrLatest`) and
    returns early because its spec.replicas already equals the Deployment's, leaving the
    annotation stale, so `rolloutRolling` / `rolloutRecreate` never run and the new
    template is never rolled out (kubernetes/kubernetes#102551; fixes #102579, #138036,
    #138840 unmerged as of v1.36). Reached by changing replicas and the template together
    mid-rollout while the new ReplicaSet is still at 0 (e.g. maxSurge 0: old scaled 3 -> 1,
    then replicas: 1 plus a new template).
    """
    active = [rs for rs in v.rss_of.get(uid_of(d), ()) if spec_replicas(rs) > 0]
    if len(active) != 1:
        return False
    rs, n = active[0], spec_replicas(d)
    desired = desired_replicas(rs)
    return rs_template_key(rs) != deployment_template_key(d) and spec_replicas(rs) == n and desired is not None and desired != n


@invariant("settled")
def replicasets_converge_to_spec(obs: Observation) -> list[Violation]:
    """Once settled, every ReplicaSet has exactly spec.replicas active pods, and says so.

    Upstream (`replica_set.go` `manageReplicas`, `calculateStatus`): each sync creates or
    deletes the difference ``len(activePods) - spec.replicas``; status.replicas counts the
    active pods it owns.
    """
    v = view(obs)
    out = []
    for rs in v.rss:
        if is_terminating(rs):
            continue
        active = sum(1 for p in v.pods_of.get(uid_of(rs), ()) if pod_active(p))
        want = spec_replicas(rs)
        if active != want or status_int(rs, "replicas") != want:
            out.append(
                Violation(
                    "replicasets_converge_to_spec",
                    f"ReplicaSet/{name_of(rs)}",
                    obs.time,
                    f"{active} active pods and status.replicas={status_int(rs, 'replicas')}; spec.replicas is {want}",
                )
            )
    return out


@invariant("settled")
def settled_deployment_is_complete(obs: Observation) -> list[Violation]:
    """A settled, unpaused Deployment whose pods can become ready is complete.

    Upstream (`DeploymentComplete`; `rolloutRolling` / `rolloutRecreate` run until the new
    ReplicaSet has all replicas and old ones are scaled to 0): updatedReplicas =
    readyReplicas = availableReplicas = replicas = spec.replicas, observedGeneration
    caught up, every old ReplicaSet at spec 0 with no pods, and the replica count
    converged (Σ active pods = spec.replicas). Exceptions, as upstream: a Recreate
    Deployment scaled while several ReplicaSets were active never resumes
    (`_recreate_stuck_scaling`), nor does one whose only active ReplicaSet is an old one
    at spec.replicas = replicas with a stale desired-replicas annotation
    (`_stale_single_active_scaling`).
    """
    v = view(obs)
    out = []
    for d in v.deployments:
        if is_terminating(d) or (d.get("spec") or {}).get("paused") or _healthy(v, d) is not None or _recreate_stuck_scaling(v, d) or _stale_single_active_scaling(v, d):
            continue
        n = spec_replicas(d)
        s = d.get("status") or {}
        key = deployment_template_key(d)
        rss = v.rss_of.get(uid_of(d), ())
        problems = []
        counts = {f: s.get(f) or 0 for f in ("updatedReplicas", "readyReplicas", "availableReplicas", "replicas")}
        bad = {f: c for f, c in counts.items() if c != n}
        if bad:
            problems.append(", ".join(f"{f}={c}" for f, c in bad.items()) + f" (replicas is {n})")
        if (s.get("observedGeneration") or 0) < (meta_of(d).get("generation") or 0):
            problems.append(f"observedGeneration {s.get('observedGeneration')} < generation {meta_of(d).get('generation')}")
        for rs in rss:
            if rs_template_key(rs) != key and (spec_replicas(rs) or status_int(rs, "replicas")):
                problems.append(f"old ReplicaSet {name_of(rs)} has spec.replicas={spec_replicas(rs)}, status.replicas={status_int(rs, 'replicas')}")
        active = sum(1 for rs in rss for p in v.pods_of.get(uid_of(rs), ()) if pod_active(p))
        if active != n:
            problems.append(f"{active} active pods")
        if problems:
            out.append(Violation("settled_deployment_is_complete", f"Deployment/{name_of(d)}", obs.time, "; ".join(problems)))
    return out


@invariant("settled")
def revision_history_within_limit(obs: Observation) -> list[Violation]:
    """A complete Deployment keeps at most revisionHistoryLimit old ReplicaSets.

    Upstream (`sync.go` `cleanupDeployment`, run by `rolloutRolling` / `rolloutRecreate`
    once `DeploymentComplete` holds, and by `sync` while paused): old ReplicaSets beyond
    the limit are deleted oldest revision first, skipping those that still have
    replicas. Checked once settled and complete.
    """
    v = view(obs)
    out = []
    for d in v.deployments:
        limit = (d.get("spec") or {}).get("revisionHistoryLimit")
        if limit is None or is_terminating(d) or not deployment_complete(d):
            continue
        key = deployment_template_key(d)
        old = [rs for rs in v.rss_of.get(uid_of(d), ()) if rs_template_key(rs) != key and not is_terminating(rs)]
        if len(old) > limit:
            names = ", ".join(f"{name_of(rs)} (revision {revision_of(rs)})" for rs in sorted(old, key=revision_of))
            out.append(Violation("revision_history_within_limit", f"Deployment/{name_of(d)}", obs.time, f"{len(old)} old ReplicaSets kept: {names}; revisionHistoryLimit is {limit}"))
    return out


@invariant("settled")
def current_template_has_newest_revision(obs: Observation) -> list[Violation]:
    """Once settled, the ReplicaSet of the current template has the highest revision.

    Upstream (`getNewReplicaSet`, `SetDeploymentRevision`): a rollout or rollback to a
    template gives its ReplicaSet ``MaxRevision + 1``, and the Deployment's revision
    annotation copies it.
    """
    v = view(obs)
    out = []
    for d in v.deployments:
        if is_terminating(d) or (d.get("spec") or {}).get("paused"):
            continue
        rss = v.rss_of.get(uid_of(d), ())
        key = deployment_template_key(d)
        current = next((rs for rs in rss if rs_template_key(rs) == key), None)
        if current is None:
            continue
        top = max(revision_of(rs) for rs in rss)
        if revision_of(current) != top or revision_of(d) != top:
            out.append(
                Violation(
                    "current_template_has_newest_revision",
                    f"Deployment/{name_of(d)}",
                    obs.time,
                    f"current ReplicaSet {name_of(current)} has revision {revision_of(current)}, the Deployment says {revision_of(d)}; the highest is {top}",
                )
            )
    return out
