"""``python -m kubesim.differential``: generated scripts on two drivers, compared step by step.

Usage::

    python -m kubesim.differential --a model --b cluster --kube-context kubesim-local -n 300 --profile long --out DIR
    python -m kubesim.differential --a model --b model --mutant-b history_limit_ignored -n 20
    python -m kubesim.differential --replay FILE --a model --b cluster --kube-context kubesim-local

It writes the results table to ``DIR/differential.md`` and each divergence (a
replayable script and both observations side by side) to ``DIR/divergence-N.txt``, and
exits 1 if any divergence is not in the catalogue (or did not reproduce), 2 on bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kubesim.driver import DriverLoadError

from .catalogue import CatalogueError
from .catalogue import load as load_catalogue
from .runner import PROFILES, Side, both_have_kubelet, compare, run_profile
from .scripts import parse_script


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m kubesim.differential", description="Run generated scripts on two drivers and compare every settled step."
    )
    ap.add_argument("--a", default="model", help="driver A: model (default), cluster, or package.module:Class")
    ap.add_argument("--b", default="model", help="driver B (default model)")
    ap.add_argument("--kube-context", help="kubeconfig context for a side that reaches a real cluster")
    ap.add_argument("--mutant-a", help="break side A (a model) as kubesim.mutants names it")
    ap.add_argument("--mutant-b", help="break side B (a model) as kubesim.mutants names it")
    ap.add_argument("--profile", choices=sorted(PROFILES), default="ci", help="ci (budgeted, default) or long")
    ap.add_argument("-n", type=int, help="number of scripts (default: the profile's)")
    ap.add_argument("--max-steps", type=int, help="requests per script at most (default: the profile's)")
    ap.add_argument("--workers", type=int, help="parallel shards, each in its own namespaces (default: the profile's)")
    ap.add_argument("--seed", type=int, default=0, help="Hypothesis seed (default 0)")
    ap.add_argument("--settle-timeout", type=float, default=120.0, help="seconds a settle may take (logical seconds on the model)")
    ap.add_argument("--catalogue", help="catalogue of accepted divergences (default: the package's catalogue.yaml)")
    ap.add_argument("--out", default=os.path.join("report", "differential"), help="where to write the table and divergences")
    ap.add_argument(
        "--replay", metavar="FILE", help="compare one script (a printed divergence, or any kubesim.replay script) instead of generating"
    )
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.catalogue:
            load_catalogue(args.catalogue)
        else:
            load_catalogue()
        a = Side(args.a, args.kube_context, args.mutant_a)
        b = Side(args.b, args.kube_context, args.mutant_b)
        for side in (a, b):
            if side.mutant and side.driver != "model":
                raise ValueError(f"--mutant-{'a' if side is a else 'b'}: mutants break the model; side {side.driver!r} is not the model.")
            if side.driver == "cluster" and not args.kube_context:
                raise ValueError("the cluster driver needs --kube-context NAME; it never picks a context for you.")
            side.make()  # fails early on an unknown driver or mutant
    except (CatalogueError, DriverLoadError, ValueError, ImportError, AttributeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        kubelet = both_have_kubelet(a, b)
    except Exception as err:  # noqa: BLE001 - an unreachable cluster, say: one line, not a traceback
        print(f"error: cannot start the drivers ({a.label}, {b.label}): {type(err).__name__}: {err}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.replay:
        try:
            text = sys.stdin.read() if args.replay == "-" else Path(args.replay).read_text(encoding="utf-8")
        except OSError as err:
            print(f"error: {args.replay}: {err.strerror}", file=sys.stderr)
            return 2
        try:
            commands = parse_script(text)
        except ValueError as err:
            print(f"error: {args.replay}: {err}", file=sys.stderr)
            return 2
        catalogue = load_catalogue(args.catalogue) if args.catalogue else None
        result = compare(commands, a, b, catalogue=catalogue, settle_timeout=args.settle_timeout)
        print(result.report(), end="")
        return 1 if result.divergence else 0
    profile = PROFILES[args.profile]
    report = run_profile(
        a,
        b,
        scripts_total=args.n or profile.scripts,
        max_steps=args.max_steps or profile.max_steps,
        workers=args.workers or profile.workers,
        seed=args.seed,
        settle_timeout=args.settle_timeout,
        catalogue_path=args.catalogue,
        configmap_refs=kubelet,
    )
    table = report.table()
    (out / "differential.md").write_text(table, encoding="utf-8")
    for i, result in enumerate(report.stats.divergences + report.stats.flaky, 1):
        (out / f"divergence-{i}.txt").write_text(result.report(), encoding="utf-8")
    print(table, end="")
    print(f"(table written to {out / 'differential.md'})")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
