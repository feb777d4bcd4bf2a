"""Deliberately broken variants of the model, to prove the suite catches real bugs.

Each mutant is a context manager that swaps one rule of the model for a wrong one
(the kind of mistake a hand-written Kubernetes clone makes) and restores it on exit.
The scenario and stateful test suites must fail under every one of them; see
`tests/stateful/test_mutants.py` and `features/test_mutants.py`.

A rule is swapped by changing the model's function object itself (`_replace`): its code
becomes a call of the broken version. Every name the function is known by (a
``from .pods import is_available`` in any module, the engine's table of sync functions,
`kubesim.model`'s re-exports) then runs the broken rule, so no import can escape a mutant,
and the model's code knows nothing of them.
"""

from __future__ import annotations

import types
from contextlib import ExitStack, contextmanager
from typing import Callable, Iterator

import kubesim.model.containerenv as containerenv_mod
import kubesim.model.controllerref as controllerref_mod
import kubesim.model.deployment.sync as sync_mod
import kubesim.model.deployment.util as du
import kubesim.model.endpoints as endpoints_mod
import kubesim.model.kubectl as kubectl_mod
import kubesim.model.kubelet as kubelet_mod
import kubesim.model.pods as pods_mod
import kubesim.model.replicaset as rs_mod
import kubesim.model.store as store_mod
from kubesim.model.labels import selector_matches


def _replace(stack: ExitStack, func: types.FunctionType, make: Callable[[Callable], Callable]) -> None:
    """Until `stack` closes, make every call of `func` run `make(original)`, where `original` is a copy
    of `func` as it was (for a broken rule that calls the real one).

    `func`'s code becomes a trampoline that calls the broken version, which is kept in a global of
    `func`'s own module: the function object stays the same, so every reference to it sees the
    change. Only plain module-level functions (no closure) that do not call themselves qualify.
    """
    if not isinstance(func, types.FunctionType) or func.__closure__:
        raise TypeError(f"{func!r} is not a plain module-level function")
    original = types.FunctionType(func.__code__, func.__globals__, func.__name__, func.__defaults__)
    original.__kwdefaults__ = func.__kwdefaults__
    slot = f"_kubesim_mutant_{func.__name__}_{id(func)}"
    if slot in func.__globals__:
        raise RuntimeError(f"{func.__qualname__} is already replaced by a mutant")
    namespace: dict = {}
    exec(f"def {func.__name__}(*args, **kwargs):\n    return {slot}(*args, **kwargs)\n", namespace)  # noqa: S102 - a fixed trampoline
    saved = (func.__code__, func.__defaults__, func.__kwdefaults__)
    func.__globals__[slot] = make(original)
    func.__code__, func.__defaults__, func.__kwdefaults__ = namespace[func.__name__].__code__, None, None

    def restore() -> None:
        func.__code__, func.__defaults__, func.__kwdefaults__ = saved
        del func.__globals__[slot]

    stack.callback(restore)


def _surge_off_by_one(stack: ExitStack) -> None:
    def make(real):
        def broken(d, all_rss, new_rs):
            if du.is_rolling_update(d):
                surge = du.max_surge(d) + 1
                current = du.replica_count(all_rss)
                max_total = du.replicas(d) + surge
                if current >= max_total:
                    return du.spec_replicas(new_rs)
                return du.spec_replicas(new_rs) + min(max_total - current, du.replicas(d) - du.spec_replicas(new_rs))
            return real(d, all_rss, new_rs)

        return broken

    _replace(stack, du.new_rs_new_replicas, make)


def _unavailable_off_by_one(stack: ExitStack) -> None:
    _replace(stack, du.max_unavailable, lambda real: lambda d: min(real(d) + 1, du.replicas(d)) if du.is_rolling_update(d) and du.replicas(d) else real(d))


def _scale_down_oldest_first(stack: ExitStack) -> None:
    """Delete the oldest, ready pods first instead of upstream's ranking."""

    def broken(st, rs, pods, n):
        return sorted(pods, key=lambda p: (p["metadata"]["creationTimestamp"], p["metadata"]["name"]))[:n]

    _replace(stack, rs_mod.pods_to_delete, lambda real: broken)


def _min_ready_ignored(stack: ExitStack) -> None:
    _replace(stack, pods_mod.is_available, lambda real: lambda pod, min_ready, now, epoch: pods_mod.is_ready(pod))


def _rollback_wrong_revision(stack: ExitStack) -> None:
    """`rollout undo` goes to the oldest revision instead of the previous one."""
    _replace(stack, kubectl_mod.undo_target_revision, lambda real: lambda revs, to: to or (revs[0] if len(revs) >= 2 else None))


def _env_updated_live(stack: ExitStack) -> None:
    """A running container sees ConfigMap changes in its environment at once."""

    def make(real):
        def broken(st, ns, pod_name, container=None):
            pod = st.get("Pod", ns, pod_name)
            rt = st.runtime.get((ns, pod_name))
            if pod is None or rt is None:
                return None
            for c in rt.containers:
                if container in (None, c.name):
                    if c.state != "running":
                        return None
                    spec = next(x for x in pod["spec"]["containers"] if x["name"] == c.name)
                    env, err = containerenv_mod.resolve_env(st, pod, spec)
                    # on a lookup error, what the container started with (the kubelet's view, its HOSTNAME filled in)
                    return real(st, ns, pod_name, c.name) if err else env
            return None

        return broken

    _replace(stack, kubelet_mod.container_env, make)


def _adopt_owned_by_others(stack: ExitStack) -> None:
    """The ReplicaSet also takes pods controlled by another ReplicaSet."""

    def make(real):
        def broken(st, rs):
            st, owned = real(st, rs)
            owned = list(owned)
            ns = rs["metadata"]["namespace"]
            names = {p["metadata"]["name"] for p in owned}
            for pod in st.list("Pod", ns):
                if pod["metadata"]["name"] in names or not pods_mod.is_active(pod):
                    continue
                if selector_matches(rs["spec"].get("selector"), pod["metadata"].get("labels")):
                    ref = controllerref_mod.owner_reference(rs, "ReplicaSet")
                    md = {**pod["metadata"], "ownerReferences": [ref]}
                    st, pod = store_mod.update(st, {**pod, "metadata": md})
                    owned.append(pod)
            return st, owned

        return broken

    _replace(stack, rs_mod.claim_pods, make)


def _endpoints_include_terminating(stack: ExitStack) -> None:
    _replace(stack, endpoints_mod.sync_endpoints, lambda real: lambda st, ns, name: _sync_with_terminating(st, ns, name, real))


def _sync_with_terminating(st, ns, name, real):
    """Run the real endpoints sync on a view where terminating pods look alive."""
    pods = st.table("Pod")
    view = pods
    for key, pod in pods.items():
        if key[0] == ns and pod["metadata"].get("deletionTimestamp"):
            md = {k: v for k, v in pod["metadata"].items() if k != "deletionTimestamp"}
            view = view.set(key, {**pod, "metadata": md})
    shadow = st.evolve(objects=st.objects.set("Pod", view))
    out = real(shadow, ns, name)
    return out.evolve(objects=out.objects.set("Pod", pods))


def _routes_to_not_ready(stack: ExitStack) -> None:
    def make(real):
        def broken(st, ns, name):
            svc = st.get("Service", ns, name)
            if svc is None or not svc["spec"].get("selector"):
                return real(st, ns, name)
            patched = {**svc, "spec": {**svc["spec"], "publishNotReadyAddresses": True}}
            services = st.table("Service")  # read before `shadow`: within a sync, evolve changes the state it is given
            shadow = st.evolve(objects=st.objects.set("Service", services.set((ns, name), patched)))
            out = real(shadow, ns, name)
            return out.evolve(objects=out.objects.set("Service", services))

        return broken

    _replace(stack, endpoints_mod.sync_endpoints, make)


def _history_limit_ignored(stack: ExitStack) -> None:
    _replace(stack, sync_mod.cleanup_deployment, lambda real: lambda st, old_rss, d: st)


def _replicaset_does_not_replace(stack: ExitStack) -> None:
    """The ReplicaSet creates pods only when it has none (no self-healing)."""

    def make(real):
        def broken(st, rs, pods):
            if pods and len(pods) < rs["spec"].get("replicas", 1):
                return st
            return real(st, rs, pods)

        return broken

    _replace(stack, rs_mod.manage_replicas, make)


MUTANTS: dict[str, Callable[[ExitStack], None]] = {
    "surge_off_by_one": _surge_off_by_one,
    "unavailable_off_by_one": _unavailable_off_by_one,
    "scale_down_oldest_first": _scale_down_oldest_first,
    "min_ready_seconds_ignored": _min_ready_ignored,
    "rollback_to_wrong_revision": _rollback_wrong_revision,
    "env_updated_live": _env_updated_live,
    "adopts_pods_of_other_controllers": _adopt_owned_by_others,
    "endpoints_include_terminating": _endpoints_include_terminating,
    "routes_to_not_ready_pods": _routes_to_not_ready,
    "history_limit_ignored": _history_limit_ignored,
    "replicaset_does_not_replace_pods": _replicaset_does_not_replace,
}


@contextmanager
def mutant(name: str) -> Iterator[None]:
    """Run the enclosed code with the model broken as `name` says."""
    if name not in MUTANTS:
        raise KeyError(f"Unknown mutant {name!r}; known: {', '.join(sorted(MUTANTS))}.")
    with ExitStack() as stack:
        MUTANTS[name](stack)
        yield
