"""Render the report folder: ``index.html`` (claims, conformance, every scenario) and a page per claim.

Everything a page needs is inline (CSS, SVG charts with hover titles), so the folder works
offline and from ``file://``; no script is used.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from kubesim import timeline

from .claims import CLAIMS, DETAILS, Claim
from .results import Feature, Scenario, attach_junit, attach_run, attach_timelines, load_results


@dataclass
class ClaimView:
    """One claim with the scenarios that show it and their results per driver."""

    claim: Claim
    scenarios: list[Scenario] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.claim.id

    def counts(self, driver: str, primary: str) -> dict[str, int]:
        out = {"passed": 0, "failed": 0, "skipped": 0}
        for s in self.scenarios:
            status = s.status if driver == primary else (s.others.get(driver) or ("missing",))[0]
            if status in out:
                out[status] += 1
        return out


def _panels(sc: Scenario) -> list[timeline.Panel]:
    panels = []
    for rec in ([sc.timeline] if sc.timeline else []) + list(sc.other_timelines.values()):
        samples = [timeline.Sample(**s) for s in rec["samples"]]
        commands = timeline.user_actions((c["t"], c["command"]) for c in rec.get("commands") or ())
        panels.append(timeline.Panel(samples, rec.get("replicasets") or {}, commands, rec.get("clock", "wall clock"), rec.get("driver", "")))
    return panels


class _Charts:
    """Each scenario's chart, drawn once however many pages show it."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def __call__(self, sc: Scenario) -> str:
        if sc.anchor not in self._cache:
            self._cache[sc.anchor] = timeline.chart_svg(_panels(sc), salt=sc.anchor)
        return self._cache[sc.anchor]


CJK = re.compile(r"[\u4e00-\u9fff]")
GLOSS = re.compile(r"\([A-Za-z]")


def _other_language(sc: Scenario) -> dict[str, list[tuple[str, str]]]:
    """For an erratum: the words its scenario lacks, per side, as (claim id, text).

    The article's side gets the Chinese original or the English gloss, whichever the
    scenario's ``Article:`` line lacks (nothing if it has both); today's side gets the
    language its ``Today:`` line is not in.
    """
    corrected = [DETAILS[c] for c in sc.own_tags if c in DETAILS and DETAILS[c].verdict == "erratum"]
    corrected = corrected or [DETAILS[c] for c in sc.claims if c in DETAILS and DETAILS[c].verdict == "erratum"]
    zh_article, zh_today = bool(CJK.search(sc.article)), bool(CJK.search(sc.today))
    article = [] if zh_article and GLOSS.search(sc.article) else [(c.id, c.article_en if zh_article else c.article_zh) for c in corrected]
    today = [(c.id, c.today_en if zh_today else c.today_zh) for c in corrected]
    return {"article": article, "today": today}


def _conformance(features: list[Feature], folder: Path | None, primary: str, primary_json: Path) -> tuple[list[str], str]:
    """Attach the conformance run found in `folder`; return the drivers added and the table text.

    Each ``<driver>.xml`` (pytest's JUnit) whose tests are scenarios gives that driver's result
    per scenario (other JUnit files, such as the clean-up checks, are left out; a scenario that
    passed on a rerun says so, with why its first run failed from ``<driver>-reruns.jsonl``), and its
    ``<driver>/timelines`` folder, if any, the driver's rollout charts. The primary driver's
    results are another column ("model (conformance run)") unless the report's own run is the
    conformance run (its cucumber JSON lies inside `folder`).
    """
    if folder is None or not folder.is_dir():
        return [], ""
    same_run = primary_json.resolve().is_relative_to(folder.resolve())
    drivers = []
    for junit in sorted(folder.glob("*.xml")):
        if junit.stem == primary and same_run:
            continue
        name = junit.stem if junit.stem != primary else f"{junit.stem} (conformance run)"
        if not attach_junit(features, name, junit, folder / f"{junit.stem}-reruns.jsonl"):
            continue
        drivers.append(name)
        if junit.stem != primary and (folder / junit.stem / "timelines").is_dir():
            attach_timelines(features, folder / junit.stem / "timelines")
    table = folder / "table.txt"
    return drivers, table.read_text(encoding="utf-8") if table.exists() else ""


def render(cucumber_json: Path, timeline_dir, out_dir: Path, others: list, conformance: Path | None) -> Path:
    """Write the index and the claim pages (see `kubesim.report.render_report`); return the index."""
    import jinja2

    features = load_results(cucumber_json, timeline_dir)
    scenarios = [s for f in features for s in f.scenarios]
    primary = next((s.driver for s in scenarios if s.driver), "") or "model"
    for other_json, other_timelines in others:
        attach_run(features, load_results(Path(other_json), other_timelines))
    drivers = [primary] + sorted({d for s in scenarios for d in s.others} - {primary})
    conf_folder = Path(conformance) if conformance is not None else out_dir / "conformance"
    conf_drivers, conf_table = _conformance(features, conf_folder, primary, cucumber_json)
    conf_where = os.path.relpath(conf_folder, out_dir) + "/" if conf_folder.resolve() != out_dir.resolve() else ""
    drivers += [d for d in conf_drivers if d not in drivers]
    totals = {k: sum(1 for s in scenarios if s.status == k) for k in ("passed", "failed", "skipped")}
    claims = [ClaimView(DETAILS[c], [s for s in scenarios if c in s.claims]) for c in CLAIMS]

    env = jinja2.Environment(loader=jinja2.PackageLoader("kubesim.report", "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(chart=_Charts(), other_language=_other_language, drivers=drivers, primary=primary, claims_text=CLAIMS)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "claims").mkdir(exist_ok=True)
    common = {"features": features, "claims": claims, "totals": totals, "total": len(scenarios)}
    index = out_dir / "index.html"
    index.write_text(env.get_template("index.html.j2").render(root="", conformance_table=conf_table, conformance_where=conf_where, **common), encoding="utf-8")
    page = env.get_template("claim.html.j2")
    for cv in claims:
        (out_dir / "claims" / f"{cv.id}.html").write_text(page.render(root="../", cv=cv, **common), encoding="utf-8")
    return index
