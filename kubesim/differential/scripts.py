"""Generated scripts for the differential runner, and the runner of one script's commands on one driver.

A script is a list of kubectl-style commands (`kubesim.replay` syntax), drawn by
Hypothesis from what both systems can do: apply and edit Deployments (replicas 0-6, both
strategies, maxSurge/maxUnavailable fenceposts, minReadySeconds 0-2, history limits,
env/envFrom from a ConfigMap, a ConfigMap file), set image, scale, undo (with and without
``--to-revision``), pause/resume, restart, delete a pod, create/update/delete the
ConfigMap, apply or delete a Service (ClusterIP or NodePort), and delete a Deployment
with ``--cascade=orphan`` or in the background. Nothing races a clock: every command is
followed by a settle, and mid-rollout states come from a paused Deployment or the image
``web:never-ready``, whose pods never become ready.

Containers read the ConfigMap (env, envFrom, a mounted file) only when both drivers have
the ``kubelet`` capability: simulated nodes (KWOK) start a container whose ConfigMap is
missing, which a real kubelet, and the model, refuse.

Deployments `web` and `web-canary` select different labels (``app=web`` and
``app=web-canary``): with overlapping selectors, which ReplicaSet adopts an orphaned pod
is a race on a real cluster.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st

from kubesim import generate as g
from kubesim.model.errors import ControllerError
from kubesim.replay import Runner, split_commands

from .observe import pod_order


class ScriptRunner(Runner):
    """`kubesim.replay.Runner` on any driver, plus ``kubesim delete-pod N``: delete the N-th pod (mod the count)
    in `pod_order`, an order both systems share where pod names differ.

    `pod_views` (an observation -> `observe.pod_views`), given when both systems run containers,
    orders pods that differ only in what their containers show.
    """

    def __init__(self, driver, settle_timeout: float, pod_views: Callable | None = None) -> None:
        super().__init__(driver, check=False, settle_timeout=settle_timeout)
        self.pod_views = pod_views

    def _execute(self, command: str) -> str:
        words = command.split()
        if words[:2] == ["kubesim", "delete-pod"]:
            obs = self.driver.observe()
            views = self.pod_views(obs) if self.pod_views is not None else None
            pods = [p for p in pod_order(obs.of("Pod"), obs.of("ReplicaSet"), views) if not p["metadata"].get("deletionTimestamp")]
            if not pods:
                raise ControllerError("no pods to delete")
            return self.driver.delete("Pod", pods[int(words[2]) % len(pods)]["metadata"]["name"])
        return super()._execute(command)


def _deployment(name: str, configmap_refs: bool):
    return st.builds(
        lambda replicas, strategy, fp, min_ready, history, image, env, ready_after, mount: g.heredoc(
            g.deployment_manifest(name, replicas, strategy, *fp, min_ready, history, image, env, ready_after, app=name, mount=mount)
        ),
        replicas=st.integers(0, 6),
        strategy=st.sampled_from(["RollingUpdate", "Recreate"]),
        fp=g.fenceposts(),
        min_ready=st.integers(0, 2),
        history=st.integers(0, 3),
        image=st.sampled_from(g.IMAGES),
        env=st.sampled_from(["none", "envFrom", "keyRef"] if configmap_refs else ["none"]),
        ready_after=st.sampled_from([0, 1]),
        mount=st.booleans() if configmap_refs else st.just(False),
    )


def deployments(configmap_refs: bool = True):
    """``kubectl apply`` of Deployment `web` or `web-canary`, every field drawn."""
    return st.sampled_from(g.DEPLOYMENTS).flatmap(lambda name: _deployment(name, configmap_refs))


def configmaps():
    return st.sampled_from(["red", "green", "blue"]).map(lambda c: g.heredoc(g.configmap_manifest(c)))


def commands(configmap_refs: bool = True):
    """One user request; `configmap_refs`: containers may read the ConfigMap.

    Requests that change a Deployment's pod template (apply, set image, undo, restart) are drawn
    twice as often as the others: rollouts, and the revision history they leave, are what most
    of the model is about, and a history limit shows only after more rollouts than it keeps.
    """
    name = st.sampled_from(g.DEPLOYMENTS)
    rollouts = [
        deployments(configmap_refs),
        st.builds(lambda n, image: f"kubectl set image deployment/{n} web={image}", name, st.sampled_from(g.IMAGES)),
        st.builds(lambda n, to: f"kubectl rollout undo deployment/{n}" + (f" --to-revision={to}" if to else ""), name, st.integers(0, 3)),
        name.map(lambda n: f"kubectl rollout restart deployment/{n}"),
    ]
    others = [
        st.builds(lambda n, r: f"kubectl scale deployment/{n} --replicas={r}", name, st.integers(0, 6)),
        st.builds(lambda n, verb: f"kubectl rollout {verb} deployment/{n}", name, st.sampled_from(["pause", "resume"])),
        st.integers(0, 11).map(lambda i: f"kubesim delete-pod {i}"),
        configmaps(),
        st.just(f"kubectl delete configmap {g.CONFIGMAP}"),
        services(),
        st.just("kubectl delete service web"),
        st.builds(lambda n, c: f"kubectl delete deployment {n} --cascade={c}", name, st.sampled_from(["orphan", "background"])),
    ]
    return st.one_of(*rollouts, *others, *rollouts)


def _configmap_never_returns(script: list[str]) -> list[str]:
    """The script without any apply of the ConfigMap once it is absent (never created, or deleted).

    Pods blocked on a missing ConfigMap start, when it appears, at the kubelet's next retry:
    10-15 s later for an environment reference, after an exponential back-off (up to two
    minutes) for a volume. The model starts them at once, so the rollout would go on in
    other steps on each system, a race with the real clock. Blocked for good, they are as
    deterministic as pods of an image that never becomes ready.
    """
    out, exists = [], False
    for command in script:
        applies = command.startswith("kubectl apply") and f"name: {g.CONFIGMAP}\n" in command and "kind: ConfigMap" in command
        if applies and not exists and out:
            continue
        exists = (exists or applies) and command != f"kubectl delete configmap {g.CONFIGMAP}"
        out.append(command)
    return out


def services():
    """``kubectl apply`` of Service `web` (selector app=web), ClusterIP or NodePort."""
    return st.sampled_from(["ClusterIP", "NodePort"]).map(lambda t: g.heredoc(g.service_manifest(t)))


def scripts(max_steps: int, configmap_refs: bool = True):
    """A script: maybe the ConfigMap, maybe Service `web`, Deployment `web`, then more requests, `max_steps` in all at most.

    The Service comes first as often as not (a Deployment is usually applied with its Service), so
    that Endpoints are compared in about half of the scripts, not only in those that happen to draw
    it later. With `configmap_refs`, a ConfigMap that is absent never comes back (`_configmap_never_returns`).
    """
    first = _deployment("web", configmap_refs)
    head = st.tuples(st.lists(configmaps(), max_size=1), st.lists(services(), max_size=1), first).map(lambda t: [*t[0], *t[1], t[2]])

    def then(prefix: list[str]):
        more = max(0, max_steps - len(prefix))
        length = st.integers(min(1, more), more)
        return length.flatmap(lambda n: st.lists(commands(configmap_refs), min_size=n, max_size=n)).map(lambda rest: [*prefix, *rest])

    script = head.flatmap(then)
    return script.map(_configmap_never_returns) if configmap_refs else script


def format_script(commands: list[str]) -> str:
    """The script as text: each request followed by ``kubesim settle``, as the runner executes it."""
    return "".join(f"{c}\nkubesim settle\n" for c in commands)


def parse_script(text: str) -> list[str]:
    """The requests of a script (`format_script`'s output, a printed divergence's ``--- script`` part, or any
    `kubesim.replay` script); settles are implied. A line that is neither kubectl nor kubesim is a ValueError."""
    if "\n--- script\n" in f"\n{text}":
        text = f"\n{text}".split("\n--- script\n", 1)[1].split("\n--- ", 1)[0]
    commands = [c for c in split_commands(text) if c.strip() != "kubesim settle"]
    for c in commands:
        if c.split(maxsplit=1)[0] not in ("kubectl", "kubesim"):
            raise ValueError(f"{c.splitlines()[0]!r} is not a kubectl or kubesim command")
    return commands
