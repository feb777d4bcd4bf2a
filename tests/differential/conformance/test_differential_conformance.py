"""CI's differential conformance step: the model against the driver under test (``--driver``/``--kube-context``).

Run explicitly (the default test run leaves this folder out)::

    python -m pytest tests/differential/conformance --driver cluster --kube-context kubesim-local

- The budgeted profile (`PROFILES["ci"]`: 30 generated scripts, in parallel shards, each
  script in its own namespaces) ends with no divergence outside the catalogue; the results
  table goes to ``report/differential-ci/differential.md`` (``KUBESIM_DIFFERENTIAL_OUT``
  moves it).
- Planted divergences: for each of four `kubesim.mutants`, the runner finds where the broken
  model differs, shrinks it to at most 10 steps, and the shrunk script diverges from the
  driver under test when run on the broken model, and does not when run on the real model.
  The search and the shrinking run the broken model against the real model (milliseconds a
  script); the shrunk script is then confirmed against the driver under test, which on a
  real cluster takes seconds a step instead of an hour of shrinking.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kubesim.differential import PROFILES, Side, compare, run_profile, search
from kubesim.differential.runner import Search

ROOT = Path(__file__).resolve().parents[3]
MAX_STEPS = 10
#: Mutants whose divergence shows in settled states without a kubelet (KWOK nodes run no containers).
PLANTED = ("history_limit_ignored", "replicaset_does_not_replace_pods", "routes_to_not_ready_pods", "surge_off_by_one")


@pytest.fixture(scope="module")
def under_test(request) -> Side:
    config = request.config
    return Side(config.getoption("kubesim_driver"), config.getoption("kubesim_kube_context"))


def test_budgeted_profile_has_no_uncatalogued_divergence(under_test):
    """At least 25 generated scripts, model against the driver under test, compared after every settled step."""
    profile = PROFILES["ci"]
    report = run_profile(Side("model"), under_test, scripts_total=profile.scripts, max_steps=profile.max_steps, workers=profile.workers)
    out = Path(os.environ.get("KUBESIM_DIFFERENTIAL_OUT", ROOT / "report" / "differential-ci"))
    out.mkdir(parents=True, exist_ok=True)
    (out / "differential.md").write_text(report.table(), encoding="utf-8")
    for i, result in enumerate(report.stats.divergences + report.stats.flaky, 1):
        (out / f"divergence-{i}.txt").write_text(result.report(), encoding="utf-8")
    print("\n" + report.table())
    assert report.stats.scripts >= 25
    assert not report.failed, "\n\n".join(r.report() for r in report.stats.divergences + report.stats.flaky)


@pytest.mark.parametrize("mutant", PLANTED)
def test_planted_divergence_is_found_and_shrunk(mutant, under_test):
    """The model broken as `mutant` diverges from the driver under test in a shrunk script of at most 10 steps."""
    broken = Side("model", mutant=mutant)
    stats = search(Search(broken, Side("model"), scripts=200, max_steps=MAX_STEPS, seed=0, stop_at_first=True))
    assert stats.divergences, f"{mutant}: no divergence in {stats.scripts} scripts"
    script = stats.divergences[0].commands
    assert len(script) <= MAX_STEPS, stats.divergences[0].report()
    against = compare(script, broken, under_test)
    shrunk = stats.divergences[0].report()
    assert against.divergence is not None, f"{mutant}: the shrunk script does not diverge from {under_test.label}:\n{shrunk}"
    clean = compare(script, Side("model"), under_test)
    assert clean.divergence is None, f"the shrunk script diverges without the mutant too:\n{clean.report()}"
    print(f"\n{mutant}: {len(script)} steps, found after {stats.scripts} scripts; differs at {', '.join(sorted(against.signature))}")
