"""The stateful test: random users, faults and controller schedules; every invariant after every step."""

from __future__ import annotations

import pytest
from hypothesis.stateful import run_state_machine_as_test

from kubesim.invariants import InvariantViolation
from kubesim.replay import minimize

from .conftest import PROFILE_NAME, PROFILES, THOROUGH_SHARDS, profile_settings
from kubesim.stateful import ClusterMachine

SHARDS = THOROUGH_SHARDS if PROFILE_NAME == "thorough" else 1


@pytest.mark.parametrize("shard", range(SHARDS))
def test_cluster_machine_keeps_every_invariant(shard):
    """On any sequence of requests, faults and controller interleavings, no invariant breaks.

    A failure is reported with the shrunk run as a kubectl-style script, and that
    script minimized further by `kubesim.replay.minimize`.
    """
    per_shard = PROFILES[PROFILE_NAME]["max_examples"] // SHARDS
    try:
        run_state_machine_as_test(ClusterMachine, settings=profile_settings(max_examples=per_shard))
    except InvariantViolation as err:
        script = getattr(err, "script", None)
        if script:
            err.add_note("Minimized replay script:\n" + minimize(script))
        raise


def test_manifests_are_written_as_yaml_safe_dump_writes_them():
    """The machine's cached, libyaml-emitted manifests are the text `yaml.safe_dump` gives, for every kind of value they hold."""
    import itertools

    import yaml

    from kubesim.generate import FENCEPOSTS, IMAGES, SERVICE, _yaml, configmap_manifest, deployment_manifest

    def plain(obj):
        return yaml.safe_dump(obj, sort_keys=False, default_flow_style=False)

    texts = [SERVICE, configmap_manifest("red")]
    for strategy, (surge, unavailable), env, ready_after in itertools.product(
        ("RollingUpdate", "Recreate"), itertools.product(FENCEPOSTS, FENCEPOSTS), ("none", "envFrom", "keyRef"), (0, 3)
    ):
        texts.append(deployment_manifest("web-canary", 0, strategy, surge, unavailable, 5, 3, IMAGES[-1], env, ready_after))
    for text in texts:
        obj = yaml.safe_load(text)
        assert _yaml(obj) == plain(obj) == text
