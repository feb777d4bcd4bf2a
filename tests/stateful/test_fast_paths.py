"""The monitor's and the model driver's fast paths give what the slow paths give, step by step, on generated runs.

Each generated run (scripts of `ClusterMachine`, as the stateful tests make them) is replayed twice: once as
it runs in the stateful tests, once with the fast path switched off; every observation the monitor checks
must be the same in both.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from kubesim import model as m
from kubesim.generate import configmap_manifest, deployment_manifest, heredoc
from kubesim.invariants.registry import ENV_KIND
from kubesim.replay import Runner, split_commands
from kubesim.stateful import ClusterMachine

HAND_WRITTEN = "\n".join([
    heredoc(configmap_manifest("red")),
    heredoc(deployment_manifest("web", 3, "RollingUpdate", 1, 0, 0, 2, "example/web:1", "envFrom", 0)),
    "kubesim settle",
    heredoc(configmap_manifest("green")),
    "kubesim advance 2s",
    "kubectl rollout restart deployment/web",
    "kubesim advance 1s",
    heredoc(configmap_manifest("blue")),
    "kubesim settle",
]) + "\n"


def _generated_scripts(examples: int) -> list[str]:
    scripts: list[str] = []

    class Recording(ClusterMachine):
        def teardown(self) -> None:
            scripts.append(self.runner.script())
            super().teardown()

    s = settings(max_examples=examples, stateful_step_count=20, deadline=None, derandomize=True, phases=[Phase.generate],
                 suppress_health_check=list(HealthCheck), database=None)
    run_state_machine_as_test(Recording, settings=s)
    return scripts


def _env_per_step(script: str, fast: bool) -> tuple[list, int]:
    """The container-environment samples of every observation the monitor checked, and how often `exec_env` ran."""
    calls = [0]
    container_env = m.container_env

    def counted(*args):
        calls[0] += 1
        return container_env(*args)

    m.container_env = counted  # what `ModelDriver.exec_env` asks
    try:
        runner = Runner()
        driver = runner.driver
        if not fast:
            driver.env_version = lambda: None
        seen = []
        driver.subscribe(lambda obs: seen.append(runner.monitor.previous.objects.get(ENV_KIND)))
        for command in split_commands(script):
            try:
                runner.run(command)
            except Exception:  # a refused request, as in the generated run
                pass
    finally:
        m.container_env = container_env
    return seen, calls[0]


def test_env_samples_with_the_version_equal_those_without():
    """On a hand-written run (ConfigMap users, ConfigMap changes, restarts) and generated runs, the samples are
    equal at every step with and without `env_version`, and the version spares `exec_env` calls."""
    scripts = [HAND_WRITTEN] + _generated_scripts(12)
    spared = 0
    sampled = 0
    for script in scripts:
        fast, fast_calls = _env_per_step(script, True)
        slow, slow_calls = _env_per_step(script, False)
        assert fast == slow
        assert fast_calls <= slow_calls
        spared += slow_calls - fast_calls
        sampled += sum(1 for s in fast if s)
    assert sampled > 50 and spared > 0


def test_env_version_is_none_for_a_driver_with_its_own_exec_env():
    """A subclass that answers `exec_env` its own way gets no version (the monitor then always asks)."""
    from kubesim.drivers.model import ModelDriver

    class Own(ModelDriver):
        def exec_env(self, pod, container=None):
            return {}

    assert Own().env_version() is None
    patched = ModelDriver()
    patched.exec_env = lambda pod, container=None: {}
    assert patched.env_version() is None
    d = ModelDriver()
    runtime, configmaps = d.env_version()
    assert runtime is d.state.runtime and configmaps is d.state.table("ConfigMap")


def test_the_env_mutant_is_seen_with_the_version():
    """With `env_updated_live` applied, a running container's environment follows its ConfigMap while the container
    records stay the same: the version covers the ConfigMaps too, so the samples follow and the invariant that
    environments stay fixed while running still catches the mutant."""
    from kubesim.invariants.registry import InvariantViolation
    from kubesim.mutants import mutant

    with mutant("env_updated_live"):
        fast, _ = _env_per_step(HAND_WRITTEN, True)
        slow, _ = _env_per_step(HAND_WRITTEN, False)
    assert fast == slow
    runner = Runner()
    caught = None
    with mutant("env_updated_live"):
        for command in split_commands(HAND_WRITTEN):
            try:
                runner.run(command)
            except InvariantViolation as err:
                caught = err
                break
    assert caught is not None and "container_env_fixed_while_running" in str(caught)


def test_a_fresh_driver_starts_from_what_new_cluster_makes():
    """The state a driver starts from (made once per config) equals `model.new_cluster` of its config, field by field."""
    from kubesim import model as m
    from kubesim.drivers.model import ModelDriver

    for config in (None, m.Config(), m.Config(seed=7, nodes=("a", "b"))):
        d = ModelDriver(config=config)
        d.start()
        assert d.state == m.new_cluster(config)
        assert d.observe().objects == ModelDriver(config=config).observe().objects


def test_the_shared_observation_equals_observe():
    """`shared_observation()` holds what `observe()` holds (equal lists of the very same objects), at every step of a
    run; a subclass with its own `observe` gets that one."""
    from kubesim.driver import Observation
    from kubesim.drivers.model import ModelDriver

    runner = Runner(check=False)
    driver = runner.driver
    checked = [0]

    def compare(_obs):
        shared, fresh = driver.shared_observation(), driver.observe()
        assert shared.time == fresh.time and shared.objects.keys() == fresh.objects.keys()
        for kind, objs in fresh.objects.items():
            assert len(objs) == len(shared.objects[kind]) and all(a is b for a, b in zip(objs, shared.objects[kind])), kind
        checked[0] += 1

    driver.subscribe(compare)
    for command in split_commands(HAND_WRITTEN):
        runner.run(command)
    assert checked[0] > 20

    class Own(ModelDriver):
        def observe(self):
            return Observation(0.0, {"Pod": []})

    assert Own().shared_observation().objects == {"Pod": []}
