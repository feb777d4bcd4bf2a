"""The scenarios with their results: pytest-bdd's cucumber JSON, the feature files, the steps' records.

pytest-bdd's JSON has each step's text and result but neither its doc string nor its data
table; those come from the feature files (`pytest_bdd.gherkin_parser`), by line. Scenarios
that pytest skipped before running (a driver without a capability) are absent from the JSON;
they are read from the feature files and listed as skipped, so every scenario appears. The
records the steps wrote (`kubesim.report.record`) add each command's real output and the
rollout's timeline. Results on other drivers come from other runs or from the conformance
run's JUnit files (`kubesim.conformance` writes ``<driver>.xml``).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from kubesim.features import DIR as FEATURES

from .record import timeline_id

#: pytest's rootdir for the scenarios: feature files are named features/<name>.feature from it.
ROOT = FEATURES.parent
CLAIM_TAG = re.compile(r"^C\d\d$")
#: How a scenario description marks the article's words and today's behaviour (English, Chinese).
ARTICLE_PREFIXES = ("Article:", "文章:", "文章:", "原文:", "原文:")
TODAY_PREFIXES = ("Today:", "如今:", "如今:", "现在:", "现在:")
#: Steps that check the last command's output against their doc string.
OUTPUT_CHECK = re.compile(r"^(the output (is|contains):?|输出(是|包含):?|the command fails with:?|命令失败并报错:?)$")


@dataclass
class Step:
    keyword: str
    text: str
    status: str
    error: str = ""
    line: int = 0
    docstring: str | None = None
    table: list[list[str]] | None = None
    ran: dict | None = None  # the command this step ran, with its real output
    checked: dict | None = None  # the command whose output this step checked against its doc string
    shown_later: bool = False  # a later step shows the output of the command this step ran

    @property
    def real_output(self) -> str:
        """What the checked command printed: stderr for a failure check, else stdout."""
        if self.checked is None:
            return ""
        fails = "fails" in self.text or "失败" in self.text
        return (self.checked["stderr"] if fails else self.checked["stdout"]).rstrip("\n")

    @property
    def differs(self) -> bool:
        """The doc string and the real output differ (spacing aside)."""
        norm = lambda text: [" ".join(ln.split()) for ln in text.splitlines() if ln.strip()]  # noqa: E731
        return self.checked is not None and norm(self.docstring or "") != norm(self.real_output)


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
    timeline: dict | None = None  # the steps' record, when it holds a rollout's samples
    own_tags: list[str] = field(default_factory=list)  # the scenario's tags without the feature's
    feature_uri: str = ""
    language: str = "en"
    driver: str = ""
    others: dict = field(default_factory=dict)  # driver -> (status, reason) on other runs
    other_timelines: dict = field(default_factory=dict)  # driver -> record with samples

    @property
    def claims(self) -> list[str]:
        return [t for t in self.tags if CLAIM_TAG.match(t)]

    @property
    def erratum(self) -> bool:
        return "erratum" in self.tags

    @property
    def anchor(self) -> str:
        stem = Path(self.feature_uri).name.removesuffix(".feature")
        return re.sub(r"[^\w-]+", "_", f"s-{stem}-{self.line}-{self.item}")[:120]


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


def split_erratum(description: str) -> tuple[str, str, str]:
    """Pull the ``Article:`` and ``Today:`` lines (or 文章: / 如今:) out of a scenario description."""
    article, today, rest = [], [], []
    target = rest
    for line in description.splitlines():
        s = line.strip()
        if not s:
            target = rest
        for prefixes, into in ((ARTICLE_PREFIXES, article), (TODAY_PREFIXES, today)):
            hit = next((p for p in prefixes if s.startswith(p)), None)
            if hit:
                target, s = into, s[len(hit) :].strip()
        target.append(s)
    return " ".join(article).strip(), " ".join(today).strip(), "\n".join(rest).strip()


def _tags(raw) -> list[str]:
    return [t["name"].lstrip("@") if isinstance(t, dict) else str(t).lstrip("@") for t in raw or []]


def _gherkin(uri: str):
    from pytest_bdd.gherkin_parser import get_gherkin_document

    return get_gherkin_document(str(ROOT / uri)).feature


def _step_extras(feature) -> dict[int, tuple[str | None, list[list[str]] | None]]:
    """Step line -> (doc string, data table rows) for every step of a parsed feature."""
    out = {}
    children = list(feature.children)
    while children:
        child = children.pop(0)
        if child.rule is not None:
            children += list(child.rule.children)
        for block in (child.background, child.scenario):
            for st in block.steps if block is not None else ():
                table = [[c.value for c in row.cells] for row in st.datatable.rows] if st.datatable else None
                out[st.location.line] = (st.docstring.content if st.docstring else None, table)
    return out


def _load_record(timeline_dir: Path | None, uri: str, item: str) -> dict | None:
    if timeline_dir is None:
        return None
    path = Path(timeline_dir) / f"{timeline_id(uri, item)}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _attach(sc: Scenario, record: dict | None) -> None:
    """Give each step the command it ran and the command whose output it checked."""
    if not record:
        return
    sc.driver = record.get("driver", "")
    sc.timeline = record if record.get("samples") else None
    commands = record.get("commands") or []
    seen = dict((line, idx) for line, idx in record.get("steps") or ())
    previous, ran_by = -1, Step("", "", "")
    for st in sc.steps:
        idx = seen.get(st.line)
        if idx is None or idx < 0 or idx >= len(commands):
            continue
        if idx != previous:
            st.ran, ran_by = commands[idx], st
        elif st.docstring is not None and OUTPUT_CHECK.match(st.text):
            st.checked = commands[idx]
            ran_by.shown_later = True
        previous = idx


def load_results(cucumber_json: Path, timeline_dir: Path | None = None) -> list[Feature]:
    """Features and scenarios with results: pytest-bdd's JSON, plus scenarios it did not run."""
    data = json.loads(Path(cucumber_json).read_text(encoding="utf-8")) if Path(cucumber_json).exists() else []
    features: dict[str, Feature] = {}
    parsed: dict[str, dict] = {}
    for f in data:
        feat = features.setdefault(f["uri"], Feature(f["name"], f["uri"], f.get("description", ""), f.get("language", "en"), _tags(f.get("tags"))))
        extras = parsed.setdefault(f["uri"], _step_extras(_gherkin(f["uri"])) if (ROOT / f["uri"]).exists() else {})
        for e in f["elements"]:
            article, today, rest = split_erratum(e.get("description", ""))
            steps = [
                Step(s["keyword"].strip(), s["name"], s["result"]["status"], s["result"].get("error_message", ""), s.get("line", 0), *extras.get(s.get("line", 0), (None, None)))
                for s in e.get("steps", [])
            ]
            own = _tags(e.get("tags"))
            sc = Scenario(e["name"], e["id"], e["line"], _status(e), feat.tags + own, rest, steps, article, today, own_tags=own, feature_uri=f["uri"], language=feat.language)
            _attach(sc, _load_record(timeline_dir, f["uri"], e["id"]))
            feat.scenarios.append(sc)
    _add_unrun(features)
    for feat in features.values():
        feat.scenarios.sort(key=lambda s: (s.line, s.item))
    return sorted(features.values(), key=lambda f: f.uri)


def _add_unrun(features: dict[str, Feature]) -> None:
    """Add the scenarios of features/*.feature that the JSON lacks, as skipped."""
    for path in sorted(FEATURES.glob("*.feature")):
        uri = path.relative_to(ROOT).as_posix()
        f = _gherkin(uri)
        extras = _step_extras(f)
        ftags = _tags(t.name for t in f.tags)
        feat = features.setdefault(uri, Feature(f.name, uri, f.description or "", f.language, ftags))
        seen = {s.line for s in feat.scenarios}
        background = [st for c in f.children if c.background for st in c.background.steps]
        for child in f.children:
            s = child.scenario
            if s is None or s.location.line in seen:
                continue
            article, today, rest = split_erratum(s.description or "")
            rows = sum(len(ex.table_body or []) for ex in s.examples) or 1
            for i in range(rows):
                name = s.name if rows == 1 else f"{s.name} (example {i + 1})"
                steps = [Step(st.keyword.strip(), st.text, "skipped", "", st.location.line, *extras[st.location.line]) for st in background + list(s.steps)]
                own = _tags(t.name for t in s.tags)
                feat.scenarios.append(
                    Scenario(name, f"<not run {s.location.line}-{i}>", s.location.line, "skipped", ftags + own, rest, steps, article, today, own_tags=own, feature_uri=uri, language=f.language)
                )


# ---------------------------------------------------------------------- other drivers
def junit_outcomes(junit: Path, rerun_log: Path | None = None) -> dict[tuple[str, str], tuple[str, str]]:
    """(module, test name) -> (passed|failed|skipped, reason) from a JUnit XML file; a reason is one line.

    A test listed more than once was rerun (pytest-rerunfailures writes a case per run): its last
    run decides, and a pass after a rerun reads "passed on rerun", with why the first run failed
    when `rerun_log` (the kubesim plugin's ``--rerun-log`` file) has it.
    """
    first_failures = rerun_failures(rerun_log)
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        key = (case.get("classname", "").split(".")[-1], case.get("name", ""))
        status, reason = "passed", ""
        if key in out:
            why = first_failures.get(key)
            reason = "passed on rerun: its first run failed" + (f" ({why})" if why else "")
        for child in case:
            if child.tag in ("failure", "error"):
                status, reason = "failed", ((child.get("message") or child.tag).splitlines() or [child.tag])[0]
            elif child.tag == "skipped":
                status, reason = "skipped", (child.get("message") or "").split("\n")[0]
        out[key] = (status, reason)
    return out


def rerun_failures(rerun_log: Path | None) -> dict[tuple[str, str], str]:
    """(module, test name) -> "phase: message" of its first failed attempt, from a ``--rerun-log`` file (none: {})."""
    out: dict[tuple[str, str], str] = {}
    if rerun_log is None or not rerun_log.exists():
        return out
    for line in rerun_log.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
            path, _, name = entry["test"].partition("::")
            message = str(entry["message"]).strip().splitlines()
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # a line cut short (a killed run): the others still count
        out.setdefault((Path(path).stem, name), f"{entry.get('when', 'call')}: {message[0] if message else ''}")
    return out


def attach_junit(features: list[Feature], driver: str, junit: Path, rerun_log: Path | None = None) -> int:
    """Add `driver`'s results from a JUnit file (and its ``--rerun-log``, if any) to each scenario it ran (matched by
    test name); return how many. Reasons are cut to 160 characters."""
    results = {k: (status, reason[:160]) for k, (status, reason) in junit_outcomes(junit, rerun_log).items()}
    found = 0
    for feat in features:
        module = "test_scenarios_" + Path(feat.uri).name.removesuffix(".feature").replace(".", "_")
        for sc in feat.scenarios:
            hit = results.get((module, sc.item))
            if hit is not None:
                sc.others[driver] = hit
                found += 1
    return found


def attach_timelines(features: list[Feature], timeline_dir: Path) -> None:
    """Add the rollout timelines that another driver's run left in `timeline_dir` (its steps' records).

    For runs without cucumber JSON (pytest-bdd writes none under pytest-xdist, which the
    conformance run uses on the cluster); the records name their scenario and driver.
    """
    for feat in features:
        for sc in feat.scenarios:
            rec = _load_record(timeline_dir, sc.feature_uri, sc.item)
            if rec and rec.get("samples"):
                sc.other_timelines[rec.get("driver", "?")] = rec


def attach_run(features: list[Feature], other: list[Feature]) -> None:
    """Add another driver's run (its results and rollout timelines) to the matching scenarios."""
    by_key = {(s.feature_uri, s.item): s for f in other for s in f.scenarios if not s.item.startswith("<not run")}
    for feat in features:
        for sc in feat.scenarios:
            o = by_key.get((sc.feature_uri, sc.item))
            if o is None or not o.driver:
                continue
            sc.others[o.driver] = (o.status, next((st.error.splitlines()[0] for st in o.steps if st.error), ""))
            if o.timeline:
                sc.other_timelines[o.driver] = o.timeline
