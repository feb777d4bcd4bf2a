"""`make conformance`: run every scenario on the model and on a real control plane, side by side.

It builds (cached) and starts the local control plane (`cluster/`), runs the Gherkin
scenarios through the model driver and through the cluster driver (each scenario in a
fresh namespace, invariant monitors watching), stops the control plane, and prints one
row per scenario: model -> passed/failed/skipped, real cluster -> passed/failed/skipped,
with the reason for every skip. It exits 1 if any scenario failed on either system.

Usage: ``python -m kubesim.conformance [--no-up] [--keep-up] [--out DIR] [-k EXPR]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLUSTER = ROOT / "cluster"
KUBECONFIG = CLUSTER / "_run" / "kubeconfig"
CONTEXT = "kubesim-local"


def run_scenarios(driver: str, junit: Path, extra: list[str], env: dict) -> tuple[int, float]:
    """Run features/ on one driver; return pytest's exit code and the seconds it took."""
    cmd = [sys.executable, "-m", "pytest", "features", "-q", "-p", "no:cacheprovider", "--ignore=features/test_mutants.py", f"--junitxml={junit}", "--driver", driver, *extra]
    if driver == "cluster":
        cmd += ["--kube-context", CONTEXT]
    start = time.monotonic()
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    return code, time.monotonic() - start


def outcomes(junit: Path) -> dict[str, tuple[str, str]]:
    """Read a JUnit XML report: test id -> (passed|failed|skipped, reason)."""
    out: dict[str, tuple[str, str]] = {}
    if not junit.exists():
        return out
    for case in ET.parse(junit).getroot().iter("testcase"):
        test_id = f"{case.get('classname', '').split('.')[-1]}::{case.get('name')}"
        status, reason = "passed", ""
        for child in case:
            if child.tag in ("failure", "error"):
                status, reason = "failed", (child.get("message") or "").splitlines()[0][:90] if child.get("message") else child.tag
            elif child.tag == "skipped":
                status, reason = "skipped", (child.get("message") or "")[:90]
        out[test_id] = (status, reason)
    return out


def wait_for_cleanup(timeout: float = 120.0) -> list[str]:
    """Wait until every namespace the cluster driver created is gone; return those left."""
    from kubesim.drivers.cluster import ClusterDriver

    probe = ClusterDriver(kube_context=CONTEXT, kubeconfig=str(KUBECONFIG))
    deadline = time.monotonic() + timeout
    run_id = os.environ["KUBESIM_RUN_ID"]
    left = probe.leftover_namespaces(run_id)
    while left and time.monotonic() < deadline:
        time.sleep(1)
        left = probe.leftover_namespaces(run_id)
    return left


def table(model: dict, cluster: dict) -> str:
    ids = sorted(set(model) | set(cluster))
    width = max((len(i) for i in ids), default=10)
    lines = [f"{'SCENARIO'.ljust(width)}  {'MODEL':<8}  REAL CLUSTER"]
    for i in ids:
        m = model.get(i, ("missing", ""))
        c = cluster.get(i, ("missing", ""))
        note = f" ({c[1]})" if c[0] != "passed" and c[1] else ""
        mnote = f" ({m[1]})" if m[0] == "failed" and m[1] else ""
        lines.append(f"{i.ljust(width)}  {m[0]:<8}  {c[0]}{note}{mnote}")
    counts = lambda d, s: sum(1 for v in d.values() if v[0] == s)  # noqa: E731
    lines.append("")
    lines.append(
        f"model: {counts(model, 'passed')} passed, {counts(model, 'failed')} failed, {counts(model, 'skipped')} skipped; "
        f"real cluster: {counts(cluster, 'passed')} passed, {counts(cluster, 'failed')} failed, {counts(cluster, 'skipped')} skipped"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kubesim.conformance", description=__doc__.splitlines()[0])
    ap.add_argument("--no-up", action="store_true", help="use a control plane that is already running")
    ap.add_argument("--keep-up", action="store_true", help="leave the control plane running afterwards")
    ap.add_argument("--out", default=str(ROOT / "report" / "conformance"), help="where to write the JUnit reports and the table")
    ap.add_argument("-k", dest="keyword", default=None, help="only scenarios matching this pytest -k expression")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    extra = ["-k", args.keyword] if args.keyword else []
    os.environ.setdefault("KUBESIM_RUN_ID", f"conformance-{os.getpid()}-{int(time.time())}")
    env = {**os.environ, "KUBECONFIG": str(KUBECONFIG)}
    timings: dict[str, float] = {}
    leftovers: list[str] = []
    cleanup_code = None
    started = False
    try:
        if not args.no_up:
            t = time.monotonic()
            subprocess.check_call(["bash", str(CLUSTER / "build.sh")], cwd=ROOT)
            timings["build"] = time.monotonic() - t
            t = time.monotonic()
            subprocess.check_call(["bash", str(CLUSTER / "up.sh")], cwd=ROOT)
            timings["start-up"] = time.monotonic() - t
            started = True
        _, timings["model run"] = run_scenarios("model", out / "model.xml", extra, env)
        _, timings["cluster run"] = run_scenarios("cluster", out / "cluster.xml", extra, env)
        t = time.monotonic()
        cleanup_code = subprocess.call(
            [sys.executable, "-m", "pytest", "tests/cluster", "-q", "-p", "no:cacheprovider", f"--junitxml={out / 'cleanup.xml'}"],
            cwd=ROOT,
            env={**env, "KUBESIM_CLUSTER_CONTEXT": CONTEXT},
        )
        timings["cleanup checks"] = time.monotonic() - t
        leftovers = wait_for_cleanup()
    finally:
        if started and not args.keep_up:
            subprocess.call(["bash", str(CLUSTER / "down.sh")], cwd=ROOT)
    model, cluster = outcomes(out / "model.xml"), outcomes(out / "cluster.xml")
    text = table(model, cluster)
    text += "\n" + "; ".join(f"{k} {v:.0f}s" for k, v in timings.items())
    text += "\n" + (f"namespaces left behind: {', '.join(leftovers)}" if leftovers else "every scenario namespace was deleted")
    cleanup = outcomes(out / "cleanup.xml")
    text += "\ncleanup after failure, timeout and Ctrl-C: " + ", ".join(f"{k.split('::')[-1]} {v[0]}" for k, v in sorted(cleanup.items()))
    (out / "table.txt").write_text(text + "\n")
    print(text)
    failed = (
        any(v[0] == "failed" for v in list(model.values()) + list(cluster.values()))
        or not model
        or not cluster
        or bool(leftovers)
        or cleanup_code != 0
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
