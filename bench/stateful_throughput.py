"""Throughput of the stateful tests on the model, in steps per second.

A step is one state the engine passes through (a controller sync, a timer firing, a
user request, a fault), observed as API JSON and checked by the `InvariantMonitor`
against every shape, state, step and history invariant, as the stateful tests do.

Three figures:

- end to end: Hypothesis generating runs of `ClusterMachine` (CI-profile step count,
  generate phase only), everything included;
- checked replay: the same runs replayed from their scripts (no Hypothesis), model +
  observations + invariants;
- model only: the same scripts without the monitor (the model's own speed).

    python bench/stateful_throughput.py [EXAMPLES]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from hypothesis.stateful import run_state_machine_as_test  # noqa: E402

from kubesim.replay import replay  # noqa: E402
from kubesim.stateful import ClusterMachine  # noqa: E402


class RecordingMachine(ClusterMachine):
    scripts: list[str] = []
    steps = 0

    def teardown(self) -> None:
        RecordingMachine.scripts.append(self.runner.script())
        RecordingMachine.steps += self.runner.monitor.steps
        super().teardown()


def main() -> None:
    parser = argparse.ArgumentParser(description="Steps per second of the stateful tests on the model (three figures).")
    parser.add_argument("examples", nargs="?", type=int, default=100, help="Hypothesis examples (runs) to generate (default 100)")
    examples = parser.parse_args().examples
    s = settings(
        max_examples=examples,
        stateful_step_count=20,
        deadline=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    start = time.perf_counter()
    run_state_machine_as_test(RecordingMachine, settings=s)
    e2e = time.perf_counter() - start
    scripts, steps = RecordingMachine.scripts, RecordingMachine.steps

    start = time.perf_counter()
    checked_steps = sum(replay(text).monitor.steps for text in scripts)
    checked = time.perf_counter() - start

    start = time.perf_counter()
    for text in scripts:
        replay(text, check=False)
    bare = time.perf_counter() - start

    commands = sum(text.count("\nkube") + text.startswith("kube") for text in scripts)
    print(f"{len(scripts)} runs, {commands} commands, {checked_steps} steps")
    print(f"end to end (Hypothesis + model + invariants): {steps / e2e:8,.0f} checked steps/s")
    print(f"checked replay (model + invariants):          {checked_steps / checked:8,.0f} checked steps/s")
    print(f"model only (no observations, no invariants):  {checked_steps / bare:8,.0f} steps/s")


if __name__ == "__main__":
    main()
