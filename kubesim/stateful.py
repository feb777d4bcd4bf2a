"""A Hypothesis state machine over the model: user requests, world events, and controller interleavings.

It drives the model's own controller schedule (`m.enabled`), so it runs on the embedded model
only; `kubesim check` runs it with the ``ci`` profile and says so.

Every rule becomes one command of a kubectl-style script (`kubesim.replay`), executed by a
`Runner` whose `InvariantMonitor` checks every intermediate state the engine passes
through. Hypothesis chooses the user's requests, how much time passes, which faults hit
which pod, and which queued controller sync or timer runs next (`m.enabled`). When an
invariant breaks, the failure carries the shrunk run as a script that
``python -m kubesim.replay`` replays.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from kubesim.generate import (
    DEPLOYMENTS,
    IMAGES,
    SERVICE,
    _yaml,
    configmap_manifest,
    deployment_manifest,
    fenceposts,
    heredoc,
)
from kubesim.invariants import InvariantViolation
from kubesim.replay import REFUSED, Runner, format_duration, format_work

from kubesim import model as m


class ClusterMachine(RuleBasedStateMachine):
    """The model under random users, a random world and a random controller schedule."""

    def __init__(self) -> None:
        super().__init__()
        self.runner = Runner()
        self.steps = 0

    # ----- plumbing
    def do(self, command: str) -> bool:
        """Run one command; False if the API server or kubectl refused it (a fine outcome)."""
        self.steps += 1
        try:
            self.runner.run(command)
        except REFUSED:
            return False
        except InvariantViolation as err:
            self.runner.commands.append(command)
            script = self.runner.script()
            err.script = script
            err.commands = len(self.runner.commands)
            err.add_note("Replay with `python -m kubesim.replay -`:\n" + script)
            note("Replay script (python -m kubesim.replay -):\n" + script)
            raise
        return True

    @property
    def state(self) -> m.ClusterState:
        return self.runner.driver.state

    def deployments(self) -> list[str]:
        return [d["metadata"]["name"] for d in self.state.list("Deployment", "default")]

    def has_deployment(self) -> bool:
        return bool(self.deployments())

    def pods(self) -> list[str]:
        return [p["metadata"]["name"] for p in self.state.list("Pod", "default")]

    def has_pods(self) -> bool:
        return bool(len(self.state.table("Pod")))

    def _pick(self, names: list[str], i: int) -> str:
        return names[i % len(names)]

    # ----- user
    @initialize(
        replicas=st.integers(1, 4),
        strategy=st.sampled_from(["RollingUpdate", "RollingUpdate", "Recreate"]),
        fp=fenceposts(),
        min_ready=st.sampled_from([0, 0, 2, 5]),
        history=st.sampled_from([2, 0, 1, 3]),
        env=st.sampled_from(["none", "envFrom", "keyRef"]),
        ready_after=st.sampled_from([0, 0, 1, 3]),
        settled=st.booleans(),
        rollouts=st.lists(st.sampled_from(IMAGES[1:3]), unique=True, max_size=2),
    )
    def start(self, replicas, strategy, fp, min_ready, history, env, ready_after, settled, rollouts):
        """Every run starts with Deployment `web` (its ConfigMap first), settled or not, maybe with a rollout history."""
        if env != "none":
            self.apply_configmap("red")
        self.do(heredoc(deployment_manifest("web", replicas, strategy, *fp, min_ready, history, IMAGES[0], env, ready_after)))
        if settled or rollouts:
            self.settle()
        for image in rollouts:
            self.do(f"kubectl set image deployment/web web={image}")
            self.settle()

    @rule(
        name=st.sampled_from(DEPLOYMENTS),
        replicas=st.integers(0, 5),
        strategy=st.sampled_from(["RollingUpdate", "RollingUpdate", "Recreate"]),
        fp=fenceposts(),
        min_ready=st.sampled_from([0, 0, 2, 5]),
        history=st.sampled_from([2, 0, 1, 3]),
        image=st.sampled_from(IMAGES),
        env=st.sampled_from(["none", "envFrom", "keyRef"]),
        ready_after=st.sampled_from([0, 0, 1, 3]),
    )
    def apply_deployment(self, name, replicas, strategy, fp, min_ready, history, image, env, ready_after):
        self.do(heredoc(deployment_manifest(name, replicas, strategy, *fp, min_ready, history, image, env, ready_after)))

    @precondition(lambda self: self.state.get("Deployment", "default", "web") is not None)
    @rule(replicas=st.integers(0, 5))
    def clone_deployment(self, replicas):
        """Copy Deployment `web` (same selector, same pod template) as `web-canary`: overlapping owners."""
        web = self.state.get("Deployment", "default", "web")
        spec = {"replicas": replicas, "selector": web["spec"]["selector"], "template": web["spec"]["template"]}
        self.do(heredoc(_yaml({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web-canary"}, "spec": spec})))

    @precondition(has_deployment)
    @rule(i=st.integers(0, 3), image=st.sampled_from(IMAGES))
    def set_image(self, i, image):
        self.do(f"kubectl set image deployment/{self._pick(self.deployments(), i)} web={image}")

    @precondition(has_deployment)
    @rule(i=st.integers(0, 3), replicas=st.integers(0, 6))
    def scale(self, i, replicas):
        self.do(f"kubectl scale deployment/{self._pick(self.deployments(), i)} --replicas={replicas}")

    @precondition(has_deployment)
    @rule(i=st.integers(0, 3), to_revision=st.sampled_from([0, 0, 0, 0, 1, 2, 3]))
    def undo(self, i, to_revision):
        flag = f" --to-revision={to_revision}" if to_revision else ""
        self.do(f"kubectl rollout undo deployment/{self._pick(self.deployments(), i)}{flag}")

    @precondition(has_deployment)
    @rule(i=st.integers(0, 3), verb=st.sampled_from(["restart", "pause", "resume"]))
    def rollout(self, i, verb):
        self.do(f"kubectl rollout {verb} deployment/{self._pick(self.deployments(), i)}")

    @precondition(has_pods)
    @rule(i=st.integers(0, 20))
    def delete_pod(self, i):
        self.do(f"kubectl delete pod {self._pick(self.pods(), i)}")

    @rule(color=st.sampled_from(["red", "green", "blue"]))
    def apply_configmap(self, color):
        self.do(heredoc(configmap_manifest(color)))

    @rule()
    def apply_service(self):
        self.do(heredoc(SERVICE))

    # ----- environment
    @rule(seconds=st.sampled_from([0.5, 1, 2, 5, 10, 30]))
    def advance(self, seconds):
        self.do(f"kubesim advance {format_duration(seconds)}")

    @rule()
    def settle(self):
        self.do("kubesim settle")

    @precondition(has_pods)
    @rule(i=st.integers(0, 20), fault=st.sampled_from(["crash", "not-ready", "auto", "ready"]))
    def pod_fault(self, i, fault):
        """A container crashes, or the readiness probe flaps (forced false / true, or back to normal)."""
        pod = self._pick(self.pods(), i)
        if fault == "crash":
            self.do(f"kubesim crash pod/{pod}")
        else:
            self.do(f"kubesim set-readiness pod/{pod} {'false' if fault == 'not-ready' else 'true' if fault == 'ready' else 'auto'}")

    # ----- control plane: Hypothesis picks which queued sync (or timer) happens next
    @rule(i=st.integers(0, 7), n=st.integers(1, 8))
    def run_controllers(self, i, n):
        """Run `n` control-plane actions, each the `i`-th enabled one (mod the number enabled)."""
        for _ in range(n):
            enabled = m.enabled(self.state)
            if not enabled:
                return
            action = enabled[i % len(enabled)]
            if isinstance(action, m.Tick):
                self.do("kubesim tick")
            else:
                self.do(f"kubesim run {format_work(action.work)}")

    def teardown(self) -> None:
        self.runner.driver.stop()


#: Examples and steps per example, per profile: ``ci`` is derandomized (the same examples every
#: run) and fast; ``thorough`` has 20x the examples and a fresh seed each time.
PROFILES = {
    "ci": {"max_examples": 100, "stateful_step_count": 20, "derandomize": True},
    "thorough": {"max_examples": 2000, "stateful_step_count": 30, "derandomize": False},
}


def profile_settings(profile: str = "ci", **overrides) -> settings:
    """`profile` as Hypothesis settings (Phase.explain is off: it traces every line and is ~10x slower)."""
    values = dict(
        deadline=None,
        database=None,
        print_blob=False,
        report_multiple_bugs=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    )
    values.update(PROFILES[profile])
    values.update(overrides)
    return settings(**values)
