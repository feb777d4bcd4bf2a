"""The living-documentation report: what it holds, and what a reader sees of it in headless Chromium.

The scenarios run once on the model (module fixture) and the report is rendered into
``report/browser-test/`` at the top of the repository (``report/browser-test-gw0/`` ... per pytest-xdist worker;
``KUBESIM_REPORT_TEST_DIR`` moves it);
the browser tests keep their screenshots in its ``screenshots/`` folder for CI to archive.
The conformance report (the model beside the real cluster) is rendered into its
``conformance/`` folder, laid out as `kubesim.conformance` lays it out, from the model's run and
a real cluster's run recorded in ``tests/report_fixtures/conformance/`` (its README says how).
Expectations come from the feature files themselves (their doc strings, tables, ``Article:`` and
``Today:`` lines, tags), the seed's ``claims.md`` (transcribed in `kubesim.report.claims`) and
kubectl's printers (a ReplicaSet is named ``<deployment>-<pod-template-hash>``).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kubesim import conformance, timeline
from kubesim.report import FEATURES, claims_summary, load_results, render_report, run_scenarios
from kubesim.report.claims import CLAIMS, CONTEXT_ONLY, DETAILS, ERRATA
from kubesim.report.results import split_erratum

ROOT = Path(__file__).resolve().parent.parent
#: Under pytest-xdist (the default run) each worker renders into its own folder (browser-test-gw0, ...):
#: two workers running this module at once (``--dist load``) never share one.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
OUT = Path(os.environ.get("KUBESIM_REPORT_TEST_DIR", ROOT / "report" / ("browser-test" + (f"-{_WORKER}" if _WORKER else ""))))
if _WORKER and "KUBESIM_REPORT_TEST_DIR" in os.environ:
    OUT = OUT / _WORKER
RECORDED = Path(__file__).resolve().parent / "report_fixtures" / "conformance"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--hide-scrollbars",
]  # fmt: skip
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install -y chromium fonts-wqy-zenhei)")


@pytest.fixture(scope="module", autouse=True)
def charts_drawn_once():
    """This module renders the same scenarios' charts into six reports; each distinct chart is drawn once.

    `timeline.chart_svg` is a pure function of its panels, title and salt (matplotlib's SVG ids come
    from the salt), so a later render gets the very SVG a fresh drawing would give. The first render
    of each chart still goes through matplotlib; test_plot.py and the chart tests here draw their own.
    Drawing 17 charts is most of a render's 3-5 s.
    """
    drawn: dict[str, str] = {}
    chart_svg = timeline.chart_svg

    def once(panels, title="", salt="kubesim"):
        key = repr((panels, title, salt))
        if key not in drawn:
            drawn[key] = chart_svg(panels, title, salt)
        return drawn[key]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timeline, "chart_svg", once)
        yield


@pytest.fixture(scope="module")
def report():
    shutil.rmtree(OUT, ignore_errors=True)
    code = run_scenarios("model", OUT / "cucumber.json", OUT / "timelines", (f"--junitxml={OUT / 'model.xml'}",))
    assert code == 0, f"The scenarios failed on the model (pytest exit code {code})."
    index = render_report(OUT / "cucumber.json", OUT / "timelines", OUT)
    return OUT, index


@pytest.fixture(scope="module")
def side_by_side(report):
    """The folder a conformance run leaves (`kubesim.conformance.report_env`'s layout, JUnit files,
    the table) with this model run and the recorded real-cluster run, and the report rendered in it."""
    out, _ = report
    folder = out / "conformance"
    shutil.rmtree(folder, ignore_errors=True)
    model_records = Path(conformance.report_env(folder, "model", {})["KUBESIM_TIMELINE_DIR"])
    cluster_records = Path(conformance.report_env(folder, "cluster", {})["KUBESIM_TIMELINE_DIR"])
    shutil.copytree(out / "timelines", model_records)
    shutil.copy(out / "cucumber.json", model_records.parent / "cucumber.json")
    shutil.copytree(RECORDED / "cluster" / "timelines", cluster_records)
    shutil.copy(out / "model.xml", folder / "model.xml")
    shutil.copy(RECORDED / "cluster.xml", folder / "cluster.xml")
    (folder / "cleanup.xml").write_text(
        '<testsuites><testsuite name="pytest"><testcase classname="tests.cluster.test_cleanup" name="test_namespaces_go"/></testsuite></testsuites>', encoding="utf-8"
    )
    (folder / "table.txt").write_text(conformance.table(conformance.outcomes(folder / "model.xml"), conformance.outcomes(folder / "cluster.xml")) + "\n", encoding="utf-8")
    index = render_report(model_records.parent / "cucumber.json", model_records, folder, conformance=folder)
    return folder, index


@pytest.fixture(scope="module")
def scenarios(report):
    out, _ = report
    return [s for f in load_results(out / "cucumber.json", out / "timelines") for s in f.scenarios]


def _named(scenarios, fragment: str):
    hits = [s for s in scenarios if fragment in s.name]
    assert len(hits) == 1, [s.name for s in hits]
    return hits[0]


# ---------------------------------------------------------------------- the results
def test_every_feature_scenario_is_in_the_results(report, scenarios):
    """On the model, every scenario of every feature file ran, and none failed."""
    out, _ = report
    features = load_results(out / "cucumber.json", out / "timelines")
    assert {f.uri for f in features} == {f"features/{p.name}" for p in FEATURES.glob("*.feature")}
    statuses = [s.status for s in scenarios]
    assert statuses and set(statuses) == {"passed"}


def test_every_doc_string_and_table_of_the_feature_files_reaches_its_step(scenarios):
    """Each step line that opens a doc string (next line is \"\"\") or a table (next line starts with |) in
    the feature files has that doc string or table in the results (read independently, line by line)."""
    want_doc, want_table = set(), set()
    for path in FEATURES.glob("*.feature"):
        lines = path.read_text(encoding="utf-8").splitlines()
        inside = False
        for n, (line, nxt) in enumerate(zip(lines, lines[1:]), start=1):
            if line.strip() == '"""':
                inside = not inside
            elif not inside and line.strip() and not line.strip().startswith(("|", "#", "Examples")):
                if nxt.strip() == '"""':
                    want_doc.add((path.name, n))
                elif nxt.strip().startswith("|"):
                    want_table.add((path.name, n))
    got_doc = {(Path(s.feature_uri).name, st.line) for s in scenarios for st in s.steps if st.docstring}
    got_table = {(Path(s.feature_uri).name, st.line) for s in scenarios for st in s.steps if st.table}
    assert want_doc and want_doc == got_doc, sorted(want_doc ^ got_doc)
    assert want_table and want_table == got_table, sorted(want_table ^ got_table)


def test_a_command_step_carries_what_the_command_printed(scenarios):
    """`kubectl get all` after the article's Deployment prints deployment.apps/mc-user and its ReplicaSet
    named mc-user-<pod-template-hash> (kubectl's printers); the report keeps that real output."""
    sc = _named(scenarios, "kubectl get all shows the Deployment and its ReplicaSet")
    run = next(st for st in sc.steps if st.text == 'I run "kubectl get all"')
    assert run.ran and run.ran["code"] == 0
    assert "deployment.apps/mc-user" in run.ran["stdout"]
    assert re.search(r"^replicaset\.apps/mc-user-[a-z0-9]+ ", run.ran["stdout"], re.M)
    check = next(st for st in sc.steps if st.text == "the output contains:")
    assert check.checked is run.ran or check.checked == run.ran
    assert check.differs and "<hash>" in check.docstring and "<hash>" not in check.real_output


def test_a_failure_check_compares_with_stderr(scenarios):
    """The C04 erratum: `kubectl apply` of the extensions/v1beta1 ReplicaSet fails; the step that checks
    the message is paired with the command's stderr, which says no kind ReplicaSet is served there."""
    sc = _named(scenarios, "extensions/v1beta1 ReplicaSet is no longer served")
    check = next(st for st in sc.steps if st.text == "the command fails with:")
    assert check.checked["code"] != 0 and 'no matches for kind "ReplicaSet"' in check.real_output


def test_errata_carry_both_texts_and_claims_agree_with_the_tags(scenarios):
    """Each @erratum scenario has its Article: and Today: lines and corrects a claim that claims.md calls
    an erratum; each such claim has an @erratum scenario."""
    errata = [s for s in scenarios if s.erratum]
    assert errata and all(s.article and s.today for s in errata), [s.name for s in errata if not (s.article and s.today)]
    assert all(set(s.claims) & set(ERRATA) for s in errata), [s.name for s in errata if not set(s.claims) & set(ERRATA)]
    assert set(ERRATA) == {c for s in errata for c in s.own_tags if c in ERRATA}


def test_a_chinese_erratum_description_splits_like_an_english_one():
    """A zh-CN scenario may write 文章: and 如今: (full-width or ASCII colon) for Article: and Today:."""
    assert split_erratum("文章:先删除一个V1的pod\n如今: 先创建一个 V2 pod\n\n其他说明") == ("先删除一个V1的pod", "先创建一个 V2 pod", "其他说明")
    assert split_erratum("Article: a\n  b\nToday: c") == ("a b", "c", "")


def test_every_claim_has_its_words_in_both_languages_and_a_verdict():
    """C01..C24 each have the article's Chinese words, the English gloss and today's behaviour in both
    languages; context-only claims are C01 and C09 (claims.md)."""
    assert list(DETAILS) == list(CLAIMS) == [f"C{i:02d}" for i in range(1, 25)]
    for c in DETAILS.values():
        assert re.search(r"[\u4e00-\u9fff]", c.today_zh) and c.article_en and c.today_en, c.id
    assert [c.id for c in DETAILS.values() if c.verdict == "context only"] == list(CONTEXT_ONLY) == ["C01", "C09"]


def test_claims_summary_covers_every_checkable_claim(report):
    """Each claim C02..C24 except the context-only C09 is checked by some passing scenario."""
    out, _ = report
    rows = {claim: (n, passed, failed, skipped) for claim, n, passed, failed, skipped in claims_summary(out / "cucumber.json")}
    expected = {f"C{i:02d}" for i in range(2, 25)} - {"C09"}
    assert expected <= set(rows), sorted(expected - set(rows))
    assert all(rows[c][1] >= 1 and rows[c][2] == 0 for c in expected)


def test_the_folder_is_self_contained(report, scenarios):
    """No script, nothing fetched from the network; a page per claim; one inline SVG chart per rollout."""
    out, index = report
    text = index.read_text(encoding="utf-8")
    assert "<script" not in text and not re.search(r'(src|href)="(https?:)?//', text)
    assert sorted(p.name for p in (out / "claims").glob("*.html")) == [f"{c}.html" for c in CLAIMS]
    rollouts = [s for s in scenarios if "rollout" in s.tags]
    assert rollouts and all(s.timeline for s in rollouts), [s.name for s in rollouts if not s.timeline]
    assert text.count('<figure class="chart"') == sum(1 for s in scenarios if s.timeline)


# ---------------------------------------------------------------------- the chart
def _panel(pods: list[dict], revisions: dict, commands=(), clock="logical", driver="model") -> timeline.Panel:
    samples = [timeline.Sample(t=float(i), pods=p, rs_spec=dict(p)) for i, p in enumerate(pods)]
    labels = {rs: {"revisions": revs, "image": f"app:{rs}"} for rs, revs in revisions.items()}
    return timeline.Panel(samples, labels, tuple(commands), clock, driver)


def test_equal_counts_stay_apart_and_colours_follow_the_first_revision():
    """Two ReplicaSets at 2 pods each are drawn at different heights; revision 1 has the same colour in
    two charts whatever the ReplicaSets are called, and a rollback's renumbered ReplicaSet keeps it."""
    a = _panel([{"x": 2, "y": 0}, {"x": 2, "y": 2}], {"x": [1], "y": [2]})
    b = _panel([{"q": 3, "p": 0}, {"q": 0, "p": 3}], {"q": [1, 3], "p": [2]})
    fig_a, fig_b = timeline.figure([a]), timeline.figure([b])
    lines_a = {ln.get_label(): ln for ln in fig_a.axes[0].get_lines() if ln.get_label().startswith("pods of")}
    lines_b = {ln.get_label(): ln for ln in fig_b.axes[0].get_lines() if ln.get_label().startswith("pods of")}
    ya, yb = lines_a["pods of rev 1 · app:x"].get_ydata(), lines_a["pods of rev 2 · app:y"].get_ydata()
    assert ya[1] != yb[1] and abs(ya[1] - yb[1]) < 0.5  # both 2, visibly apart, still read as 2
    assert lines_a["pods of rev 1 · app:x"].get_color() == lines_b["pods of rev 1→3 · app:q"].get_color()
    assert lines_a["pods of rev 2 · app:y"].get_color() == lines_b["pods of rev 2 · app:p"].get_color()
    assert lines_a["pods of rev 1 · app:x"].get_color() != lines_a["pods of rev 2 · app:y"].get_color()


def test_the_svg_names_series_marks_commands_and_hovers():
    """The SVG has the series names as text, the user's actions (not reads) on the time axis, the
    driver's clock as the axis label, and a <title> on every series."""
    cmds = timeline.user_actions([(0.0, "kubectl apply -f deploy.yaml"), (0.5, "kubectl get all"), (1.0, "kubectl rollout undo deployment/web")])
    svg = timeline.chart_svg([_panel([{"x": 3}, {"x": 2, "y": 1}], {"x": [1], "y": [2]}, cmds, clock="wall clock", driver="cluster")], salt="t")
    text = html.unescape(svg)
    assert "pods of rev 1 · app:x" in text and "pods of rev 2 · app:y" in text
    assert "1. apply -f deploy.yaml" in text and "2. rollout undo deployment/web" in text and "get all" not in text
    assert "wall-clock time" in text and "logical time" not in text
    assert svg.count("<title>") >= 2 and "<script" not in svg


def test_a_custom_driver_with_logical_time_is_charted_beside_the_model(report, tmp_path, monkeypatch):
    """A third-party driver with the `time` capability (examples/mydriver.py, Honest) runs the rollback
    scenarios; its chart sits beside the model's, and its time is called logical, not wall-clock."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT / "examples"), os.environ.get("PYTHONPATH")])))
    code = run_scenarios("mydriver:Honest", tmp_path / "mydriver.json", tmp_path / "mydriver", ("-k", "rollout_undo_returns"))
    assert code == 0
    out, _ = report
    index = render_report(out / "cucumber.json", out / "timelines", tmp_path / "both", others=[(tmp_path / "mydriver.json", tmp_path / "mydriver")])
    page = html.unescape(index.read_text(encoding="utf-8"))
    both = re.search(r'<figure class="chart" id="chart-[^"]*rollout_undo_returns[^"]*">(.*?)</figure>', page, re.S)
    assert both, "no chart for the rollback scenario"
    assert "model driver (logical time)" in both.group(1) and "mydriver driver (logical time)" in both.group(1)
    assert "mydriver's logical time" in both.group(1) and "wall-clock" not in both.group(1)


def test_a_conformance_run_adds_a_column_per_driver(report, scenarios, tmp_path):
    """JUnit files as `kubesim.conformance` writes them (pytest's --junitxml: classname
    features.test_scenarios_<feature>, name = the test) add the real cluster's result to each
    scenario, its column to the claims, and the conformance table to the overview."""
    out, _ = report
    c20 = _named(scenarios, "ConfigMap with an unquoted number is rejected")
    c22 = _named(scenarios, "exec command fails, and its grep would match nothing")
    folder = tmp_path / "conformance"
    folder.mkdir()
    (folder / "cluster.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">'
        f'<testcase classname="features.test_scenarios_configmap" name="{c20.item}" time="1.0"/>'
        f'<testcase classname="features.test_scenarios_configmap" name="{c22.item}" time="0.1">'
        '<skipped type="pytest.skip" message="@needs_kubelet: the cluster driver lacks the \'kubelet\' capability."/></testcase>'
        "</testsuite></testsuites>",
        encoding="utf-8",
    )
    (folder / "table.txt").write_text("model: 53 passed; real cluster: 1 passed, 1 skipped\n", encoding="utf-8")
    index = render_report(out / "cucumber.json", out / "timelines", tmp_path / "r", conformance=folder)
    page = html.unescape(index.read_text(encoding="utf-8"))
    assert "real cluster: 1 passed, 1 skipped" in page and "<th>cluster</th>" in page
    c22_page = html.unescape((tmp_path / "r" / "claims" / "C22.html").read_text(encoding="utf-8"))
    assert "lacks the 'kubelet' capability" in c22_page
    row = re.search(r"<tr><td><a href=\"#[^\"]*unquoted[^\"]*\">.*?</tr>", html.unescape((tmp_path / "r" / "claims" / "C20.html").read_text(encoding="utf-8")), re.S)
    assert row and row.group(0).count('class="badge passed"') == 2


def test_a_scenario_that_passed_on_a_rerun_says_so_with_why_its_first_run_failed(report, scenarios, tmp_path):
    """pytest-rerunfailures lists a rerun test twice in the JUnit file and keeps nothing of the failed attempt;
    the plugin's --rerun-log (conformance writes ``cluster-reruns.jsonl``) keeps its message. The claim page
    shows the pass, and beside it that it came on a rerun and why the first run failed."""
    out, _ = report
    c20 = _named(scenarios, "ConfigMap with an unquoted number is rejected")
    folder = tmp_path / "conformance"
    folder.mkdir()
    case = f'<testcase classname="features.test_scenarios_configmap" name="{c20.item}" time="1.0"/>'
    (folder / "cluster.xml").write_text(f'<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">{case}{case}</testsuite></testsuites>', encoding="utf-8")
    entry = {"test": f"features/test_scenarios_configmap.py::{c20.item}", "when": "call", "attempt": 1, "message": "AssertionError: 2 pods, expected 3\nassert 2 == 3"}
    (folder / "cluster-reruns.jsonl").write_text(json.dumps(entry) + "\n", encoding="utf-8")
    render_report(out / "cucumber.json", out / "timelines", tmp_path / "r", conformance=folder)
    page = html.unescape((tmp_path / "r" / "claims" / "C20.html").read_text(encoding="utf-8"))
    row = re.search(r"<tr><td><a href=\"#[^\"]*unquoted[^\"]*\">.*?</tr>", page, re.S)
    assert row and row.group(0).count('class="badge passed"') == 2
    assert "<small>passed on rerun: its first run failed (call: AssertionError: 2 pods, expected 3)</small>" in row.group(0)


def _chart_text(page: str, sc) -> str:
    fig = re.search(rf'<figure class="chart" id="chart-{re.escape(sc.anchor)}">(.*?)</figure>', page, re.S)
    assert fig, f"no chart for {sc.name!r}"
    return " ".join(html.unescape(re.sub(r"<title>.*?</title>|<[^>]+>", " ", fig.group(1), flags=re.S)).split())


def test_the_conformance_report_puts_the_real_cluster_beside_the_model(side_by_side, scenarios):
    """Rendered in the conformance folder: one column per driver (the model's run is the conformance
    run itself, so no second model column; the clean-up checks are no driver), the table, each rollout
    the cluster ran charted on both drivers, each on its own clock, a rollout it did not run on the
    model alone, and the claim pages with both drivers' results."""
    folder, index = side_by_side
    page = index.read_text(encoding="utf-8")
    header = re.search(r'<table class="grid claims">\s*<tr>(.*?)</tr>', page, re.S)
    assert header and re.findall(r"<th>([^<]*)</th>", header.group(1))[4:] == ["model", "cluster"]
    assert "real cluster: 2 passed (0 on rerun), 0 failed" in html.unescape(page)
    ran = {test_id.split("::")[1] for test_id in conformance.outcomes(RECORDED / "cluster.xml")}
    both = [s for s in scenarios if s.item in ran]
    assert len(both) == 2 and all("rollout" in s.tags for s in both)
    for sc in both:
        text = _chart_text(page, sc)
        assert "model driver (logical time)" in text and "cluster driver (wall clock time)" in text
        assert "logical time (s)" in text and "wall-clock time (s since the scenario started)" in text
        assert "pods of rev 1" in text and "pods of rev 2 · rainbow/mc-user:1.1.RELEASE" in text
    alone = next(s for s in scenarios if s.timeline and s.item not in ran)
    assert "model driver (logical time)" in _chart_text(page, alone) and "cluster driver" not in _chart_text(page, alone)
    c08 = html.unescape((folder / "claims" / "C08.html").read_text(encoding="utf-8"))
    assert re.search(r"<th>model</th><th>cluster</th>", c08)
    row = re.search(r'<tr><td><a href="#[^"]*maxsurge_0[^"]*">.*?</tr>', c08, re.S)
    assert row and row.group(0).count('class="badge passed"') == 2


def test_a_later_report_picks_up_the_conformance_folder(report, side_by_side, scenarios, tmp_path):
    """A report of another model run (as `kubesim check --report` renders after `make conformance`)
    given the conformance folder: the conformance run's model results are a column of their own,
    the cluster's results another, and the cluster's rollout charts sit beside this run's."""
    out, _ = report
    folder, _ = side_by_side
    index = render_report(out / "cucumber.json", out / "timelines", tmp_path / "later", conformance=folder)
    page = index.read_text(encoding="utf-8")
    header = re.search(r'<table class="grid claims">\s*<tr>(.*?)</tr>', page, re.S)
    assert header and re.findall(r"<th>([^<]*)</th>", header.group(1))[4:] == ["model", "cluster", "model (conformance run)"]
    text = _chart_text(page, _named(scenarios, "rollout undo returns to 1.0.RELEASE by reusing the old ReplicaSet"))
    assert "model driver (logical time)" in text and "cluster driver (wall clock time)" in text


# ---------------------------------------------------------------------- in Chromium
def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=180)


def _visit(out: Path, page: str, name: str, profile: Path, element: str = "", size: str = "1280,1400") -> str:
    """Open `page` (relative to `out`) in Chromium as a reader does; return its rendered text (innerText: nothing
    hidden, nothing collapsed) and save a screenshot of it scrolled to `element` as screenshots/`name`.

    One Chromium run does both: the page is framed by a small wrapper that scrolls to the element (headless
    Chromium paints nothing when its own ``--screenshot`` follows a #fragment far down a long page) and then
    copies the frame's innerText into a hidden element of its own, which ``--dump-dom`` prints.
    """
    shots = out / "screenshots"
    shots.mkdir(exist_ok=True)
    shot = shots / name
    frame = out / f"shot-{name}.html"
    frame.write_text(
        '<!DOCTYPE html><meta charset="utf-8"><style>body{margin:0}iframe{border:0;width:100vw;height:100vh;display:block}</style>'
        f'<iframe id="f" src="{page}"></iframe><script>var f = document.getElementById("f"); f.onload = function () {{'
        f' var e = f.contentDocument.getElementById({element!r}); if (e) {{ e.scrollIntoView(); f.contentWindow.scrollBy(0, -8); }}'
        " var p = document.createElement('pre'); p.id = 'seen'; p.style.display = 'none';"
        " p.textContent = f.contentDocument.body.innerText; document.body.appendChild(p); };</script>",
        encoding="utf-8",
    )
    try:
        dom = _chromium(profile, "--allow-file-access-from-files", "--virtual-time-budget=10000", f"--window-size={size}", f"--screenshot={shot}",
                        "--dump-dom", frame.as_uri()).stdout  # fmt: skip
    finally:
        frame.unlink()
    assert shot.exists() and shot.stat().st_size > 30_000, f"Chromium painted nothing of {page}#{element}."
    m = re.search(r'<pre id="seen" style="display: none;">(.*)</pre>', dom, re.S)
    assert m, dom[:2000]
    return html.unescape(m.group(1))


@needs_chromium
def test_a_reader_sees_scenarios_doc_strings_tables_and_outputs(report, scenarios, tmp_path):
    """Every scenario's name, a manifest doc string, a data table's cells and the real `kubectl get all`
    output are in the rendered text of the overview, without opening anything."""
    out, index = report
    seen = _visit(out, "index.html", "overview.png", tmp_path / "p1", size="1280,1600")
    missing = [s.name for s in scenarios if s.name not in seen]
    assert not missing, missing
    assert "image: rainbow/mc-user:1.0.RELEASE" in seen and "minReadySeconds: 10" in seen
    assert re.search(r"1\.0\.RELEASE\s+1\.1\.RELEASE\s+3\s+0\s+3\s+1\s+2\s+1", seen)
    real = _named(scenarios, "kubectl get all shows the Deployment").steps
    rs_line = next(ln for st in real if st.ran for ln in st.ran["stdout"].splitlines() if ln.startswith("replicaset.apps/"))
    assert " ".join(rs_line.split()) in " ".join(seen.split())


@needs_chromium
def test_a_reader_sees_an_erratum_in_both_texts_and_languages(report, scenarios, tmp_path):
    """The C20 erratum shows the article's unquoted 123456 beside today's rejection, in English and in
    Chinese (claims.md's today, translated in kubesim.report.claims)."""
    out, index = report
    sc = _named(scenarios, "ConfigMap with an unquoted number is rejected")
    seen = _visit(out, "index.html", "erratum-C20.png", tmp_path / "p2", sc.anchor, "1280,1100")
    start = seen.index(sc.name)
    box = seen[start : start + 3000]
    assert "The article says" in box and "Kubernetes today" in box
    assert sc.article in " ".join(box.split()) and sc.today in " ".join(box.split())
    assert DETAILS["C20"].today_zh in box


@needs_chromium
def test_a_reader_sees_a_claim_page(report, scenarios, tmp_path):
    """claims/C08.html shows the article's Chinese words, the verdict, today's behaviour and the two
    scenarios tagged @C08 with their results."""
    out, _ = report
    seen = _visit(out, "claims/C08.html", "claim-C08.png", tmp_path / "p3", size="1280,2000")
    c = DETAILS["C08"]
    assert c.article_zh in seen and c.today_en in " ".join(seen.split()) and "erratum" in seen
    for s in (s for s in scenarios if "C08" in s.claims):
        assert s.name in seen
    assert seen.count("passed") >= 2


@needs_chromium
def test_a_reader_sees_a_rollout_chart_with_named_series(report, scenarios, tmp_path):
    """The rollback chart names its series by revision and image (revision 1 becomes 3 on undo), marks
    the undo on the time axis and labels the axis with the model's logical time."""
    out, index = report
    sc = _named(scenarios, "rollout undo returns to 1.0.RELEASE by reusing the old ReplicaSet")
    assert f'<figure class="chart" id="chart-{sc.anchor}">' in index.read_text(encoding="utf-8"), "the rollback scenario has no chart"
    seen = _visit(out, "index.html", "rollout-chart.png", tmp_path / "p4", f"chart-{sc.anchor}", "1280,520")
    start = seen.index(sc.name)
    text = seen[seen.index("pods / endpoints", start) - 200 : seen.index("Hover a line or a point for its values.", start)]
    assert "pods of rev 1→3 · rainbow/mc-user:1.0.RELEASE" in text and "pods of rev 2 · rainbow/mc-user:1.1.RELEASE" in text
    assert "3. rollout undo deployment/mc-user" in text and "logical time (s)" in text  # the chart's numbered mark


@needs_chromium
def test_a_reader_sees_the_model_and_the_real_cluster_side_by_side(side_by_side, scenarios, tmp_path):
    """In the conformance report the rollback chart, as Chromium lays it out, has two panels with the
    same series names in one legend (revision 1 renumbered 3 on undo, revision 2), each panel titled
    and its axis labelled with its driver's clock (the model's logical time, the cluster's wall
    clock), the undo marked on both, and a caption saying which clock each panel uses."""
    folder, _ = side_by_side
    sc = _named(scenarios, "rollout undo returns to 1.0.RELEASE by reusing the old ReplicaSet")
    seen = _visit(folder.parent, f"{folder.name}/index.html", "side-by-side-rollback.png", tmp_path / "p5", f"chart-{sc.anchor}", "1400,560")
    start = seen.index(sc.name)
    chart = seen[seen.index("pods / endpoints", start) - 200 : seen.index("Hover a line or a point for its values.", start)]
    assert "pods of rev 1→3 · rainbow/mc-user:1.0.RELEASE" in chart and "pods of rev 2 · rainbow/mc-user:1.1.RELEASE" in chart
    assert "model driver (logical time)" in chart and "cluster driver (wall clock time)" in chart
    assert "logical time (s)" in chart and "wall-clock time (s since the scenario started)" in chart
    assert chart.count("rollout undo deployment/mc-user") == 2
    assert "over model's logical time; cluster's wall clock time" in " ".join(chart.split())


@needs_chromium
def test_a_reader_sees_a_claim_page_with_results_on_both_drivers(side_by_side, scenarios, tmp_path):
    """In the conformance report, claims/C08.html lists its scenarios with a column per driver: the
    one the cluster ran (maxSurge 0, maxUnavailable 1) passed on both, the other is missing on the
    cluster (the recorded run had two scenarios); its chart shows both panels."""
    folder, _ = side_by_side
    seen = _visit(folder.parent, f"{folder.name}/claims/C08.html", "claim-C08-model-and-cluster.png", tmp_path / "p6", size="1280,900")
    ran = _named(scenarios, "With maxSurge 0 and maxUnavailable 1 the rollout follows the article's picture")
    other = _named(scenarios, "With the article's manifest (default maxSurge/maxUnavailable) a V2 pod starts before any V1 pod goes")
    rows = [ln for ln in seen.splitlines() if ln.startswith((ran.name, other.name))]
    assert re.search(r"scenario\s+feature\s+model\s+cluster", seen)
    assert any(ln.split()[-2:] == ["passed", "passed"] for ln in rows if ln.startswith(ran.name)), rows
    assert any(ln.split()[-2:] == ["passed", "missing"] for ln in rows if ln.startswith(other.name)), rows
    assert "cluster driver (wall clock time)" in seen and "model driver (logical time)" in seen
