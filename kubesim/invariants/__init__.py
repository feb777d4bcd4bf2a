"""Named invariants of how Kubernetes runs workloads, as pure functions over observations.

An observation (`kubesim.driver.Observation`) is one consistent snapshot of API JSON
objects; any driver produces them (the embedded model after every controller step, a
real cluster from its watch). Each invariant is a sentence-named function that returns
a list of `Violation`s and states in its docstring the upstream rule it encodes.

Invariants come in layers (after the SwarmKit TLA+ design):

- ``shape``: one object at a time is well formed (e.g. a pod has at most one controller).
- ``state``: every reachable observation (e.g. at most one ReplicaSet per pod template).
- ``step``: a pair of consecutive observations, i.e. an allowed transition (e.g. a
  revision never decreases; a scale-up never passes replicas + maxSurge).
- ``settled``: an observation in which nothing more will happen (e.g. a Deployment with
  healthy images is complete).
- ``history``: a whole sequence of observations, run as a fold (e.g. a Service keeps a
  ready endpoint during a rollout).
- ``request``: an observation before and after one user request (e.g. `rollout undo`
  goes to the previous revision).

The package: `registry` (the decorator, `Violation`, the entry points), `readers` (API JSON and the Deployment
arithmetic, re-implemented independently of the model), `caches` and `view` (indices of one observation),
`rules/` (one module per layer) and `monitor`.

`check_all(observation, previous=None, settled=False)` runs the first four layers;
`check_history` and `check_request` the other two; `InvariantMonitor` subscribes to a
driver and checks every intermediate state live.

Container environments are not API objects: a real cluster shows them only through
`kubectl exec POD -- printenv`. The monitor therefore asks the driver (`exec_env`) and
adds what it saw to the observation under the pseudo-kind ``ContainerEnv`` (see
`with_container_env`), so the env invariants stay pure functions of an observation.

Upstream counts a rollout by ReplicaSet ``spec.replicas`` and ``status.availableReplicas``,
never by pods (terminating pods are invisible), so these invariants do the same.
Status fields lag behind pods until their controller syncs again, so checks that
compare a status with pods run on the observation in which that status was written.
"""

from __future__ import annotations

from kubesim.driver import Observation

from .registry import (
    DESIRED_REPLICAS,
    ENV_KIND,
    HASH_LABEL,
    INVARIANTS,
    Invariant,
    InvariantViolation,
    LAYERS,
    NEVER_READY_ANNOTATION,
    REVISION,
    Request,
    Violation,
    assert_all,
    check_all,
    check_history,
    check_request,
    fmt_time,
    invariant,
    layer,
)
from .caches import clear_caches
from .readers import (
    configmap_env_expected,
    controller_of,
    deployment_complete,
    deployment_template_key,
    is_rolling,
    max_surge,
    max_unavailable,
    parse_time,
    pod_active,
    pod_available,
    pod_ready,
    resolve_fenceposts,
    revision_of,
    rs_template_key,
    selector_matches,
    service_selects,
    spec_replicas,
    status_int,
    template_key,
    uses_configmap_env,
)
from .view import COMBINED_PREFIX, View, changed_kinds, event_message, new_events, observation_epoch, view
from . import rules  # noqa: F401  (importing it registers every rule, layer by layer, in order)
from .rules.shape import objects_have_at_most_one_controller
from .rules.state import at_most_one_replicaset_per_template, revisions_are_unique
from .rules.step import (
    available_replicas_within_unavailable_limit,
    controller_never_changes_hands,
    endpoints_list_ready_serving_pods,
    old_replicasets_never_grow,
    replicaset_deletes_least_ready_pods_first,
    replicaset_owns_only_matching_pods,
    replicaset_status_counts_its_pods,
    revision_bumps_to_next_number,
    revision_never_decreases,
    total_replicas_within_surge_limit,
)
from .rules.env import container_env_fixed_while_running, container_env_matches_configmap_at_start
from .rules.settled import (
    current_template_has_newest_revision,
    replicasets_converge_to_spec,
    revision_history_within_limit,
    settled_deployment_is_complete,
)
from .rules.history import HISTORY_TRACKERS, ReadyEndpointsTracker, service_keeps_ready_endpoints_during_rollout
from .rules.request import undo_restores_previous_revision
from .monitor import EnvPlans, InvariantMonitor, container_env_samples, with_container_env

__all__ = [
    "INVARIANTS",
    "LAYERS",
    "Invariant",
    "InvariantMonitor",
    "InvariantViolation",
    "Request",
    "Violation",
    "assert_all",
    "check_all",
    "check_history",
    "check_request",
    "invariant",
    "with_container_env",
]
