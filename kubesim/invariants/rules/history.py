"""The history layer: rules over a whole sequence of observations, run as a fold."""

from __future__ import annotations

from typing import Callable, Sequence

from kubesim.driver import Observation

from ..readers import (
    controller_of,
    deployment_complete,
    is_rolling,
    is_terminating,
    max_unavailable,
    name_of,
    pod_ready,
    service_selects,
    spec_replicas,
    uid_of,
)
from ..registry import Violation, invariant
from ..view import View, canonical_json, endpoint_pods, event_message, new_events_where, view


def _owned_by(v: View, pod: dict, d: dict) -> bool:
    """Whether `pod` belongs to one of Deployment `d`'s ReplicaSets."""
    ref = controller_of(pod)
    rs = v.rs_by_uid.get(ref.get("uid")) if ref else None
    owner = controller_of(rs) if rs else None
    return owner is not None and owner.get("uid") == uid_of(d)


def _successful_delete(event: dict) -> bool:
    return event.get("reason") == "SuccessfulDelete"


class ReadyEndpointsTracker:
    """The fold behind `service_keeps_ready_endpoints_during_rollout`."""

    def __init__(self) -> None:
        self.armed: dict[tuple, tuple] = {}  # (service, deployment uid) -> (replicas, strategy json)
        self.prev: Observation | None = None
        self._facts: dict[int, tuple] = {}  # id(deployment) -> (deployment, `_rollout_facts`), of the last observation
        self._listed: list | None = None  # the last list of Services seen, and those of them with a selector
        self._services: list = []

    @staticmethod
    def _rollout_facts(d: dict) -> tuple:
        """What the fold reads of one Deployment object: template labels, uid, (replicas, strategy json), and
        whether a rolling update of it keeps a ready endpoint (rolling, replicas >= 1, maxUnavailable < replicas,
        not paused, not being deleted)."""
        spec = d.get("spec") or {}
        return (
            ((spec.get("template") or {}).get("metadata") or {}).get("labels"),
            uid_of(d),
            (spec_replicas(d), canonical_json(spec.get("strategy"))),
            is_rolling(d) and spec_replicas(d) >= 1 and max_unavailable(d) < spec_replicas(d) and not spec.get("paused") and not is_terminating(d),
        )

    reads = frozenset({"Pod", "Endpoints", "Deployment", "ReplicaSet", "Service", "Event"})

    def feed(self, obs: Observation, changed: set | None = None) -> list[Violation]:
        """Take the next observation; `changed` (kinds changed since the last one) lets it skip quiet steps."""
        prev, self.prev = self.prev, obs
        if changed is not None and prev is not None and self.reads.isdisjoint(changed):
            return []
        listed = obs.of("Service")
        if listed is not self._listed:  # the Services with a selector, found again only in a new list
            self._listed, self._services = listed, [svc for svc in listed if (svc.get("spec") or {}).get("selector")]
        services = self._services
        if not services:
            self.armed.clear()
            return []
        v = view(obs)
        faults = self._faults(prev, obs) if prev is not None and self.armed else set()
        out = []
        live = set()
        known, facts = self._facts, {}
        for d in v.deployments:  # pure functions of each object: re-used while it is the same object
            hit = known.get(id(d))
            facts[id(d)] = hit if hit is not None and hit[0] is d else (d, self._rollout_facts(d))
        self._facts = facts
        for svc in services:
            sel = svc["spec"]["selector"]
            ready, _ = endpoint_pods(v.endpoints_by_name.get(name_of(svc)))
            serving = None  # ready addresses of pods that are ready and not terminating, when first needed
            for d in v.deployments:
                tmpl_labels, uid, replicas_strategy, rolling_keeps_one = facts[id(d)][1]
                if not service_selects(sel, tmpl_labels):
                    continue
                key = (name_of(svc), uid)
                shape = (*replicas_strategy, canonical_json(sel))
                eligible = rolling_keeps_one and uid not in faults
                if not eligible or (key in self.armed and self.armed[key] != shape):
                    self.armed.pop(key, None)
                    continue
                live.add(key)
                if key in self.armed:
                    if not ready:
                        out.append(
                            Violation(
                                "service_keeps_ready_endpoints_during_rollout",
                                f"Service/{name_of(svc)}",
                                obs.time,
                                f"no ready endpoints while Deployment/{name_of(d)} rolls out (replicas {spec_replicas(d)}, maxUnavailable {max_unavailable(d)})",
                            )
                        )
                elif deployment_complete(d):
                    if serving is None:
                        serving = [n for n in ready if (p := v.pod_by_name.get(n)) is not None and pod_ready(p) and not is_terminating(p)]
                    if any(_owned_by(v, v.pod_by_name[n], d) for n in serving):
                        self.armed[key] = shape
        for key in list(self.armed):
            if key not in live:
                del self.armed[key]
        return out

    @staticmethod
    def _faults(prev: Observation, cur: Observation) -> set:
        """Deployments (uids) whose pods suffered something no controller did: lost readiness, a restart, a delete."""
        pv, cv = view(prev), view(cur)
        deleted_by_rs = set()
        for e in new_events_where(prev, cur, _successful_delete):
            deleted_by_rs.add(event_message(e).removeprefix("Deleted pod: "))
        hit = set()
        now_by_name = cv.pod_by_name
        for p in pv.pods:
            if now_by_name.get(name_of(p)) is p:  # the same pod object: nothing happened to it
                continue
            ref = controller_of(p)
            if ref is None:
                continue
            now = cv.pod_by_name.get(name_of(p))
            rs = pv.rs_by_uid.get(ref.get("uid")) or cv.rs_by_uid.get(ref.get("uid"))
            owner = controller_of(rs) if rs else None
            if owner is None:
                continue
            fault = False
            if now is None:
                fault = not is_terminating(p) and name_of(p) not in deleted_by_rs
            elif is_terminating(now) and not is_terminating(p):
                fault = name_of(p) not in deleted_by_rs
            elif not is_terminating(now):
                if pod_ready(p) and not pod_ready(now):
                    fault = True
                restarts = lambda x: sum(cs.get("restartCount", 0) for cs in (x.get("status") or {}).get("containerStatuses") or ())  # noqa: E731
                if restarts(now) > restarts(p):
                    fault = True
            if fault:
                hit.add(owner.get("uid"))
        return hit


@invariant("history")
def service_keeps_ready_endpoints_during_rollout(history: Sequence[Observation]) -> list[Violation]:
    """A Service in front of a rolling Deployment never loses its last ready endpoint.

    Upstream: `reconcileOldReplicaSets` keeps Σ availableReplicas >= replicas -
    maxUnavailable, the ReplicaSet deletes not-ready pods first, and the endpoints
    controller lists every ready, non-terminating pod. So with replicas >= 1 and
    maxUnavailable < replicas (RollingUpdate), once the Deployment was complete and the
    Endpoints listed one of its own pods, ready and not terminating, the Endpoints keep at least one ready address through later rollouts
    of any image, as long as nothing outside the controllers hurts its pods (a pod
    losing readiness, restarting or deleted by a user) and its replicas, strategy and
    the Service selector stay the same; any of those ends the guarantee until the
    Deployment is complete again.
    """
    tracker = ReadyEndpointsTracker()
    out: list[Violation] = []
    for obs in history:
        out += tracker.feed(obs)
    return out


HISTORY_TRACKERS: dict[str, Callable[[], object]] = {"service_keeps_ready_endpoints_during_rollout": ReadyEndpointsTracker}
