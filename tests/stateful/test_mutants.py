"""Broken models must be caught: every mutant in `kubesim.mutants` breaks a stateful invariant.

For each mutant, Hypothesis runs the state machine (CI profile: derandomized, same
examples and steps) inside the mutant; the failing run's script is then minimized by
replaying it (`kubesim.replay.minimize`) and must be short enough for a person to read:
at most 10 commands. The minimized script must still fail under the mutant and replay
cleanly on the real model, so it shows the mutant's bug and nothing else.

The search runs Hypothesis' generate phase only: its own shrinker needs 2-60 s per
mutant on a 2-core machine (the stateful test itself keeps it, for real failures),
while replay-based minimization of the printed script takes well under a second and is
deterministic.
"""

from __future__ import annotations

import pytest
from hypothesis import Phase
from hypothesis.stateful import run_state_machine_as_test

from kubesim.invariants import InvariantViolation
from kubesim.mutants import MUTANTS, mutant
from kubesim.replay import first_violation, minimize, split_commands

from .conftest import PROFILE_NAME, profile_settings
from kubesim.stateful import ClusterMachine

MAX_COMMANDS = 10

#: The invariant expected to catch each mutant (another may fire first; any violation counts).
EXPECTED = {
    "surge_off_by_one": "total_replicas_within_surge_limit",
    "unavailable_off_by_one": "available_replicas_within_unavailable_limit",
    "scale_down_oldest_first": "replicaset_deletes_least_ready_pods_first",
    "min_ready_seconds_ignored": "replicaset_status_counts_its_pods",
    "rollback_to_wrong_revision": "undo_restores_previous_revision",
    "env_updated_live": "container_env_fixed_while_running",
    "adopts_pods_of_other_controllers": "controller_never_changes_hands",
    "endpoints_include_terminating": "endpoints_list_ready_serving_pods",
    "routes_to_not_ready_pods": "endpoints_list_ready_serving_pods",
    "history_limit_ignored": "revision_history_within_limit",
    "replicaset_does_not_replace_pods": "replicasets_converge_to_spec",
}


def find_failure(name: str) -> InvariantViolation:
    with mutant(name):
        try:
            run_state_machine_as_test(ClusterMachine, settings=profile_settings(phases=[Phase.explicit, Phase.generate]))
        except InvariantViolation as err:
            return err
    pytest.fail(f"Mutant {name!r} survived the {PROFILE_NAME} profile: no invariant broke.")


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_is_caught_with_a_short_script(name):
    """On the model broken as `name`, the stateful test fails and prints a script of at most 10 commands."""
    err = find_failure(name)
    with mutant(name):
        script = minimize(err.script)
        again, _ = first_violation(script)
    commands = list(split_commands(script))
    assert again is not None, f"The minimized script no longer fails under {name}:\n{script}"
    assert len(commands) <= MAX_COMMANDS, f"{name}: {len(commands)} commands:\n{script}"
    clean, _ = first_violation(script)
    assert clean is None, f"The script also fails on the real model:\n{clean}\n{script}"
    caught_by = {v.invariant for v in again.violations}
    print(f"\n{name}: caught by {', '.join(sorted(caught_by))} in {len(commands)} commands\n{script}")


def test_expected_table_covers_every_mutant():
    """Every mutant has an entry saying which invariant is meant to catch it."""
    assert set(EXPECTED) == set(MUTANTS)
