"""Living documentation: run the article's scenarios and render them as a folder of HTML pages.

`run_scenarios` runs pytest on ``features/`` in a subprocess with pytest-bdd's
``--cucumberjson`` output and ``KUBESIM_TIMELINE_DIR`` set (the steps write one record per
scenario: commands with their real output, and a rollout's timeline; `record`);
`render_report` turns them into ``index.html`` and one page per claim under ``claims/``
(`render`; results and doc strings are gathered by `results`); `claims_summary` counts
results per article claim for the CLI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .record import timeline_id
from .results import FEATURES, ROOT, load_results

__all__ = ["run_scenarios", "render_report", "claims_summary", "load_results", "timeline_id", "FEATURES", "ROOT"]


# ---------------------------------------------------------------------- running
def run_scenarios(driver: str = "model", json_out: Path = Path("report/cucumber.json"), timeline_dir: Path = Path("report/timelines"), extra_pytest_args=()) -> int:
    """Run every scenario on `driver` in a pytest subprocess; return pytest's exit code.

    Writes pytest-bdd's cucumber JSON to `json_out` and one record per scenario (its
    commands' output; a rollout's timeline) into `timeline_dir` (emptied first).
    """
    json_out, timeline_dir = Path(json_out).resolve(), Path(timeline_dir).resolve()
    json_out.parent.mkdir(parents=True, exist_ok=True)
    timeline_dir.mkdir(parents=True, exist_ok=True)
    for old in timeline_dir.glob("*.json"):
        old.unlink()
    cmd = [
        sys.executable, "-m", "pytest", str(FEATURES),
        # kubesim's own settings, whatever pytest configuration the current folder has
        "-c", os.devnull, f"--rootdir={ROOT}", "-q", "--strict-markers", "-p", "no:cacheprovider",
        f"--ignore={FEATURES / 'test_mutants.py'}",
        f"--cucumberjson={json_out}", f"--kubesim-driver={driver}", *extra_pytest_args,
    ]  # fmt: skip
    # Run from the current folder, importable first, so a driver given as module:Class that
    # lives beside the user's files loads in the subprocess as it did here.
    here = os.getcwd()
    env = {**os.environ, "KUBESIM_TIMELINE_DIR": str(timeline_dir), "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}
    return subprocess.run(cmd, cwd=here, env=env).returncode


def claims_summary(cucumber_json: Path) -> list[tuple[str, int, int, int, int]]:
    """Per claim id: (claim, scenarios, passed, failed, skipped), sorted by claim."""
    counts: dict[str, list[int]] = {}
    for feat in load_results(cucumber_json):
        for sc in feat.scenarios:
            for claim in sc.claims:
                c = counts.setdefault(claim, [0, 0, 0, 0])
                c[0] += 1
                c[{"passed": 1, "failed": 2}.get(sc.status, 3)] += 1
    return [(claim, *counts[claim]) for claim in sorted(counts)]


def render_report(cucumber_json: Path, timeline_dir: Path | None, out_dir: Path, others=(), conformance: Path | None = None) -> Path:
    """Render ``index.html`` and ``claims/C01.html``... into `out_dir`; return the index's path.

    `others` are (cucumber JSON, timeline folder) pairs of runs on other drivers (their results
    and charts appear beside these); `conformance` is a folder of ``<driver>.xml`` JUnit files
    (default: ``out_dir/conformance`` when it exists).
    """
    from .render import render

    return render(Path(cucumber_json), timeline_dir, Path(out_dir), list(others), conformance)
