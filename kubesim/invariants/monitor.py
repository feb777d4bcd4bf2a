"""The live monitor (`InvariantMonitor`) and the container-environment samples it adds to observations."""

from __future__ import annotations

from operator import is_
from typing import Callable, Iterable

from kubesim.driver import Observation

from .caches import clear_caches, id_cache
from .readers import is_terminating, name_of, uid_of, uses_configmap_env
from .registry import ENV_KIND, INVARIANTS, InvariantViolation, Request, Violation, check_request, layer
from .rules.history import HISTORY_TRACKERS
from .view import changed_kinds


_ENV_USERS: dict[int, tuple] = id_cache()


def _env_containers(pod: dict, only_configmap_users: bool) -> frozenset:
    """Names of the pod's containers whose environment the env invariants need (cached per spec)."""
    spec = pod.get("spec") or {}
    hit = _ENV_USERS.get(id(spec))
    if hit is not None and hit[0] is spec and hit[1] == only_configmap_users:
        return hit[2]
    names = frozenset(c["name"] for c in spec.get("containers") or () if not only_configmap_users or uses_configmap_env(c))
    if len(_ENV_USERS) > 256:
        _ENV_USERS.clear()
    _ENV_USERS[id(spec)] = (spec, only_configmap_users, names)
    return names


def _env_plan(pod: dict, only_configmap_users: bool) -> tuple:
    """(pod, pod uid, container, restartCount, startedAt) of each running container of `pod` whose environment is needed.

    Empty for a terminating pod.
    """
    if is_terminating(pod):
        return ()
    wanted = _env_containers(pod, only_configmap_users)
    if not wanted:
        return ()
    return tuple(
        (name_of(pod), uid_of(pod), cs["name"], cs.get("restartCount", 0), running.get("startedAt"))
        for cs in (pod.get("status") or {}).get("containerStatuses") or ()
        if (running := (cs.get("state") or {}).get("running")) is not None and cs.get("name") in wanted
    )


class EnvPlans:
    """Which containers to ask for their environment, kept from one observation to the next.

    `plan(pods)` lists (pod, pod uid, container, restartCount, startedAt) for every running
    container whose environment is needed (`_env_plan`), in pod order. Pods that are the same
    objects as last time (API objects are never modified) are not looked at again, and an
    unchanged pod list gives the same plan at once.
    """

    __slots__ = ("only_configmap_users", "pods", "by_pod", "flat", "samples", "sampled")

    def __init__(self, only_configmap_users: bool = True) -> None:
        self.only_configmap_users = only_configmap_users
        self.pods: list = []
        self.by_pod: dict[int, tuple] = {}
        self.flat: tuple = ()
        #: plan entry -> the sample last made for it (`container_env_samples` re-uses it while the environment is equal)
        self.samples: dict[tuple, dict] = {}
        #: (the driver's environment version, the plan, the samples) of the last `container_env_samples` given a version
        self.sampled: tuple = (None, None, None)

    def plan(self, pods: list[dict]) -> tuple:
        if pods is self.pods or (len(pods) == len(self.pods) and all(map(is_, pods, self.pods))):
            return self.flat
        known, now, flat = self.by_pod, {}, []
        for pod in pods:
            hit = known.get(id(pod))
            entries = hit[1] if hit is not None and hit[0] is pod else _env_plan(pod, self.only_configmap_users)
            now[id(pod)] = (pod, entries)  # keeps `pod` alive while the entry lives, so its id is not reused
            flat += entries
        self.pods, self.by_pod, self.flat = pods, now, tuple(flat)
        return self.flat


def _same(version: object, last: object) -> bool:
    """The very same version: the same object, or tuples of the very same objects."""
    if version is last:
        return True
    return type(version) is tuple and type(last) is tuple and len(version) == len(last) and all(map(is_, version, last))


def container_env_samples(
    obs: Observation,
    exec_env: Callable[[str, str], dict],
    only_configmap_users: bool = True,
    plans: EnvPlans | None = None,
    version: object = None,
) -> list[dict]:
    """What ``printenv`` shows in every running container of `obs` (see `with_container_env`).

    `plans` (for `only_configmap_users`), kept by the caller from one observation to the
    next, saves looking at the same pods again. `version` (see `ModelDriver.env_version`), an
    immutable value that stays the very same object only while `exec_env` answers every
    container of the same plan alike: with the version and a plan equal to last time's, the
    samples are last time's, and `exec_env` is not asked again.
    """
    if plans is None:
        plans = EnvPlans(only_configmap_users)
    plan = plans.plan(obs.of("Pod"))
    if version is not None:
        last_version, last_plan, last_samples = plans.sampled
        if _same(version, last_version) and (plan is last_plan or plan == last_plan):
            return last_samples
    samples = []
    known, made = plans.samples, {}
    for entry in plan:
        name, uid, container, restarts, started = entry
        try:
            env = exec_env(name, container)
        except Exception:  # the container went away between the observation and the exec
            continue
        sample = known.get(entry)
        if sample is None or sample["env"] != env:  # else the very sample of last time: an equal one
            sample = {"pod": name, "podUID": uid, "container": container, "restartCount": restarts, "startedAt": started, "env": dict(env)}
        made[entry] = sample
        samples.append(sample)
    plans.samples = made
    plans.sampled = (version, plan, samples) if version is not None else (None, None, None)
    return samples


def with_container_env(obs: Observation, exec_env: Callable[[str, str], dict], only_configmap_users: bool = True) -> Observation:
    """Add what ``printenv`` shows in every running container to `obs` (pseudo-kind ``ContainerEnv``).

    `exec_env(pod, container)` is the driver's `exec_env`. Only containers that take
    variables from a ConfigMap are asked, unless `only_configmap_users` is False.
    """
    samples = container_env_samples(obs, exec_env, only_configmap_users)
    if not samples:
        return obs
    return Observation(time=obs.time, objects={**obs.objects, ENV_KIND: samples})


class InvariantMonitor:
    """Check every observation a driver shows, live: shape, state, step and history layers.

    ``monitor = InvariantMonitor(driver).start()`` subscribes to the driver; each
    intermediate state is checked against the previous one, and the first violations
    raise `InvariantViolation` out of the driver call that caused them (or are collected
    in `violations` with ``raise_on_violation=False``). Call `check_settled()` after
    `driver.settle()` and `request(...)` around user requests for the request layer.
    With `env=True` the monitor asks the driver for the environment of containers that
    use ConfigMaps (`exec_env`), for the env invariants.
    """

    def __init__(self, driver=None, *, env: bool = True, raise_on_violation: bool = True, skip: Iterable[str] = ()):
        self.driver = driver
        self.env = env
        self.raise_on_violation = raise_on_violation
        self.skip = set(skip)
        self.previous: Observation | None = None
        self.violations: list[Violation] = []
        self.steps = 0
        self._trackers = {name: make() for name, make in HISTORY_TRACKERS.items() if name not in self.skip}
        self._unsubscribe = None
        self._checks = [(inv.layer, inv.check, inv.reads) for inv in INVARIANTS.values() if inv.name not in self.skip and inv.layer in ("shape", "state", "step")]
        #: frozenset of changed kinds -> the (is step, check) pairs that read one of them, in registration order
        self._plans: dict[frozenset, list] = {}
        self._all = [(lay == "step", check) for lay, check, _ in self._checks]
        self._env_plans = EnvPlans()
        self._settled = [inv.check for inv in layer("settled") if inv.name not in self.skip]

    def start(self) -> "InvariantMonitor":
        if self.driver is not None and self._unsubscribe is None:
            clear_caches()  # what earlier runs left there is of no further use, and only keeps them alive
            self._unsubscribe = self.driver.subscribe(self.observe)
            self.previous = self._enrich(self.driver.observe())
        return self

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _enrich(self, obs: Observation) -> Observation:
        if self.env and self.driver is not None and hasattr(self.driver, "exec_env"):
            version = getattr(self.driver, "env_version", None)
            samples = container_env_samples(obs, self.driver.exec_env, plans=self._env_plans, version=version() if version is not None else None)
            if not samples:
                return obs
            before = self.previous.objects.get(ENV_KIND) if self.previous is not None else None
            if before is not None and before == samples:
                samples = before  # the same list when nothing changed: `changed_kinds` sees it unchanged
            return Observation.made(obs.time, {**obs.objects, ENV_KIND: samples})
        return obs

    def observe(self, obs: Observation) -> None:
        """Check one observation against the previous one (the driver's subscription callback)."""
        obs = self._enrich(obs)
        prev = self.previous
        found: list[Violation] = []
        if prev is None:
            changed = None
            for is_step, check in self._all:
                if not is_step:
                    found += check(obs)
        else:
            changed = changed_kinds(prev, obs)
            if changed:
                key = frozenset(changed)
                plan = self._plans.get(key)
                if plan is None:
                    plan = self._plans[key] = [(lay == "step", check) for lay, check, reads in self._checks if reads is None or not key.isdisjoint(reads)]
                for is_step, check in plan:
                    found += check(prev, obs) if is_step else check(obs)
        for tracker in self._trackers.values():
            found += tracker.feed(obs, changed)
        self.previous = obs
        self.steps += 1
        self._report(found)

    def check_settled(self, obs: Observation | None = None) -> None:
        """Run the settled layer on `obs` (default: the driver's current observation)."""
        if obs is None:
            obs = self._snapshot() if self.driver is not None else self.previous
        found: list[Violation] = []
        for check in self._settled:
            found += check(obs)
        self._report(found)

    def request(self, request: Request, before: Observation, after: Observation | None = None) -> None:
        """Run the request layer for one user request (`after` defaults to the driver's current observation)."""
        if after is None:
            after = self._snapshot()
        self._report([v for v in check_request(before, request, after) if v.invariant not in self.skip])

    def _snapshot(self) -> Observation:
        """The driver's current observation, read only here: its `shared_observation` when it has one (lists shared
        with the observations it showed, so the views built for those are re-used), else `observe()`."""
        shared = getattr(self.driver, "shared_observation", None)
        return shared() if shared is not None else self.driver.observe()

    def _report(self, found: list[Violation]) -> None:
        if not found:
            return
        self.violations += found
        if self.raise_on_violation:
            raise InvariantViolation(found)
