"""The living-documentation report: it renders every scenario, and opens in headless Chromium.

On the scenarios run once on the model (module fixture), `render_report` writes one
self-contained page: every scenario of features/*.feature with its result, claim tags,
errata side by side, and a chart per rollout scenario; Chromium's DOM of that page lists
every scenario.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from kubesim.report import FEATURES, claims_summary, load_results, render_report, run_scenarios

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    code = run_scenarios("model", out / "cucumber.json", out / "timelines")
    assert code == 0, f"The scenarios failed on the model (pytest exit code {code})."
    index = render_report(out / "cucumber.json", out / "timelines", out)
    return out, index



def test_every_feature_scenario_is_in_the_results(report):
    """On the model, every scenario of every feature file ran, and none failed."""
    out, _ = report
    features = load_results(out / "cucumber.json", out / "timelines")
    assert {f.uri for f in features} == {f"features/{p.name}" for p in FEATURES.glob("*.feature")}
    statuses = [s.status for f in features for s in f.scenarios]
    assert statuses and set(statuses) == {"passed"}


def test_report_is_self_contained_with_charts_and_errata(report):
    out, index = report
    text = index.read_text(encoding="utf-8")
    assert "<script" not in text and 'src="http' not in text and "href=\"http" not in text
    features = load_results(out / "cucumber.json", out / "timelines")
    rollouts = [s for f in features for s in f.scenarios if "rollout" in s.tags]
    assert rollouts and all(s.timeline for s in rollouts), [s.name for s in rollouts if not s.timeline]
    assert text.count("data:image/png;base64,") == sum(1 for f in features for s in f.scenarios if s.timeline)
    errata = [s for f in features for s in f.scenarios if s.erratum]
    assert errata and all(s.article and s.today for s in errata), [s.name for s in errata if not (s.article and s.today)]
    assert text.count('class="article"') == len(errata)


def test_claims_summary_covers_every_checkable_claim(report):
    """Each claim C02..C24 except the context-only C09 is checked by some passing scenario."""
    out, _ = report
    rows = {claim: (n, passed, failed, skipped) for claim, n, passed, failed, skipped in claims_summary(out / "cucumber.json")}
    expected = {f"C{i:02d}" for i in range(2, 25)} - {"C09"}
    assert expected <= set(rows), sorted(expected - set(rows))
    assert all(rows[c][1] >= 1 and rows[c][2] == 0 for c in expected)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install -y chromium); the report's browser check needs it")
def test_report_opens_in_headless_chromium(report, tmp_path):
    """Chromium loads the page; its DOM has one article per scenario, each named."""
    out, index = report
    dom = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", index.as_uri()],
        capture_output=True, text=True, timeout=120,
    ).stdout
    features = load_results(out / "cucumber.json", out / "timelines")
    scenarios = [s for f in features for s in f.scenarios]
    assert dom.count('class="scenario"') == len(scenarios), dom[:2000]
    text = html.unescape(dom)
    missing = [s.name for s in scenarios if s.name not in text]
    assert not missing, missing
    shot = tmp_path / "report.png"
    subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile2'}", f"--screenshot={shot}", "--window-size=1280,2400", index.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert shot.exists() and shot.stat().st_size > 10_000
