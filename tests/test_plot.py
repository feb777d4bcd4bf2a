"""`kubesim plot` draws the report's rollout chart from a command-line session.

Expectation from upstream's rollback (`kubectl rollout undo` reuses the old ReplicaSet and
renumbers it to the newest revision, 1 -> 3, recording 1 in its revision-history annotation):
after apply, set image and undo, the chart names two series by revision and image.
"""

from __future__ import annotations

import html
import os
import subprocess
from pathlib import Path

MANIFESTS = Path(__file__).resolve().parent.parent / "features" / "manifests"


def _kubesim(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KUBESIM_STATE": str(tmp_path / "state.json")}
    return subprocess.run(["kubesim", *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_plot_names_series_by_revision_and_image_on_logical_time(tmp_path):
    """On apply, set image 1.1.RELEASE, rollout undo: `plot -o x.svg` shows rev 1→3 (1.0.RELEASE) and rev 2
    (1.1.RELEASE), marks the new ReplicaSet of revision 2, labels the axis logical time, and has hover titles."""
    assert _kubesim(tmp_path, "apply", "-f", str(MANIFESTS / "deploy.yaml")).returncode == 0
    assert _kubesim(tmp_path, "set", "image", "deployment/mc-user", "mc-user=rainbow/mc-user:1.1.RELEASE").returncode == 0
    assert _kubesim(tmp_path, "rollout", "undo", "deployment/mc-user").returncode == 0
    res = _kubesim(tmp_path, "plot", "rollout", "deployment/mc-user", "-o", "rollout.svg")
    assert res.returncode == 0, res.stderr
    svg = (tmp_path / "rollout.svg").read_text(encoding="utf-8")
    text = html.unescape(svg)
    assert "pods of rev 1→3 · rainbow/mc-user:1.0.RELEASE" in text and "pods of rev 2 · rainbow/mc-user:1.1.RELEASE" in text
    assert "new ReplicaSet rev 2" in text and "logical time (s)" in text and "wall-clock" not in text
    assert svg.count("<title>") >= 4 and "<script" not in svg
