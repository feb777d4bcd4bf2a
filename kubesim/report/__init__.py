"""Living documentation: run the article's scenarios and render them as one HTML page.

`run_scenarios` runs pytest on ``features/`` in a subprocess with pytest-bdd's
``--cucumberjson`` output and ``KUBESIM_TIMELINE_DIR`` set (the steps write one timeline
per rollout scenario); `render_report` turns that JSON and those timelines into a
self-contained ``index.html`` (jinja2; charts by `kubesim.timeline.plot` embedded as
base64 PNG); `claims_summary` counts results per article claim for the CLI.

Scenarios that pytest skipped before running (a driver without a capability) are absent
from pytest-bdd's JSON; the report finds them in the feature files and lists them as
skipped, so every scenario appears.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kubesim.features import DIR as FEATURES

#: pytest's rootdir for the scenarios: feature files are named features/<name>.feature from it,
#: in a checkout and in an installed kubesim alike.
ROOT = FEATURES.parent
CLAIM_TAG = re.compile(r"^C\d\d$")

__all__ = ["run_scenarios", "render_report", "claims_summary", "load_results", "timeline_id"]


def timeline_id(feature_file: str, item_name: str) -> str:
    """The file stem under which a scenario's timeline is stored (steps write, the report reads)."""
    stem = Path(feature_file).name.removesuffix(".feature")
    return re.sub(r"[^\w.-]+", "_", f"{stem}--{item_name}")[:180]


# ---------------------------------------------------------------------- running
def run_scenarios(driver: str = "model", json_out: Path = Path("report/cucumber.json"), timeline_dir: Path = Path("report/timelines"), extra_pytest_args=()) -> int:
    """Run every scenario on `driver` in a pytest subprocess; return pytest's exit code.

    Writes pytest-bdd's cucumber JSON to `json_out` and one timeline per rollout scenario
    into `timeline_dir` (emptied first).
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


# ---------------------------------------------------------------------- results
@dataclass
class Step:
    keyword: str
    text: str
    status: str
    error: str = ""


@dataclass
class Scenario:
    name: str
    item: str
    line: int
    status: str  # passed / failed / skipped
    tags: list[str]
    description: str = ""
    steps: list[Step] = field(default_factory=list)
    article: str = ""  # erratum: what the article says
    today: str = ""  # erratum: what Kubernetes does today
    timeline: dict | None = None
    own_tags: list[str] = field(default_factory=list)  # the scenario's tags without the feature's

    @property
    def claims(self) -> list[str]:
        return [t for t in self.tags if CLAIM_TAG.match(t)]

    @property
    def erratum(self) -> bool:
        return "erratum" in self.tags


@dataclass
class Feature:
    name: str
    uri: str
    description: str
    language: str
    tags: list[str]
    scenarios: list[Scenario] = field(default_factory=list)


def _status(element: dict) -> str:
    results = [s["result"]["status"] for s in element.get("steps", [])]
    if "failed" in results:
        return "failed"
    if results and all(r == "passed" for r in results):
        return "passed"
    return "skipped"


def _split_erratum(description: str) -> tuple[str, str, str]:
    """Pull the ``Article:`` and ``Today:`` lines out of a scenario description."""
    article, today, rest = [], [], []
    target = rest
    for line in description.splitlines():
        s = line.strip()
        if s.startswith("Article:"):
            target = article
            s = s[len("Article:") :].strip()
        elif s.startswith("Today:"):
            target = today
            s = s[len("Today:") :].strip()
        elif not s:
            target = rest
        target.append(s)
    return " ".join(article).strip(), " ".join(today).strip(), "\n".join(rest).strip()


def _tags(raw) -> list[str]:
    return [t["name"].lstrip("@") if isinstance(t, dict) else str(t).lstrip("@") for t in raw or []]


def load_results(cucumber_json: Path, timeline_dir: Path | None = None) -> list[Feature]:
    """Features and scenarios with results: pytest-bdd's JSON, plus scenarios it did not run."""
    data = json.loads(Path(cucumber_json).read_text(encoding="utf-8")) if Path(cucumber_json).exists() else []
    features: dict[str, Feature] = {}
    for f in data:
        feat = features.setdefault(f["uri"], Feature(f["name"], f["uri"], f.get("description", ""), f.get("language", "en"), _tags(f.get("tags"))))
        for e in f["elements"]:
            article, today, rest = _split_erratum(e.get("description", ""))
            steps = [Step(s["keyword"].strip(), s["name"], s["result"]["status"], s["result"].get("error_message", "")) for s in e.get("steps", [])]
            own = _tags(e.get("tags"))
            sc = Scenario(e["name"], e["id"], e["line"], _status(e), feat.tags + own, rest, steps, article, today, own_tags=own)
            if timeline_dir is not None:
                path = Path(timeline_dir) / f"{timeline_id(f['uri'], e['id'])}.json"
                if path.exists():
                    sc.timeline = json.loads(path.read_text(encoding="utf-8"))
            feat.scenarios.append(sc)
    _add_unrun(features)
    for feat in features.values():
        feat.scenarios.sort(key=lambda s: (s.line, s.item))
    return sorted(features.values(), key=lambda f: f.uri)


def _add_unrun(features: dict[str, Feature]) -> None:
    """Add the scenarios of features/*.feature that the JSON lacks, as skipped."""
    from pytest_bdd.gherkin_parser import get_gherkin_document

    for path in sorted(FEATURES.glob("*.feature")):
        uri = path.relative_to(ROOT).as_posix()
        doc = get_gherkin_document(str(path))
        f = doc.feature
        ftags = _tags(t.name for t in f.tags)
        feat = features.setdefault(uri, Feature(f.name, uri, f.description or "", f.language, ftags))
        seen = {s.line for s in feat.scenarios}
        for child in f.children:
            s = child.scenario
            if s is None or s.location.line in seen:
                continue
            article, today, rest = _split_erratum(s.description or "")
            rows = sum(len(ex.table_body or []) for ex in s.examples) or 1
            for i in range(rows):
                name = s.name if rows == 1 else f"{s.name} (example {i + 1})"
                steps = [Step(st.keyword.strip(), st.text, "skipped") for st in s.steps]
                own = _tags(t.name for t in s.tags)
                feat.scenarios.append(Scenario(name, f"<not run {s.location.line}-{i}>", s.location.line, "skipped", ftags + own, rest, steps, article, today, own_tags=own))


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


# ---------------------------------------------------------------------- rendering
def _chart(doc: dict) -> str:
    """A base64 PNG of the timeline's pods per ReplicaSet and ready endpoints."""
    from kubesim import timeline

    samples = [timeline.Sample(**s) for s in doc["samples"]]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "chart.png"
        timeline.plot(samples, str(out))  # no title: the scenario's heading is right above
        return base64.b64encode(out.read_bytes()).decode("ascii")


def _table(doc: dict) -> str:
    from kubesim import timeline

    return timeline.table([timeline.Sample(**s) for s in doc["samples"]])


def render_report(cucumber_json: Path, timeline_dir: Path | None, out_dir: Path) -> Path:
    """Render `index.html` into `out_dir` (self-contained: inline CSS, base64 charts); return its path."""
    import jinja2

    from .claims import CLAIMS, CONTEXT_ONLY

    features = load_results(cucumber_json, timeline_dir)
    scenarios = [s for f in features for s in f.scenarios]
    totals = {k: sum(1 for s in scenarios if s.status == k) for k in ("passed", "failed", "skipped")}
    summary = {c: (n, p, fl, sk) for c, n, p, fl, sk in claims_summary(cucumber_json)}
    for f in features:  # count scenarios absent from the JSON too
        for s in f.scenarios:
            if s.item.startswith("<not run"):
                for c in s.claims:
                    n, p, fl, sk = summary.get(c, (0, 0, 0, 0))
                    summary[c] = (n + 1, p, fl, sk + 1)
    claims = [
        {"id": c, "text": text, "context": c in CONTEXT_ONLY, "counts": summary.get(c, (0, 0, 0, 0)),
         "errata": any(s.erratum and c in s.own_tags for s in scenarios)}
        for c, text in CLAIMS.items()
    ]  # fmt: skip
    env = jinja2.Environment(loader=jinja2.PackageLoader("kubesim.report", "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(chart=_chart, timeline_table=_table)
    meta = {}
    if Path(cucumber_json).exists():
        drivers = {s.timeline["driver"] for s in scenarios if s.timeline}
        meta["driver"] = ", ".join(sorted(drivers)) or "model"
    html = env.get_template("index.html.j2").render(features=features, totals=totals, claims=claims, meta=meta, total=len(scenarios))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    index = out_dir / "index.html"
    index.write_text(html, encoding="utf-8")
    return index
