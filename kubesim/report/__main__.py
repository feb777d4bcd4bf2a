"""`python -m kubesim.report --out report/ [--driver model] [--with DIR]`: run the scenarios, render the report.

``--with DIR`` adds another driver's run (``DIR/cucumber.json`` and ``DIR/timelines``, e.g. a
real cluster's, rendered earlier with ``--out DIR``): its results beside each scenario and its
rollout charts beside the model's. JUnit files of a conformance run are read from
``OUT/conformance`` (or ``--conformance DIR``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import render_report, run_scenarios


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kubesim.report", description="Run the article's scenarios and render a self-contained HTML report.")
    ap.add_argument("--out", type=Path, default=Path("report"), help="output directory (default: report/)")
    ap.add_argument("--driver", default="model", help="system under test: model (default), cluster, or package.module:Class")
    ap.add_argument("--render-only", action="store_true", help="render from an existing OUT/cucumber.json without running the scenarios")
    ap.add_argument("--with", dest="others", type=Path, action="append", default=[], metavar="DIR", help="another driver's report folder to show beside this run (repeatable)")
    ap.add_argument("--conformance", type=Path, default=None, metavar="DIR", help="folder of <driver>.xml JUnit files (default: OUT/conformance)")
    ap.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = ap.parse_args(argv)
    json_out, timelines = args.out / "cucumber.json", args.out / "timelines"
    for other in args.others:
        if not (other / "cucumber.json").exists():
            print(f"error: --with {other}: no results at {other / 'cucumber.json'}", file=sys.stderr)
            return 2
    code = 0
    if not args.render_only:
        code = run_scenarios(args.driver, json_out, timelines, tuple(args.pytest_args))
    if not json_out.exists():
        print(f"error: no results at {json_out} (pytest exit code {code})", file=sys.stderr)
        return code or 1
    index = render_report(json_out, timelines, args.out, others=[(d / "cucumber.json", d / "timelines") for d in args.others], conformance=args.conformance)
    print(f"report: {index}")
    return 0 if code in (0, 5) else code


if __name__ == "__main__":
    sys.exit(main())
